import type { Config } from '../kernel/essentials.ts';
import {
  DEMO_TAG,
  isDemoWorkflow,
  type DemoPorts,
  type DemoWorkflowPorts,
} from '../flows/index.ts';
import { viaServerOrLocally } from './local.ts';
import { onlyOrganisation } from './organisation.ts';
import type { callServer, RemoteServer } from './remote.ts';
import { query, type VentureFlags, type VenturePageJson } from './venture-client.ts';

/**
 * The ports `iza demo` runs on: over HTTP to the server holding the data folder (as the local
 * administrator within the organisation), or on the services directly when none runs.
 */
export async function withDemo<T>(
  config: Config,
  flags: VentureFlags,
  run: (ports: DemoPorts, via: string) => Promise<T>,
): Promise<T> {
  return viaServerOrLocally(
    config,
    'iza demo',
    async (server, call) => {
      const org = flags.org ?? (await onlyOrganisation(server, call));
      return run(remoteDemoPorts({ ...server, org }, call), server.url);
    },
    async ({ kernel, access }) => {
      const { localVentureClient } = await import('./venture-client.local.ts');
      return run((await localVentureClient(kernel, access, flags.org)).demo, 'database');
    },
  );
}

function remoteDemoPorts(server: RemoteServer, call: typeof callServer): DemoPorts {
  const base = '/api/v1/portfolio';
  const ledger = '/api/v1/ledger';
  const id = encodeURIComponent;
  return {
    countVentures: async () =>
      (await call<VenturePageJson>(server, 'GET', `${base}/ventures?includeArchived=true&limit=1`))
        .total,
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
    listAccounts: (entityId) => call(server, 'GET', `${ledger}/accounts?entityId=${id(entityId)}`),
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
