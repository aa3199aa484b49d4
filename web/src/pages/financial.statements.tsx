import { useState, type ReactNode } from 'react';
import type {
  BalanceSheet,
  CashFlow,
  ProfitAndLoss,
  ReportKind,
  Section,
  TrialBalance,
} from '../api/types.ts';
import { Panel } from '../components/ui.tsx';
import { formatDate, formatMoney } from '../format.ts';
import {
  AccountLabel,
  AccountPostingsDialog,
  DrillContext,
  withoutZeroLines,
} from './financial.lines.tsx';

/** The statements' titles, in the order of the tabs. */
export const KINDS: { key: ReportKind; label: string }[] = [
  { key: 'balance-sheet', label: 'Balance sheet' },
  { key: 'profit-and-loss', label: 'Profit and loss' },
  { key: 'cash-flow', label: 'Cash flow' },
  { key: 'trial-balance', label: 'Trial balance' },
];

export type Report = BalanceSheet | ProfitAndLoss | CashFlow | TrialBalance;

/** Who a statement covers: one entity, or an entity and its descendants consolidated. */
export function scopeOf(report: {
  entity: { code: string; name: string };
  consolidated: boolean;
  entityCount: number;
}): string {
  return report.consolidated
    ? `${report.entity.code} and ${report.entityCount - 1} descendants, consolidated`
    : `${report.entity.code} · ${report.entity.name}`;
}

/**
 * A statement's panel: its title, the "Hide zero lines" toggle (on by default), a line saying
 * what it covers, and the postings of an account chosen from a line (one entity's statements
 * only: a consolidated line is several entities' accounts).
 */
export function StatementPanel(props: {
  kind: ReportKind;
  entityId: string;
  consolidated: boolean;
  /** What the statement covers, said in one line under the title. */
  about: string;
  /** The days whose postings an account's line opens (from null: everything up to `to`). */
  drillFrom: string | null;
  drillTo: string;
  children: (hideZero: boolean) => ReactNode;
}) {
  const [hideZero, setHideZero] = useState(true);
  const [drilled, setDrilled] = useState<string | null>(null);
  const drill = props.consolidated ? null : setDrilled;
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
        {props.about}
        {drill ? ' · choose an account to see its postings' : ''}
      </p>
      <AccountPostingsDialog
        entityId={props.entityId}
        code={drilled}
        from={props.drillFrom}
        to={props.drillTo}
        onClose={() => setDrilled(null)}
      />
      <DrillContext.Provider value={drill}>{props.children(hideZero)}</DrillContext.Provider>
    </Panel>
  );
}

/** One statement over one period (the custom dates, and every trial balance). */
export function Statement(props: { kind: ReportKind; report: Report }) {
  const { kind, report } = props;
  const period = report.from
    ? `${formatDate(report.from)} to ${formatDate(report.to)}`
    : `as of ${formatDate(report.to)}`;
  const money = (minor: string) => formatMoney(minor, report.currency);
  return (
    <StatementPanel
      kind={kind}
      entityId={report.entity.id}
      consolidated={report.consolidated}
      about={`${scopeOf(report)} · ${period} · amounts in ${report.currency}`}
      drillFrom={report.from ?? null}
      drillTo={report.to}
    >
      {(hideZero) => {
        const r = hideZero ? withoutZeroLines(report) : report;
        switch (kind) {
          case 'balance-sheet':
            return <BalanceSheetView r={r as BalanceSheet} money={money} />;
          case 'profit-and-loss':
            return <ProfitAndLossView r={r as ProfitAndLoss} money={money} />;
          case 'cash-flow':
            return <CashFlowView r={r as CashFlow} money={money} />;
          case 'trial-balance':
            return <TrialBalanceView r={r as TrialBalance} money={money} />;
        }
      }}
    </StatementPanel>
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
