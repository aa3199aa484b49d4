import type { z } from 'zod';
import { ErrorCodes, UserError, isUuid, type Config } from '../kernel/essentials.ts';
import type {
  csvImportResultSchema,
  healthSchema,
  KpiInput,
  Metric,
  venturePageSchema,
  VentureJson,
  VentureQuery,
} from '../portfolio/index.ts';
import { viaServerOrLocally } from './local.ts';
import { onlyOrganisation } from './organisation.ts';
import { pickByRef } from './refs.ts';
import type { callServer, RemoteServer } from './remote.ts';

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
      return run(byShortId(remoteClient({ ...server, org }, call)));
    },
    async ({ kernel, access }) => {
      const { localVentureClient } = await import('./venture-client.local.ts');
      return run(byShortId(await localVentureClient(kernel, access, flags.org)));
    },
  );
}

/**
 * Ventures are named by slug or id (the API resolves both); this adds the start or the end of an
 * id, as a person copies it from a list (4 characters or more), tried when no slug matches.
 */
function byShortId<C extends VentureClient>(client: C): C {
  const resolve = async (ref: string): Promise<string> => {
    if (isUuid(ref) || !/^[0-9a-f-]{4,35}$/i.test(ref)) return ref;
    try {
      return (await client.get(ref)).id;
    } catch (error) {
      if (!(error instanceof UserError) || error.code !== ErrorCodes.notFound) throw error;
    }
    const all: { id: string; name: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.list({
        includeArchived: true,
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.ventures.map((v) => ({ id: v.id, name: v.slug })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return pickByRef('venture', ref, all).id;
  };
  return {
    ...client,
    get: async (ref) => client.get(await resolve(ref)),
    update: async (ref, body) => client.update(await resolve(ref), body),
    archive: async (ref) => client.archive(await resolve(ref)),
    health: async (ref, asOf) => client.health(await resolve(ref), asOf),
  };
}

export function query(values: Record<string, unknown>): string {
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
  };
}
