import { and, eq, inArray, sql } from 'drizzle-orm';
import { ErrorCodes, UserError, type DbOrTx } from '../kernel/index.ts';
import type { NodeRegistry } from './engine/engine.types.ts';
import type { UnsupportedType } from './model/import.ts';
import type { Workflow, WorkflowNode } from './model/workflow.types.ts';
import {
  nodesNeedingSettings,
  type NodeNeedingSetting,
  type NodeSettings,
} from './nodes/command.node.ts';
import { triggerAuthentication, triggerSchedule, webhookSettings } from './nodes/trigger.node.ts';
import { workflowWebhooks } from './workflows.schema.ts';

export { nodesNeedingSettings, type NodeNeedingSetting, type NodeSettings };

/**
 * What decides whether a workflow can be activated, and the webhook paths it then takes in its
 * organisation's namespace.
 */

const WEBHOOK_TYPES = new Set(['n8n-nodes-base.webhook', 'n8n-nodes-base.formTrigger']);

/** The Webhook (and Form Trigger) nodes of a workflow with their method and path. */
export function webhookNodes(
  workflow: Pick<Workflow, 'nodes'>,
): { node: WorkflowNode; method: string; path: string }[] {
  const found: { node: WorkflowNode; method: string; path: string }[] = [];
  for (const node of workflow.nodes) {
    if (!WEBHOOK_TYPES.has(node.type) || node.disabled) continue;
    const settings = webhookSettings(node);
    const path = normalisePath(settings.path);
    if (path === '') continue;
    const methods =
      node.type === 'n8n-nodes-base.formTrigger' ? ['GET', 'POST'] : [settings.method];
    for (const method of methods) found.push({ node, method: method.toUpperCase(), path });
  }
  return found;
}

export function normalisePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** A trigger node that expects its callers to authenticate (which IZA OS cannot check yet). */
export interface AuthenticatedTrigger {
  node: string;
  type: string;
  authentication: string;
}

const looksLikeTrigger = (type: string) => /(trigger|webhook)$/i.test(type);

/**
 * The enabled trigger nodes (by the registry, or by their type's name for types it does not
 * know) whose `authentication` parameter is set to anything but `none`.
 */
export function authenticatedTriggers(
  nodes: WorkflowNode[],
  registry: Pick<NodeRegistry, 'get'>,
): AuthenticatedTrigger[] {
  const found: AuthenticatedTrigger[] = [];
  for (const node of nodes) {
    if (node.disabled) continue;
    const trigger =
      registry.get(node.type, node.typeVersion)?.trigger ?? looksLikeTrigger(node.type);
    const authentication = trigger ? triggerAuthentication(node) : undefined;
    if (authentication) found.push({ node: node.name, type: node.type, authentication });
  }
  return found;
}

/** Why a trigger that expects authentication cannot run: one sentence naming the nodes. */
export function authenticationReason(found: AuthenticatedTrigger[]): string {
  const nodes = found.map((f) => `"${f.node}" (${f.type}, authentication ${f.authentication})`);
  return `The trigger node${found.length > 1 ? 's' : ''} ${nodes.join(', ')} expect${found.length > 1 ? '' : 's'} callers to authenticate, which needs credentials; IZA OS has no credential support yet, so this workflow cannot be activated or run from a webhook. Set Authentication to None (and check the caller inside the workflow) or wait for credential support.`;
}

/** The refusal (409) for a workflow whose triggers expect authentication. */
export function authenticationRefusal(found: AuthenticatedTrigger[]): UserError {
  return new UserError(ErrorCodes.conflict, authenticationReason(found), {
    status: 409,
    details: { authentication: found },
  });
}

/** Why nodes turned off on this server keep a workflow from running: one sentence naming them. */
export function settingsReason(found: NodeNeedingSetting[]): string {
  const nodes = found.map((f) => `"${f.node}" (${f.type})`).join(', ');
  const settings = [...new Set(found.map((f) => f.setting))].join(', ');
  return `The node${found.length > 1 ? 's' : ''} ${nodes} run${found.length > 1 ? '' : 's'} shell commands, which are turned off on this server; an administrator turns them on with ${settings} (commands then run sandboxed in the organisation's files folder).`;
}

/** The refusal (409) for a workflow with nodes that are turned off on this server. */
export function settingsRefusal(found: NodeNeedingSetting[]): UserError {
  return new UserError(ErrorCodes.conflict, settingsReason(found), {
    status: 409,
    details: { needsSetting: found },
  });
}

/**
 * Every reason a workflow cannot be activated, in words (empty: it can be): node types IZA OS
 * cannot run, nodes turned off on this server, triggers that expect authentication, no trigger
 * that can activate it.
 */
export function activationProblems(
  nodes: WorkflowNode[],
  unsupported: UnsupportedType[],
  registry: Pick<NodeRegistry, 'get'>,
  settings: NodeSettings,
): string[] {
  const problems: string[] = [];
  if (unsupported.length > 0) {
    problems.push(
      `It uses node types IZA OS cannot run: ${unsupported
        .map((u) => `${u.type} v${u.typeVersions.join('/')} (${u.nodes.join(', ')})`)
        .join('; ')}.`,
    );
  }
  const turnedOff = nodesNeedingSettings(nodes, settings);
  if (turnedOff.length > 0) problems.push(settingsReason(turnedOff));
  const authenticated = authenticatedTriggers(nodes, registry);
  if (authenticated.length > 0) problems.push(authenticationReason(authenticated));
  if (!hasActivatingTrigger(nodes, registry)) {
    problems.push(
      'It has no trigger that can activate it (Webhook, Form Trigger, Schedule Trigger, Cron or Interval).',
    );
  }
  return problems;
}

export function hasActivatingTrigger(
  nodes: WorkflowNode[],
  registry: Pick<NodeRegistry, 'get'>,
): boolean {
  return nodes
    .filter((n) => registry.get(n.type, n.typeVersion)?.trigger && !n.disabled)
    .some((n) => webhookNodes({ nodes: [n] }).length > 0 || triggerSchedule(n) !== undefined);
}

/**
 * Registers the webhooks of a workflow being activated (inside its transaction): its paths in
 * its organisation's namespace, refused (409) when another active workflow of the same
 * organisation holds one. Other organisations' paths are neither seen nor named.
 */
export async function registerWebhooks(
  tx: DbOrTx,
  row: { id: string; orgId: string; nodes: unknown },
): Promise<void> {
  await tx.delete(workflowWebhooks).where(eq(workflowWebhooks.workflowId, row.id));
  const hooks = webhookNodes({ nodes: row.nodes as WorkflowNode[] });
  const seen = new Set<string>();
  for (const hook of hooks) {
    const key = `${hook.method} ${hook.path}`;
    if (seen.has(key)) {
      throw new UserError(
        ErrorCodes.conflict,
        `Two webhook nodes of this workflow listen on ${key}`,
        { status: 409 },
      );
    }
    seen.add(key);
  }
  if (hooks.length === 0) return;
  const taken = await tx
    .select({ method: workflowWebhooks.method, path: workflowWebhooks.path })
    .from(workflowWebhooks)
    .where(
      and(
        eq(workflowWebhooks.orgId, row.orgId),
        inArray(sql`${workflowWebhooks.method} || ' ' || ${workflowWebhooks.path}`, [...seen]),
      ),
    );
  if (taken.length > 0) {
    throw new UserError(
      ErrorCodes.conflict,
      `Webhook ${taken.map((t) => `${t.method} ${t.path}`).join(', ')} is already used by another active workflow of this organisation`,
      { status: 409, details: taken },
    );
  }
  await tx.insert(workflowWebhooks).values(
    hooks.map((h) => ({
      method: h.method,
      path: h.path,
      workflowId: row.id,
      orgId: row.orgId,
      node: h.node.name,
    })),
  );
}

/** The URLs of one webhook path of an organisation, under `base` (no trailing slash). */
export function webhookUrls(
  base: string,
  orgSlug: string,
  path: string,
): { url: string; testUrl: string } {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const org = `${base}/o/${encodeURIComponent(orgSlug)}`;
  return { url: `${org}/webhook/${encoded}`, testUrl: `${org}/webhook-test/${encoded}` };
}
