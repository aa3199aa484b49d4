import type { Entity, PeriodUnit, ReportKind } from '../api/types.ts';
import { EntityPicker } from '../components/entity-picker.tsx';
import { KINDS } from './financial.statements.tsx';

/**
 * What the Financial page shows, read from its address, and the form that changes it: the
 * entity (a searchable tree), consolidation, the currency, and the periods: the last months,
 * quarters or years side by side up to a day, or one period of custom dates (the trial balance
 * is always one period).
 */

const RANGE_KINDS = new Set<ReportKind>(['profit-and-loss', 'cash-flow']);
const UNITS: readonly PeriodUnit[] = ['month', 'quarter', 'year'];
const DEFAULT_COUNT: Record<PeriodUnit, number> = { month: 3, quarter: 4, year: 3 };
/** The server's limit (MAX_PERIODS in src/ledger/reports.types.ts). */
const MAX_COUNT = 24;

const CHOICES: { unit: PeriodUnit; count: number }[] = [
  { unit: 'month', count: 3 },
  { unit: 'month', count: 6 },
  { unit: 'month', count: 12 },
  { unit: 'quarter', count: 4 },
  { unit: 'quarter', count: 8 },
  { unit: 'year', count: 3 },
  { unit: 'year', count: 5 },
];

export interface View {
  kind: ReportKind;
  entityId: string;
  consolidated: boolean;
  /** '' for the entity's base currency. */
  currency: string;
  /** Periods side by side (`unit`, `count`, up to `to`); false: one period. */
  columns: boolean;
  unit: PeriodUnit;
  count: number;
  /** One period over `from`..`to` (profit and loss, cash flow), else as of `asOf`. */
  range: boolean;
  from: string;
  to: string;
  asOf: string;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Holdings first, then by code: the entity shown when the address names none. */
function firstEntity(entities: readonly Entity[]): Entity | undefined {
  return [...entities].sort(
    (a, b) =>
      (a.kind === 'holding' ? 0 : 1) - (b.kind === 'holding' ? 0 : 1) ||
      a.code.localeCompare(b.code),
  )[0];
}

/**
 * The view in the address. Without `period`, an address with `from` or `asOf` (made before the
 * periods existed) is one period of custom dates; otherwise the last 3 months side by side.
 */
export function readView(params: URLSearchParams, entities: readonly Entity[]): View {
  const kind = KINDS.find((k) => k.key === params.get('report'))?.key ?? 'balance-sheet';
  const entityId = params.get('entity') ?? firstEntity(entities)?.id ?? '';
  const hasChildren = entities.some((e) => e.parentId === entityId);
  const consolidatedParam = params.get('consolidated');
  const period = params.get('period');
  const unit = UNITS.find((u) => u === period) ?? 'month';
  const custom =
    period === 'custom' || (period === null && (params.has('from') || params.has('asOf')));
  const count = Number(params.get('count'));
  return {
    kind,
    entityId,
    consolidated: consolidatedParam === null ? hasChildren : consolidatedParam === 'true',
    currency: params.get('currency') ?? '',
    columns: kind !== 'trial-balance' && !custom,
    unit,
    count:
      Number.isInteger(count) && count >= 1 && count <= MAX_COUNT ? count : DEFAULT_COUNT[unit],
    range: RANGE_KINDS.has(kind),
    from: params.get('from') ?? `${today().slice(0, 4)}-01-01`,
    to: params.get('to') ?? today(),
    asOf: params.get('asOf') ?? today(),
  };
}

const plural: Record<PeriodUnit, string> = { month: 'months', quarter: 'quarters', year: 'years' };

export function FinancialFilters(props: {
  view: View;
  entities: readonly Entity[];
  entity: Entity;
  currencies: readonly string[];
  set: (changes: Record<string, string | null>) => void;
}) {
  const { view, entity, set } = props;
  const choices = CHOICES.some((c) => c.unit === view.unit && c.count === view.count)
    ? CHOICES
    : [...CHOICES, { unit: view.unit, count: view.count }];
  const date = (id: string, label: string, param: 'from' | 'to' | 'asOf') => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        value={view[param]}
        onChange={(e) => set({ [param]: e.target.value })}
      />
    </div>
  );
  return (
    <form className="filters fin-filters glass-card" onSubmit={(e) => e.preventDefault()}>
      <div className="field field-grow">
        <label htmlFor="fin-entity">Entity</label>
        <EntityPicker
          id="fin-entity"
          entities={props.entities}
          value={view.entityId}
          onChange={(id) => set({ entity: id, consolidated: null })}
        />
      </div>
      <div className="field field-check">
        <input
          id="fin-consolidated"
          type="checkbox"
          checked={view.consolidated}
          onChange={(e) => set({ consolidated: String(e.target.checked) })}
        />
        <label htmlFor="fin-consolidated">Consolidated with descendants</label>
      </div>
      <div className="field">
        <label htmlFor="fin-currency">Currency</label>
        <select
          id="fin-currency"
          value={view.currency}
          onChange={(e) => set({ currency: e.target.value })}
        >
          <option value="">Base ({entity.baseCurrency})</option>
          {props.currencies.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      {view.kind === 'trial-balance' ? null : (
        <div className="field">
          <label htmlFor="fin-period">Periods</label>
          <select
            id="fin-period"
            value={view.columns ? `${view.unit}:${view.count}` : 'custom'}
            onChange={(e) => {
              const [unit = '', count = ''] = e.target.value.split(':');
              if (unit === 'custom') set({ period: 'custom', count: null });
              else set({ period: unit, count, from: null, asOf: null });
            }}
          >
            {choices.map((c) => (
              <option key={`${c.unit}:${c.count}`} value={`${c.unit}:${c.count}`}>
                Last {c.count} {c.count === 1 ? c.unit : plural[c.unit]}
              </option>
            ))}
            <option value="custom">Custom dates</option>
          </select>
        </div>
      )}
      {view.columns ? (
        date('fin-to', 'Up to', 'to')
      ) : view.range ? (
        <>
          {date('fin-from', 'From', 'from')}
          {date('fin-to', 'To', 'to')}
        </>
      ) : (
        date('fin-asof', 'As of', 'asOf')
      )}
    </form>
  );
}
