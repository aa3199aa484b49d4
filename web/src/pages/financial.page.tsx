import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../api/client.ts';
import { keys, useMe } from '../api/queries.ts';
import type { Entity, ReportKind } from '../api/types.ts';
import { Empty, ErrorNotice, Loading, PageHeader } from '../components/ui.tsx';
import { ClosePeriodDialog, FxRateDialog, TransferDialog } from './financial.actions.tsx';
import { ComparativeStatement, type ComparativeReport } from './financial.columns.tsx';
import { FinancialFilters, readView, type View } from './financial.filters.tsx';
import { KINDS, Statement, type Report } from './financial.statements.tsx';
import { EntityDialog } from './financial.entity.tsx';
import { IntercompanyDialog } from './financial.intercompany.tsx';
import { TransferApprovals } from './financial.approvals.tsx';

type Shown =
  | { columns: true; kind: ReportKind; report: ComparativeReport }
  | { columns: false; kind: ReportKind; report: Report };

/**
 * Financial: the statements of a ledger entity, or of an entity and its descendants
 * consolidated, for the last months, quarters or years side by side (or one period of custom
 * dates), with the actions that write to the books. Everything the page shows is in its
 * address (`?entity=&report=&consolidated=&currency=&period=&count=&to=&from=&asOf=`).
 */
export function FinancialPage() {
  const [params, setParams] = useSearchParams();
  const role = useMe().data?.role;
  const canWrite = role === 'admin' || role === 'editor';
  const [dialog, setDialog] = useState<
    'transfer' | 'intercompany' | 'rate' | 'close' | 'entity' | null
  >(null);
  const entities = useQuery({
    queryKey: keys.entities,
    queryFn: () => api.get<Entity[]>('/api/v1/ledger/entities'),
    staleTime: 60_000,
  });
  const list = useMemo(() => entities.data ?? [], [entities.data]);
  const view: View = readView(params, list);
  const entity = list.find((e) => e.id === view.entityId);
  const currencies = useMemo(() => [...new Set(list.map((e) => e.baseCurrency))].sort(), [list]);

  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };

  const scope = {
    entityId: view.entityId,
    consolidated: view.consolidated ? 'true' : undefined,
    currency: view.currency || undefined,
    // The figures only: the entity list, rates per entity, the lines' account ids and the
    // elimination entries would be nine tenths of a consolidation of many entities.
    detail: 'summary',
  };
  const query: Record<string, string | number | undefined> = view.columns
    ? { ...scope, period: view.unit, count: view.count, to: view.to }
    : view.range
      ? { ...scope, from: view.from, to: view.to }
      : { ...scope, asOf: view.asOf };
  const report = useQuery({
    queryKey: ['ledger', 'report', view.kind, view.columns, query],
    // The kind travels with the answer: while the next statement loads, the previous one stays
    // on screen and must be drawn as what it is.
    queryFn: async ({ signal }): Promise<Shown> =>
      view.columns
        ? {
            columns: true,
            kind: view.kind,
            report: await api.get<ComparativeReport>(
              `/api/v1/ledger/reports/${view.kind}/periods`,
              { query, signal },
            ),
          }
        : {
            columns: false,
            kind: view.kind,
            report: await api.get<Report>(`/api/v1/ledger/reports/${view.kind}`, {
              query,
              signal,
            }),
          },
    enabled: Boolean(entity),
    placeholderData: keepPreviousData,
  });
  const shown = report.data;

  return (
    <>
      <PageHeader
        title="Financial"
        intro="Statements of each legal entity, or consolidated over an entity and its descendants with intercompany balances eliminated, period by period."
        actions={
          canWrite && entity ? (
            <>
              <button type="button" className="button" onClick={() => setDialog('entity')}>
                New entity
              </button>
              <button type="button" className="button" onClick={() => setDialog('rate')}>
                Record rate
              </button>
              <button type="button" className="button" onClick={() => setDialog('close')}>
                Close period
              </button>
              {list.length > 1 ? (
                <button type="button" className="button" onClick={() => setDialog('intercompany')}>
                  Intercompany transfer
                </button>
              ) : null}
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
          <IntercompanyDialog
            key={`i-${entity.id}`}
            entity={entity}
            entities={list}
            open={dialog === 'intercompany'}
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
      {canWrite ? (
        <EntityDialog open={dialog === 'entity'} onClose={() => setDialog(null)} entities={list} />
      ) : null}
      <TransferApprovals />
      {entities.isPending ? <Loading /> : null}
      {entities.error ? <ErrorNotice error={entities.error} /> : null}
      {entities.data && entities.data.length === 0 ? (
        <Empty title="No ledger entity yet">
          <p>
            The books start with a legal entity: the holding company first, then each venture’s
            company under it.
          </p>
          {canWrite ? (
            <p>
              <button
                type="button"
                className="button button-primary"
                onClick={() => setDialog('entity')}
              >
                New entity
              </button>
            </p>
          ) : (
            <p className="muted">An administrator or editor creates them.</p>
          )}
        </Empty>
      ) : null}
      {entity ? (
        <>
          <FinancialFilters
            view={view}
            entities={list}
            entity={entity}
            currencies={currencies}
            set={set}
          />
          <div className="tabs" role="group" aria-label="Statement">
            {KINDS.map((k) => (
              <button
                key={k.key}
                type="button"
                className={`tab ${k.key === view.kind ? 'active' : ''}`}
                aria-pressed={k.key === view.kind}
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
          {shown && !report.error ? (
            <div className={report.isFetching ? 'stale' : undefined} aria-busy={report.isFetching}>
              {shown.columns ? (
                <ComparativeStatement kind={shown.kind} report={shown.report} />
              ) : (
                <Statement kind={shown.kind} report={shown.report} />
              )}
            </div>
          ) : null}
        </>
      ) : null}
    </>
  );
}
