import { and, eq, sql } from 'drizzle-orm';
import { organisations } from '../access/access.schema.ts';
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

/** Published by the access module on every audited change (organisations among them). */
const ACCESS_CHANGED = 'access.changed';

export interface WebhookLookupDeps {
  db: Database;
  events: EventBus;
  /**
   * Whose webhooks also answer on n8n's un-prefixed URLs: `auto` (the only organisation when
   * there is exactly one), `none`, or an organisation's slug.
   */
  defaultOrg: string;
}

interface Organisations {
  bySlug: Map<string, string>;
  /** The organisation of the un-prefixed `/webhook/<path>` URLs, if any. */
  defaultOrg: string | undefined;
}

/**
 * Finds the workflow behind a webhook URL. Every organisation has its own namespace of paths:
 * a lookup always names the organisation, and never finds another one's workflow. Production
 * URLs come from an in-memory map of active workflows (`org METHOD path -> workflow`, loaded
 * once and dropped whenever any process changes a workflow), test URLs from the saved
 * definitions of the caller's organisation.
 */
export function createWebhookLookup(deps: WebhookLookupDeps) {
  const { db } = deps;
  const key = (orgId: string, method: string, path: string) => `${orgId} ${method} ${path}`;
  const hooks = cached(async () => {
    const rows = await db
      .select({ hook: workflowWebhooks, row: workflows })
      .from(workflowWebhooks)
      .innerJoin(workflows, eq(workflows.id, workflowWebhooks.workflowId))
      .where(eq(workflows.active, true));
    const map = new Map<string, WebhookTarget>();
    for (const { hook, row } of rows) {
      const workflow = workflowOf(row);
      const node = workflow.nodes.find((n) => n.name === hook.node);
      if (node) map.set(key(row.orgId, hook.method, hook.path), { row, workflow, node });
    }
    return map;
  });
  const orgs = cached(async (): Promise<Organisations> => {
    const rows = await db
      .select({ id: organisations.id, slug: organisations.slug })
      .from(organisations);
    const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
    const wanted = deps.defaultOrg;
    const defaultOrg =
      wanted === 'none'
        ? undefined
        : wanted === 'auto'
          ? rows.length === 1
            ? rows[0]!.id
            : undefined
          : bySlug.get(wanted);
    return { bySlug, defaultOrg };
  });
  const unsubscribe = [
    deps.events.subscribe(WORKFLOWS_CHANGED, hooks.invalidate),
    deps.events.subscribe(ACCESS_CHANGED, orgs.invalidate),
  ];

  return {
    invalidate: hooks.invalidate,

    /** The organisation whose namespace the un-prefixed `/webhook/<path>` URLs serve, if any. */
    async defaultOrg(): Promise<string | undefined> {
      return (await orgs.get()).defaultOrg;
    },

    /** The organisation with this slug, if any. */
    async orgBySlug(slug: string): Promise<string | undefined> {
      return (await orgs.get()).bySlug.get(slug);
    },

    /** The active workflow and node of `orgId` for `METHOD path`, from the in-memory map. */
    async production(
      orgId: string,
      method: string,
      path: string,
    ): Promise<WebhookTarget | undefined> {
      return (await hooks.get()).get(key(orgId, method, normalisePath(path)));
    },

    /** A saved workflow (active or not) of `orgId` with a webhook on `METHOD path`: test URLs. */
    async test(orgId: string, method: string, path: string): Promise<WebhookTarget | undefined> {
      const wanted = normalisePath(path);
      const candidates = await db
        .select()
        .from(workflows)
        .where(
          and(
            eq(workflows.orgId, orgId),
            sql`${workflows.nodes} @> ${JSON.stringify([{ parameters: { path: wanted } }])}::jsonb`,
          ),
        )
        .limit(20);
      for (const row of candidates) {
        const workflow = workflowOf(row);
        const hook = webhookNodes(workflow).find((h) => h.method === method && h.path === wanted);
        if (hook) return { row, workflow, node: hook.node };
      }
      return undefined;
    },

    /** Methods the active webhooks of `orgId` listen with on `path` (for a 405-like answer). */
    async methodsFor(orgId: string, path: string): Promise<string[]> {
      const prefix = `${orgId} `;
      const wanted = normalisePath(path);
      const methods: string[] = [];
      for (const k of (await hooks.get()).keys()) {
        if (!k.startsWith(prefix)) continue;
        const [method, ...rest] = k.slice(prefix.length).split(' ');
        if (rest.join(' ') === wanted) methods.push(method!);
      }
      return methods;
    },

    close(): void {
      for (const stop of unsubscribe) stop();
    },
  };
}

export type WebhookLookup = ReturnType<typeof createWebhookLookup>;

/**
 * A value loaded once and reloaded after `invalidate()`; a load that an invalidation overtook
 * is not kept, and a failed load is retried by the next `get()`.
 */
function cached<T>(loader: () => Promise<T>) {
  let value: Promise<T> | undefined;
  let generation = 0;
  return {
    invalidate: (): void => {
      generation++;
      value = undefined;
    },
    get: (): Promise<T> => {
      if (value) return value;
      const loadingGeneration = generation;
      const loading = loader();
      value = loading;
      loading.catch(() => {
        if (value === loading) value = undefined;
      });
      void loading.then(
        () => {
          if (generation !== loadingGeneration && value === loading) value = undefined;
        },
        () => undefined,
      );
      return loading;
    },
  };
}
