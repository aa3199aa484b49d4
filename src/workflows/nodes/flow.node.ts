import { NodeError, type Item, type NodeType } from '../engine/engine.types.ts';
import { filterNode, ifNode, switchNode } from './conditions.node.ts';
import { clone, defineNode } from './define.ts';
import { dict } from '../../kernel/dict.ts';

const routeItem = (item: Item, i: number): Item => ({ ...item, pairedItem: { item: i } });

export const noOpNode = defineNode({
  name: 'noOp',
  versions: [1],
  async execute(ctx) {
    return [ctx.input()];
  },
});

export const stickyNoteNode = defineNode({
  name: 'stickyNote',
  versions: [1],
  inert: true,
  async execute() {
    return null;
  },
});

export const stopAndErrorNode = defineNode({
  name: 'stopAndError',
  versions: [1],
  async execute(ctx) {
    if (ctx.param('errorType', 0, 'errorMessage') === 'errorObject') {
      const obj = ctx.param<unknown>('errorObject', 0, {});
      const parsed = (typeof obj === 'string' ? JSON.parse(obj) : obj) as { message?: string };
      throw new NodeError(parsed.message ?? JSON.stringify(parsed), {
        description: JSON.stringify(parsed),
      });
    }
    throw new NodeError(ctx.param('errorMessage', 0, 'Workflow stopped'));
  },
});

/** Limit: the first (or last) `maxItems` items. */
export const limitNode = defineNode({
  name: 'limit',
  versions: [1],
  async execute(ctx) {
    const max = Number(ctx.param('maxItems', 0, 1));
    const items = ctx.input().map(routeItem);
    return [
      ctx.param('keep', 0, 'firstItems') === 'lastItems' ? items.slice(-max) : items.slice(0, max),
    ];
  },
});

/**
 * Wait: short waits sleep (injectable); long ones (more than `SHORT_WAIT_MS`, or a date, or
 * webhook/form resumes) suspend the execution as `waiting`, then pass the items on resume.
 */
const SHORT_WAIT_MS = 65_000;
export const waitNode = defineNode({
  name: 'wait',
  versions: [1, 1.1],
  async execute(ctx) {
    if (ctx.resumed) return [ctx.input()];
    const resume = ctx.param<string>('resume', 0, 'timeInterval');
    let until: Date;
    if (resume === 'timeInterval') {
      const unit = ctx.param<string>('unit', 0, ctx.node.typeVersion < 1.1 ? 'hours' : 'seconds');
      const amount = Number(ctx.param('amount', 0, ctx.node.typeVersion < 1.1 ? 1 : 5));
      const factor: Record<string, number> = {
        seconds: 1e3,
        minutes: 6e4,
        hours: 36e5,
        days: 864e5,
      };
      const ms = amount * (factor[unit] ?? 1e3);
      if (ms <= SHORT_WAIT_MS) {
        await ctx.sleep(ms);
        return [ctx.input()];
      }
      until = new Date(ctx.now().toMillis() + ms);
    } else if (resume === 'specificTime') {
      until = new Date(String(ctx.param('dateTime', 0)));
      const ms = until.getTime() - ctx.now().toMillis();
      if (ms <= SHORT_WAIT_MS) {
        if (ms > 0) await ctx.sleep(ms);
        return [ctx.input()];
      }
    } else {
      // webhook / form: waits for a call; without a limit it waits "forever" (n8n's 3000-01-01).
      until = new Date('3000-01-01T00:00:00Z');
    }
    return { waitUntil: until };
  },
});

/**
 * Split in Batches (Loop Over Items). v1-v2: one output, emits the next batch each time it
 * runs, `noItemsLeft` in its context. v3: output 0 "done" (all processed items), output 1
 * "loop" (the next batch).
 */
export const splitInBatchesNode = defineNode({
  name: 'splitInBatches',
  versions: [1, 2, 3],
  outputs: (node) => (node.typeVersion >= 3 ? 2 : 1),
  async execute(ctx) {
    const size = Math.max(1, Number(ctx.param('batchSize', 0, ctx.node.typeVersion >= 3 ? 1 : 10)));
    // Also what expressions read as `$node["X"].context`, as n8n names it.
    const s = ctx.state as {
      items?: Item[];
      processed?: Item[];
      done?: boolean;
      noItemsLeft?: boolean;
      currentRunIndex?: number;
      maxRunIndex?: number;
    };
    const reset = Boolean(ctx.param<unknown>('options.reset', 0, false));
    const v3 = ctx.node.typeVersion >= 3;
    // Input 0 is fresh data the first time (or on reset); later runs return from the loop.
    if (s.items === undefined || reset || s.done) {
      const items = ctx.input().map((item, i) => ({ ...clone(item), pairedItem: { item: i } }));
      s.items = items.slice(size);
      s.processed = [];
      s.done = false;
      s.currentRunIndex = 0;
      s.maxRunIndex = Math.ceil(items.length / size);
      s.noItemsLeft = s.items.length === 0;
      const batch = items.slice(0, size);
      if (batch.length === 0) {
        s.done = true;
        return v3 ? [[], []] : null;
      }
      return v3 ? [[], batch] : [batch];
    }
    if (v3) s.processed = [...(s.processed ?? []), ...ctx.input()];
    const batch = s.items.splice(0, size);
    s.currentRunIndex = (s.currentRunIndex ?? 0) + 1;
    s.noItemsLeft = s.items.length === 0;
    if (batch.length === 0) {
      s.done = true;
      // v1/v2: nothing left stops the branch; v3 emits everything on "done".
      return v3 ? [s.processed ?? [], []] : null;
    }
    return v3 ? [[], batch] : [batch];
  },
});

/** Respond to Webhook: sets the HTTP answer of the webhook that started the execution. */
export const respondToWebhookNode = defineNode({
  name: 'respondToWebhook',
  versions: [1, 1.1, 1.2, 1.3, 1.4],
  async execute(ctx) {
    const items = ctx.input();
    const respondWith = ctx.param<string>('respondWith', 0, 'firstIncomingItem');
    const status = Number(ctx.param('options.responseCode', 0, 200));
    const headers = dict<string>();
    for (const h of ctx.param<{ name: string; value: string }[]>(
      'options.responseHeaders.entries',
      0,
      [],
    )) {
      headers[h.name.toLowerCase()] = String(h.value);
    }
    let body: unknown;
    let bodyKind: 'json' | 'text' | 'binary' | 'empty' = 'json';
    switch (respondWith) {
      case 'allIncomingItems':
        body = items.map((i) => i.json);
        break;
      case 'firstIncomingItem':
        body = items[0]?.json ?? {};
        break;
      case 'json': {
        const raw = ctx.param<unknown>('responseBody', 0, '{}');
        body = typeof raw === 'string' ? JSON.parse(raw) : raw;
        break;
      }
      case 'text':
        body = String(ctx.param('responseBody', 0, ''));
        bodyKind = 'text';
        headers['content-type'] ??= 'text/plain; charset=utf-8';
        break;
      case 'noData':
        body = undefined;
        bodyKind = 'empty';
        break;
      case 'redirect':
        headers.location = String(ctx.param('redirectURL', 0, ''));
        ctx.setResponse({ status: 307, headers, body: undefined, bodyKind: 'empty' });
        return [items];
      case 'binary': {
        const key = ctx.param<string>('inputFieldName', 0, 'data');
        const bin = items[0]?.binary?.[key];
        if (!bin) throw new NodeError(`no binary field "${key}" to respond with`);
        headers['content-type'] ??= bin.mimeType;
        body = bin.data;
        bodyKind = 'binary';
        break;
      }
      default:
        throw new NodeError(`respondWith "${respondWith}" is not supported`);
    }
    if (bodyKind === 'json') headers['content-type'] ??= 'application/json; charset=utf-8';
    ctx.setResponse({ status, headers, body, bodyKind });
    return [items];
  },
});

/** Execute Workflow: runs another workflow with the items (once, or once per item). */
export const executeWorkflowNode = defineNode({
  name: 'executeWorkflow',
  versions: [1, 1.1, 1.2],
  async execute(ctx) {
    const source = ctx.param<string>('source', 0, 'database');
    const reference =
      source === 'parameter'
        ? { source, workflowJson: ctx.param('workflowJson', 0) }
        : { source, workflowId: ctx.param<unknown>('workflowId', 0) };
    const items = ctx.input();
    if (ctx.param('mode', 0, 'once') === 'each') {
      const out: Item[] = [];
      for (const [i, item] of items.entries()) {
        const result = await ctx.runSubWorkflow(reference, [item]);
        out.push(...result.map((r) => ({ ...r, pairedItem: { item: i } })));
      }
      return [out];
    }
    if (ctx.param('options.waitForSubWorkflow', 0, true) === false) {
      void ctx.runSubWorkflow(reference, items).catch(() => undefined);
      return [items];
    }
    return [await ctx.runSubWorkflow(reference, items)];
  },
});

export const flowNodes: NodeType[] = [
  ifNode,
  filterNode,
  switchNode,
  noOpNode,
  stickyNoteNode,
  stopAndErrorNode,
  limitNode,
  waitNode,
  splitInBatchesNode,
  respondToWebhookNode,
  executeWorkflowNode,
];
