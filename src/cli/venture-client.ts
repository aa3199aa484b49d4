import type { z } from 'zod';
import type { Access } from '../access/index.ts';
import type { Config } from '../kernel/index.ts';
import { createLedgerService } from '../ledger/index.ts';
import type { DemoPorts, DemoWorkflowPorts } from '../flows/index.ts';
import { DEMO_TAG, isDemoWorkflow, localDemoPorts } from '../flows/index.ts';
import {
  portfolioServiceFor,
  ventureJson,
  type csvImportResultSchema,
  type healthSchema,
  type KpiInput,
  type Metric,
  type venturePageSchema,
  type VentureJson,
  type VentureQuery,
} from '../portfolio/index.ts';
import { viaServerOrLocally } from './local.ts';
import { localOrganisation, onlyOrganisation } from './organisation.ts';
import type { callServer, RemoteServer } from './remote.ts';
import { createNodeRegistry } from '../workflows/index.ts';
import { createWorkflowsService } from '../workflows/workflows.service.ts';

export type VenturePageJson = z.output<typeof venturePageSchema>;
export type CsvImportJson = z.output<typeof csvImportResultSchema>;
export type HealthJson = z.output<typeof healthSchema>;
export type VentureBody = Record<string, unknown>;

/**
 * What `iza venture` and `iza demo` ask of the portfolio, one method per route of
 * `/api/v1/portfolio/`: over HTTP to the server holding the data folder (as the local
 * administrator within the organisation), or on the services directly when none runs.
 */
export interface VentureClient {
  via: string;
  list(query: VentureQuery): Promise<VenturePageJson>;
  get(ref: string): Promise<VentureJson>;
  create(body: VentureBody): Promise<VentureJson>;
  update(ref: string, body: VentureBody): Promise<VentureJson>;
  archive(ref: string): Promise<VentureJson>;
  metrics(): Promise<Metric[]>;
  postKpis(kpis: KpiInput[]): Promise<{ written: number }>;
  importCsv(csv: string, dryRun: boolean): Promise<CsvImportJson>;
  health(ref: string, asOf?: string): Promise<HealthJson>;
  /** The ports `iza demo` runs on. */
  demo: DemoPorts;
}

export interface VentureFlags {
  dataDir?: string;
  org?: string;
}

export async function withVentures<T>(
  config: Config,
  flags: VentureFlags,
  command: string,
  run: (client: VentureClient) => Promise<T>,
): Promise<T> {
  return viaServerOrLocally(
    config,
    command,
    async (server, call) => {
      const org = flags.org ?? (await onlyOrganisation(server, call));
      return run(remoteClient({ ...server, org }, call));
    },
    async ({ kernel, access }) => run(await localClient(kernel, access, flags.org)),
  );
}

function query(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function remoteClient(server: RemoteServer, call: typeof callServer): VentureClient {
  const base = '/api/v1/portfolio';
  const ledger = '/api/v1/ledger';
  const id = encodeURIComponent;
  const patch = async <T>(path: string, body: unknown): Promise<T> =>
    call<T>(server, 'PATCH', path, body);
  return {
    via: server.url,
    list: (q) => call(server, 'GET', `${base}/ventures${query({ ...q })}`),
    get: (ref) => call(server, 'GET', `${base}/ventures/${id(ref)}`),
    create: (body) => call(server, 'POST', `${base}/ventures`, body),
    update: (ref, body) => patch(`${base}/ventures/${id(ref)}`, body),
    archive: (ref) => call(server, 'POST', `${base}/ventures/${id(ref)}/archive`),
    metrics: () => call(server, 'GET', `${base}/metrics`),
    postKpis: (kpis) => call(server, 'POST', `${base}/kpis`, { kpis }),
    importCsv: (csv, dryRun) => call(server, 'POST', `${base}/kpis/import`, { csv, dryRun }),
    health: (ref, asOf) =>
      call(server, 'GET', `${base}/ventures/${id(ref)}/health${query({ asOf })}`),
    demo: {
      countVentures: async () =>
        (
          await call<VenturePageJson>(
            server,
            'GET',
            `${base}/ventures?includeArchived=true&limit=1`,
          )
        ).total,
      listDemoVentures: async () => {
        const found: { id: string; slug: string; archived: boolean }[] = [];
        let cursor: string | null = null;
        do {
          const page: VenturePageJson = await call<VenturePageJson>(
            server,
            'GET',
            `${base}/ventures${query({ tag: DEMO_TAG, includeArchived: true, sort: 'slug', limit: 500, cursor })}`,
          );
          for (const v of page.ventures) {
            if (v.demo) found.push({ id: v.id, slug: v.slug, archived: v.archivedAt !== null });
          }
          cursor = page.nextCursor;
        } while (cursor);
        return found;
      },
      createVenture: (input) => call(server, 'POST', `${base}/ventures`, input),
      postKpis: async (kpis) => {
        await call(server, 'POST', `${base}/kpis`, { kpis });
      },
      deleteDemoVentures: async () =>
        (await call<{ ventures: number }>(server, 'POST', `${base}/demo/reset`)).ventures,
      recordFxRates: async (rates) => {
        await call(server, 'POST', `${ledger}/fx-rates`, { rates });
      },
      listEntities: () => call(server, 'GET', `${ledger}/entities`),
      createEntity: (input) => call(server, 'POST', `${ledger}/entities`, input),
      listAccounts: (entityId) =>
        call(server, 'GET', `${ledger}/accounts?entityId=${id(entityId)}`),
      createTransfers: async (transfers) =>
        (
          await call<{ results: { result: string }[] }>(server, 'POST', `${ledger}/transfers`, {
            transfers: transfers.map((t) => ({
              ...t,
              amount: t.amount.toString(),
              effectiveAt: t.effectiveAt.toISOString(),
            })),
          })
        ).results,
      workflows: remoteWorkflowPorts(server, call),
    },
  };
}

/** The demo's workflow ports over `/api/v1/workflows`. */
function remoteWorkflowPorts(server: RemoteServer, call: typeof callServer): DemoWorkflowPorts {
  const base = '/api/v1/workflows';
  const page = 500;
  const all = async () => {
    const rows: { id: string; name: string; tags: string[] }[] = [];
    for (let offset = 0; ; offset += page) {
      const got = await call<{ workflows: { id: string; name: string; tags: string[] }[] }>(
        server,
        'GET',
        `${base}?limit=${page}&offset=${offset}`,
      );
      rows.push(...got.workflows);
      if (got.workflows.length < page) return rows;
    }
  };
  return {
    listWorkflowNames: async () => (await all()).map((w) => w.name),
    createWorkflow: async (definition) => call<{ id: string }>(server, 'POST', base, definition),
    activateWorkflow: async (id) => {
      await call(server, 'POST', `${base}/${encodeURIComponent(id)}/activate`);
    },
    deleteDemoWorkflows: async () => {
      const demo = (await all()).filter(isDemoWorkflow);
      for (const w of demo) await call(server, 'DELETE', `${base}/${encodeURIComponent(w.id)}`);
      return demo.length;
    },
  };
}

async function localClient(
  kernel: Parameters<typeof portfolioServiceFor>[0],
  access: Access,
  org: string | undefined,
): Promise<VentureClient> {
  const scope = { orgId: await localOrganisation(access, org), ventureIds: null };
  const portfolio = portfolioServiceFor(kernel, access);
  const ledger = createLedgerService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    log: kernel.log.child({ module: 'ledger' }),
  });
  // The workflows service as workflows.module.ts builds it, without its runner: the demo only
  // saves and activates workflows; a server started later loads them.
  const workflows = createWorkflowsService({
    db: kernel.db,
    clock: kernel.clock,
    audit: access.audit,
    events: kernel.events,
    registry: createNodeRegistry(),
  });
  const body = (b: VentureBody) => b as unknown as Parameters<typeof portfolio.createVenture>[1];
  return {
    via: 'database',
    list: async (q) => {
      const page = await portfolio.listVentures(scope, q);
      return { ...page, ventures: page.ventures.map(ventureJson) };
    },
    get: async (ref) => ventureJson(await portfolio.getVenture(scope, ref)),
    create: async (b) => ventureJson(await portfolio.createVenture(scope, body(b))),
    update: async (ref, b) => ventureJson(await portfolio.updateVenture(scope, ref, body(b))),
    archive: async (ref) => ventureJson(await portfolio.archiveVenture(scope, ref)),
    metrics: () => portfolio.listMetrics(scope),
    postKpis: (kpis) => portfolio.postKpis(scope, kpis),
    importCsv: (csv, dryRun) => portfolio.importCsv(scope, csv, { dryRun }),
    health: (ref, asOf) => portfolio.health(scope, ref, asOf ? { asOf } : {}),
    demo: localDemoPorts(portfolio, ledger, scope, workflows),
  };
}
