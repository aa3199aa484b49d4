import { existsSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build:web` writes the dashboard. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the server owns: an unknown one is a 404 in the envelope, never the dashboard. */
const SERVER_PREFIXES = [
  '/api/',
  '/mcp',
  '/webhook/',
  '/webhook-test/',
  '/o/',
  '/docs',
  '/health',
  '/metrics',
  '/setup',
  '/graphql',
];

/** Files whose names carry a content hash (Vite's `assets/`): cached for a year. */
const HASHED = /^\/assets\//;

export interface WebShell {
  /** Whether a built dashboard was found. */
  built: boolean;
  /** Answers with the dashboard's `index.html` (the app routes in the browser). */
  sendIndex(reply: FastifyReply): FastifyReply;
}

/**
 * Serves the built dashboard (`web/dist`): hashed assets with a year's immutable caching,
 * everything else (`index.html`, the service worker, the manifest) revalidated on each load,
 * and any other browser path that is not the server's own answered with `index.html`, so
 * `/businesses/acme` opened directly or reloaded reaches the app's router. Nothing here needs
 * a credential: the shell holds no data; the API it calls does.
 */
export async function registerWeb(app: FastifyInstance, root: string): Promise<WebShell> {
  const built = existsSync(join(root, 'index.html'));
  const shell: WebShell = {
    built,
    sendIndex: (reply) =>
      reply
        .header('cache-control', 'no-cache')
        .sendFile('index.html', root, { cacheControl: false }),
  };
  if (!built) return shell;

  // `serve: false`: only `reply.sendFile`; the one route below declares its access like all.
  // `preCompressed`: the build's `.br` / `.gz` copies of hashed assets go out as they are.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  app.get(
    '/*',
    { config: { access: 'public', envelope: false, rateLimit: false }, schema: { hide: true } },
    async (request, reply) => {
      const path = decodeURIComponent(request.url.split('?')[0] ?? '/');
      if (SERVER_PREFIXES.some((prefix) => path.startsWith(prefix)) || path.includes('\0')) {
        return reply.callNotFound();
      }
      const relative = path.replace(/^\/+/, '');
      if (relative !== '' && !relative.split('/').includes('..')) {
        const file = join(root, relative);
        if (file.startsWith(root) && isFile(file)) {
          return HASHED.test(path)
            ? reply
                .header('cache-control', 'public, max-age=31536000, immutable')
                .sendFile(relative, root, { cacheControl: false })
            : reply
                .header('cache-control', 'no-cache')
                .sendFile(relative, root, { cacheControl: false });
        }
      }
      // A path with a file extension that is not there is a missing file, not an app route.
      if (extname(path) !== '') return reply.callNotFound();
      return shell.sendIndex(reply);
    },
  );
  return shell;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
