import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client.ts';
import { ventureListQuery, type ventureListView } from '../api/queries.ts';
import type { ListedVenture, VenturePage } from '../api/types.ts';
import {
  formatCount,
  formatDate,
  formatGrowth,
  formatMoney,
  minorDigits,
  shiftDecimal,
} from '../format.ts';

/** Health as a colour: 70 and over healthy, under 40 poor, between worth a look. */
export function healthTone(score: number): 'up' | 'flat' | 'down' {
  return score >= 70 ? 'up' : score >= 40 ? 'flat' : 'down';
}

function growthTone(bp: number | null | undefined): string {
  if (bp === null || bp === undefined || bp === 0) return '';
  return bp > 0 ? 'tone-up' : 'tone-down';
}

/** One venture of the Businesses table; on phones each row is a card (labels from `data-label`). */
export function VentureRow(props: {
  venture: ListedVenture;
  reporting: string;
  categoryLabel: string;
}) {
  const { venture: v, reporting } = props;
  const f = v.figures;
  return (
    <tr data-venture={v.slug}>
      <th scope="row">
        <Link to={`/businesses/${encodeURIComponent(v.slug)}`}>{v.name}</Link>
        <span className="muted small row-sub">{v.slug}</span>
      </th>
      <td data-label="Category">{props.categoryLabel}</td>
      <td data-label="Stage">
        <span className={`badge stage-${v.stage}`}>{v.stage}</span>
      </td>
      <td
        className="num"
        data-label={`MRR (${reporting})`}
        data-metric={`venture.${v.slug}.mrr`}
        title={
          f?.mrr && f.mrr.currency !== reporting
            ? `${formatMoney(f.mrr.current, f.mrr.currency)} at the month-end rate`
            : undefined
        }
      >
        {f?.mrrReporting
          ? formatMoney(f.mrrReporting.current, reporting)
          : f?.mrr
            ? `${formatMoney(f.mrr.current, f.mrr.currency)} (no rate)`
            : '—'}
      </td>
      <td className={`num ${growthTone(f?.mrr?.growthBp)}`} data-label="Change">
        {f?.mrr?.growthBp === null || f?.mrr?.growthBp === undefined
          ? '—'
          : formatGrowth(f.mrr.growthBp)}
      </td>
      <td className="num" data-label="Health">
        {f?.health ? (
          <span
            className={`health-pill tone-${healthTone(f.health.score)}`}
            title={f.health.weakest ?? 'Every measured component earned full points'}
            data-health={f.health.score}
          >
            {f.health.score}
          </span>
        ) : (
          <span className="muted small">no data</span>
        )}
      </td>
      <td className="nowrap" data-label="Last KPI">
        {f?.lastKpiDay ? formatDate(f.lastKpiDay) : '—'}
      </td>
      <td data-label="Owner">{v.ownerName ?? <span className="muted">—</span>}</td>
    </tr>
  );
}

/** The reporting currencies to offer: the current one and those the page's ventures use. */
export function currencyChoices(page: VenturePage | null, current: string): string[] {
  const seen = new Set<string>();
  if (current) seen.add(current);
  if (page?.figures) seen.add(page.figures.currency);
  for (const v of page?.ventures ?? []) if (v.figures?.mrr) seen.add(v.figures.mrr.currency);
  return [...seen].sort();
}

/** A spreadsheet cell: quoted, and text a spreadsheet would run as a formula made inert. */
function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const major = (minor: string, currency: string) => shiftDecimal(minor, minorDigits(currency));

/** The ventures of a view as CSV: every page, the same filters, sort and currency. */
async function csvOf(view: ReturnType<typeof ventureListView>): Promise<string> {
  const query = { ...ventureListQuery(view), limit: '500', cursor: '' };
  const lines = [
    [
      'name',
      'slug',
      'category',
      'stage',
      'owner',
      'mrr_currency',
      'mrr',
      'mrr_previous',
      'change_percent',
      'reporting_currency',
      'mrr_reporting',
      'health',
      'last_kpi_day',
      'tags',
      'created_at',
    ].join(','),
  ];
  for (;;) {
    const page = await api.get<VenturePage>('/api/v1/portfolio/ventures', { query });
    const reporting = page.figures?.currency ?? '';
    for (const v of page.ventures) {
      const f = v.figures;
      lines.push(
        [
          v.name,
          v.slug,
          v.category,
          v.stage,
          v.ownerName ?? '',
          f?.mrr?.currency ?? '',
          f?.mrr ? major(f.mrr.current, f.mrr.currency) : '',
          f?.mrr?.previous ? major(f.mrr.previous, f.mrr.currency) : '',
          f?.mrr?.growthBp === null || f?.mrr?.growthBp === undefined
            ? ''
            : shiftDecimal(String(f.mrr.growthBp), 2),
          reporting,
          f?.mrrReporting ? major(f.mrrReporting.current, reporting) : '',
          f?.health?.score ?? '',
          f?.lastKpiDay ?? '',
          v.tags.join(' '),
          v.createdAt,
        ]
          .map(cell)
          .join(','),
      );
    }
    if (!page.nextCursor) break;
    query.cursor = page.nextCursor;
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Downloads the view as CSV (every page, not just the one shown). */
export function ExportCsv(props: { view: ReturnType<typeof ventureListView>; total: number }) {
  const [state, setState] = useState<'idle' | 'busy' | 'failed'>('idle');
  const run = async () => {
    setState('busy');
    try {
      const text = await csvOf(props.view);
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `ventures-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
      setState('idle');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="export">
      <button
        type="button"
        className="button"
        onClick={() => void run()}
        disabled={state === 'busy'}
        data-testid="export-csv"
      >
        {state === 'busy' ? 'Exporting…' : `Export ${formatCount(props.total)} as CSV`}
      </button>
      {state === 'failed' ? (
        <span className="tone-down small" role="alert">
          {' '}
          The export failed; try again.
        </span>
      ) : null}
    </span>
  );
}
