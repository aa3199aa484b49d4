import { expect } from 'vitest';

/** n8n workflow JSON for tests: a node, and a manual workflow whose nodes run one after another. */

export interface TestNode {
  name: string;
  type: string;
  typeVersion: number;
  position: number[];
  parameters: Record<string, unknown>;
}

/** A node of `n8n-nodes-base.<type>`. */
export const node = (
  name: string,
  type: string,
  parameters: Record<string, unknown>,
  typeVersion = 1,
): TestNode => ({
  name,
  type: `n8n-nodes-base.${type}`,
  typeVersion,
  position: [0, 0],
  parameters,
});

/** Main connections from each named node to the next. */
export const chain = (...names: string[]) =>
  Object.fromEntries(
    names
      .slice(0, -1)
      .map((from, i) => [from, { main: [[{ node: names[i + 1]!, type: 'main', index: 0 }]] }]),
  );

/** A workflow started by hand (its trigger `Start`), its nodes run in the order given. */
export const manualWorkflow = (name: string, nodes: TestNode[], settings = {}) => ({
  name,
  settings,
  nodes: [node('Start', 'manualTrigger', {}), ...nodes],
  connections: chain('Start', ...nodes.map((n) => n.name)),
});

/** What `POST /api/v1/workflows/:id/run` answers (the fields the tests read). */
export interface WorkflowRun {
  status: string;
  finished?: boolean;
  error: { name?: string; message: string } | null;
  output?: Record<string, unknown>[];
}

/** Something that answers HTTP requests in process (an access world). */
interface Injector {
  inject(request: {
    method: 'POST';
    url: string;
    headers: Record<string, string>;
    payload: object;
  }): Promise<{ statusCode: number; body: string; json(): { data: unknown } }>;
}

/** Creates a workflow over HTTP as `headers` and answers its id. */
export async function createWorkflow(
  world: Injector,
  headers: Record<string, string>,
  body: unknown,
): Promise<string> {
  const res = await world.inject({
    method: 'POST',
    url: '/api/v1/workflows',
    headers,
    payload: body as object,
  });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json().data as { id: string }).id;
}

/** Creates a workflow over HTTP as `headers`, runs it and waits for the run (up to 120 s). */
export async function runNewWorkflow(
  world: Injector,
  headers: Record<string, string>,
  body: unknown,
): Promise<WorkflowRun> {
  const id = await createWorkflow(world, headers, body);
  const res = await world.inject({
    method: 'POST',
    url: `/api/v1/workflows/${id}/run`,
    headers,
    payload: { waitMs: 120_000 },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as WorkflowRun;
}
