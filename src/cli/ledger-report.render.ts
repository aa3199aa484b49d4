import type {
  BalanceSheetJson,
  CashFlowJson,
  ProfitAndLossJson,
  ReportKind,
  TrialBalanceJson,
} from '../ledger/index.ts';
import { toCsv, toMajor } from './ledger-format.ts';
import { keyValues, table } from './output.ts';

/**
 * How `iza ledger report` shows a statement: a heading with the period, currency and rates, then
 * tables with amounts in major units; or one CSV table per statement (amounts in major units, the
 * currency in its own column). Tables leave out lines that are zero; CSV keeps every line.
 */

export type ReportJson = TrialBalanceJson | BalanceSheetJson | ProfitAndLossJson | CashFlowJson;
type Header = Pick<
  TrialBalanceJson,
  'entity' | 'consolidated' | 'entities' | 'entityCount' | 'currency' | 'from' | 'to' | 'rates'
>;
type Section = BalanceSheetJson['assets'];
type FlowSection = CashFlowJson['operating'];
type Eliminations = NonNullable<BalanceSheetJson['eliminations']>;

const TITLES: Record<ReportKind, string> = {
  'trial-balance': 'Trial balance',
  'balance-sheet': 'Balance sheet',
  'profit-and-loss': 'Profit and loss',
  'cash-flow': 'Cash flow',
};

const indent = (name: string, depth: number) => `${'  '.repeat(depth)}${name}`;
const isZero = (...values: string[]) => values.every((v) => v === '0');

export function renderReport(kind: ReportKind, report: ReportJson): string {
  const money = (minor: string) => toMajor(minor, report.currency);
  const parts = [heading(kind, report)];
  switch (kind) {
    case 'trial-balance':
      parts.push(trialBalanceTable(report as TrialBalanceJson, money));
      break;
    case 'balance-sheet': {
      const bs = report as BalanceSheetJson;
      parts.push(
        sectionTable('Assets', bs.assets, money, 'Total assets'),
        sectionTable('Liabilities', bs.liabilities, money, 'Total liabilities'),
        sectionTable(
          'Equity',
          { ...bs.equity, total: bs.equity.accounts },
          money,
          'Equity accounts',
          [
            ['Unclosed earnings (revenue - expenses)', bs.equity.unclosedEarnings],
            ['Currency translation differences', bs.equity.translationDifferences],
            ['Total equity', bs.equity.total],
            ['Total liabilities and equity', bs.liabilitiesAndEquity],
          ],
        ),
      );
      break;
    }
    case 'profit-and-loss': {
      const pl = report as ProfitAndLossJson;
      parts.push(
        sectionTable('Revenue', pl.revenue, money, 'Total revenue'),
        sectionTable('Expenses', pl.expenses, money, 'Total expenses'),
        keyValues([['Net income', money(pl.netIncome)]]),
      );
      break;
    }
    case 'cash-flow':
      parts.push(cashFlowTable(report as CashFlowJson, money));
      break;
  }
  const eliminations = (report as Partial<BalanceSheetJson>).eliminations;
  if (eliminations && eliminations.length > 0) parts.push(eliminationTable(eliminations, money));
  return parts.join('\n\n');
}

function heading(kind: ReportKind, report: Header): string {
  const pairs: [string, string][] = [
    [TITLES[kind], `${report.entity.code} (${report.entity.name})`],
  ];
  if (report.consolidated) {
    pairs.push([
      'consolidated',
      (report.entities ?? []).map((e) => e.code).join(', ') || `${report.entityCount} entities`,
    ]);
  }
  pairs.push(
    ['period', report.from === null ? `as of ${report.to}` : `${report.from} to ${report.to}`],
    ['currency', report.currency],
  );
  const translated = (report.rates ?? []).filter((r) => !r.sameCurrency);
  const lines = [keyValues(pairs)];
  if (translated.length > 0) {
    const rate = (r: { rate: string; effectiveOn: string; inverted: boolean }) =>
      `${r.rate} of ${r.effectiveOn}${r.inverted ? ' (inverse)' : ''}`;
    lines.push(
      table(
        ['entity', 'from', 'closing rate', 'opening rate', 'daily rates'],
        translated.map((r) => [
          r.entityCode,
          r.currency,
          r.closing ? rate(r.closing) : '',
          r.opening ? rate(r.opening) : '',
          r.movements.map((m) => `${rate(m)}: ${m.firstDay}..${m.lastDay}`).join('\n'),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function trialBalanceTable(tb: TrialBalanceJson, money: (m: string) => string): string {
  const range = tb.from !== null;
  const translated = !isZero(...tb.lines.map((l) => l.translation));
  const columns = (f: TrialBalanceJson['totals']) => [
    ...(range ? [money(f.opening)] : []),
    money(f.debits),
    money(f.credits),
    ...(translated ? [money(f.translation)] : []),
    money(f.closing),
  ];
  const rows = tb.lines
    .filter((l) => !isZero(l.opening, l.debits, l.credits, l.closing, l.eliminated))
    .map((l) => [l.code, indent(l.name, l.depth), ...columns(l)]);
  const differences = tb.translationDifferences;
  if (!isZero(differences.opening, differences.debits, differences.credits, differences.closing)) {
    rows.push(['', 'Currency translation differences', ...columns(differences)]);
  }
  rows.push(['', 'Total', ...columns(tb.totals)]);
  return table(
    [
      'code',
      'account',
      ...(range ? ['opening'] : []),
      'debits',
      'credits',
      ...(translated ? ['translation'] : []),
      'closing (debit +)',
    ],
    rows,
  );
}

function sectionTable(
  title: string,
  section: Section,
  money: (m: string) => string,
  totalLabel: string,
  extra: [string, string][] = [],
): string {
  const eliminated = !isZero(...section.lines.map((l) => l.eliminated));
  const rows = section.lines
    .filter((l) => !isZero(l.total, l.eliminated))
    .map((l) => [
      l.code,
      indent(l.name, l.depth),
      money(l.total),
      ...(eliminated ? [money(l.eliminated)] : []),
    ]);
  const pad = eliminated ? [''] : [];
  rows.push(['', totalLabel, money(section.total), ...pad]);
  for (const [label, value] of extra) rows.push(['', label, money(value), ...pad]);
  return table(['code', title, 'amount', ...(eliminated ? ['eliminated'] : [])], rows);
}

function cashFlowTable(cf: CashFlowJson, money: (m: string) => string): string {
  const rows: string[][] = [['', 'Opening cash', '', '', money(cf.openingCash)]];
  const sections: [string, FlowSection][] = [
    ['Operating activities', cf.operating],
    ['Investing activities', cf.investing],
    ['Financing activities', cf.financing],
  ];
  for (const [title, section] of sections) {
    rows.push(['', title, '', '', '']);
    for (const l of section.lines) {
      rows.push([l.code, indent(l.name, 1), money(l.inflows), money(l.outflows), money(l.net)]);
    }
    rows.push([
      '',
      `Net ${title.toLowerCase()}`,
      money(section.inflows),
      money(section.outflows),
      money(section.net),
    ]);
  }
  if (!isZero(cf.exchangeRateEffect)) {
    rows.push(['', 'Effect of exchange rates', '', '', money(cf.exchangeRateEffect)]);
  }
  if (!isZero(cf.eliminationDifferences)) {
    rows.push([
      '',
      'Intercompany elimination differences',
      '',
      '',
      money(cf.eliminationDifferences),
    ]);
  }
  rows.push(['', 'Net change', '', '', money(cf.netChange)]);
  rows.push(['', 'Closing cash', '', '', money(cf.closingCash)]);
  return table(['code', 'cash flow', 'in', 'out', 'net'], rows);
}

function eliminationTable(eliminations: Eliminations, money: (m: string) => string): string {
  const side = (s: Eliminations[number]['first']) =>
    `${s.entityCode} ${s.accounts.map((a) => a.code).join(' ')}`;
  return table(
    ['eliminated between', 'first', 'second', 'difference'],
    eliminations.map((e) => [
      `${side(e.first)} / ${side(e.second)}`,
      money(e.first.amount),
      money(e.second.amount),
      money(e.difference),
    ]),
  );
}

/** The statement as one CSV table: every line, then the totals, amounts in major units. */
export function reportCsv(kind: ReportKind, report: ReportJson): string {
  const currency = report.currency;
  const money = (minor: string) => toMajor(minor, currency);
  switch (kind) {
    case 'trial-balance': {
      const tb = report as TrialBalanceJson;
      const figures = (f: TrialBalanceJson['totals']) =>
        [f.opening, f.debits, f.credits, f.translation, f.closing].map(money);
      return toCsv(
        [
          'code',
          'name',
          'type',
          'depth',
          'opening',
          'debits',
          'credits',
          'translation',
          'closing',
          'eliminated',
          'currency',
        ],
        [
          ...tb.lines.map((l) => [
            l.code,
            l.name,
            l.type,
            l.depth,
            ...figures(l),
            money(l.eliminated),
            currency,
          ]),
          [
            '',
            'Currency translation differences',
            'equity',
            0,
            ...figures(tb.translationDifferences),
            '',
            currency,
          ],
          ['', 'Total', '', 0, ...figures(tb.totals), '', currency],
        ],
      );
    }
    case 'balance-sheet':
    case 'profit-and-loss': {
      const bs = report as BalanceSheetJson;
      const pl = report as ProfitAndLossJson;
      const sections: [string, Section, string][] =
        kind === 'balance-sheet'
          ? [
              ['assets', bs.assets, 'Total assets'],
              ['liabilities', bs.liabilities, 'Total liabilities'],
              ['equity', { ...bs.equity, total: bs.equity.accounts }, 'Equity accounts'],
            ]
          : [
              ['revenue', pl.revenue, 'Total revenue'],
              ['expenses', pl.expenses, 'Total expenses'],
            ];
      const rows: (string | number)[][] = [];
      for (const [name, section, totalLabel] of sections) {
        for (const l of section.lines) {
          rows.push([
            name,
            l.code,
            l.name,
            l.type,
            l.depth,
            money(l.amount),
            money(l.total),
            money(l.eliminated),
            currency,
          ]);
        }
        rows.push([
          name,
          '',
          totalLabel,
          '',
          0,
          money(section.total),
          money(section.total),
          '',
          currency,
        ]);
      }
      const summary: [string, string][] =
        kind === 'balance-sheet'
          ? [
              ['Unclosed earnings', bs.equity.unclosedEarnings],
              ['Currency translation differences', bs.equity.translationDifferences],
              ['Total equity', bs.equity.total],
              ['Total liabilities and equity', bs.liabilitiesAndEquity],
            ]
          : [['Net income', pl.netIncome]];
      for (const [label, value] of summary) {
        rows.push(['summary', '', label, '', 0, money(value), money(value), '', currency]);
      }
      return toCsv(
        ['section', 'code', 'name', 'type', 'depth', 'amount', 'total', 'eliminated', 'currency'],
        rows,
      );
    }
    case 'cash-flow': {
      const cf = report as CashFlowJson;
      const rows: (string | number)[][] = [];
      for (const [name, section] of [
        ['operating', cf.operating],
        ['investing', cf.investing],
        ['financing', cf.financing],
      ] as const) {
        for (const l of section.lines) {
          rows.push([
            name,
            l.code,
            l.name,
            l.type,
            money(l.inflows),
            money(l.outflows),
            money(l.net),
            currency,
          ]);
        }
        rows.push([
          name,
          '',
          `Net ${name}`,
          '',
          money(section.inflows),
          money(section.outflows),
          money(section.net),
          currency,
        ]);
      }
      for (const [label, value] of [
        ['Opening cash', cf.openingCash],
        ['Effect of exchange rates', cf.exchangeRateEffect],
        ['Intercompany elimination differences', cf.eliminationDifferences],
        ['Net change', cf.netChange],
        ['Closing cash', cf.closingCash],
      ] as const) {
        rows.push(['summary', '', label, '', '', '', money(value), currency]);
      }
      return toCsv(
        ['section', 'code', 'name', 'type', 'inflows', 'outflows', 'net', 'currency'],
        rows,
      );
    }
  }
}
