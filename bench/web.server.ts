// `iza start` as a child process for the dashboard benchmark, and a session signed in with a
// cookie, as the dashboard has one.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const IZA = fileURLToPath(new URL('../bin/iza.mjs', import.meta.url));

export interface IzaProcess {
  url: string;
  pid: number;
  /** Where its output went. */
  logFile: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts `iza start` with `env` on a free loopback port; resolves once `/health` answers. */
export async function startIza(env: Record<string, string>): Promise<IzaProcess> {
  const port = await freePort();
  // Beside the temporary folders, kept after them for a look at what went wrong.
  const logs = join(tmpdir(), 'iza-bench-web', 'logs');
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `iza-start-${Date.now()}-${port}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(
    process.execPath,
    [IZA, 'start', '--host', '127.0.0.1', '--port', String(port)],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  // 'close': the process has exited and its output is all written to the log.
  const closed = once(child, 'close');
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`iza start exited early: see ${logFile}`);
    try {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 503) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 300_000) {
      child.kill('SIGTERM');
      throw new Error(`iza start did not answer within 300 s: see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.error(
    `iza start (pid ${child.pid}) answering on ${url} after ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    url,
    pid: child.pid!,
    logFile,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
      }
      await closed;
      out.end();
    },
  };
}

export interface Session {
  /** The server's base URL. */
  url: string;
  /** `name=value; ...` of the session cookies. */
  cookie: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/** Signs in with a password as the dashboard does (cookie mode) and calls the API with it. */
export async function signIn(url: string, email: string, password: string): Promise<Session> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, mode: 'cookie' }),
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  await login.arrayBuffer();
  const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const cookie = cookies.join('; ');
  const csrf = cookies.find((c) => c.startsWith('iza_csrf='))?.slice('iza_csrf='.length) ?? '';
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        cookie,
        'accept-encoding': 'gzip, br',
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': csrf }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return (JSON.parse(text) as { data: T }).data;
  };
  return {
    url,
    cookie,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
  };
}
