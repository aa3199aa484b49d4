import { Cron } from 'croner';
import {
  NodeError,
  type Item,
  type NodeType,
  type WebhookResponse,
} from '../engine/engine.types.ts';
import type { WorkflowNode } from '../model/workflow.types.ts';
import type { DateTime } from 'luxon';
import { defineNode, text } from './define.ts';

/** Triggers emit the data the execution was started with (input 0). */
const passTrigger = (name: string, versions: number[]): NodeType =>
  defineNode({
    name,
    versions,
    trigger: true,
    async execute(ctx) {
      return [ctx.input().length ? ctx.input() : [{ json: {} }]];
    },
  });

export const manualTriggerNode = passTrigger('manualTrigger', [1]);
export const startNode = passTrigger('start', [1]);
export const errorTriggerNode = passTrigger('errorTrigger', [1]);
export const executeWorkflowTriggerNode = passTrigger('executeWorkflowTrigger', [1, 1.1]);

/**
 * Webhook: the server turns the request into the trigger item
 * (`{headers, params, query, body, webhookUrl, executionMode}`); `webhookSettings` tells the
 * server how to answer.
 */
export const webhookNode = passTrigger('webhook', [1, 1.1, 2, 2.1]);

/** Form Trigger: like a webhook, the server turns the submitted form into the trigger item. */
export const formTriggerNode = passTrigger('formTrigger', [1, 2, 2.1, 2.2]);

export interface WebhookSettings {
  method: string;
  path: string;
  /** When to answer: at once, after the last node, or from a Respond to Webhook node. */
  responseMode: 'onReceived' | 'lastNode' | 'responseNode';
  responseCode: number;
  responseData: 'firstEntryJson' | 'allEntries' | 'noData' | 'firstEntryBinary';
  /** How callers must authenticate (`none`, `basicAuth`, `headerAuth`, `jwtAuth`...). */
  authentication: string;
}

export function webhookSettings(node: WorkflowNode): WebhookSettings {
  const p = node.parameters;
  const options = (p.options ?? {}) as Record<string, unknown>;
  return {
    method: text(p.httpMethod, 'GET'),
    path: text(p.path ?? node.webhookId),
    responseMode: (p.responseMode as WebhookSettings['responseMode'] | undefined) ?? 'onReceived',
    responseCode: Number(p.responseCode ?? options.responseCode ?? 200),
    responseData:
      (p.responseData as WebhookSettings['responseData'] | undefined) ?? 'firstEntryJson',
    authentication: triggerAuthentication(node) ?? 'none',
  };
}

/**
 * The authentication a trigger node expects of its callers (n8n's `authentication` parameter:
 * `basicAuth`, `headerAuth`, `jwtAuth`...), or `undefined` when it expects none. Checking it
 * needs credentials, which IZA OS does not have yet: such a trigger cannot be activated or run.
 */
export function triggerAuthentication(node: WorkflowNode): string | undefined {
  const value = node.parameters.authentication;
  if (value === undefined || value === null || value === '' || value === 'none') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The HTTP answer to a webhook call, from the Webhook node's settings and the execution's
 * result: `onReceived` answers at once (`{"message": "Workflow was started"}`), `lastNode`
 * with the last node's output (`responseData`), `responseNode` with what Respond to Webhook set.
 * Returns `undefined` when `responseNode` mode ends without a Respond to Webhook answer.
 */
export function webhookAnswer(
  node: WorkflowNode,
  result:
    | {
        lastNodeOutput: Item[];
        response?: WebhookResponse;
        status: string;
        error?: { message: string };
      }
    | undefined,
): WebhookResponse | undefined {
  const settings = webhookSettings(node);
  const json = (body: unknown, status = settings.responseCode): WebhookResponse => ({
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body,
    bodyKind: 'json',
  });
  if (settings.responseMode === 'onReceived' || !result) {
    return json({ message: 'Workflow was started' });
  }
  if (settings.responseMode === 'responseNode') {
    if (result.response) return result.response;
    if (result.status === 'error') return json({ message: 'Error in workflow' }, 500);
    return undefined;
  }
  if (result.status === 'error')
    return json({ message: result.error?.message ?? 'Error in workflow' }, 500);
  const items = result.lastNodeOutput;
  switch (settings.responseData) {
    case 'allEntries':
      return json(items.map((i) => i.json));
    case 'noData':
      return { status: settings.responseCode, headers: {}, body: undefined, bodyKind: 'empty' };
    case 'firstEntryBinary': {
      const binary = Object.values(items[0]?.binary ?? {})[0];
      if (!binary) return json({ message: 'No binary data to return' }, 500);
      return {
        status: settings.responseCode,
        headers: { 'content-type': binary.mimeType },
        body: binary.data,
        bodyKind: 'binary',
      };
    }
    case 'firstEntryJson':
      return json(items[0]?.json ?? {});
  }
}

/** The item a schedule trigger emits for the time it fired. */
function scheduleItem(now: DateTime): Record<string, unknown> {
  return {
    timestamp: now.toISO(),
    'Readable date': now.toFormat('MMMM d yyyy, h:mm:ss a'),
    'Readable time': now.toFormat('h:mm:ss a'),
    'Day of week': now.toFormat('cccc'),
    Year: now.toFormat('yyyy'),
    Month: now.toFormat('MMMM'),
    'Day of month': now.toFormat('dd'),
    Hour: now.toFormat('HH'),
    Minute: now.toFormat('mm'),
    Second: now.toFormat('ss'),
    Timezone: `${now.zoneName} (UTC${now.toFormat('ZZ')})`,
  };
}

const scheduleTrigger = (name: string, versions: number[]): NodeType =>
  defineNode({
    name,
    versions,
    trigger: true,
    async execute(ctx) {
      const given = ctx.input();
      if (given.length && Object.keys(given[0]!.json).length) return [given];
      return [[{ json: name === 'scheduleTrigger' ? scheduleItem(ctx.now()) : {} }]];
    },
  });

export const scheduleTriggerNode = scheduleTrigger('scheduleTrigger', [1, 1.1, 1.2]);
export const cronNode = scheduleTrigger('cron', [1]);
export const intervalNode = scheduleTrigger('interval', [1]);

/** When a schedule-like trigger fires: cron expressions (with seconds) or a fixed period. */
export type TriggerSchedule =
  { kind: 'cron'; expressions: string[] } | { kind: 'every'; ms: number };

/** The schedule of a scheduleTrigger / cron / interval node (firing is the server's job). */
export function triggerSchedule(node: WorkflowNode): TriggerSchedule | undefined {
  const p = node.parameters;
  const short = node.type.replace(/^n8n-nodes-base\./, '');
  if (short === 'interval') {
    const unit = text(p.unit, 'seconds');
    const factor: Record<string, number> = { seconds: 1e3, minutes: 6e4, hours: 36e5 };
    return { kind: 'every', ms: Number(p.interval ?? 1) * (factor[unit] ?? 1e3) };
  }
  if (short === 'cron') {
    const items = (p.triggerTimes as { item?: Record<string, unknown>[] } | undefined)?.item ?? [];
    return { kind: 'cron', expressions: items.map(legacyCron) };
  }
  if (short === 'scheduleTrigger') {
    const rules = (p.rule as { interval?: Record<string, unknown>[] } | undefined)?.interval ?? [
      { field: 'days' },
    ];
    return { kind: 'cron', expressions: rules.map(ruleCron) };
  }
  return undefined;
}

function ruleCron(r: Record<string, unknown>): string {
  const n = (k: string, d: number): number => Number(r[k] ?? d);
  const m = n('triggerAtMinute', 0);
  const h = n('triggerAtHour', 0);
  switch (r.field) {
    case 'seconds':
      return `*/${n('secondsInterval', 30)} * * * * *`;
    case 'minutes':
      return `0 */${n('minutesInterval', 5)} * * * *`;
    case 'hours':
      return `0 ${m} */${n('hoursInterval', 1)} * * *`;
    case 'days':
    case undefined:
      return `0 ${m} ${h} */${n('daysInterval', 1)} * *`;
    case 'weeks': {
      const days = (r.triggerAtDay as number[] | undefined) ?? [0];
      return `0 ${m} ${h} * * ${days.length ? days.join(',') : '0'}`;
    }
    case 'months':
      return `0 ${m} ${h} ${n('triggerAtDayOfMonth', 1)} */${n('monthsInterval', 1)} *`;
    case 'cronExpression':
      return text(r.expression);
    default:
      throw new NodeError(`schedule field "${String(r.field)}" is not supported`);
  }
}

function legacyCron(t: Record<string, unknown>): string {
  const h = Number(t.hour ?? 14);
  const m = Number(t.minute ?? 0);
  switch (t.mode) {
    case 'everyMinute':
      return '0 * * * * *';
    case 'everyHour':
      return `0 ${m} * * * *`;
    case 'everyDay':
      return `0 ${m} ${h} * * *`;
    case 'everyWeek':
      return `0 ${m} ${h} * * ${Number(t.weekday ?? 1)}`;
    case 'everyMonth':
      return `0 ${m} ${h} ${Number(t.dayOfMonth ?? 1)} * *`;
    case 'everyX':
      return t.unit === 'hours'
        ? `0 0 */${Number(t.value ?? 2)} * * *`
        : `0 */${Number(t.value ?? 2)} * * * *`;
    case 'custom':
      return text(t.cronExpression, '* * * * * *');
    default:
      return `0 ${m} ${h} * * *`;
  }
}

/** The next `count` firing times of a schedule-like trigger after `from`, in `timezone`. */
export function nextRuns(node: WorkflowNode, from: Date, count: number, timezone = 'UTC'): Date[] {
  const schedule = triggerSchedule(node);
  if (!schedule) return [];
  if (schedule.kind === 'every') {
    return Array.from(
      { length: count },
      (_, i) => new Date(from.getTime() + (i + 1) * schedule.ms),
    );
  }
  const all: Date[] = [];
  for (const expression of schedule.expressions) {
    const cron = new Cron(expression, { timezone, paused: true });
    all.push(...cron.nextRuns(count, from));
  }
  return all.sort((a, b) => a.getTime() - b.getTime()).slice(0, count);
}

export const triggerNodes: NodeType[] = [
  manualTriggerNode,
  startNode,
  errorTriggerNode,
  executeWorkflowTriggerNode,
  webhookNode,
  formTriggerNode,
  scheduleTriggerNode,
  cronNode,
  intervalNode,
];
