import type {
  ImportFileReport,
  executionJson,
  workflowJson,
} from '../workflows/workflows.service.ts';
import { isUuid } from '../kernel/essentials.ts';
import { viaServerOrLocally } from './local.ts';
import { configFrom } from './options.ts';
import { onlyOrganisation } from './organisation.ts';
import { pickByRef } from './refs.ts';
import type { callServer, RemoteServer } from './remote.ts';

export interface WorkflowFlags {
  dataDir?: string;
  org?: string;
  json?: boolean;
}

export type WorkflowJson = ReturnType<typeof workflowJson>;
export type ExecutionJson = ReturnType<typeof executionJson>;

/** What `iza workflow` asks of the workflows module: over HTTP, or on the database directly. */
export interface WorkflowClient {
  via: string;
  importFiles(files: { file: string; content: string }[]): Promise<ImportFileReport[]>;
  list(page: { limit: number; offset: number }): Promise<{
    total: number;
    workflows: WorkflowJson[];
  }>;
  get(id: string): Promise<WorkflowJson & { definition: Record<string, unknown> }>;
  run(id: string): Promise<ExecutionJson & { finished: boolean; output?: unknown[] }>;
  setActive(id: string, active: boolean): Promise<WorkflowJson>;
  executions(query: { workflow?: string; status?: string; limit: number }): Promise<{
    total: number;
    executions: ExecutionJson[];
  }>;
}

const BASE = '/api/v1/workflows';
const PAGE = 500;

function remoteClient(server: RemoteServer, call: typeof callServer): WorkflowClient {
  return {
    via: server.url,
    importFiles: async (files) =>
      (await call<{ files: ImportFileReport[] }>(server, 'POST', `${BASE}/import`, { files }))
        .files,
    list: (page) => call(server, 'GET', `${BASE}?limit=${page.limit}&offset=${page.offset}`),
    get: (id) => call(server, 'GET', `${BASE}/${encodeURIComponent(id)}`),
    run: (id) => call(server, 'POST', `${BASE}/${encodeURIComponent(id)}/run`, {}),
    setActive: (id, active) =>
      call(
        server,
        'POST',
        `${BASE}/${encodeURIComponent(id)}/${active ? 'activate' : 'deactivate'}`,
      ),
    executions: (q) => {
      const params = new URLSearchParams({ limit: String(q.limit) });
      if (q.workflow) params.set('workflow', q.workflow);
      if (q.status) params.set('status', q.status);
      return call(server, 'GET', `${BASE}/executions?${params.toString()}`);
    },
  };
}

/**
 * Runs `work` with the workflows of the chosen organisation: through the running server, or
 * (none running) on the database, with the workflows module loaded only then.
 */
export async function withWorkflows<T>(
  flags: WorkflowFlags,
  name: string,
  work: (client: WorkflowClient) => Promise<T>,
): Promise<T> {
  return viaServerOrLocally(
    configFrom(flags),
    `iza workflow ${name}`,
    async (server, call) => {
      const org = flags.org ?? (await onlyOrganisation(server, call));
      return work(remoteClient({ ...server, org }, call));
    },
    async ({ kernel, access }) => {
      const { withLocalWorkflows } = await import('./workflow-client.local.ts');
      return withLocalWorkflows(kernel, access, flags.org, work);
    },
  );
}

/** Every workflow of the organisation, page by page. */
export async function allWorkflows(client: WorkflowClient): Promise<WorkflowJson[]> {
  const rows: WorkflowJson[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await client.list({ limit: PAGE, offset });
    rows.push(...page.workflows);
    if (page.workflows.length < PAGE) return rows;
  }
}

/** The id of the workflow `ref` names: an id, the start of one, or a name. */
export async function workflowId(client: WorkflowClient, ref: string): Promise<string> {
  if (isUuid(ref)) return ref;
  return pickByRef('workflow', ref, await allWorkflows(client)).id;
}
