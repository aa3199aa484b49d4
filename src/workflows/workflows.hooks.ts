import { eq, sql } from 'drizzle-orm';
import type { Database, EventBus } from '../kernel/index.ts';
import type { Workflow, WorkflowNode } from './model/workflow.types.ts';
import {
  normalisePath,
  webhookNodes,
  workflowOf,
  WORKFLOWS_CHANGED,
  type WorkflowRow,
} from './workflows.service.ts';
import { workflows, workflowWebhooks } from './workflows.schema.ts';

/** A workflow listening on a webhook URL, with the Webhook node that listens. */
export interface WebhookTarget {
  row: WorkflowRow;
  workflow: Workflow;
  node: WorkflowNode;
}

/**
 * Finds the workflow behind a webhook URL: production URLs from an in-memory map of active
 * workflows (`METHOD path -> workflow`, loaded once and dropped whenever any process changes a
 * workflow), test URLs from the saved definitions.
 */
export function createWebhookLookup(deps: { db: Database; events: EventBus }) {
  const { db } = deps;
  let hooks: Promise<Map<string, WebhookTarget>> | undefined;
  let generation = 0;
  const invalidate = () => {
    generation++;
    hooks = undefined;
  };
  const unsubscribe = deps.events.subscribe(WORKFLOWS_CHANGED, invalidate);

  const load = (): Promise<Map<string, WebhookTarget>> => {
    if (hooks) return hooks;
    const loadingGeneration = generation;
    const loading = (async () => {
      const rows = await db
        .select({ hook: workflowWebhooks, row: workflows })
        .from(workflowWebhooks)
        .innerJoin(workflows, eq(workflows.id, workflowWebhooks.workflowId))
        .where(eq(workflows.active, true));
      const map = new Map<string, WebhookTarget>();
      for (const { hook, row } of rows) {
        const workflow = workflowOf(row);
        const node = workflow.nodes.find((n) => n.name === hook.node);
        if (node) map.set(`${hook.method} ${hook.path}`, { row, workflow, node });
      }
      return map;
    })();
    hooks = loading;
    loading.catch(() => {
      if (hooks === loading) hooks = undefined;
    });
    void loading.then(() => {
      if (generation !== loadingGeneration && hooks === loading) hooks = undefined;
    });
    return loading;
  };

  return {
    invalidate,

    /** The active workflow and node for `METHOD path`, from the in-memory map. */
    async production(method: string, path: string): Promise<WebhookTarget | undefined> {
      return (await load()).get(`${method} ${normalisePath(path)}`);
    },

    /** Any saved workflow (of any organisation) with a webhook on `METHOD path`: test URLs. */
    async test(method: string, path: string): Promise<WebhookTarget | undefined> {
      const wanted = normalisePath(path);
      const candidates = await db
        .select()
        .from(workflows)
        .where(
          sql`${workflows.nodes} @> ${JSON.stringify([{ parameters: { path: wanted } }])}::jsonb`,
        )
        .limit(20);
      for (const row of candidates) {
        const workflow = workflowOf(row);
        const hook = webhookNodes(workflow).find((h) => h.method === method && h.path === wanted);
        if (hook) return { row, workflow, node: hook.node };
      }
      return undefined;
    },

    /** Methods any active webhook listens with on `path` (for a 405-like answer). */
    async methodsFor(path: string): Promise<string[]> {
      const wanted = normalisePath(path);
      return [...(await load()).keys()]
        .filter((k) => k.slice(k.indexOf(' ') + 1) === wanted)
        .map((k) => k.slice(0, k.indexOf(' ')));
    },

    close(): void {
      unsubscribe();
    },
  };
}

export type WebhookLookup = ReturnType<typeof createWebhookLookup>;
