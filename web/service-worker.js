/* IZA OS service worker: an offline shell. Built into /sw.js by web/vite.config.ts, which fills
 * in the precache list (every file of the build) and the version. */
const PRECACHE = /* @precache */ [];
const VERSION = /* @version */ 'dev';
const CACHE = `iza-shell-${VERSION}`;
const SHELL = '/index.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith('iza-shell-') && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

/** Never cached: the API, its live events, health and metrics. */
function isLive(url) {
  return (
    url.pathname.startsWith('/api/') ||
    url.pathname === '/health' ||
    url.pathname.startsWith('/health/') ||
    url.pathname === '/metrics' ||
    url.pathname.startsWith('/docs') ||
    url.pathname.startsWith('/mcp')
  );
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isLive(url)) return;

  if (request.mode === 'navigate') {
    // Network first, so a new deployment shows at once; the cached shell when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) {
            const copy = response.clone();
            void caches.open(CACHE).then((cache) => cache.put(SHELL, copy));
          }
          return response;
        })
        .catch(() =>
          caches.match(SHELL, { ignoreVary: true }).then((cached) => cached ?? Response.error()),
        ),
    );
    return;
  }

  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change content: cache first.
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then(
        (cached) =>
          cached ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
    return;
  }

  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then((cached) => cached ?? fetch(request)),
    );
  }
});
