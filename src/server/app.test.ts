import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { storages } from '../../test/helpers/storage.ts';
import { OperationalError, UserError } from '../kernel/index.ts';
import { REQUIRED_SECURITY_HEADERS } from './headers.ts';
import { gunzipSync } from 'node:zlib';
import { addRoute, kept } from './route.ts';

/** A kept answer of about 120 KB of JSON: compressed once, sent with each request's metadata. */
const KEPT_LINES = Array.from({ length: 4000 }, (_, i) => ({ code: `line-${i}`, n: i * 7 }));

const SPEC_HEADERS = {
  'content-security-policy':
    "default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;connect-src 'self' ws: wss:;font-src 'self';frame-src 'self'",
  'referrer-policy': 'no-referrer-when-downgrade',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

const ADMIN_TOKEN = 'test-local-admin-token';

describe.each(storages)('HTTP app on $name', (storage) => {
  let t: TestApp;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    t = await createTestApp({
      target: created.target,
      env: { IZA_RATE_LIMIT_MAX: '1000' },
      localAdminToken: ADMIN_TOKEN,
      register: (app) => {
        addRoute(
          app,
          {
            method: 'GET',
            url: '/test/kept',
            access: 'public',
            tags: ['test'],
            summary: 'a large kept answer',
            response: z.object({ lines: z.array(z.object({ code: z.string(), n: z.number() })) }),
          },
          async () => kept(KEPT_LINES, (lines) => ({ lines })),
        );
        addRoute(
          app,
          {
            method: 'POST',
            url: '/test/things',
            access: 'public',
            tags: ['test'],
            summary: 'creates a thing',
            body: z.object({ name: z.string().min(2), size: z.number().int().positive() }),
            response: z.object({ name: z.string(), size: z.number() }),
            status: 201,
          },
          async ({ body }) => body,
        );
        addRoute(
          app,
          {
            method: 'GET',
            url: '/test/boom',
            access: 'public',
            tags: ['test'],
            summary: 'fails',
            response: z.object({}),
          },
          async () => {
            throw new Error('secret internal detail at /srv/app.ts:12');
          },
        );
        addRoute(
          app,
          {
            method: 'GET',
            url: '/test/conflict',
            access: 'public',
            tags: ['test'],
            summary: 'refuses',
            response: z.object({}),
          },
          async () => {
            throw new UserError('thing_exists', 'A thing named "x" exists', {
              status: 409,
              details: { name: 'x' },
            });
          },
        );
        addRoute(
          app,
          {
            method: 'GET',
            url: '/test/down',
            access: 'public',
            tags: ['test'],
            summary: 'dependency down',
            response: z.object({}),
          },
          async () => {
            throw new OperationalError('provider_unavailable', 'The provider did not answer', {
              retryAfterSeconds: 7,
            });
          },
        );
        addRoute(
          app,
          {
            method: 'GET',
            url: '/test/store/:kind',
            access: 'public',
            tags: ['test'],
            summary: 'stores text that came from elsewhere than the request',
            params: z.object({ kind: z.enum(['nul', 'surrogate', 'jsonb-nul']) }),
            response: z.object({}),
          },
          async ({ params }) => {
            const value = { nul: 'a\u0000b', surrogate: 'a\ud800b', 'jsonb-nul': 'a\u0000b' }[
              params.kind
            ];
            await t.kernel.db.execute(
              params.kind === 'nul'
                ? sql`select ${value}::text`
                : sql`select ${JSON.stringify({ value })}::jsonb`,
            );
            return {};
          },
        );
        addRoute(
          app,
          {
            method: 'GET',
            url: '/test/logs',
            access: 'public',
            tags: ['test'],
            summary: 'logs',
            response: z.object({}),
          },
          async () => {
            t.kernel.log.child({ module: 'ledger' }).info('inside the handler');
            return {};
          },
        );
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  it('sends a large kept answer compressed once, with each request its own metadata', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/test/kept',
        headers: { 'accept-encoding': 'br;q=1, gzip;q=0.5' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = JSON.parse(gunzipSync(res.rawPayload).toString()) as {
        success: boolean;
        data: { lines: unknown[] };
        metadata: { requestId: string };
      };
      expect(body.success).toBe(true);
      expect(body.data.lines).toEqual(KEPT_LINES);
      expect(res.rawPayload.length).toBeLessThan(JSON.stringify(body).length / 4);
      ids.add(body.metadata.requestId);
    }
    expect(ids.size).toBe(3);
    // A client that takes no gzip gets the same JSON, encoded as it asks or not at all.
    const plain = await t.app.inject({
      method: 'GET',
      url: '/test/kept',
      headers: { 'accept-encoding': 'gzip;q=0, identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.json<{ data: { lines: unknown[] } }>().data.lines).toEqual(KEPT_LINES);
  });
  it('wraps success in the envelope with a request id and version', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.data.status).toBe('ok');
    expect(body.data.components.database).toMatchObject({ status: 'up', kind: storage.name });
    expect(body.data.components.jobs.status).toBe('up');
    expect(body.metadata.requestId).toBe(res.headers['x-request-id']);
    // The server's own time, for the browser's developer tools.
    expect(res.headers['server-timing']).toMatch(/^app;dur=\d+\.\d$/);
    expect(body.metadata.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(new Date(body.metadata.timestamp).toString()).not.toBe('Invalid Date');
    expect(body.error).toBeUndefined();
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      success: false,
      error: { code: 'not_found', message: 'No route for GET /api/v1/nothing' },
      metadata: { requestId: res.headers['x-request-id'] },
    });
  });

  it('names every failing field of a bad body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/things',
      payload: { name: 'x', size: -1 },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.success).toBe(false);
    expect(body.error.code).toBe('validation_failed');
    const paths = (body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['body.name', 'body.size']);

    const ok = await t.app.inject({
      method: 'POST',
      url: '/test/things',
      payload: { name: 'xy', size: 3 },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().data).toEqual({ name: 'xy', size: 3 });
  });

  it('refuses malformed JSON in the envelope', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, error: { code: 'bad_request' } });
  });

  it('hides unexpected errors from clients and logs them with the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toMatchObject({ success: false, error: { code: 'internal_error' } });
    expect(res.body).not.toContain('secret internal detail');
    expect(res.body).not.toContain('.ts:');
    const logged = t
      .logs()
      .find((l) => l.message === 'request failed' && l.correlationId === body.metadata.requestId);
    expect(JSON.stringify(logged?.err)).toContain('secret internal detail');
  });

  it('maps user and operational errors to their status, code and details', async () => {
    const conflict = await t.app.inject({ method: 'GET', url: '/test/conflict' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error).toEqual({
      code: 'thing_exists',
      message: 'A thing named "x" exists',
      details: { name: 'x' },
    });
    const down = await t.app.inject({ method: 'GET', url: '/test/down' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('7');
    expect(down.json().error.code).toBe('provider_unavailable');
  });

  it('answers text the database refuses (NUL, lone surrogates) with a 400, not a 500', async () => {
    for (const kind of ['nul', 'surrogate', 'jsonb-nul']) {
      const res = await t.app.inject({ method: 'GET', url: `/test/store/${kind}` });
      expect(res.statusCode, `${kind}: ${res.body}`).toBe(400);
      expect(res.json().error.code, kind).toBe('text_not_storable');
    }
  });

  it('sends the security headers on success, 404 and errors', async () => {
    for (const url of ['/health', '/nope', '/test/boom', '/']) {
      const res = await t.app.inject({ method: 'GET', url });
      for (const [name, value] of Object.entries(SPEC_HEADERS)) {
        expect(res.headers[name], `${name} on ${url}`).toBe(value);
      }
    }
  });

  it('writes the same security headers itself on answers made before any hook runs', async () => {
    expect(REQUIRED_SECURITY_HEADERS).toEqual(SPEC_HEADERS);
    const long = await t.app.inject({ method: 'GET', url: `/api/v1/users/${'x'.repeat(101)}` });
    expect(long.statusCode).toBe(414);
    for (const [name, value] of Object.entries(SPEC_HEADERS)) {
      expect(long.headers[name], name).toBe(value);
    }
  });

  it('honours a given x-request-id, returns it and logs every line of the request with it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/test/logs',
      headers: { 'x-request-id': 'client-req-123' },
    });
    expect(res.headers['x-request-id']).toBe('client-req-123');
    expect(res.json().metadata.requestId).toBe('client-req-123');
    const lines = t.logs().filter((l) => l.correlationId === 'client-req-123');
    expect(lines.map((l) => l.message)).toEqual(['inside the handler', 'request']);
    expect(lines[0]).toMatchObject({ module: 'ledger' });

    const bad = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(bad.headers['x-request-id']).not.toBe('bad id with spaces');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Prometheus metrics with request counts by route template', async () => {
    await t.app.inject({ method: 'GET', url: '/health/live' });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const res = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('iza_process_cpu_user_seconds_total');
    expect(res.body).toMatch(
      /iza_http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} \d+/,
    );
    expect(res.body).toContain('iza_http_request_duration_seconds_bucket');
    expect(res.body).toMatch(/route="unmatched",status_code="404"/);
  });

  it('publishes an OpenAPI 3.1 document at /docs/json and a reference page at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health', '/api/v1/system/status', '/test/things']),
    );
    const props =
      doc.paths['/test/things'].post.requestBody.content['application/json'].schema.properties;
    expect(Object.keys(props)).toEqual(['name', 'size']);
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(page.statusCode);
  });

  it('guards system routes with the local administrator token', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/system/status' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthorized');
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/api/v1/system/status',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/v1/system/status',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    const status = ok.json().data;
    expect(status.storage.kind).toBe(storage.name);
    expect(status.migrations.map((m: { tag: string }) => m.tag)).toEqual(
      expect.arrayContaining(['0000_kernel', '0001_access']),
    );
    expect(status.migrations.every((m: { applied: boolean }) => m.applied)).toBe(true);
  });

  it('serves the first-run form at the web root until an administrator exists, then a status page', async () => {
    const before = await t.app.inject({ method: 'GET', url: '/' });
    expect(before.statusCode).toBe(200);
    expect(before.headers['content-type']).toContain('text/html');
    expect(before.body).toContain('Set up IZA OS');
    expect(before.body).not.toContain('<script');
    await t.access.users.createAdmin({
      organisation: 'Root Test',
      email: 'root@example.com',
      name: 'Root',
      password: 'a long enough password',
    });
    const after = await t.app.inject({ method: 'GET', url: '/' });
    expect(after.body).toContain('The web dashboard has not been built in this installation');
    expect(after.body).not.toContain('Set up IZA OS');
  });
});

describe('HTTP app guards', () => {
  it('refuses to start when a route does not declare who may call it', async () => {
    const created = await storages[0]!.create();
    await expect(
      createTestApp({
        target: created.target,
        register: (app) => {
          app.get('/undeclared', async () => ({}));
        },
      }),
    ).rejects.toThrow(/GET \/undeclared does not declare config.access/);
  });

  it('limits the rate per client and says when to retry', async () => {
    const created = await storages[0]!.create();
    const t = await createTestApp({ target: created.target, env: { IZA_RATE_LIMIT_MAX: '3' } });
    try {
      const codes: number[] = [];
      let last: Awaited<ReturnType<typeof t.app.inject>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await t.app.inject({ method: 'GET', url: '/api/v1/none' });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([404, 404, 404, 429, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.json()).toMatchObject({ success: false, error: { code: 'rate_limited' } });
      // health probes are not limited
      expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
