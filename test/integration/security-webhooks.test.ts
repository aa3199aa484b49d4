import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_CSP } from '../../src/workflows/webhook-http.ts';
import {
  workflowExecutions,
  workflows,
  workflowWebhooks,
} from '../../src/workflows/workflows.schema.ts';
import { createWorkflowsModule } from '../../src/workflows/workflows.module.ts';
import { createAccessWorld, PASSWORD, type AccessWorld } from '../helpers/access.ts';
import { createTestApp } from '../helpers/app.ts';
import { storages } from '../helpers/storage.ts';

/**
 * Webhook URLs attacked from another organisation or a lower role: answers that try to act
 * with the dashboard's authority, test URLs of other organisations, squatted and probed paths,
 * triggers whose authentication IZA OS cannot check. Org A is alpha-studio (every role), org B
 * is beta-studio (an admin).
 */

const webhook = (path: string, extra: Record<string, unknown> = {}, method = 'GET') => ({
  name: 'Webhook',
  type: 'n8n-nodes-base.webhook',
  typeVersion: 2,
  position: [0, 0],
  webhookId: `hook-${path}`,
  parameters: { httpMethod: method, path, responseMode: 'responseNode', options: {}, ...extra },
});
const respond = (parameters: Record<string, unknown>) => ({
  name: 'Respond',
  type: 'n8n-nodes-base.respondToWebhook',
  typeVersion: 1.1,
  position: [200, 0],
  parameters,
});
const wired = { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } };

/** Answers with the request as the workflow saw it (`$json`). */
const echoWorkflow = (path: string, name = `echo ${path}`) => ({
  name,
  nodes: [webhook(path), respond({ respondWith: 'firstIncomingItem', options: {} })],
  connections: wired,
});

/** A page with hostile response headers, as an editor of another organisation could write. */
const hostileHeaders = [
  ['Content-Security-Policy', "default-src * 'unsafe-inline' 'unsafe-eval'"],
  ['Content-Security-Policy-Report-Only', "default-src 'none'"],
  ['X-Frame-Options', 'ALLOWALL'],
  ['Strict-Transport-Security', 'max-age=0'],
  ['X-Content-Type-Options', 'none'],
  ['Referrer-Policy', 'unsafe-url'],
  ['Set-Cookie', 'iza_at=attacker; Path=/; HttpOnly'],
  ['Clear-Site-Data', '"cookies", "storage"'],
  ['Access-Control-Allow-Origin', 'https://evil.example'],
  ['Access-Control-Allow-Credentials', 'true'],
  ['Cross-Origin-Opener-Policy', 'unsafe-none'],
  ['Service-Worker-Allowed', '/'],
  ['NEL', '{"report_to":"evil","max_age":31536000}'],
  ['Report-To', '{"group":"evil","max_age":31536000,"endpoints":[{"url":"https://evil.example"}]}'],
  ['Content-Length', '3'],
  ['Connection', 'close'],
  ['X-Workflow-Header', 'kept'],
];
const pageWorkflow = (path: string) => ({
  name: `page ${path}`,
  nodes: [
    webhook(path),
    respond({
      respondWith: 'text',
      responseBody: '<!doctype html><script>fetch("/api/v1/api-keys")</script><p>hello</p>',
      options: {
        responseHeaders: {
          entries: [['Content-Type', 'text/html; charset=utf-8'], ...hostileHeaders].map(
            ([name, value]) => ({ name, value }),
          ),
        },
      },
    }),
  ],
  connections: wired,
});

const authWorkflow = (path: string, authentication: string) => ({
  name: `auth ${path}`,
  nodes: [
    webhook(path, { authentication }),
    respond({ respondWith: 'json', responseBody: '{"ran":true}', options: {} }),
  ],
  connections: wired,
});

describe.each(storages)('webhook security on $name', { timeout: 180_000 }, (storage) => {
  let w: AccessWorld;
  let drops: (() => Promise<void>)[] = [];
  const auth = (role: string) => ({
    authorization: w.callers.find((c) => c.role === role)!.authorization!,
  });

  /** Creates a workflow as `role` and returns its id. */
  const create = async (role: string, body: unknown) => {
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: auth(role),
      payload: body as object,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data.id as string;
  };
  const activate = (role: string, id: string) =>
    w.inject({ method: 'POST', url: `/api/v1/workflows/${id}/activate`, headers: auth(role) });
  const executionsOf = async (id: string) =>
    w.kernel.db.select().from(workflowExecutions).where(eq(workflowExecutions.workflowId, id));
  /** The error part of an envelope, without what differs per request. */
  const errorOf = (body: string) => (JSON.parse(body) as { error: unknown }).error;

  beforeAll(async () => {
    const created = await storage.create();
    drops = [created.drop];
    // Org B is the default organisation: its webhooks also answer on n8n's `/webhook/<path>`.
    w = await createAccessWorld(created.target, { IZA_WEBHOOK_DEFAULT_ORG: 'beta-studio' });
  });
  afterAll(async () => {
    await w?.close();
    for (const drop of drops) await drop();
  });

  describe('#1 webhook answers on the dashboard origin', () => {
    it('cannot replace the server’s security headers, set cookies or frame the answer', async () => {
      const id = await create('other-org-admin', pageWorkflow('page'));
      expect((await activate('other-org-admin', id)).statusCode).toBe(200);
      const res = await w.inject({ method: 'GET', url: '/webhook/page' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<p>hello</p>');
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['x-workflow-header']).toBe('kept');
      // The answer is sandboxed: an opaque origin, whatever the workflow asked for.
      expect(res.headers['content-security-policy']).toBe(WEBHOOK_CSP);
      expect(res.headers['content-security-policy-report-only']).toBeUndefined();
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer-when-downgrade');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      for (const gone of [
        'set-cookie',
        'clear-site-data',
        'access-control-allow-credentials',
        'service-worker-allowed',
        'nel',
        'report-to',
      ]) {
        expect(res.headers[gone], gone).toBeUndefined();
      }
      // Framing is the server's: the whole body went out.
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
      // Errors of the webhook routes are sandboxed too.
      const missing = await w.inject({ method: 'GET', url: '/webhook/none' });
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-security-policy']).toBe(WEBHOOK_CSP);
    });

    it('never hands the dashboard’s session, CSRF token or API key to another organisation’s workflow', async () => {
      const id = await create('other-org-admin', echoWorkflow('echo'));
      expect((await activate('other-org-admin', id)).statusCode).toBe(200);
      // Org A's administrator, signed in to the dashboard (cookies), opens org B's webhook.
      const login = await w.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'admin@alpha.test', password: PASSWORD, mode: 'cookie' },
      });
      expect(login.statusCode, login.body).toBe(200);
      const cookies = login.cookies.map((c) => `${c.name}=${c.value}`);
      expect(cookies.join('; ')).toMatch(/iza_at=iza_at_/);
      const csrf = login.json().data.csrfToken as string;
      const res = await w.inject({
        method: 'GET',
        url: '/webhook/echo',
        headers: {
          cookie: [...cookies, 'theme=dark'].join('; '),
          'x-csrf-token': csrf,
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      const seen = res.json().headers as Record<string, string>;
      expect(seen.cookie).toBe('theme=dark');
      expect(seen['x-csrf-token']).toBeUndefined();
      // A program that sends its IZA OS key to a webhook by mistake does not leak it either.
      const key = await w.inject({
        method: 'GET',
        url: '/webhook/echo',
        headers: auth('bot'),
      });
      expect(key.json().headers.authorization).toBeUndefined();
      const custom = await w.inject({
        method: 'GET',
        url: '/webhook/echo',
        headers: { authorization: 'Bearer their-own-scheme' },
      });
      expect(custom.json().headers.authorization).toBe('Bearer their-own-scheme');
      // Nor did the recorded execution keep them.
      const recorded = JSON.stringify(
        await w.kernel.db
          .select()
          .from(workflowExecutions)
          .where(eq(workflowExecutions.workflowId, id)),
      );
      expect(recorded).not.toContain('iza_at_');
      expect(recorded).not.toContain('iza_key_');
      expect(recorded).not.toContain(csrf);
    });
  });

  describe('#6 test URLs and paths per organisation', () => {
    it('refuses test URLs to anonymous callers, lower roles and other organisations, alike for unknown paths', async () => {
      const id = await create('other-org-admin', echoWorkflow('b-draft'));
      // Anonymous: authentication needed, nothing runs.
      const anonymous = await w.inject({ method: 'GET', url: '/webhook-test/b-draft' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error.code).toBe('unauthorized');
      const anonymousPrefixed = await w.inject({
        method: 'GET',
        url: '/o/beta-studio/webhook-test/b-draft',
      });
      expect(anonymousPrefixed.statusCode).toBe(401);
      // A viewer of org A: no write permission.
      const viewer = await w.inject({
        method: 'GET',
        url: '/webhook-test/b-draft',
        headers: auth('viewer'),
      });
      expect(viewer.statusCode).toBe(403);
      // Org A's admin: org B's test URL answers exactly like a path nobody has.
      const foreign = await w.inject({
        method: 'GET',
        url: '/o/beta-studio/webhook-test/b-draft',
        headers: auth('admin'),
      });
      const foreignBare = await w.inject({
        method: 'GET',
        url: '/webhook-test/b-draft',
        headers: auth('admin'),
      });
      const unknown = await w.inject({
        method: 'GET',
        url: '/o/alpha-studio/webhook-test/b-draft',
        headers: auth('admin'),
      });
      const noOrg = await w.inject({
        method: 'GET',
        url: '/o/no-such-studio/webhook-test/b-draft',
        headers: auth('admin'),
      });
      for (const res of [foreign, foreignBare, unknown, noOrg]) {
        expect(res.statusCode, res.body).toBe(404);
        expect(errorOf(res.body)).toEqual(errorOf(unknown.body));
      }
      expect(await executionsOf(id)).toEqual([]);
      // Org B's own admin may test it (inactive workflow, test URL).
      const own = await w.inject({
        method: 'GET',
        url: '/o/beta-studio/webhook-test/b-draft?x=1',
        headers: auth('other-org-admin'),
      });
      expect(own.statusCode, own.body).toBe(200);
      expect(own.json().query).toEqual({ x: '1' });
      expect(own.json().headers.authorization).toBeUndefined();
      expect(await executionsOf(id)).toHaveLength(1);
    });

    it('gives each organisation its own paths: none can squat, probe or reach another’s', async () => {
      // Org B takes "orders" first; org A can still use it, in its own namespace.
      const b = await create('other-org-admin', echoWorkflow('orders', 'B orders'));
      expect((await activate('other-org-admin', b)).statusCode).toBe(200);
      const a = await create('admin', echoWorkflow('orders', 'A orders'));
      const activated = await activate('admin', a);
      expect(activated.statusCode, activated.body).toBe(200);
      expect(activated.json().data.webhooks[0].url).toMatch(/\/o\/alpha-studio\/webhook\/orders$/);
      const atA = await w.inject({ method: 'GET', url: '/o/alpha-studio/webhook/orders?who=a' });
      const atB = await w.inject({ method: 'GET', url: '/o/beta-studio/webhook/orders?who=b' });
      expect(atA.statusCode).toBe(200);
      expect(atB.statusCode).toBe(200);
      expect((await executionsOf(a)).length).toBe(1);
      expect((await executionsOf(b)).length).toBe(1);
      // A clash inside org A names only org A's own URL.
      const again = await create('admin', echoWorkflow('orders', 'A orders again'));
      const clash = await activate('admin', again);
      expect(clash.statusCode).toBe(409);
      expect(clash.json().error.message).toContain('this organisation');
      // The un-prefixed URL is the default organisation's (B) only: org A's own path there
      // answers like a path nobody has.
      const bare = await w.inject({ method: 'GET', url: '/webhook/orders?who=bare' });
      expect(bare.statusCode).toBe(200);
      expect((await executionsOf(b)).length).toBe(2);
      expect((await executionsOf(a)).length).toBe(1);
      const aOnly = await create('admin', echoWorkflow('a-only'));
      expect((await activate('admin', aOnly)).statusCode).toBe(200);
      const foreign = await w.inject({ method: 'GET', url: '/webhook/a-only' });
      const none = await w.inject({ method: 'GET', url: '/webhook/never-registered' });
      expect(foreign.statusCode).toBe(404);
      expect(errorOf(foreign.body)).toEqual({
        ...(errorOf(none.body) as object),
        message: 'The requested webhook "GET a-only" is not registered.',
      });
      expect(await executionsOf(aOnly)).toEqual([]);
      // Probing another organisation's method list is not possible through org A's namespace.
      const probe = await w.inject({ method: 'POST', url: '/o/alpha-studio/webhook/b-draft' });
      expect(probe.statusCode).toBe(404);
      expect(probe.json().error.details).toBeUndefined();
    });
  });

  describe('#7 triggers that expect authentication', () => {
    it('refuses to activate or test-run them and says why in the import report', async () => {
      for (const authentication of ['basicAuth', 'headerAuth', 'jwtAuth']) {
        const id = await create('admin', authWorkflow(`guarded-${authentication}`, authentication));
        const res = await activate('admin', id);
        expect(res.statusCode, res.body).toBe(409);
        expect(res.json().error.message).toContain('"Webhook"');
        expect(res.json().error.message).toContain('credential');
        expect(res.json().error.details.authentication).toEqual([
          { node: 'Webhook', type: 'n8n-nodes-base.webhook', authentication },
        ]);
        const test = await w.inject({
          method: 'GET',
          url: `/webhook-test/guarded-${authentication}`,
          headers: auth('admin'),
        });
        expect(test.statusCode).toBe(409);
        expect(test.body).not.toContain('"ran":true');
        expect(await executionsOf(id)).toEqual([]);
        const [row] = await w.kernel.db.select().from(workflows).where(eq(workflows.id, id));
        expect(row!.active).toBe(false);
      }
      const form = {
        name: 'form',
        nodes: [
          {
            name: 'Form',
            type: 'n8n-nodes-base.formTrigger',
            typeVersion: 2.2,
            position: [0, 0],
            webhookId: 'form-1',
            parameters: { path: 'signup', authentication: 'basicAuth', formFields: {} },
          },
        ],
        connections: {},
      };
      const report = await w.inject({
        method: 'POST',
        url: '/api/v1/workflows/import',
        headers: auth('admin'),
        payload: {
          files: [
            { file: 'form.json', content: form },
            { file: 'open.json', content: echoWorkflow('open') },
          ],
        },
      });
      expect(report.statusCode, report.body).toBe(200);
      const [guarded, open] = report.json().data.files;
      expect(guarded.status).toBe('imported');
      expect(guarded.cannotActivate).toHaveLength(1);
      expect(guarded.cannotActivate[0]).toMatch(/"Form".*basicAuth.*credential/);
      expect(open.cannotActivate).toBeUndefined();
      const formActivation = await activate('admin', guarded.id);
      expect(formActivation.statusCode).toBe(409);
    });

    it('refuses to add authentication to an active workflow, and does not run one activated before the check', async () => {
      const id = await create('admin', echoWorkflow('was-open'));
      expect((await activate('admin', id)).statusCode).toBe(200);
      const put = await w.inject({
        method: 'PUT',
        url: `/api/v1/workflows/${id}`,
        headers: auth('admin'),
        payload: authWorkflow('was-open', 'headerAuth'),
      });
      expect(put.statusCode).toBe(409);
      // One activated before this check existed: written as it would have been then.
      const old = await create('admin', authWorkflow('legacy', 'basicAuth'));
      await w.kernel.db.update(workflows).set({ active: true }).where(eq(workflows.id, old));
      await w.kernel.db
        .insert(workflowWebhooks)
        .values({ method: 'GET', path: 'legacy', workflowId: old, orgId: w.orgA, node: 'Webhook' });
      await w.kernel.events.publish('workflows.changed', { workflowId: old });
      const res = await w.inject({ method: 'GET', url: '/o/alpha-studio/webhook/legacy' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain('basicAuth');
      expect(res.body).not.toContain('"ran":true');
      expect(await executionsOf(old)).toEqual([]);
      const [hook] = await w.kernel.db
        .select()
        .from(workflowWebhooks)
        .where(and(eq(workflowWebhooks.workflowId, old), eq(workflowWebhooks.path, 'legacy')));
      expect(hook).toBeDefined();
    });
  });
});

describe('un-prefixed webhook URLs with the default setting (auto)', { timeout: 120_000 }, () => {
  it('belong to nobody when there are two organisations', async () => {
    const w = await createAccessWorld({ kind: 'memory' });
    try {
      const as = { authorization: w.callers.find((c) => c.role === 'admin')!.authorization! };
      const created = await w.inject({
        method: 'POST',
        url: '/api/v1/workflows',
        headers: as,
        payload: echoWorkflow('mine'),
      });
      const id = created.json().data.id as string;
      const act = await w.inject({
        method: 'POST',
        url: `/api/v1/workflows/${id}/activate`,
        headers: as,
      });
      expect(act.statusCode).toBe(200);
      const bare = await w.inject({ method: 'GET', url: '/webhook/mine' });
      const unknown = await w.inject({ method: 'GET', url: '/webhook/nobody' });
      expect(bare.statusCode).toBe(404);
      expect(bare.json().error.message).toBe(
        unknown.json().error.message.replace('nobody', 'mine'),
      );
      expect(
        (await w.inject({ method: 'GET', url: '/o/alpha-studio/webhook/mine' })).statusCode,
      ).toBe(200);
    } finally {
      await w.close();
    }
  });

  it('serve the only organisation of a single-studio installation, as n8n’s do', async () => {
    const t = await createTestApp({ target: { kind: 'memory' } });
    try {
      const { organisation } = await t.access.users.createAdmin({
        organisation: 'Solo Studio',
        email: 'solo@studio.test',
        name: 'Solo Admin',
        password: PASSWORD,
      });
      const module = createWorkflowsModule({ kernel: t.kernel, access: t.access });
      const { row } = await module.service.create(organisation.id, echoWorkflow('solo'));
      await module.service.setActive(organisation.id, row.id, true);
      await module.runner.close();
      const bare = await t.app.inject({ method: 'GET', url: '/webhook/solo?x=1' });
      expect(bare.statusCode, bare.body).toBe(200);
      expect(bare.json().query).toEqual({ x: '1' });
      const prefixed = await t.app.inject({ method: 'GET', url: '/o/solo-studio/webhook/solo' });
      expect(prefixed.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
