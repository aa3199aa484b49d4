import { and, desc, eq, getTableColumns, gte, lt, sql, type SQL } from 'drizzle-orm';
import { organisations } from '../access/access.schema.ts';
import type { AuditLog } from '../access/index.ts';
import {
  ErrorCodes,
  containsPattern,
  newId,
  notFound,
  UserError,
  type Clock,
  type Database,
  type DbOrTx,
  type EventBus,
} from '../kernel/index.ts';
import type { NodeRegistry } from './engine/engine.types.ts';
import { nameFromFile } from './import-name.ts';
import { exportWorkflow } from './model/export.ts';
import { importWorkflow, type ImportReport, type UnsupportedType } from './model/import.ts';
import type { Workflow, WorkflowNode } from './model/workflow.types.ts';
import { triggerSchedule } from './nodes/trigger.node.ts';
import {
  activationProblems,
  authenticatedTriggers,
  authenticationRefusal,
  hasActivatingTrigger,
  nodesNeedingSettings,
  registerWebhooks,
  settingsRefusal,
  type NodeSettings,
  webhookNodes,
  webhookUrls,
} from './workflows.activation.ts';
import {
  workflowExecutionNodes,
  workflowExecutions,
  workflows,
  workflowVersions,
  workflowWebhooks,
} from './workflows.schema.ts';

/** Published on every save, activation, deactivation and deletion: caches reload. */
export const WORKFLOWS_CHANGED = 'workflows.changed';

export type WorkflowRow = typeof workflows.$inferSelect;
export type ExecutionRow = typeof workflowExecutions.$inferSelect;

/** Fields of the n8n JSON stored in their own columns; the rest goes to `extra`. */
const OWN_FIELDS = new Set([
  'id',
  'name',
  'active',
  'nodes',
  'connections',
  'settings',
  'pinData',
  'staticData',
  'tags',
]);

export interface ImportFileReport {
  file: string;
  status: 'imported' | 'imported_unsupported' | 'refused';
  id?: string;
  name?: string;
  unsupported?: UnsupportedType[];
  code?: string;
  reason?: string;
  warnings?: string[];
  /** Why the imported workflow cannot be activated as it is (absent: it can be). */
  cannotActivate?: string[];
}

export interface ExecutionListQuery {
  workflowId?: string | undefined;
  status?: string | undefined;
  mode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Executions whose custom data holds this key (with this value, when one is given). */
  customData?: { key: string; value?: string | undefined } | undefined;
  limit: number;
  offset: number;
}

export interface WorkflowsServiceDeps {
  db: Database;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  registry: NodeRegistry;
  /** Nodes an administrator turned on (default: none; workflows using them cannot be activated). */
  nodeSettings?: NodeSettings;
  /** Called at once on every change in this process (other processes hear the event). */
  onChanged?: () => void;
}

export { normalisePath, webhookNodes } from './workflows.activation.ts';

/** The schedule-like trigger nodes of a workflow (scheduleTrigger, cron, interval). */
export function scheduleNodes(workflow: Pick<Workflow, 'nodes'>): WorkflowNode[] {
  return workflow.nodes.filter((n) => !n.disabled && triggerSchedule(n) !== undefined);
}

/** The workflow row as the engine's n8n model. */
export function workflowOf(row: WorkflowRow): Workflow {
  return {
    ...(row.extra as object),
    id: row.id,
    name: row.name,
    active: row.active,
    nodes: row.nodes as Workflow['nodes'],
    connections: row.connections,
    settings: row.settings as Workflow['settings'],
    pinData: row.pinData as Workflow['pinData'],
    staticData: row.staticData,
    tags: row.tags,
  } as Workflow;
}

/** Where an organisation's webhook URLs live: the base URL and the organisation's slug. */
export interface WebhookBase {
  base: string;
  orgSlug: string;
}

/** The workflow as the API shows it, with each webhook's production and test URL. */
export function workflowView(row: WorkflowRow, urls: WebhookBase) {
  const json = workflowJson(row);
  return {
    ...json,
    webhooks: json.webhooks.map((w) => ({
      ...w,
      ...webhookUrls(urls.base, urls.orgSlug, w.path),
    })),
  };
}

export function workflowJson(row: WorkflowRow) {
  return {
    id: row.id,
    name: row.name,
    active: row.active,
    version: row.version,
    tags: row.tags,
    sourceId: row.sourceId,
    nodeCount: (row.nodes as unknown[]).length,
    unsupported: row.unsupported as UnsupportedType[],
    webhooks: webhookNodes({ nodes: row.nodes as WorkflowNode[] }).map((w) => ({
      method: w.method,
      path: w.path,
      node: w.node.name,
    })),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function tagNames(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return (tags as unknown[])
    .map((t) => {
      if (typeof t === 'string') return t;
      const name = typeof t === 'object' && t !== null && 'name' in t ? t.name : undefined;
      return typeof name === 'string' ? name : '';
    })
    .filter((t) => t !== '');
}

function columnsOf(workflow: Workflow) {
  const extra = Object.fromEntries(
    Object.entries(workflow).filter(([key]) => !OWN_FIELDS.has(key)),
  );
  return {
    name: workflow.name ?? 'Untitled workflow',
    nodes: workflow.nodes,
    connections: workflow.connections,
    settings: workflow.settings ?? {},
    pinData: workflow.pinData ?? {},
    staticData: workflow.staticData ?? {},
    extra,
    tags: tagNames(workflow.tags),
  };
}

export function createWorkflowsService(deps: WorkflowsServiceDeps) {
  const { db, clock, audit, events, registry } = deps;
  const nodeSettings = deps.nodeSettings ?? { executeCommand: false };

  const parse = (input: unknown): ImportReport =>
    importWorkflow(input, { resolve: registry.resolve });

  const refusal = (report: Extract<ImportReport, { status: 'refused' }>) =>
    new UserError(ErrorCodes.validationFailed, `Workflow refused: ${report.reason}`, {
      details: { code: report.code, reason: report.reason },
    });

  const load = async (tx: DbOrTx, orgId: string, id: string): Promise<WorkflowRow> => {
    const [row] = await tx
      .select()
      .from(workflows)
      .where(and(eq(workflows.orgId, orgId), eq(workflows.id, id)));
    if (!row) throw notFound(`Workflow ${id}`);
    return row;
  };

  const changed = async (orgId: string, id: string) => {
    deps.onChanged?.();
    await events.publish(WORKFLOWS_CHANGED, { orgId, workflowId: id });
  };

  async function insert(
    orgId: string,
    report: Extract<ImportReport, { status: 'imported' | 'imported_unsupported' }>,
  ): Promise<WorkflowRow> {
    const now = clock.now();
    const id = newId();
    const columns = columnsOf(report.workflow);
    const unsupported = report.status === 'imported_unsupported' ? report.unsupported : [];
    const row = await db.transaction(async (tx) => {
      const [created] = await tx
        .insert(workflows)
        .values({
          id,
          orgId,
          ...columns,
          active: false,
          unsupported,
          sourceId: report.workflow.id === undefined ? null : String(report.workflow.id),
          version: 1,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await tx.insert(workflowVersions).values({
        workflowId: id,
        version: 1,
        orgId,
        definition: exportWorkflow({ ...report.workflow, id }),
        createdAt: now,
      });
      await audit.record(tx, {
        action: 'workflows.workflow.create',
        entityType: 'workflow',
        entityId: id,
        orgId,
        after: { name: columns.name, nodes: columns.nodes.length, unsupported: unsupported.length },
      });
      return created!;
    });
    return row;
  }

  return {
    parse,

    async list(
      orgId: string,
      query: {
        limit: number;
        offset: number;
        active?: boolean | undefined;
        search?: string | undefined;
      },
    ) {
      const where = and(
        eq(workflows.orgId, orgId),
        query.active === undefined ? undefined : eq(workflows.active, query.active),
        query.search ? sql`${workflows.name} ilike ${containsPattern(query.search)}` : undefined,
      );
      const [rows, [count]] = await Promise.all([
        db
          .select()
          .from(workflows)
          .where(where)
          .orderBy(workflows.name, workflows.id)
          .limit(query.limit)
          .offset(query.offset),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(workflows)
          .where(where),
      ]);
      return { total: count?.n ?? 0, workflows: rows };
    },

    get: (orgId: string, id: string) => load(db, orgId, id),

    /** The slug of an organisation: the prefix of its webhook URLs (`/o/<slug>/webhook/...`). */
    async orgSlug(orgId: string): Promise<string> {
      const [org] = await db
        .select({ slug: organisations.slug })
        .from(organisations)
        .where(eq(organisations.id, orgId));
      if (!org) throw notFound(`Organisation ${orgId}`);
      return org.slug;
    },

    /** Imports one n8n workflow JSON; refuses with the importer's reason. */
    async create(
      orgId: string,
      input: unknown,
    ): Promise<{ row: WorkflowRow; report: ImportReport }> {
      const report = parse(input);
      if (report.status === 'refused') throw refusal(report);
      return { row: await insert(orgId, report), report };
    },

    /** Imports many files; never throws for a bad file: the report says why it was refused. */
    async importMany(
      orgId: string,
      files: { file: string; content: unknown }[],
    ): Promise<ImportFileReport[]> {
      const out: ImportFileReport[] = [];
      for (const { file, content } of files) {
        const report = parse(content);
        if (report.status === 'refused') {
          out.push({ file, status: 'refused', code: report.code, reason: report.reason });
          continue;
        }
        const named = nameFromFile(file, report.workflow.name);
        if (named !== undefined) report.workflow.name = named;
        const row = await insert(orgId, report);
        const cannotActivate = activationProblems(
          row.nodes as WorkflowNode[],
          row.unsupported as UnsupportedType[],
          registry,
          nodeSettings,
        );
        out.push({
          file,
          status: report.status,
          id: row.id,
          name: row.name,
          warnings: report.warnings,
          ...(report.status === 'imported_unsupported' ? { unsupported: report.unsupported } : {}),
          ...(cannotActivate.length > 0 ? { cannotActivate } : {}),
        });
      }
      return out;
    },

    /** Saves a new definition: a new version; an active workflow re-registers its webhooks. */
    async update(orgId: string, id: string, input: unknown): Promise<WorkflowRow> {
      const report = parse(input);
      if (report.status === 'refused') throw refusal(report);
      const columns = columnsOf(report.workflow);
      const unsupported = report.status === 'imported_unsupported' ? report.unsupported : [];
      const row = await db.transaction(async (tx) => {
        const before = await load(tx, orgId, id);
        if (before.active && unsupported.length > 0) {
          throw new UserError(
            ErrorCodes.conflict,
            `An active workflow cannot use unsupported node types: ${unsupported.map((u) => u.type).join(', ')}; deactivate it first`,
            { status: 409, details: { unsupported } },
          );
        }
        const turnedOff = nodesNeedingSettings(columns.nodes, nodeSettings);
        if (before.active && turnedOff.length > 0) throw settingsRefusal(turnedOff);
        const authenticated = authenticatedTriggers(columns.nodes, registry);
        if (before.active && authenticated.length > 0) throw authenticationRefusal(authenticated);
        const now = clock.now();
        const version = before.version + 1;
        const [updated] = await tx
          .update(workflows)
          .set({ ...columns, unsupported, version, updatedAt: now })
          .where(eq(workflows.id, id))
          .returning();
        await tx.insert(workflowVersions).values({
          workflowId: id,
          version,
          orgId,
          definition: exportWorkflow({ ...report.workflow, id }),
          createdAt: now,
        });
        if (updated!.active) await registerWebhooks(tx, updated!);
        await audit.record(tx, {
          action: 'workflows.workflow.update',
          entityType: 'workflow',
          entityId: id,
          orgId,
          before: { name: before.name, version: before.version },
          after: { name: columns.name, version },
        });
        return updated!;
      });
      await changed(orgId, id);
      return row;
    },

    async remove(orgId: string, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await load(tx, orgId, id);
        await tx.delete(workflows).where(eq(workflows.id, id));
        await audit.record(tx, {
          action: 'workflows.workflow.delete',
          entityType: 'workflow',
          entityId: id,
          orgId,
          before: { name: before.name, version: before.version },
        });
      });
      await changed(orgId, id);
    },

    async exportJson(orgId: string, id: string): Promise<Record<string, unknown>> {
      return exportWorkflow(workflowOf(await load(db, orgId, id)));
    },

    async versions(orgId: string, id: string) {
      await load(db, orgId, id);
      const rows = await db
        .select({ version: workflowVersions.version, createdAt: workflowVersions.createdAt })
        .from(workflowVersions)
        .where(eq(workflowVersions.workflowId, id))
        .orderBy(desc(workflowVersions.version));
      return rows.map((r) => ({ version: r.version, createdAt: r.createdAt.toISOString() }));
    },

    async version(orgId: string, id: string, version: number) {
      const [row] = await db
        .select()
        .from(workflowVersions)
        .where(
          and(
            eq(workflowVersions.orgId, orgId),
            eq(workflowVersions.workflowId, id),
            eq(workflowVersions.version, version),
          ),
        );
      if (!row) throw notFound(`Version ${version} of workflow ${id}`);
      return row.definition as Record<string, unknown>;
    },

    /** Activates (registers webhooks; schedules fire) or deactivates a workflow. */
    async setActive(orgId: string, id: string, active: boolean): Promise<WorkflowRow> {
      const row = await db.transaction(async (tx) => {
        const before = await load(tx, orgId, id);
        const unsupported = before.unsupported as UnsupportedType[];
        if (active && unsupported.length > 0) {
          throw new UserError(
            ErrorCodes.conflict,
            `This workflow uses node types IZA OS cannot run: ${unsupported
              .map((u) => `${u.type} v${u.typeVersions.join('/')} (${u.nodes.join(', ')})`)
              .join('; ')}`,
            { status: 409, details: { unsupported } },
          );
        }
        if (active) {
          const nodes = before.nodes as WorkflowNode[];
          const turnedOff = nodesNeedingSettings(nodes, nodeSettings);
          if (turnedOff.length > 0) throw settingsRefusal(turnedOff);
          const authenticated = authenticatedTriggers(nodes, registry);
          if (authenticated.length > 0) throw authenticationRefusal(authenticated);
          if (!hasActivatingTrigger(nodes, registry)) {
            throw new UserError(
              ErrorCodes.validationFailed,
              'This workflow has no trigger that can activate it (Webhook, Form Trigger, Schedule Trigger, Cron or Interval)',
            );
          }
          await registerWebhooks(tx, before);
        } else {
          await tx.delete(workflowWebhooks).where(eq(workflowWebhooks.workflowId, id));
        }
        const [updated] = await tx
          .update(workflows)
          .set({ active })
          .where(eq(workflows.id, id))
          .returning();
        await audit.record(tx, {
          action: active ? 'workflows.workflow.activate' : 'workflows.workflow.deactivate',
          entityType: 'workflow',
          entityId: id,
          orgId,
          before: { active: before.active },
          after: { active },
        });
        return updated!;
      });
      await changed(orgId, id);
      return row;
    },

    async executions(orgId: string, query: ExecutionListQuery) {
      const conditions: (SQL | undefined)[] = [
        eq(workflowExecutions.orgId, orgId),
        query.workflowId ? eq(workflowExecutions.workflowId, query.workflowId) : undefined,
        query.status ? eq(workflowExecutions.status, query.status) : undefined,
        query.mode ? eq(workflowExecutions.mode, query.mode) : undefined,
        query.from ? gte(workflowExecutions.startedAt, new Date(query.from)) : undefined,
        query.to ? lt(workflowExecutions.startedAt, new Date(query.to)) : undefined,
        customDataCondition(query.customData),
      ];
      const where = and(...conditions);
      const [rows, [count]] = await Promise.all([
        db
          .select({ ...getTableColumns(workflowExecutions), workflowName: workflows.name })
          .from(workflowExecutions)
          .leftJoin(
            workflows,
            and(eq(workflows.id, workflowExecutions.workflowId), eq(workflows.orgId, orgId)),
          )
          .where(where)
          .orderBy(desc(workflowExecutions.startedAt), desc(workflowExecutions.id))
          .limit(query.limit)
          .offset(query.offset),
        db
          .select({ n: sql<number>`count(*)::int` })
          .from(workflowExecutions)
          .where(where),
      ]);
      return { total: count?.n ?? 0, executions: rows };
    },

    async execution(orgId: string, id: string) {
      const [row] = await db
        .select()
        .from(workflowExecutions)
        .where(and(eq(workflowExecutions.orgId, orgId), eq(workflowExecutions.id, id)));
      if (!row) throw notFound(`Execution ${id}`);
      const nodes = await db
        .select()
        .from(workflowExecutionNodes)
        .where(eq(workflowExecutionNodes.executionId, id))
        .orderBy(workflowExecutionNodes.startedAt, workflowExecutionNodes.runIndex);
      return { row, nodes };
    },
  };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;

function customDataCondition(filter: ExecutionListQuery['customData']): SQL | undefined {
  if (!filter) return undefined;
  return filter.value === undefined
    ? sql`jsonb_exists(${workflowExecutions.customData}, ${filter.key})`
    : sql`${workflowExecutions.customData} @> ${JSON.stringify({ [filter.key]: filter.value })}::jsonb`;
}

export type ExecutionStatusName =
  'new' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'crashed' | 'cancelled';
export type ExecutionModeName = 'manual' | 'webhook' | 'schedule' | 'error' | 'subworkflow';

export function executionJson(row: ExecutionRow & { workflowName?: string | null }) {
  return {
    id: row.id,
    workflowId: row.workflowId,
    ...(row.workflowName === undefined ? {} : { workflowName: row.workflowName }),
    workflowVersion: row.workflowVersion,
    status: row.status as ExecutionStatusName,
    mode: row.mode as ExecutionModeName,
    startNode: row.startNode,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: (row.error as { message: string; name?: string; node?: string } | null) ?? null,
    lastNode: row.lastNode,
    waitUntil: row.waitUntil?.toISOString() ?? null,
    customData: row.customData ?? {},
  };
}
