import { useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type {
  BalanceSheet,
  CashFlow,
  Comparative,
  PeriodUnit,
  ProfitAndLoss,
  ReportKind,
  Section,
  StatementBody,
} from '../api/types.ts';
import {
  formatChangePercent,
  formatCount,
  formatDate,
  formatDayMonth,
  formatMonth,
  formatMoney,
  formatMoneyChange,
} from '../format.ts';
import { change, isZero } from './financial.figures.ts';
import { AccountLabel } from './financial.lines.tsx';
import { scopeOf, StatementPanel } from './financial.statements.tsx';

/**
 * A statement for several periods side by side (from `GET /api/v1/ledger/reports/<kind>/periods`):
 * one column per period, the flow statements' Total over them, and the change of the last period
 * against the one before, in money and in percent ("n/a" when the one before is zero). Lines are
 * the union of the columns' lines; "Hide zero lines" hides a line that is zero in every column.
 */

export type ComparativeReport =
  Comparative<BalanceSheet> | Comparative<ProfitAndLoss> | Comparative<CashFlow>;

/** One row of the table: a figure per period, the total (flow statements) or none. */
interface Row {
  key: string;
  label: ReactNode;
  /** An account line (hidden with the zero lines when all its figures are zero). */
  account?: { code: string; depth: number };
  total?: boolean;
  metric?: string;
  values: string[];
  sum: string | null;
  /** An account with many sub-accounts: how many, and whether they are shown. */
  fold?: { count: number; open: boolean };
}

/** Past this many direct sub-accounts (a holding's line per venture), a line starts folded. */
const FOLD_FROM = 20;

/**
 * The rows with the sub-accounts (and theirs) of a line that has more than `FOLD_FROM` of them
 * left out,
 * unless the line is opened: a holding's statement has a line per venture, a thousand rows a
 * phone would lay out before showing anything. The line's own figures include them.
 */
function folded(rows: Row[], opened: ReadonlySet<string>): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const depth = row.account?.depth;
    if (depth === undefined) {
      out.push(row);
      continue;
    }
    let end = i + 1;
    let count = 0;
    for (; end < rows.length && (rows[end]!.account?.depth ?? -1) > depth; end++) {
      if (rows[end]!.account!.depth === depth + 1) count++;
    }
    if (count <= FOLD_FROM) {
      out.push(row);
      continue;
    }
    const open = opened.has(row.account!.code);
    out.push({ ...row, fold: { count, open } });
    if (!open) i = end - 1;
  }
  return out;
}

interface Group {
  title: string | null;
  rows: Row[];
}

/** "Jan 2026", "Q1 2026", "2026": a period by its first day. */
export function periodLabel(unit: PeriodUnit, from: string): string {
  const year = from.slice(0, 4);
  switch (unit) {
    case 'month':
      return formatMonth(from.slice(0, 7));
    case 'quarter':
      return `Q${Math.floor((Number(from.slice(5, 7)) - 1) / 3) + 1} ${year}`;
    case 'year':
      return year;
  }
}

const UNITS: Record<PeriodUnit, [string, string]> = {
  month: ['month', 'months'],
  quarter: ['quarter', 'quarters'],
  year: ['year', 'years'],
};

export function ComparativeStatement(props: { kind: ReportKind; report: ComparativeReport }) {
  const { kind, report } = props;
  const count = report.periods.length;
  const noun = UNITS[report.period][count === 1 ? 0 : 1];
  const balance = kind === 'balance-sheet';
  return (
    <StatementPanel
      kind={kind}
      entityId={report.entity.id}
      consolidated={report.consolidated}
      about={`${scopeOf(report)} · ${count} ${noun}, ${formatDate(report.from)} to ${formatDate(report.to)}${balance ? ' (each as of its last day)' : ''} · amounts in ${report.currency}`}
      drillFrom={balance ? null : report.from}
      drillTo={report.to}
    >
      {(hideZero) => <ColumnsTable kind={kind} report={report} hideZero={hideZero} />}
    </StatementPanel>
  );
}

function ColumnsTable(props: { kind: ReportKind; report: ComparativeReport; hideZero: boolean }) {
  const { kind, report } = props;
  const [scroller, overflowing] = useOverflowing();
  const all = useMemo(() => groupsOf(kind, report), [kind, report]);
  const [opened, setOpened] = useState<ReadonlySet<string>>(() => new Set());
  const groups = all.map((group) => {
    const shown = props.hideZero
      ? group.rows.filter(
          (row) =>
            !row.account || !row.values.every(isZero) || (row.sum !== null && !isZero(row.sum)),
        )
      : group.rows;
    return { ...group, rows: folded(shown, opened) };
  });
  const toggle = (code: string) =>
    setOpened((before) => {
      const next = new Set(before);
      if (!next.delete(code)) next.add(code);
      return next;
    });
  const money = (minor: string) => formatMoney(minor, report.currency);
  const periods = report.periods;
  const hasTotal = report.total !== null;
  const hasChange = periods.length > 1;
  const width = 1 + periods.length + (hasTotal ? 1 : 0) + (hasChange ? 2 : 0);
  const labels = periods.map((p) => periodLabel(report.period, p.from));
  const sub = (p: (typeof periods)[number]) =>
    kind === 'balance-sheet'
      ? `at ${formatDayMonth(p.to)}`
      : p.partial
        ? `to ${formatDayMonth(p.to)}`
        : null;
  const caption = `${kindTitle(kind)} by ${report.period}, ${labels[0]} to ${labels.at(-1)}`;
  return (
    <div
      ref={scroller}
      className={`table-scroll ${overflowing ? 'overflowing' : ''}`}
      tabIndex={0}
      role="region"
      aria-label={caption}
    >
      <table id="statement-table" className="data-table statement columns">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="sticky-col">
              {kind === 'cash-flow' ? 'Activity' : 'Account'}
            </th>
            {periods.map((p, i) => (
              <th key={p.from} scope="col" className="num" data-column={p.from}>
                {labels[i]}
                {sub(p) ? <span className="column-sub">{sub(p)}</span> : null}
              </th>
            ))}
            {hasTotal ? (
              <th scope="col" className="num column-total">
                Total
              </th>
            ) : null}
            {hasChange ? (
              <>
                <th scope="col" className="num column-change">
                  Change
                  <span className="column-sub">vs {labels.at(-2)}</span>
                </th>
                <th scope="col" className="num">
                  Change %
                </th>
              </>
            ) : null}
          </tr>
        </thead>
        {groups.map((group, g) => (
          <tbody key={group.title ?? g}>
            {group.title ? (
              <tr className="section-head">
                <th scope="rowgroup" className="sticky-col">
                  {group.title}
                </th>
                <td colSpan={width - 1} />
              </tr>
            ) : null}
            {group.rows.map((row) => {
              const difference = hasChange ? change(row.values.at(-1)!, row.values.at(-2)!) : null;
              return (
                <tr
                  key={row.key}
                  className={row.total ? 'total' : undefined}
                  data-account={row.account?.code}
                >
                  <th
                    scope="row"
                    className="sticky-col"
                    style={
                      row.account
                        ? { paddingInlineStart: `${0.75 + row.account.depth * 1}rem` }
                        : undefined
                    }
                  >
                    {row.label}
                    {row.fold ? (
                      <>
                        {' '}
                        <button
                          type="button"
                          className="link-button fold-button"
                          aria-expanded={row.fold.open}
                          data-fold={row.account?.code}
                          onClick={() => toggle(row.account!.code)}
                        >
                          {row.fold.open
                            ? 'Hide its accounts'
                            : `Show its ${formatCount(row.fold.count)} accounts`}
                        </button>
                      </>
                    ) : null}
                  </th>
                  {row.values.map((value, i) => (
                    <td
                      key={periods[i]!.from}
                      className="num"
                      data-column={periods[i]!.from}
                      data-metric={row.metric}
                    >
                      {money(value)}
                    </td>
                  ))}
                  {hasTotal ? (
                    <td className="num column-total" data-column="total" data-metric={row.metric}>
                      {row.sum === null ? '' : money(row.sum)}
                    </td>
                  ) : null}
                  {difference ? (
                    <>
                      <td
                        className="num column-change"
                        data-column="change"
                        data-metric={row.metric}
                      >
                        {formatMoneyChange(difference.amount, report.currency)}
                      </td>
                      <td className="num" data-column="change-percent" data-metric={row.metric}>
                        {formatChangePercent(difference.basisPoints)}
                      </td>
                    </>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        ))}
      </table>
    </div>
  );
}

/**
 * Whether the element's content is wider than the element (the table scrolls sideways): only
 * then does the account column need a background of its own to hide the figures passing under
 * it (an opaque one differs a little from the glass panel around it).
 */
function useOverflowing() {
  const ref = useRef<HTMLDivElement>(null);
  const [overflowing, setOverflowing] = useState(false);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const check = () => setOverflowing(element.scrollWidth > element.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return [ref, overflowing] as const;
}

function kindTitle(kind: ReportKind): string {
  return kind === 'balance-sheet'
    ? 'Balance sheet'
    : kind === 'profit-and-loss'
      ? 'Profit and loss'
      : kind === 'cash-flow'
        ? 'Cash flow'
        : 'Trial balance';
}

function groupsOf(kind: ReportKind, report: ComparativeReport): Group[] {
  switch (kind) {
    case 'balance-sheet':
      return balanceSheetGroups(report as Comparative<BalanceSheet>);
    case 'profit-and-loss':
      return profitAndLossGroups(report as Comparative<ProfitAndLoss>);
    case 'cash-flow':
      return cashFlowGroups(report as Comparative<CashFlow>);
    case 'trial-balance':
      return [];
  }
}

type Columns<S extends BalanceSheet | ProfitAndLoss | CashFlow> = StatementBody<S>[];

/** A plain or total row of one figure per column, read with `pick`. */
function figureRow<S extends BalanceSheet | ProfitAndLoss | CashFlow>(
  columns: Columns<S>,
  total: StatementBody<S> | null,
  label: string,
  pick: (s: StatementBody<S>) => string,
  options: { metric?: string; total?: boolean } = {},
): Row {
  return {
    key: label,
    label,
    values: columns.map(pick),
    sum: total ? pick(total) : null,
    ...options,
  };
}

/** A section's account lines over the columns (each line's `total`: its own and its sub-accounts'). */
function sectionRows(
  sections: Section[],
  total: Section | null,
  title: string,
  metric: string,
): Group {
  const lines = unionOf(sections.map((s) => s.lines));
  const valueIn = (section: Section | null, code: string) =>
    (section ? lineIn(section.lines, code)?.total : undefined) ?? '0';
  return {
    title,
    rows: [
      ...lines.map((line) => ({
        key: line.code,
        label: <AccountLabel code={line.code} name={line.name} />,
        account: { code: line.code, depth: line.depth },
        values: sections.map((s) => valueIn(s, line.code)),
        sum: total ? valueIn(total, line.code) : null,
      })),
      {
        key: `total ${title}`,
        label: `Total ${title.toLowerCase()}`,
        total: true,
        metric,
        values: sections.map((s) => s.total),
        sum: total ? total.total : null,
      },
    ],
  };
}

const linesByCode = new WeakMap<readonly { code: string }[], Map<string, { code: string }>>();

/**
 * A column's line of an account, found through an index of the column's lines made once: a
 * holding's statement has a line per venture (a thousand and more), looked up in every column.
 */
function lineIn<L extends { code: string }>(lines: readonly L[], code: string): L | undefined {
  let index = linesByCode.get(lines);
  if (!index) {
    index = new Map(lines.map((line) => [line.code, line]));
    linesByCode.set(lines, index);
  }
  return index.get(code) as L | undefined;
}

/** The lines of every column, each code once, in the order they first come. */
function unionOf<L extends { code: string }>(columns: L[][]): L[] {
  const seen = new Map<string, L>();
  for (const lines of columns)
    for (const line of lines) if (!seen.has(line.code)) seen.set(line.code, line);
  return [...seen.values()];
}

function balanceSheetGroups(r: Comparative<BalanceSheet>): Group[] {
  const columns = r.periods.map((p) => p.statement);
  const of = <K extends 'assets' | 'liabilities' | 'equity'>(key: K) => columns.map((c) => c[key]);
  return [
    sectionRows(of('assets'), null, 'Assets', 'balance-sheet.assets'),
    sectionRows(of('liabilities'), null, 'Liabilities', 'balance-sheet.liabilities'),
    sectionRows(of('equity'), null, 'Equity', 'balance-sheet.equity'),
    {
      title: null,
      rows: [
        figureRow(columns, null, 'of which unclosed earnings', (c) => c.equity.unclosedEarnings, {
          metric: 'balance-sheet.equity.unclosedEarnings',
        }),
        figureRow(
          columns,
          null,
          'of which currency translation differences',
          (c) => c.equity.translationDifferences,
          { metric: 'balance-sheet.equity.translationDifferences' },
        ),
        figureRow(columns, null, 'Liabilities and equity', (c) => c.liabilitiesAndEquity, {
          metric: 'balance-sheet.liabilitiesAndEquity',
          total: true,
        }),
      ],
    },
  ];
}

function profitAndLossGroups(r: Comparative<ProfitAndLoss>): Group[] {
  const columns = r.periods.map((p) => p.statement);
  return [
    sectionRows(
      columns.map((c) => c.revenue),
      r.total?.revenue ?? null,
      'Revenue',
      'profit-and-loss.revenue',
    ),
    sectionRows(
      columns.map((c) => c.expenses),
      r.total?.expenses ?? null,
      'Expenses',
      'profit-and-loss.expenses',
    ),
    {
      title: null,
      rows: [
        figureRow(columns, r.total, 'Net income', (c) => c.netIncome, {
          metric: 'profit-and-loss.netIncome',
          total: true,
        }),
      ],
    },
  ];
}

function cashFlowGroups(r: Comparative<CashFlow>): Group[] {
  const columns = r.periods.map((p) => p.statement);
  const activities = [
    ['Operating', 'operating'],
    ['Investing', 'investing'],
    ['Financing', 'financing'],
  ] as const;
  const row = (
    label: string,
    pick: (c: StatementBody<CashFlow>) => string,
    metric: string,
    total = false,
  ) => figureRow(columns, r.total, label, pick, { metric, total });
  return [
    {
      title: null,
      rows: [row('Opening cash', (c) => c.openingCash, 'cash-flow.openingCash', true)],
    },
    ...activities.map(([title, key]) => {
      const sections = columns.map((c) => c[key]);
      const total = r.total?.[key] ?? null;
      const lines = unionOf(sections.map((s) => s.lines));
      const netIn = (section: typeof total, code: string) =>
        (section ? lineIn(section.lines, code)?.net : undefined) ?? '0';
      return {
        title,
        rows: [
          ...lines.map((line) => ({
            key: line.code,
            label: <AccountLabel code={line.code} name={line.name} />,
            account: { code: line.code, depth: 0 },
            values: sections.map((s) => netIn(s, line.code)),
            sum: total ? netIn(total, line.code) : null,
          })),
          row(`Net ${key}`, (c) => c[key].net, `cash-flow.${key}`, true),
        ],
      };
    }),
    {
      title: null,
      rows: [
        row('Exchange rate effect', (c) => c.exchangeRateEffect, 'cash-flow.exchangeRateEffect'),
        row(
          'Elimination differences',
          (c) => c.eliminationDifferences,
          'cash-flow.eliminationDifferences',
        ),
        row('Net change in cash', (c) => c.netChange, 'cash-flow.netChange'),
        row('Closing cash', (c) => c.closingCash, 'cash-flow.closingCash', true),
      ],
    },
  ];
}
