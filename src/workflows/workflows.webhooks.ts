import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteAccess } from '../server/access.ts';
import { ErrorCodes, UnexpectedError, UserError } from '../kernel/index.ts';
import type { NodeRegistry, WebhookResponse } from './engine/engine.types.ts';
import { triggerAuthentication, webhookAnswer, webhookSettings } from './nodes/trigger.node.ts';
import { answerStatus, triggerHeaders, WEBHOOK_CSP, workflowHeaders } from './webhook-http.ts';
import { authenticatedTriggers, authenticationRefusal } from './workflows.activation.ts';
import type { WebhookLookup, WebhookTarget } from './workflows.hooks.ts';
import type { WorkflowRunner } from './workflows.runner.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

export interface WebhookRoutesDeps {
  runner: WorkflowRunner;
  hooks: WebhookLookup;
  registry: Pick<NodeRegistry, 'get'>;
  /** The configured base of webhook URLs (`IZA_WEBHOOK_URL`), else the request's origin. */
  webhookUrl: string | undefined;
}

/** How a webhook URL names its organisation. */
type OrgFrom = 'default' | 'slug';

/**
 * n8n's webhook URLs, one namespace of paths per organisation:
 *
 * - `/o/<org-slug>/webhook/<path>`: an active workflow of that organisation (always works);
 * - `/webhook/<path>`: the same for the installation's default organisation (n8n's URL);
 * - `/o/<org-slug>/webhook-test/<path>` and `/webhook-test/<path>`: any saved workflow of the
 *   caller's organisation, for a signed-in user or API key with `write` there.
 *
 * Unknown URLs, other organisations' test URLs and unknown organisations all answer the same
 * 404. Every answer is sandboxed (`WEBHOOK_CSP`) and carries the server's security headers.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRoutesDeps): void {
  const routes: [string, boolean, OrgFrom][] = [
    ['/webhook/*', false, 'default'],
    ['/o/:org/webhook/*', false, 'slug'],
    ['/webhook-test/*', true, 'default'],
    ['/o/:org/webhook-test/*', true, 'slug'],
  ];
  for (const [url, test, orgFrom] of routes) {
    const access: RouteAccess = test ? 'write' : 'public';
    app.route({
      method: [...METHODS],
      url,
      config: { access, envelope: false },
      schema: {
        tags: ['workflows'],
        summary: test
          ? 'Test URL of a saved workflow’s Webhook node (n8n-compatible; needs write access)'
          : 'Production URL of an active workflow’s Webhook node (n8n-compatible)',
        hide: true,
      },
      // Last word on every answer of these routes, errors included.
      onSend: async (_request, reply, payload) => {
        reply.header('content-security-policy', WEBHOOK_CSP);
        reply.removeHeader('set-cookie');
        return payload;
      },
      handler: (request, reply) => handle(deps, request, reply, test, orgFrom),
    });
  }
}

const notRegistered = (method: string, path: string, others: string[] = []) =>
  new UserError(
    ErrorCodes.notFound,
    others.length > 0
      ? `This webhook is not registered for ${method} requests. Did you mean to make a ${others.join(' or ')} request?`
      : `The requested webhook "${method} ${path}" is not registered.`,
    { status: 404, ...(others.length > 0 ? { details: { methods: others } } : {}) },
  );

/** The organisation a webhook URL serves; undefined answers the same 404 as an unknown path. */
async function orgOfUrl(
  hooks: WebhookLookup,
  request: FastifyRequest,
  test: boolean,
  orgFrom: OrgFrom,
): Promise<string | undefined> {
  const named =
    orgFrom === 'slug'
      ? await hooks.orgBySlug((request.params as { org: string }).org)
      : test
        ? undefined
        : await hooks.defaultOrg();
  if (!test) return named;
  // Test URLs: only the caller's own organisation (the access hook checked `write` there).
  const own = request.principal?.orgId ?? undefined;
  if (orgFrom === 'default') return own;
  return named !== undefined && named === own ? named : undefined;
}

async function handle(
  deps: WebhookRoutesDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  test: boolean,
  orgFrom: OrgFrom,
): Promise<unknown> {
  const { hooks, runner } = deps;
  const path = (request.params as { '*': string })['*'] ?? '';
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const orgId = await orgOfUrl(hooks, request, test, orgFrom);
  if (orgId === undefined) throw notRegistered(method, path);
  const hook: WebhookTarget | undefined = test
    ? await hooks.test(orgId, method, path)
    : await hooks.production(orgId, method, path);
  if (!hook) {
    throw notRegistered(method, path, test ? [] : await hooks.methodsFor(orgId, path));
  }
  if (test) {
    const authenticated = authenticatedTriggers(hook.workflow.nodes, deps.registry);
    if (authenticated.length > 0) throw authenticationRefusal(authenticated);
  } else if (triggerAuthentication(hook.node) !== undefined) {
    // Activated before activation checked it: refused here, never run unauthenticated.
    request.log.warn(
      { workflowId: hook.row.id, node: hook.node.name },
      'an active webhook expects authentication IZA OS cannot check; refused',
    );
    throw new UserError(
      ErrorCodes.forbidden,
      `This webhook expects ${triggerAuthentication(hook.node)} authentication, which IZA OS cannot check yet; it does not run.`,
      { status: 403 },
    );
  }
  const origin = deps.webhookUrl ?? `${request.protocol}://${request.host}`;
  const item = {
    json: {
      // Plain objects: Fastify's query and headers have no prototype, which expressions refuse.
      headers: triggerHeaders(request.headers, { authenticatedByIza: test }),
      params: {},
      query: { ...(request.query as Record<string, unknown>) },
      body: plain(request.body),
      webhookUrl: `${origin}${request.url.split('?')[0]}`,
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
    return send(request, reply, webhookAnswer(hook.node, undefined)!);
  }
  const result = await running;
  const answer = webhookAnswer(hook.node, result);
  if (!answer) {
    // responseNode mode without a Respond to Webhook answer: n8n answers with an empty 200.
    return send(request, reply, { status: 200, headers: {}, body: undefined, bodyKind: 'empty' });
  }
  return send(request, reply, answer);
}

function plain(body: unknown): unknown {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)) {
    return Object.getPrototypeOf(body) === null ? { ...body } : body;
  }
  return body;
}

/**
 * Writes the workflow's answer: its status and the headers it may set (never the server's
 * security, cookie, origin-wide or framing headers: those are dropped and logged).
 */
function send(request: FastifyRequest, reply: FastifyReply, answer: WebhookResponse): FastifyReply {
  const status = answerStatus(answer.status);
  if (status === undefined) {
    throw new UnexpectedError(
      ErrorCodes.internal,
      `The workflow answered with status ${String(answer.status)}; a webhook answers with 200-599`,
    );
  }
  reply.status(status);
  const { kept, dropped } = workflowHeaders(answer.headers);
  for (const [name, value] of kept) reply.header(name, value);
  if (dropped.length > 0) {
    request.log.info({ dropped }, 'webhook answer headers the server keeps for itself');
  }
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
