import { ManualClock } from '../../kernel/clock.ts';
import { dict } from '../../kernel/dict.ts';
import { ExpressionEvaluator } from '../expressions/evaluator.ts';
import { workflowSchema, type Workflow } from '../model/workflow.types.ts';
import { createNodeRegistry } from '../nodes/registry.ts';
import type { Item } from './engine.types.ts';
import { runWorkflow, type EngineDeps, type RunOptions } from './executor.ts';

/** Builds a workflow from a compact description: nodes [name, type, params, extra] and edges. */
export function wf(
  nodes: [string, string, Record<string, unknown>?, Record<string, unknown>?][],
  edges: (string | [string, number, string, number])[],
  settings: Record<string, unknown> = { executionOrder: 'v1' },
): Workflow {
  const connections = dict<{ main: { node: string; type: string; index: number }[][] }>();
  for (const e of edges) {
    const [from, out, to, input] =
      typeof e === 'string' ? [e.split('>')[0]!, 0, e.split('>')[1]!, 0] : e;
    const c = connections[from] ?? { main: [] };
    connections[from] = c;
    while (c.main.length <= out) c.main.push([]);
    c.main[out]!.push({ node: to, type: 'main', index: input });
  }
  return workflowSchema.parse({
    id: 'wf1',
    name: 'test',
    settings,
    nodes: nodes.map(([name, type, parameters, extra], n) => ({
      name,
      type: type.includes('.') ? type : `n8n-nodes-base.${type}`,
      typeVersion: 1,
      position: [n * 200, 0],
      parameters: parameters ?? {},
      ...extra,
    })),
    connections,
  });
}

export function testEngine(
  extra: Partial<EngineDeps> = {},
): EngineDeps & { clock: ManualClock; slept: number[] } {
  const clock = new ManualClock('2026-03-04T05:06:07.000Z');
  const slept: number[] = [];
  return {
    ...extra,
    registry: createNodeRegistry(),
    evaluator: new ExpressionEvaluator({ timeoutMs: 500 }),
    clock,
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
  };
}

export async function run(
  workflow: Workflow,
  options: Partial<RunOptions> = {},
  deps = testEngine(),
) {
  return runWorkflow(deps, { workflow, ...options });
}

export const json = (items: { json: unknown }[] | undefined): unknown[] =>
  (items ?? []).map((i) => i.json);

/** Runs a workflow of one node (`extra`: more of its fields) fed by a manual trigger with `items`. */
export function runOneNode(
  type: string,
  typeVersion: number,
  parameters: Record<string, unknown>,
  triggerItems: Item[],
  extra: Record<string, unknown> = {},
  deps = testEngine(),
) {
  const workflow = wf(
    [
      ['Start', 'manualTrigger'],
      ['Node', type, parameters, { typeVersion, ...extra }],
    ],
    ['Start>Node'],
  );
  return runWorkflow(deps, { workflow, triggerItems });
}

/** Runs one node fed by a manual trigger with `items`; returns its outputs' JSON. */
export async function runNode(
  type: string,
  typeVersion: number,
  parameters: Record<string, unknown>,
  items: Record<string, unknown>[] = [{}],
  extra: Record<string, unknown> = {},
  deps = testEngine(),
): Promise<{
  outputs: unknown[][];
  error?: string;
  items: { json: unknown; binary?: unknown }[][];
}> {
  const r = await runOneNode(
    type,
    typeVersion,
    parameters,
    items.map((j) => ({ json: j })),
    extra,
    deps,
  );
  const main = r.runData.Node?.[0]?.data.main ?? [];
  return {
    outputs: main.map((o) => json(o)),
    items: main,
    ...(r.error ? { error: r.error.message } : {}),
  };
}
