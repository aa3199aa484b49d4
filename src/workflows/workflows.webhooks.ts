import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import type { WebhookResponse } from './engine/engine.types.ts';
import { webhookAnswer, webhookSettings } from './nodes/trigger.node.ts';
import type { WebhookLookup } from './workflows.hooks.ts';
import type { WorkflowRunner } from './workflows.runner.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/**
 * n8n's webhook URLs: `/webhook/<path>` for active workflows (from the runner's in-memory
 * cache: no database read of the definition per request) and `/webhook-test/<path>` for any
 * saved workflow. The run happens inside the request; the answer follows the Webhook node's
 * response mode (`onReceived`, `lastNode`, `responseNode` with Respond to Webhook).
 */
export function registerWebhookRoutes(
  app: FastifyInstance,
  runner: WorkflowRunner,
  hooks: WebhookLookup,
): void {
  for (const [prefix, test] of [
    ['/webhook', false],
    ['/webhook-test', true],
  ] as const) {
    app.route({
      method: [...METHODS],
      url: `${prefix}/*`,
      config: { access: 'public', envelope: false },
      schema: {
        tags: ['workflows'],
        summary: test
          ? 'Test URL of a saved workflow’s Webhook node (n8n-compatible)'
          : 'Production URL of an active workflow’s Webhook node (n8n-compatible)',
        hide: true,
      },
      handler: (request, reply) => handle(runner, hooks, request, reply, test),
    });
  }
}

async function handle(
  runner: WorkflowRunner,
  hooks: WebhookLookup,
  request: FastifyRequest,
  reply: FastifyReply,
  test: boolean,
): Promise<unknown> {
  const path = (request.params as { '*': string })['*'] ?? '';
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const hook = test ? await hooks.test(method, path) : await hooks.production(method, path);
  if (!hook) {
    const others = test ? [] : await hooks.methodsFor(path);
    throw new UserError(
      ErrorCodes.notFound,
      others.length > 0
        ? `This webhook is not registered for ${method} requests. Did you mean to make a ${others.join(' or ')} request?`
        : `The requested webhook "${method} ${path}" is not registered.`,
      { status: 404, ...(others.length > 0 ? { details: { methods: others } } : {}) },
    );
  }
  const item = {
    json: {
      // Plain objects: Fastify's query and headers have no prototype, which expressions refuse.
      headers: { ...request.headers },
      params: {},
      query: { ...(request.query as Record<string, unknown>) },
      body: plain(request.body),
      webhookUrl: `${request.protocol}://${request.host}${request.url.split('?')[0]}`,
      executionMode: test ? 'test' : 'production',
    },
  };
  const running = runner.execute({
    row: hook.row,
    mode: 'webhook',
    startNode: hook.node.name,
    triggerItems: [item],
    checkpointAfterMs: 250,
  });
  const settings = webhookSettings(hook.node);
  if (settings.responseMode === 'onReceived') {
    running.catch((error: unknown) => request.log.error({ err: error }, 'webhook run failed'));
    return send(reply, webhookAnswer(hook.node, undefined)!);
  }
  const result = await running;
  const answer = webhookAnswer(hook.node, result);
  if (!answer) {
    // responseNode mode without a Respond to Webhook answer: n8n answers with an empty 200.
    return send(reply, { status: 200, headers: {}, body: undefined, bodyKind: 'empty' });
  }
  return send(reply, answer);
}

function plain(body: unknown): unknown {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) {
    return Object.getPrototypeOf(body) === null ? { ...body } : body;
  }
  return body;
}

function send(reply: FastifyReply, answer: WebhookResponse): FastifyReply {
  reply.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  switch (answer.bodyKind) {
    case 'empty':
      return reply.send('');
    case 'binary':
      return reply.send(Buffer.from(String(answer.body), 'base64'));
    case 'text':
      if (!reply.hasHeader('content-type'))
        reply.header('content-type', 'text/plain; charset=utf-8');
      return reply.send(
        typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? ''),
      );
    case 'json':
      if (!reply.hasHeader('content-type')) {
        reply.header('content-type', 'application/json; charset=utf-8');
      }
      return reply.send(JSON.stringify(answer.body ?? null));
  }
}
