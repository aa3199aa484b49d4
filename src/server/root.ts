import type { FastifyInstance } from 'fastify';
import { VERSION } from '../kernel/index.ts';

/**
 * The web root. Until the dashboard is built this is an honest status page: it says the
 * server runs and where the API is, and claims nothing else.
 */
export function registerRoot(app: FastifyInstance): void {
  app.get(
    '/',
    { config: { access: 'public', envelope: false }, schema: { hide: true } },
    async (_request, reply) => reply.type('text/html; charset=utf-8').send(page()),
  );
}

function page(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IZA OS</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 4rem auto; padding: 0 1.5rem; line-height: 1.5; }
  h1 { font-size: 1.6rem; margin-bottom: 0.25rem; }
  .muted { opacity: 0.75; }
  code { font-size: 0.95em; }
  a { color: inherit; }
</style>
</head>
<body>
<main>
  <h1>IZA OS</h1>
  <p class="muted">Version ${VERSION}. The server is running.</p>
  <p>The web dashboard is not part of this build yet. Everything IZA OS does is reachable through its API and the <code>iza</code> command.</p>
  <ul>
    <li><a href="/docs">API reference</a> (OpenAPI 3.1)</li>
    <li><a href="/health">Health</a>: the state of the database and the job queue</li>
    <li><a href="/metrics">Metrics</a> in Prometheus format</li>
  </ul>
</main>
</body>
</html>
`;
}
