import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useDeferredValue, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  queries,
  storeReportingCurrency,
  useCategories,
  useMe,
  DEFAULT_VENTURE_PAGE_SIZE,
  VENTURE_PAGE_SIZES,
  ventureListQuery,
  ventureListView,
  type VentureSort as Sort,
} from '../api/queries.ts';
import { STAGES } from '../api/types.ts';
import { SortIcon } from '../components/icons.tsx';
import { ErrorNotice, Loading, PageHeader } from '../components/ui.tsx';
import { formatCount } from '../format.ts';
import { currencyChoices, ExportCsv, VentureRow } from './businesses.rows.tsx';
import { SavedViews } from './businesses.views.tsx';
import { ImportKpisDialog } from './kpi-import.tsx';
import { VentureFormDialog } from './venture.form.tsx';

const SORTS: { key: Sort; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'slug', label: 'Slug' },
  { key: 'createdAt', label: 'Created' },
  { key: 'updatedAt', label: 'Updated' },
  { key: 'mrr', label: 'MRR' },
  { key: 'change', label: 'Change' },
  { key: 'health', label: 'Health' },
  { key: 'lastKpi', label: 'Last KPI' },
];
const PAGE_SIZES = VENTURE_PAGE_SIZES;

/**
 * Keyset paging has no "previous page" cursor: the page before each visited cursor (and its
 * number) is remembered here, per filter and sort, for the Previous button.
 */
const visited = new Map<string, { previous: string | null; index: number }>();

export function BusinessesPage() {
  const [params, setParams] = useSearchParams();
  const view = ventureListView(params);
  const { search, category, stage, sort, order, limit, cursor, currency } = view;
  const [searchText, setSearchText] = useState(search);
  const categories = useCategories();
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  // `?new=venture` or `?new=kpis` (from the command palette) opens that dialog.
  const asked = params.get('new');
  const [dialog, setDialog] = useState<'venture' | 'import' | null>(null);
  useEffect(() => {
    if (asked !== 'venture' && asked !== 'kpis') return;
    setDialog(asked === 'venture' ? 'venture' : 'import');
    update({ new: null }, false);
  }, [asked]);
  const filtered = Boolean(search || category || stage);

  const listKey = JSON.stringify({ search, category, stage, sort, order, limit, currency });
  const ventures = useQuery({
    ...queries.ventures(ventureListQuery(view)),
    placeholderData: keepPreviousData,
  });

  // Changes apply to the URL as it is when they run (not as it was at this render), so a search
  // typed right after choosing a category keeps the category.
  const update = (changes: Record<string, string | null>, resetPage = true) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    if (resetPage) next.delete('cursor');
    setParams(next);
  };

  // The search box writes to the URL after a pause in typing.
  useEffect(() => setSearchText(search), [search]);
  useEffect(() => {
    if (searchText === search) return;
    const timer = window.setTimeout(() => update({ search: searchText.trim() || null }), 300);
    return () => window.clearTimeout(timer);
    // Only the typed text restarts the pause.
  }, [searchText]);

  const here = visited.get(`${listKey}::${cursor}`);
  const pageIndex = cursor ? (here?.index ?? null) : 0;
  // The table renders in a transition (React works on it in slices and keeps the page
  // responsive) rather than in one long task when the list arrives, and after the page's first
  // paint (header and filters) even when the list is already there when the page mounts.
  const page = useDeferredValue(ventures.data ?? null, null);
  const pages = page ? Math.max(1, Math.ceil(page.total / limit)) : null;
  const reporting = page?.figures?.currency ?? currency;

  const goNext = () => {
    if (!page?.nextCursor) return;
    visited.set(`${listKey}::${page.nextCursor}`, {
      previous: cursor || null,
      index: (pageIndex ?? 0) + 1,
    });
    update({ cursor: page.nextCursor }, false);
    document.getElementById('ventures-table')?.focus();
  };
  const goPrevious = () => {
    update({ cursor: here?.previous ?? null }, false);
  };

  const sortBy = (key: Sort) => {
    if (key === sort) update({ order: order === 'asc' ? 'desc' : null });
    else update({ sort: key === 'name' ? null : key, order: null });
  };

  return (
    <>
      <PageHeader
        title="Businesses"
        intro="Every venture of the portfolio. Filter, sort and page: the address keeps your view."
        actions={
          canWrite ? (
            <>
              <button type="button" className="button" onClick={() => setDialog('import')}>
                Import KPIs
              </button>
              <button
                type="button"
                className="button button-primary"
                onClick={() => setDialog('venture')}
              >
                New venture
              </button>
            </>
          ) : null
        }
      />
      <VentureFormDialog
        open={dialog === 'venture'}
        onClose={() => setDialog(null)}
        isAdmin={role === 'admin'}
      />
      <ImportKpisDialog open={dialog === 'import'} onClose={() => setDialog(null)} />
      <form className="filters glass-card" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="venture-search">Search name or slug</label>
          <input
            id="venture-search"
            type="search"
            value={searchText}
            maxLength={100}
            onChange={(e) => setSearchText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="venture-category">Category</label>
          <select
            id="venture-category"
            value={category}
            onChange={(e) => update({ category: e.target.value })}
          >
            <option value="">All categories</option>
            {(categories.data ?? []).map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="venture-stage">Stage</label>
          <select
            id="venture-stage"
            value={stage}
            onChange={(e) => update({ stage: e.target.value })}
          >
            <option value="">All stages</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="venture-limit">Per page</label>
          <select
            id="venture-limit"
            value={limit}
            onChange={(e) =>
              update({
                limit: e.target.value === String(DEFAULT_VENTURE_PAGE_SIZE) ? null : e.target.value,
              })
            }
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="venture-currency">Currency</label>
          <select
            id="venture-currency"
            value={currency}
            onChange={(e) => {
              storeReportingCurrency(e.target.value);
              update({ currency: e.target.value || null });
            }}
          >
            <option value="">Organisation’s</option>
            {currencyChoices(page, currency).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      </form>

      <SavedViews search={params.toString()} isAdmin={role === 'admin'} />
      <div className="table-toolbar">
        <p role="status" aria-live="polite">
          {page ? (
            <>
              <strong data-metric="ventures.total">{formatCount(page.total)}</strong>{' '}
              {page.total === 1 ? 'venture' : 'ventures'}
              {pageIndex !== null && pages !== null
                ? ` · page ${formatCount(pageIndex + 1)} of ${formatCount(pages)}`
                : ''}
            </>
          ) : (
            ' '
          )}
        </p>
        {ventures.isFetching && page ? <span className="muted small">Updating…</span> : null}
        {page && page.total > 0 ? <ExportCsv view={view} total={page.total} /> : null}
      </div>
      {!page && !ventures.error ? <Loading /> : null}
      {ventures.error ? <ErrorNotice error={ventures.error} /> : null}
      {page ? (
        <div
          className="table-scroll glass-card"
          id="ventures-table"
          tabIndex={0}
          role="region"
          aria-label="Ventures"
        >
          <table className="data-table" aria-describedby="ventures-caption">
            <caption id="ventures-caption" className="visually-hidden">
              Ventures, sorted by {SORTS.find((s) => s.key === sort)?.label} (
              {order === 'asc' ? 'ascending' : 'descending'}). Sort with the column buttons.
            </caption>
            <thead>
              <tr>
                <SortHeader label="Name" column="name" sort={sort} order={order} onSort={sortBy} />
                <th scope="col">Category</th>
                <th scope="col">Stage</th>
                <SortHeader
                  label={`MRR (${reporting})`}
                  column="mrr"
                  sort={sort}
                  order={order}
                  onSort={sortBy}
                  numeric
                />
                <SortHeader
                  label="Change"
                  column="change"
                  sort={sort}
                  order={order}
                  onSort={sortBy}
                  numeric
                />
                <SortHeader
                  label="Health"
                  column="health"
                  sort={sort}
                  order={order}
                  onSort={sortBy}
                  numeric
                />
                <SortHeader
                  label="Last KPI"
                  column="lastKpi"
                  sort={sort}
                  order={order}
                  onSort={sortBy}
                />
                <th scope="col">Owner</th>
              </tr>
            </thead>
            <tbody>
              {page.ventures.length === 0 ? (
                <tr>
                  <td colSpan={8} className="empty-cell">
                    {filtered ? (
                      'No venture matches these filters.'
                    ) : (
                      <>
                        No ventures yet.{' '}
                        {canWrite ? (
                          <button
                            type="button"
                            className="button button-primary"
                            onClick={() => setDialog('venture')}
                          >
                            New venture
                          </button>
                        ) : null}
                      </>
                    )}
                  </td>
                </tr>
              ) : (
                page.ventures.map((v) => (
                  <VentureRow
                    key={v.id}
                    venture={v}
                    reporting={reporting}
                    categoryLabel={
                      categories.data?.find((c) => c.key === v.category)?.label ?? v.category
                    }
                  />
                ))
              )}
            </tbody>
          </table>
        </div>
      ) : null}
      {page ? (
        <nav className="pager" aria-label="Pages of ventures">
          <button
            type="button"
            className="button"
            onClick={() => update({ cursor: null }, false)}
            disabled={!cursor}
          >
            First page
          </button>
          <button
            type="button"
            className="button"
            onClick={goPrevious}
            disabled={!cursor || here === undefined}
          >
            Previous
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={goNext}
            disabled={!page.nextCursor}
            data-testid="next-page"
          >
            Next
          </button>
        </nav>
      ) : null}
    </>
  );
}

function SortHeader(props: {
  label: string;
  column: Sort;
  sort: Sort;
  order: 'asc' | 'desc';
  onSort: (column: Sort) => void;
  numeric?: boolean;
}) {
  const active = props.sort === props.column;
  return (
    <th
      scope="col"
      className={props.numeric ? 'num' : undefined}
      aria-sort={active ? (props.order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className="sort-button"
        onClick={() => props.onSort(props.column)}
        data-sort={props.column}
      >
        {props.label}
        <SortIcon order={active ? props.order : null} />
      </button>
    </th>
  );
}
