import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const API_TARGET = 'http://127.0.0.1:3000';
/** Everything the dashboard reads from the IZA OS server (dev server and preview alike). */
const proxy = {
  '/api': { target: API_TARGET, changeOrigin: false },
  '/health': { target: API_TARGET, changeOrigin: false },
  '/metrics': { target: API_TARGET, changeOrigin: false },
};

/**
 * Emits `/sw.js` from `service-worker.js` with the list of files to precache: the shell
 * (`/index.html`), every file of this build (hashed names) and the files of `public/`. Generated
 * at build time, so the list can never go stale; the version (a hash of the list) names the cache,
 * so a new build replaces the old cache on activation.
 */
function precacheServiceWorker(): Plugin {
  return {
    name: 'iza-precache-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter(
        (file) => !file.endsWith('.map') && !file.startsWith('.vite/') && file !== 'index.html',
      );
      const publicFiles = readdirSync(`${root}public`).filter((f) => f !== 'robots.txt');
      const urls = [
        '/index.html',
        ...publicFiles.map((f) => `/${f}`),
        ...built.map((f) => `/${f}`),
      ];
      urls.sort();
      const version = createHash('sha256').update(urls.join('\n')).digest('hex').slice(0, 12);
      const template = readFileSync(`${root}service-worker.js`, 'utf8');
      const source = template
        .replace('/* @precache */ []', JSON.stringify(urls))
        .replace("/* @version */ 'dev'", JSON.stringify(version));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  root,
  plugins: [react(), precacheServiceWorker()],
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  // Pre-bundled at dev start, so opening a chart page does not make Vite reload the app.
  optimizeDeps: {
    include: ['react', 'react-dom/client', 'react-router', '@tanstack/react-query', 'recharts'],
  },
  server: { proxy },
  preview: { proxy },
});
