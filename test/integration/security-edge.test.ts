import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_HEADER } from '../../src/server/index.ts';
import { createAccessWorld, LOCAL_TOKEN, PASSWORD, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

/**
 * Hostile input at the HTTP edge, as an attacker sends it: bodies nested 100,000 levels deep,
 * NUL characters and lone surrogates (which PostgreSQL refuses), on routes of every module; and
 * bodies a cross-site HTML form can send. Every one is a 4xx in the envelope naming the problem,
 * and nothing is written.
 */

const DEEP = 100_000;
const NUL = '\u0000';
const LONE = '\ud800';

type Caller = 'anonymous' | 'admin' | 'editor' | 'local';

interface Target {
  module: string;
  method: 'POST' | 'PUT';
  url: string;
  as: Caller;
  /** A valid body with `s` inside a string the route stores. */
  body: (s: string) => object;
  /** The status of the clean body (`s` = ''): proves the route took it. */
  clean: number;
  headers?: Record<string, string>;
}

const TARGETS: Target[] = [
  {
    module: 'access (sign-in)',
    method: 'POST',
    url: '/api/v1/auth/login',
    as: 'anonymous',
    body: (s) => ({ email: `nobody${s}@alpha.test`, password: PASSWORD }),
    clean: 401,
  },
  {
    module: 'access (members)',
    method: 'POST',
    url: '/api/v1/users',
    as: 'admin',
    body: (s) => ({ email: 'new@alpha.test', name: `New ${s}Member`, role: 'viewer' }),
    clean: 201,
  },
  {
    module: 'access (secrets)',
    method: 'PUT',
    url: '/api/v1/secrets/edge-secret',
    as: 'admin',
    body: (s) => ({ value: `value ${s}`, description: `about ${s}` }),
    clean: 200,
  },
  {
    module: 'access (API keys)',
    method: 'POST',
    url: '/api/v1/api-keys',
    as: 'admin',
    body: (s) => ({ name: `key ${s}`, role: 'viewer' }),
    clean: 201,
  },
  {
    module: 'system',
    method: 'POST',
    url: '/api/v1/system/admins',
    as: 'local',
    body: (s) => ({
      organisation: `Gamma ${s}Studio`,
      email: 'admin@gamma.test',
      name: 'Gus',
      password: PASSWORD,
    }),
    clean: 201,
  },
  {
    module: 'portfolio',
    method: 'POST',
    url: '/api/v1/portfolio/ventures',
    as: 'editor',
    body: (s) => ({
      slug: 'edge',
      name: `Edge ${s}Venture`,
      category: 'financial',
      stage: 'launched',
      tags: [`t${s}`],
    }),
    clean: 201,
  },
  {
    module: 'ledger',
    method: 'POST',
    url: '/api/v1/ledger/entities',
    as: 'editor',
    body: (s) => ({ code: 'EDGE', name: `Edge ${s}Ltd`, kind: 'venture', baseCurrency: 'EUR' }),
    clean: 201,
  },
  {
    module: 'agents',
    method: 'POST',
    url: '/api/v1/agents',
    as: 'admin',
    body: (s) => ({
      botId: 'edge-bot',
      name: `Edge ${s}bot`,
      kind: 'llm',
      capabilities: ['edge'],
      llm: { provider: 'builtin' },
    }),
    clean: 201,
  },
  {
    module: 'workflows',
    method: 'POST',
    url: '/api/v1/workflows',
    as: 'editor',
    body: (s) => ({
      name: `Edge ${s}flow`,
      nodes: [],
      connections: {},
      settings: { note: `n${s}` },
    }),
    clean: 201,
  },
  {
    module: 'mcp',
    method: 'POST',
    url: '/mcp',
    as: 'admin',
    headers: { accept: 'application/json, text/event-stream' },
    body: (s) => ({ jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { note: `n${s}` } } }),
    clean: 200,
  },
];

/** `body` with a member holding `depth` nested arrays, as JSON text built without recursion. */
function withDeepMember(body: object, depth: number): string {
  const json = JSON.stringify(body);
  return `${json.slice(0, -1)},"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

describe.each(storages)('hostile input at the HTTP edge on $name', (storage) => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  const auth: Record<Caller, Record<string, string>> = {
    anonymous: {},
    admin: {},
    editor: {},
    local: { authorization: `Bearer ${LOCAL_TOKEN}` },
  };
  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target);
    auth.admin = { authorization: w.callers.find((c) => c.role === 'admin')!.authorization! };
    auth.editor = { authorization: w.callers.find((c) => c.role === 'editor')!.authorization! };
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  const send = (target: Target, payload: string | object, contentType = 'application/json') =>
    w.inject({
      method: target.method,
      url: target.url,
      headers: { ...auth[target.as], ...target.headers, 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const auditEntries = async () => {
    const result: unknown = await w.kernel.db.execute(
      sql`select count(*)::int as n from audit_log`,
    );
    return (result as { rows: { n: number }[] }).rows[0]!.n;
  };
  const expectRefused = (
    res: Awaited<ReturnType<AccessWorld['inject']>>,
    status: number,
    code: string,
    label: string,
  ) => {
    expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBe(status);
    const body = res.json();
    expect(body, label).toMatchObject({
      success: false,
      error: { code },
      metadata: { requestId: res.headers['x-request-id'] },
    });
    expect(body.error.message.length, label).toBeGreaterThan(10);
    return body.error as { code: string; message: string; details?: { path?: string } };
  };

  it('refuses deep nesting, NUL and lone surrogates with a 400 naming them, on every module, and writes nothing', async () => {
    const before = await auditEntries();
    for (const target of TARGETS) {
      const label = `${target.method} ${target.url} (${target.module})`;
      expectRefused(
        await send(target, withDeepMember(target.body(''), DEEP)),
        400,
        'json_too_deep',
        `${label}, ${DEEP} levels`,
      );
      const nul = expectRefused(await send(target, target.body(NUL)), 400, 'nul_in_text', label);
      expect(nul.details?.path, label).toMatch(/^body\./);
      expectRefused(await send(target, target.body(LONE)), 400, 'lone_surrogate_in_text', label);
    }
    expect(await auditEntries()).toBe(before);
    // The same bodies without the poison are taken: the refusals were for the poison alone.
    for (const target of TARGETS) {
      const res = await send(target, target.body(''));
      expect(res.statusCode, `${target.url}: ${res.body.slice(0, 300)}`).toBe(target.clean);
    }
  });

  it('refuses NUL in a query string, a path parameter and a CSV upload', async () => {
    const get = (url: string) => w.inject({ method: 'GET', url, headers: auth.editor });
    const query = expectRefused(
      await get('/api/v1/portfolio/ventures?search=a%00b'),
      400,
      'nul_in_text',
      'query',
    );
    expect(query.details?.path).toBe('query.search');
    expectRefused(await get('/api/v1/portfolio/ventures/a%00b'), 400, 'nul_in_text', 'params');
    const audit = await w.inject({
      method: 'GET',
      url: '/api/v1/audit?action=%00',
      headers: auth.admin,
    });
    expectRefused(audit, 400, 'nul_in_text', 'audit query');
    const csv = await w.inject({
      method: 'POST',
      url: '/api/v1/portfolio/kpis/import?dryRun=true',
      headers: { ...auth.editor, 'content-type': 'text/csv' },
      payload: `venture,metric,date,value\nedge,revenue,2026-01-01,1${NUL}2\n`,
    });
    expectRefused(csv, 400, 'nul_in_text', 'CSV upload');
  });

  it('answers any JSON an attacker can make on any route with a 4xx, never a 5xx (property)', async () => {
    const poison = fc.constantFrom(NUL, LONE, '\udfff', `a${NUL}`, '😀', '');
    const hostileText = fc.tuple(fc.string(), poison, fc.string()).map((p) => p.join(''));
    const hostile = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        hostileText,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(hostileText, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TARGETS),
        hostileText,
        fc.option(hostile, { nil: undefined }),
        fc.integer({ min: 0, max: 3 }),
        async (target, text, value, depthPower) => {
          const body = { ...target.body(text), ...(value === undefined ? {} : { extra: value }) };
          const payload = depthPower === 0 ? body : withDeepMember(body, 10 ** (depthPower + 1));
          const res = await send(target, payload);
          expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
          // Refusals are the envelope; /mcp answers its own protocol's errors as JSON-RPC.
          if (res.statusCode >= 400) {
            const body = res.json();
            if (target.url === '/mcp' && body.jsonrpc === '2.0') expect(body.error).toBeDefined();
            else expect(body.success).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes any text on webhook URLs, but not a body nested too deep', async () => {
    // Production URLs (n8n's form, the organisation's prefixed one) and a test URL, which
    // needs an editor.
    for (const [url, headers] of [
      ['/webhook/edge-hook', {}],
      ['/o/alpha-studio/webhook/edge-hook', {}],
      ['/webhook-test/edge-hook', auth.editor],
    ] as const) {
      const res = await w.inject({
        method: 'POST',
        url: `${url}?q=${encodeURIComponent(NUL)}`,
        headers,
        payload: { text: `a${NUL}b${LONE}` },
      });
      // Not refused as input: the path has no workflow (the workflows module stores what a run
      // receives through storableJson, see src/kernel/text.ts).
      expectRefused(res, 404, 'not_found', url);
      expectRefused(
        await w.inject({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': 'application/json' },
          payload: withDeepMember({ a: 1 }, DEEP),
        }),
        400,
        'json_too_deep',
        url,
      );
    }
  });

  it('refuses bodies a cross-site form can send on every API route (login CSRF)', async () => {
    const form = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=admin%40alpha.test&password=${encodeURIComponent(PASSWORD)}&mode=cookie`,
    });
    const refused = expectRefused(form, 415, 'unsupported_media_type', 'form login');
    expect(refused.message).toContain('application/json');
    expect(form.headers['set-cookie']).toBeUndefined();
    const plain = await w.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ email: 'admin@alpha.test', password: PASSWORD, mode: 'cookie' }),
    });
    expectRefused(plain, 415, 'unsupported_media_type', 'text/plain login');
    expect(plain.headers['set-cookie']).toBeUndefined();

    // The mechanism, not the one route: every body-taking API route, as a caller who passes
    // every access check (the local administrator within org A).
    const local = { ...auth.local, [ORG_HEADER]: 'alpha-studio' };
    const bodies: [string, string][] = [
      ['application/x-www-form-urlencoded', 'a=1'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      ],
      ['text/plain', '{"a":1}'],
    ];
    let checked = 0;
    for (const route of w.app.registeredRoutes) {
      if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method)) continue;
      if (!route.url.startsWith('/api/v1/') && route.url !== '/mcp') continue;
      for (const [type, payload] of bodies) {
        // The KPI import takes CSV as text/plain (its own parser); nothing else takes plain text.
        if (route.url === '/api/v1/portfolio/kpis/import' && type === 'text/plain') continue;
        const res = await w.inject({
          method: route.method as 'POST',
          url: route.url.replace(/:org\b/, 'alpha-studio').replace(/:\w+/g, 'x'),
          headers: { ...local, 'content-type': type },
          payload,
        });
        const label = `${route.method} ${route.url} with ${type}`;
        expectRefused(res, 415, 'unsupported_media_type', label);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('still takes forms and text where they belong: webhooks, the first-run form, CSV imports', async () => {
    for (const [url, headers] of [
      ['/webhook/edge-form', {}],
      ['/o/alpha-studio/webhook/edge-form', {}],
      ['/webhook-test/edge-form', auth.editor],
    ] as const) {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const res = await w.inject({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': type },
          payload: 'a=1',
        });
        expect(res.statusCode, `${url} ${type}`).toBe(404);
      }
    }
    const setup = await w.inject({
      method: 'POST',
      url: '/setup',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=nope&organisation=x&name=y&email=a%40b.test&password=z',
    });
    expect(setup.statusCode).not.toBe(415);
    for (const type of ['text/csv', 'text/plain']) {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/portfolio/kpis/import?dryRun=true',
        headers: { ...auth.editor, 'content-type': type },
        payload: 'venture,metric,date,value\nedge,revenue,2026-01-01,12\n',
      });
      expect(res.statusCode, `${type}: ${res.body.slice(0, 200)}`).toBe(200);
    }
  });
});
