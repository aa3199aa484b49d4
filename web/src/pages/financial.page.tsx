import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api/client.ts';
import { keys, useMe } from '../api/queries.ts';
import type {
  BalanceSheet,
  CashFlow,
  Entity,
  ProfitAndLoss,
  ReportKind,
  Section,
  TrialBalance,
} from '../api/types.ts';
import { Empty, ErrorNotice, Loading, PageHeader, Panel } from '../components/ui.tsx';
import { formatDate, formatMoney } from '../format.ts';
import { ClosePeriodDialog, FxRateDialog, TransferDialog } from './financial.actions.tsx';
import { TransferApprovals } from './financial.approvals.tsx';
import {
  AccountLabel,
  AccountPostingsDialog,
  DrillContext,
  withoutZeroLines,
} from './financial.lines.tsx';

const KINDS: { key: ReportKind; label: string }[] = [
  { key: 'balance-sheet', label: 'Balance sheet' },
  { key: 'profit-and-loss', label: 'Profit and loss' },
  { key: 'cash-flow', label: 'Cash flow' },
  { key: 'trial-balance', label: 'Trial balance' },
];
const RANGE_KINDS = new Set<ReportKind>(['profit-and-loss', 'cash-flow']);

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
function startOfYear(): string {
  return `${new Date().getUTCFullYear()}-01-01`;
}

type Report = BalanceSheet | ProfitAndLoss | CashFlow | TrialBalance;

export function FinancialPage() {
  const [params, setParams] = useSearchParams();
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  const [dialog, setDialog] = useState<'transfer' | 'rate' | 'close' | null>(null);
  const entities = useQuery({
    queryKey: keys.entities,
    queryFn: () => api.get<Entity[]>('/api/v1/ledger/entities'),
    staleTime: 60_000,
  });
  const list = useMemo(
    () =>
      [...(entities.data ?? [])].sort(
        (a, b) =>
          (a.kind === 'holding' ? 0 : 1) - (b.kind === 'holding' ? 0 : 1) ||
          a.code.localeCompare(b.code),
      ),
    [entities.data],
  );
  const hasChildren = useMemo(
    () => new Set((entities.data ?? []).map((e) => e.parentId).filter(Boolean)),
    [entities.data],
  );
  const currencies = useMemo(() => [...new Set(list.map((e) => e.baseCurrency))].sort(), [list]);

  const kind: ReportKind =
    KINDS.find((k) => k.key === params.get('report'))?.key ?? 'balance-sheet';
  const entityId = params.get('entity') ?? list[0]?.id ?? '';
  const entity = list.find((e) => e.id === entityId);
  const consolidatedParam = params.get('consolidated');
  const consolidated =
    consolidatedParam === null ? hasChildren.has(entityId) : consolidatedParam === 'true';
  const currency = params.get('currency') ?? '';
  const asOf = params.get('asOf') ?? today();
  const from = params.get('from') ?? startOfYear();
  const to = params.get('to') ?? today();

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };

  const query: Record<string, string | undefined> = {
    entityId,
    consolidated: consolidated ? 'true' : undefined,
    currency: currency || undefined,
  };
  if (RANGE_KINDS.has(kind)) Object.assign(query, { from, to });
  else Object.assign(query, { asOf });

  const report = useQuery({
    queryKey: ['ledger', 'report', kind, query],
    // The kind travels with the answer: while the next statement loads, the previous one stays
    // on screen and must be drawn as what it is.
    queryFn: async ({ signal }) => ({
      kind,
      report: await api.get<Report>(`/api/v1/ledger/reports/${kind}`, { query, signal }),
    }),
    enabled: Boolean(entity),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader
        title="Financial"
        intro="Statements of each legal entity, or consolidated over an entity and its descendants with intercompany balances eliminated."
        actions={
          canWrite && entity ? (
            <>
              <button type="button" className="button" onClick={() => setDialog('rate')}>
                Record rate
              </button>
              <button type="button" className="button" onClick={() => setDialog('close')}>
                Close period
              </button>
              <button
                type="button"
                className="button button-primary"
                onClick={() => setDialog('transfer')}
              >
                New transfer
              </button>
            </>
          ) : null
        }
      />
      {canWrite && entity ? (
        <>
          <TransferDialog
            key={`t-${entity.id}`}
            entity={entity}
            open={dialog === 'transfer'}
            onClose={() => setDialog(null)}
          />
          <ClosePeriodDialog
            key={`c-${entity.id}`}
            entity={entity}
            open={dialog === 'close'}
            onClose={() => setDialog(null)}
          />
          <FxRateDialog
            currencies={currencies}
            open={dialog === 'rate'}
            onClose={() => setDialog(null)}
          />
        </>
      ) : null}
      <TransferApprovals />
      {entities.isPending ? <Loading /> : null}
      {entities.error ? <ErrorNotice error={entities.error} /> : null}
      {entities.data && entities.data.length === 0 ? (
        <Empty title="No ledger entity yet">
          <p>
            The books start with a legal entity: create one with{' '}
            <code>iza ledger entity create</code> or <code>POST /api/v1/ledger/entities</code>.
          </p>
        </Empty>
      ) : null}
      {entity ? (
        <>
          <form className="filters glass-card" onSubmit={(e) => e.preventDefault()}>
            <div className="field field-grow">
              <label htmlFor="fin-entity">Entity</label>
              <select
                id="fin-entity"
                value={entityId}
                onChange={(e) => set({ entity: e.target.value, consolidated: null })}
              >
                {list.map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.code} · {e.name} ({e.kind}, {e.baseCurrency})
                  </option>
                ))}
              </select>
            </div>
            <div className="field field-check">
              <input
                id="fin-consolidated"
                type="checkbox"
                checked={consolidated}
                onChange={(e) => set({ consolidated: String(e.target.checked) })}
              />
              <label htmlFor="fin-consolidated">Consolidated with descendants</label>
            </div>
            <div className="field">
              <label htmlFor="fin-currency">Currency</label>
              <select
                id="fin-currency"
                value={currency}
                onChange={(e) => set({ currency: e.target.value })}
              >
                <option value="">Base ({entity.baseCurrency})</option>
                {currencies.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            {RANGE_KINDS.has(kind) ? (
              <>
                <div className="field">
                  <label htmlFor="fin-from">From</label>
                  <input
                    id="fin-from"
                    type="date"
                    value={from}
                    onChange={(e) => set({ from: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor="fin-to">To</label>
                  <input
                    id="fin-to"
                    type="date"
                    value={to}
                    onChange={(e) => set({ to: e.target.value })}
                  />
                </div>
              </>
            ) : (
              <div className="field">
                <label htmlFor="fin-asof">As of</label>
                <input
                  id="fin-asof"
                  type="date"
                  value={asOf}
                  onChange={(e) => set({ asOf: e.target.value })}
                />
              </div>
            )}
          </form>
          <div className="tabs" role="group" aria-label="Statement">
            {KINDS.map((k) => (
              <button
                key={k.key}
                type="button"
                className={`tab ${k.key === kind ? 'active' : ''}`}
                aria-pressed={k.key === kind}
                onClick={() => set({ report: k.key === 'balance-sheet' ? null : k.key })}
                data-report={k.key}
              >
                {k.label}
              </button>
            ))}
          </div>
          {report.isPending ? <Loading /> : null}
          {report.error ? (
            <ErrorNotice error={report.error} title="The statement could not be made" />
          ) : null}
          {report.data && !report.error ? (
            <div className={report.isFetching ? 'stale' : undefined} aria-busy={report.isFetching}>
              <Statement kind={report.data.kind} report={report.data.report} />
            </div>
          ) : null}
        </>
      ) : null}
    </>
  );
}

function Statement(props: { kind: ReportKind; report: Report }) {
  const [hideZero, setHideZero] = useState(true);
  const [drilled, setDrilled] = useState<string | null>(null);
  const report = hideZero ? withoutZeroLines(props.report) : props.report;
  // An account's postings are one entity's: consolidated statements do not drill down.
  const drill = report.consolidated ? null : setDrilled;
  const scope = report.consolidated
    ? `${report.entity.code} and ${report.entities.length - 1} descendants, consolidated`
    : `${report.entity.code} · ${report.entity.name}`;
  const period = report.from
    ? `${formatDate(report.from)} to ${formatDate(report.to)}`
    : `as of ${formatDate(report.to)}`;
  const money = (minor: string) => formatMoney(minor, report.currency);
  const title = KINDS.find((k) => k.key === props.kind)?.label ?? '';
  return (
    <Panel
      title={title}
      id="statement"
      actions={
        <label className="field-check">
          <input
            type="checkbox"
            checked={hideZero}
            onChange={(e) => setHideZero(e.target.checked)}
          />
          Hide zero lines
        </label>
      }
    >
      <p className="muted">
        {scope} · {period} · amounts in {report.currency}
        {drill ? ' · choose an account to see its postings' : ''}
      </p>
      <AccountPostingsDialog
        entityId={report.entity.id}
        code={drilled}
        from={report.from ?? null}
        to={report.to}
        onClose={() => setDrilled(null)}
      />
      <DrillContext.Provider value={drill}>
        {props.kind === 'balance-sheet' ? (
          <BalanceSheetView r={report as BalanceSheet} money={money} />
        ) : null}
        {props.kind === 'profit-and-loss' ? (
          <ProfitAndLossView r={report as ProfitAndLoss} money={money} />
        ) : null}
        {props.kind === 'cash-flow' ? <CashFlowView r={report as CashFlow} money={money} /> : null}
        {props.kind === 'trial-balance' ? (
          <TrialBalanceView r={report as TrialBalance} money={money} />
        ) : null}
      </DrillContext.Provider>
    </Panel>
  );
}

type Money = (minor: string) => string;

function SectionRows(props: { title: string; section: Section; metric: string; money: Money }) {
  return (
    <tbody>
      <tr className="section-head">
        <th scope="rowgroup" colSpan={2}>
          {props.title}
        </th>
      </tr>
      {props.section.lines.map((line) => (
        <tr key={line.code} data-account={line.code}>
          <th scope="row" style={{ paddingInlineStart: `${0.75 + line.depth * 1}rem` }}>
            <AccountLabel code={line.code} name={line.name} />
          </th>
          <td className="num">{props.money(line.total)}</td>
        </tr>
      ))}
      <tr className="total">
        <th scope="row">Total {props.title.toLowerCase()}</th>
        <td className="num" data-metric={props.metric}>
          {props.money(props.section.total)}
        </td>
      </tr>
    </tbody>
  );
}

function TwoColumn(props: { caption: string; children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={props.caption}>
      <table className="data-table statement">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        {props.children}
      </table>
    </div>
  );
}

function Row(props: { label: string; value: string; metric?: string; total?: boolean }) {
  return (
    <tr className={props.total ? 'total' : undefined}>
      <th scope="row">{props.label}</th>
      <td className="num" data-metric={props.metric}>
        {props.value}
      </td>
    </tr>
  );
}

function BalanceSheetView({ r, money }: { r: BalanceSheet; money: Money }) {
  return (
    <TwoColumn caption="Balance sheet">
      <SectionRows title="Assets" section={r.assets} metric="balance-sheet.assets" money={money} />
      <SectionRows
        title="Liabilities"
        section={r.liabilities}
        metric="balance-sheet.liabilities"
        money={money}
      />
      <SectionRows title="Equity" section={r.equity} metric="balance-sheet.equity" money={money} />
      <tbody>
        <Row
          label="of which unclosed earnings"
          value={money(r.equity.unclosedEarnings)}
          metric="balance-sheet.equity.unclosedEarnings"
        />
        <Row
          label="of which currency translation differences"
          value={money(r.equity.translationDifferences)}
          metric="balance-sheet.equity.translationDifferences"
        />
        <Row
          label="Liabilities and equity"
          value={money(r.liabilitiesAndEquity)}
          metric="balance-sheet.liabilitiesAndEquity"
          total
        />
      </tbody>
    </TwoColumn>
  );
}

function ProfitAndLossView({ r, money }: { r: ProfitAndLoss; money: Money }) {
  return (
    <TwoColumn caption="Profit and loss">
      <SectionRows
        title="Revenue"
        section={r.revenue}
        metric="profit-and-loss.revenue"
        money={money}
      />
      <SectionRows
        title="Expenses"
        section={r.expenses}
        metric="profit-and-loss.expenses"
        money={money}
      />
      <tbody>
        <Row
          label="Net income"
          value={money(r.netIncome)}
          metric="profit-and-loss.netIncome"
          total
        />
      </tbody>
    </TwoColumn>
  );
}

function CashFlowView({ r, money }: { r: CashFlow; money: Money }) {
  const sections = [
    ['Operating', r.operating],
    ['Investing', r.investing],
    ['Financing', r.financing],
  ] as const;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Cash flow">
      <table className="data-table statement">
        <caption className="visually-hidden">Cash flow</caption>
        <thead>
          <tr>
            <th scope="col">Activity</th>
            <th scope="col" className="num">
              Inflows
            </th>
            <th scope="col" className="num">
              Outflows
            </th>
            <th scope="col" className="num">
              Net
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Opening cash</th>
            <td colSpan={2} />
            <td className="num" data-metric="cash-flow.openingCash">
              {money(r.openingCash)}
            </td>
          </tr>
        </tbody>
        {sections.map(([label, section]) => (
          <tbody key={label}>
            <tr className="section-head">
              <th scope="rowgroup" colSpan={4}>
                {label}
              </th>
            </tr>
            {section.lines.map((line) => (
              <tr key={line.code} data-account={line.code}>
                <th scope="row" className="indent">
                  <AccountLabel code={line.code} name={line.name} />
                </th>
                <td className="num">{money(line.inflows)}</td>
                <td className="num">{money(line.outflows)}</td>
                <td className="num">{money(line.net)}</td>
              </tr>
            ))}
            <tr className="total">
              <th scope="row">Net {label.toLowerCase()}</th>
              <td className="num">{money(section.inflows)}</td>
              <td className="num">{money(section.outflows)}</td>
              <td className="num" data-metric={`cash-flow.${label.toLowerCase()}`}>
                {money(section.net)}
              </td>
            </tr>
          </tbody>
        ))}
        <tbody>
          {[
            ['Exchange rate effect', r.exchangeRateEffect, 'cash-flow.exchangeRateEffect'],
            [
              'Elimination differences',
              r.eliminationDifferences,
              'cash-flow.eliminationDifferences',
            ],
            ['Net change in cash', r.netChange, 'cash-flow.netChange'],
            ['Closing cash', r.closingCash, 'cash-flow.closingCash'],
          ].map(([label = '', value = '0', metric = '']) => (
            <tr key={metric} className={metric.endsWith('Cash') ? 'total' : undefined}>
              <th scope="row">{label}</th>
              <td colSpan={2} />
              <td className="num" data-metric={metric}>
                {money(value)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TrialBalanceView({ r, money }: { r: TrialBalance; money: Money }) {
  const columns = ['opening', 'debits', 'credits', 'translation', 'closing'] as const;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Trial balance">
      <table className="data-table statement">
        <caption className="visually-hidden">Trial balance</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            {columns.map((c) => (
              <th key={c} scope="col" className="num">
                {c[0]?.toUpperCase()}
                {c.slice(1)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {r.lines.map((line) => (
            <tr key={line.code} data-account={line.code}>
              <th scope="row" style={{ paddingInlineStart: `${0.75 + line.depth * 1}rem` }}>
                <AccountLabel code={line.code} name={line.name} />
              </th>
              {columns.map((c) => (
                <td key={c} className="num">
                  {money(line[c])}
                </td>
              ))}
            </tr>
          ))}
          <tr>
            <th scope="row">Currency translation differences</th>
            {columns.map((c) => (
              <td key={c} className="num">
                {money(r.translationDifferences[c])}
              </td>
            ))}
          </tr>
          <tr className="total">
            <th scope="row">Totals</th>
            {columns.map((c) => (
              <td key={c} className="num" data-metric={`trial-balance.totals.${c}`}>
                {money(r.totals[c])}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}
