// Builds the web dashboard (web/ -> web/dist) with Vite.
//
//   node scripts/build-web.mjs              # always build
//   node scripts/build-web.mjs --if-needed  # only when web/dist is missing or older than a source
//
// `npm start` runs it with --if-needed, so a fresh clone serves the dashboard at once and a
// later start costs nothing unless a file under web/ changed. Without Vite (an install without
// dev dependencies) it says so and leaves the server to show its status page.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web/', import.meta.url));
const dist = join(web, 'dist');
const ifNeeded = process.argv.includes('--if-needed');

/** The newest modification time under `path`, skipping the build output. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (path === web && (entry === 'dist' || entry === 'node_modules')) continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

const built = statSync(join(dist, 'index.html'), { throwIfNoEntry: false });
if (ifNeeded && built && built.mtimeMs >= newest(web)) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn(
    'build-web: Vite is not installed (dev dependencies omitted); the dashboard is not built',
  );
  process.exit(0);
}
// Always the production build, whoever runs this (a test runner sets NODE_ENV=test, which would
// otherwise give React's development build).
process.env.NODE_ENV = 'production';
const started = Date.now();
console.log('build-web: building the dashboard (web/ -> web/dist)');
await vite.build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
console.log(`build-web: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
