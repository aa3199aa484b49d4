import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Access } from '../access/index.ts';
import { IzaError, VERSION } from '../kernel/index.ts';
import type { WebShell } from './web.ts';

/**
 * The web root: the dashboard once built (else an honest status page). On a fresh
 * installation it is the first-run form instead: the first administrator is created with the
 * one-time token the server printed in its log, so a new install is never open to whoever
 * finds it first.
 */
export function registerRoot(app: FastifyInstance, access: Access, web: WebShell): void {
  app.get(
    '/',
    {
      config: { access: 'public', envelope: false },
      schema: { hide: true, querystring: z.object({ setup: z.literal('done').optional() }) },
    },
    async (request, reply) => {
      if (await access.setup.needed()) {
        return reply.type('text/html; charset=utf-8').send(setupPage({}));
      }
      if (web.built) return web.sendIndex(reply);
      const html = statusPage((request.query as { setup?: string }).setup === 'done');
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  app.post(
    '/setup',
    {
      config: { access: 'public', envelope: false, rateLimit: { max: 20, timeWindow: 60_000 } },
      schema: { hide: true },
    },
    async (request, reply) => {
      const form = z
        .object({
          token: z.string().trim().min(1, 'the setup token is required'),
          organisation: z.string().trim().min(1, 'the organisation name is required').max(200),
          name: z.string().trim().min(1, 'your name is required').max(200),
          email: z.email('the e-mail address is not valid').max(254),
          password: z.string().min(1).max(256),
        })
        .safeParse(request.body ?? {});
      const values = (request.body ?? {}) as Record<string, unknown>;
      if (!form.success) {
        const message = form.error.issues.map((i) => i.message).join('; ');
        return reply
          .status(400)
          .type('text/html; charset=utf-8')
          .send(setupPage({ values, error: message }));
      }
      try {
        await access.setup.complete(form.data);
      } catch (error) {
        if (error instanceof IzaError && error.kind === 'user') {
          return reply
            .status(error.code === 'invalid_setup_token' ? 403 : 400)
            .type('text/html; charset=utf-8')
            .send(setupPage({ values, error: error.message }));
        }
        throw error;
      }
      // With the dashboard: its sign-in page, saying the administrator now exists.
      return reply.redirect(web.built ? '/login?setup=done' : '/?setup=done', 303);
    },
  );
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 4rem auto; padding: 0 1.5rem; line-height: 1.5; }
  h1 { font-size: 1.6rem; margin-bottom: 0.25rem; }
  .muted { opacity: 0.75; }
  code { font-size: 0.95em; }
  a { color: inherit; }
  form { display: grid; gap: 0.9rem; margin-top: 1.5rem; }
  label { display: grid; gap: 0.3rem; font-weight: 600; }
  input { font: inherit; padding: 0.55rem 0.7rem; border: 1px solid #8888; border-radius: 0.4rem; }
  button { font: inherit; font-weight: 600; padding: 0.6rem 1rem; border-radius: 0.4rem; border: 0; background: #2f5bd3; color: #fff; cursor: pointer; justify-self: start; }
  .error { border-left: 4px solid #c62828; padding: 0.5rem 0.8rem; background: #c628281a; }
  .done { border-left: 4px solid #2e7d32; padding: 0.5rem 0.8rem; background: #2e7d321a; }
`;

function layout(body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IZA OS</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function statusPage(justSetUp: boolean): string {
  return layout(`  <h1>IZA OS</h1>
  <p class="muted">Version ${VERSION}. The server is running.</p>
  ${justSetUp ? '<p class="done" role="status">The first administrator has been created. Sign in through the API (<code>POST /api/v1/auth/login</code>).</p>' : ''}
  <p>The web dashboard has not been built in this installation (<code>npm run build:web</code> builds it; <code>npm start</code> does so when needed). Everything IZA OS does is also reachable through its API and the <code>iza</code> command.</p>
  <ul>
    <li><a href="/docs">API reference</a> (OpenAPI 3.1)</li>
    <li><a href="/health">Health</a>: the state of the database and the job queue</li>
    <li><a href="/metrics">Metrics</a> in Prometheus format</li>
  </ul>`);
}

function setupPage(state: { values?: Record<string, unknown>; error?: string }): string {
  const value = (key: string) => {
    const v = state.values?.[key];
    return typeof v === 'string' && key !== 'password' && key !== 'token' ? escapeHtml(v) : '';
  };
  return layout(`  <h1>Set up IZA OS</h1>
  <p>This installation has no administrator yet. Create the first one: it will own a new organisation.</p>
  <p class="muted">The one-time setup token is printed in the server's log at start-up (look for "setup token"). Or run <code>iza user create-admin</code> on the server.</p>
  ${state.error ? `<p class="error" role="alert">${escapeHtml(state.error)}</p>` : ''}
  <form method="post" action="/setup">
    <label>Setup token <input name="token" required autocomplete="off" spellcheck="false"></label>
    <label>Organisation <input name="organisation" required value="${value('organisation')}" placeholder="My Studio"></label>
    <label>Your name <input name="name" required autocomplete="name" value="${value('name')}"></label>
    <label>E-mail <input name="email" type="email" required autocomplete="email" value="${value('email')}"></label>
    <label>Password (12 characters or more) <input name="password" type="password" required minlength="12" autocomplete="new-password"></label>
    <button type="submit">Create administrator</button>
  </form>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
