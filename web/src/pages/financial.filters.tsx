import type { Entity, ReportKind } from '../api/types.ts';
import { EntityPicker } from './financial.picker.tsx';
import { KINDS } from './financial.statements.tsx';

/**
 * What the Financial page shows, read from its address, and the form that changes it: the
 * entity (a searchable tree), consolidation, the currency and the dates.
 */

const RANGE_KINDS = new Set<ReportKind>(['profit-and-loss', 'cash-flow']);
export interface View {
  kind: ReportKind;
  entityId: string;
  consolidated: boolean;
  /** '' for the entity's base currency. */
  currency: string;
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

/** The view in the address. */
export function readView(params: URLSearchParams, entities: readonly Entity[]): View {
  const kind = KINDS.find((k) => k.key === params.get('report'))?.key ?? 'balance-sheet';
  const entityId = params.get('entity') ?? firstEntity(entities)?.id ?? '';
  const hasChildren = entities.some((e) => e.parentId === entityId);
  const consolidatedParam = params.get('consolidated');
  return {
    kind,
    entityId,
    consolidated: consolidatedParam === null ? hasChildren : consolidatedParam === 'true',
    currency: params.get('currency') ?? '',
    range: RANGE_KINDS.has(kind),
    from: params.get('from') ?? `${today().slice(0, 4)}-01-01`,
    to: params.get('to') ?? today(),
    asOf: params.get('asOf') ?? today(),
  };
}

export function FinancialFilters(props: {
  view: View;
  entities: readonly Entity[];
  entity: Entity;
  currencies: readonly string[];
  set: (changes: Record<string, string | null>) => void;
}) {
  const { view, entity, set } = props;
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
      {view.range ? (
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
