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

/** The dashboard's look (tokens of web/src/styles/base.css), for pages served before it runs. */
const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5;
    --bg: #eef2fb; --panel: rgb(255 255 255 / 0.9); --border: rgb(17 24 39 / 0.12);
    --text: #111827; --muted: #4b5563; --accent: #5b3fd6; --on-accent: #fff;
    --input: #fff; --danger: #b91c1c; --up: #047857; --focus: #1d4ed8; }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #0b1020; --panel: rgb(22 28 48 / 0.92); --border: rgb(255 255 255 / 0.12);
      --text: #eef1fa; --muted: #aab4cf; --accent: #6d28d9; --input: rgb(11 16 32 / 0.7);
      --danger: #fca5a5; --up: #6ee7b7; --focus: #93c5fd; }
  }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 2rem 1rem;
    color: var(--text); background:
      radial-gradient(60rem 40rem at 10% -10%, rgb(124 92 255 / 0.22), transparent 60%),
      radial-gradient(50rem 35rem at 110% 10%, rgb(13 148 136 / 0.18), transparent 60%),
      var(--bg); }
  main { width: min(100%, 30rem); background: var(--panel); border: 1px solid var(--border);
    border-radius: 1rem; padding: 2rem 1.75rem; box-shadow: 0 8px 30px rgb(30 41 99 / 0.12); }
  .brand { display: flex; align-items: center; gap: 0.6rem; font-weight: 700; font-size: 1.1rem; }
  .brand svg { width: 2rem; height: 2rem; }
  h1 { font-size: 1.45rem; margin: 1.25rem 0 0.25rem; }
  p { margin: 0.5rem 0; }
  .muted { color: var(--muted); font-size: 0.92rem; }
  code { font-size: 0.9em; }
  a { color: inherit; }
  form { display: grid; gap: 0.9rem; margin-top: 1.25rem; }
  label { display: grid; gap: 0.3rem; font-weight: 600; font-size: 0.92rem; }
  input { font: inherit; font-weight: 400; padding: 0.55rem 0.7rem; color: var(--text);
    background: var(--input); border: 1px solid var(--border); border-radius: 0.5rem; }
  input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--focus);
    outline-offset: 2px; }
  button { font: inherit; font-weight: 600; padding: 0.65rem 1rem; border-radius: 0.5rem;
    border: 0; background: var(--accent); color: var(--on-accent); cursor: pointer; }
  .error { border-left: 4px solid var(--danger); padding: 0.5rem 0.8rem;
    background: rgb(185 28 28 / 0.1); }
  .done { border-left: 4px solid var(--up); padding: 0.5rem 0.8rem;
    background: rgb(4 120 87 / 0.1); }
`;

/** The product's mark, inline (the dashboard's icon file may not be built yet). */
const MARK = `<svg viewBox="0 0 512 512" aria-hidden="true"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6d28d9"/><stop offset="0.55" stop-color="#4338ca"/><stop offset="1" stop-color="#0d9488"/></linearGradient></defs><rect width="512" height="512" rx="112" fill="url(#g)"/><rect x="118" y="140" width="52" height="232" rx="26" fill="#fff"/><path d="M222 140h172l-134 180h134v52H210l134-180H222z" fill="#fff"/></svg>`;

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
  <div class="brand">${MARK}<span>IZA OS</span></div>
${body}
</main>
</body>
</html>
`;
}

function statusPage(justSetUp: boolean): string {
  return layout(`  <h1>The server is running</h1>
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
