import {
  chromium,
  type Browser,
  type BrowserContext,
  type Cookie,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccess, type Access } from '../../src/access/index.ts';
import type { Kernel } from '../../src/kernel/index.ts';
import { buildApp, DEFAULT_WEB_ROOT } from '../../src/server/index.ts';
import { WEBHOOK_CSP } from '../../src/workflows/webhook-http.ts';
import { buildDashboard } from '../helpers/web-server.ts';
import { createTestKernel } from '../helpers/kernel.ts';
import type { FastifyInstance } from 'fastify';

/**
 * Org B's editor serves a page from a webhook; org A's administrator, signed in to the
 * dashboard in a real browser (Debian's Chromium), opens it. The page's script tries
 * everything a script on the dashboard's origin could do: read the session's cookies and
 * storage, create an admin API key with the session and the CSRF token (read from the cookie,
 * or leaked to the attacker by other means), set and clear cookies. The answer's sandbox (an
 * opaque origin) and the server's headers must make all of it fail, and the session must go on
 * working.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';

/** The attacker's page: records what each attempt gave, in the page and in its title. */
function trapPage(leakedCsrf: string): string {
  const script = `
(async () => {
  const out = {};
  const attempt = async (name, fn) => {
    try { out[name] = await fn(); } catch (e) { out[name] = 'blocked: ' + (e && e.name); }
  };
  await attempt('origin', () => window.origin);
  await attempt('cookie', () => document.cookie);
  await attempt('localStorage', () => JSON.stringify(Object.keys(window.localStorage)));
  await attempt('sessionStorage', () => JSON.stringify(Object.keys(window.sessionStorage)));
  let csrf = ${JSON.stringify(leakedCsrf)};
  try { csrf = (document.cookie.match(/iza_csrf=([^;]+)/) || [])[1] || csrf; } catch {}
  const create = (token) => fetch('/api/v1/api-keys', {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token },
    body: JSON.stringify({ name: 'stolen by org B', role: 'admin' }),
  }).then(async (r) => r.status + ' ' + (await r.text()).slice(0, 300));
  await attempt('createKey', () => create(csrf));
  await attempt('readKeys', () => fetch('/api/v1/api-keys', { credentials: 'include' })
    .then(async (r) => r.status + ' ' + (await r.text()).slice(0, 300)));
  await attempt('setCookie', () => { document.cookie = 'org_b_planted=1; path=/'; return document.cookie; });
  await attempt('beacon', () => navigator.sendBeacon('/api/v1/api-keys',
    new Blob([JSON.stringify({ name: 'beacon key', role: 'admin' })], { type: 'text/plain' })));
  document.getElementById('out').textContent = JSON.stringify(out);
  document.title = 'trap done';
})();`;
  return `<!doctype html><html><head><title>trap</title></head><body><pre id="out">running</pre><script>${script}</script></body></html>`;
}

describe(
  'a webhook page of another organisation in the admin’s browser',
  { timeout: 240_000 },
  () => {
    let kernel: Kernel;
    let access: Access;
    let app: FastifyInstance;
    let url: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let orgA: string;
    let keyB: string;
    let workflowId: string;

    const apiB = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${keyB}`, 'content-type': 'application/json' },
        body: body === undefined ? '{}' : JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return ((await res.json()) as { data: { id: string } }).data;
    };
    const trapWorkflow = (leakedCsrf: string) => ({
      name: 'innocent looking page',
      nodes: [
        {
          name: 'Webhook',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: 'trap',
          parameters: {
            httpMethod: 'GET',
            path: 'trap',
            responseMode: 'responseNode',
            options: {},
          },
        },
        {
          name: 'Respond',
          type: 'n8n-nodes-base.respondToWebhook',
          typeVersion: 1.1,
          position: [200, 0],
          parameters: {
            respondWith: 'text',
            responseBody: trapPage(leakedCsrf),
            options: {
              responseHeaders: {
                entries: [
                  { name: 'Content-Type', value: 'text/html; charset=utf-8' },
                  {
                    name: 'Content-Security-Policy',
                    value: "default-src * 'unsafe-inline' 'unsafe-eval'",
                  },
                  { name: 'Set-Cookie', value: 'org_b_tracker=1; Path=/' },
                  { name: 'Access-Control-Allow-Origin', value: 'null' },
                  { name: 'Access-Control-Allow-Credentials', value: 'true' },
                ],
              },
            },
          },
        },
      ],
      connections: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
    });
    const izaCookies = async (): Promise<Cookie[]> =>
      (await context.cookies()).filter((c) => c.name.startsWith('iza_'));
    const allCookies = async () =>
      (await context.cookies()).map((c) => [c.name, c.value, c.path, c.httpOnly]).sort();

    beforeAll(async () => {
      buildDashboard();
      // Org B is the default organisation: its page is on n8n's plain `/webhook/trap` URL.
      kernel = await createTestKernel({
        target: { kind: 'memory' },
        workJobs: false,
        env: {
          IZA_RATE_LIMIT_MAX: '100000',
          IZA_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
          IZA_WEBHOOK_DEFAULT_ORG: 'beta-studio',
        },
      });
      access = createAccess(kernel);
      const a = await access.users.createAdmin({
        organisation: 'Alpha Studio',
        email: 'admin@alpha.test',
        name: 'Ada Admin',
        password: PASSWORD,
      });
      const b = await access.users.createAdmin({
        organisation: 'Beta Studio',
        email: 'admin@beta.test',
        name: 'Bea Admin',
        password: PASSWORD,
      });
      orgA = a.organisation.id;
      const editorB = await access.users.addMember(
        b.organisation.id,
        { email: 'editor@beta.test', name: 'Eve Editor', password: PASSWORD, role: 'editor' },
        'system',
      );
      keyB = (
        await access.apiKeys.create(
          b.organisation.id,
          { name: 'org B editor', role: 'editor' },
          { role: 'editor', userId: editorB.id },
        )
      ).key;
      app = await buildApp({ kernel, access, webRoot: DEFAULT_WEB_ROOT });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
      page = await context.newPage();
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await app?.close();
      await kernel?.close();
    });

    it('signs org A’s administrator in to the dashboard', async () => {
      await page.goto(`${url}/`);
      await page.waitForURL(/\/login/);
      await page.getByLabel('E-mail').fill('admin@alpha.test');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: /sign in/i }).click();
      await page.waitForURL(`${url}/`);
      const names = (await izaCookies()).map((c) => c.name).sort();
      expect(names).toEqual(['iza_at', 'iza_csrf', 'iza_rt']);
    });

    it('runs the page’s script in an opaque origin that can do nothing with the session', async () => {
      const before = await izaCookies();
      const cookiesBefore = await allCookies();
      const csrf = before.find((c) => c.name === 'iza_csrf')!.value;
      // The worst case: org B learnt the CSRF token somehow and bakes it into its page.
      workflowId = (await apiB('POST', '/api/v1/workflows', trapWorkflow(csrf))).id;
      await apiB('POST', `/api/v1/workflows/${workflowId}/activate`);
      const keysBefore = await access.apiKeys.list(orgA);

      const answer = await page.goto(`${url}/webhook/trap`);
      expect(answer!.status()).toBe(200);
      await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('trap done');
      // Nothing changed: no key, the same cookies, and the session still works.
      await new Promise((r) => setTimeout(r, 500)); // let a beacon arrive if one was sent
      expect(await access.apiKeys.list(orgA)).toEqual(keysBefore);
      expect(await allCookies()).toEqual(cookiesBefore);
      expect(await answer!.headerValue('content-security-policy')).toBe(WEBHOOK_CSP);
      const out = JSON.parse((await page.locator('#out').textContent())!) as Record<
        string,
        unknown
      >;
      // The script ran (allow-scripts), but as nobody: an opaque origin.
      expect(out.origin).toBe('null');
      expect(out.cookie).toMatch(/^blocked: SecurityError/);
      expect(out.localStorage).toMatch(/^blocked: SecurityError/);
      expect(out.sessionStorage).toMatch(/^blocked: SecurityError/);
      expect(out.setCookie).toMatch(/^blocked: SecurityError/);
      // Cross-origin to the dashboard: the preflight is refused, so nothing is sent or read.
      expect(out.createKey).toBe('blocked: TypeError');
      expect(out.readKeys).toBe('blocked: TypeError');

      await page.goto(`${url}/workflows`);
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).first().textContent(), {
          timeout: 15_000,
        })
        .toMatch(/workflows/i);
      expect(page.url()).toBe(`${url}/workflows`);
      const me = await context.request.get(`${url}/api/v1/auth/me`);
      expect(me.status()).toBe(200);
      expect(((await me.json()) as { data: { email: string } }).data.email).toBe(
        'admin@alpha.test',
      );
    });
  },
);
