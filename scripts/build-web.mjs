// Builds the web dashboard (web/ -> web/dist) with Vite.
//
//   node scripts/build-web.mjs              # always build
//   node scripts/build-web.mjs --if-needed  # only when web/dist is missing or older than a source
//
// `npm start` runs it with --if-needed, so a fresh clone serves the dashboard at once and a
// later start costs nothing unless a file under web/ changed. Without Vite (an install without
// dev dependencies) it says so and leaves the server to show its status page. Builds run one at
// a time (a lock file, `.web-build.lock`): a second one started meanwhile (another `npm start`, a
// test) waits, then finds the dashboard up to date instead of emptying it under the first.
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib, { brotliCompressSync, gzipSync } from 'node:zlib';

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

const upToDate = () => {
  const built = statSync(join(dist, 'index.html'), { throwIfNoEntry: false });
  return Boolean(built && built.mtimeMs >= newest(web));
};
if (ifNeeded && upToDate()) process.exit(0);

// Beside web/, not in it: an entry added to web/ would make it newer than the build.
const lock = fileURLToPath(new URL('../.web-build.lock', import.meta.url));
await acquire();
process.on('exit', () => rmSync(lock, { force: true }));
if (ifNeeded && upToDate()) process.exit(0);

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
const compressed = precompress(join(dist, 'assets'));
console.log(
  `build-web: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${compressed} assets pre-compressed)`,
);

/**
 * Brotli (quality 11) and gzip (level 9) copies beside each compressible hashed asset, which
 * the server sends as they are to clients that accept them: the best ratio, at no cost per
 * request. Smaller files are left to on-the-fly compression.
 */
function precompress(folder) {
  let count = 0;
  for (const name of readdirSync(folder)) {
    if (!/\.(js|css|svg|json|html|txt|map)$/.test(name)) continue;
    const file = join(folder, name);
    const bytes = readFileSync(file);
    if (bytes.length < 1024) continue;
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    );
    writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
    count += 1;
  }
  return count;
}

/**
 * Takes the build lock (a file holding this process's pid), waiting while another live build
 * holds it; a lock whose process is gone is taken over.
 */
async function acquire() {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let holder;
    try {
      holder = Number(readFileSync(lock, 'utf8').trim());
    } catch {
      continue; // released meanwhile: try again at once
    }
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = true;
    } catch {
      // no such process: the build that held it is gone
    }
    if (!alive && Number.isInteger(holder) && holder > 0) rmSync(lock, { force: true });
    if (Date.now() > deadline) throw new Error(`build-web: ${lock} is still held after 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
