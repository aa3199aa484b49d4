// The API calls the dashboard's pages make, timed over HTTP with a session cookie, one request
// at a time, on several servers in turn (the storages are interleaved in rounds, so a change in
// the machine's load falls on all of them alike).
import { loadavg } from 'node:os';
import type { Session } from './web.server.ts';

export interface Call {
  page: string;
  name: string;
  /** The URL's path and query, or one per storage when it names ids the storages differ in. */
  path: string | ((storage: string) => string);
  /** Run, untimed, before each timed request (e.g. to drop a cache). */
  before?: (session: Session) => Promise<void>;
}

export interface Target {
  storage: string;
  session: Session;
}

export interface CallRow {
  page: string;
  call: string;
  path: string;
  storage: string;
  /** Timed requests (fewer than asked when the time budget ran out first). */
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** The server's own time (its `Server-Timing` header): handler and serialization. */
  server: { p50: number; p90: number; p99: number };
  /** Size of the answer as the page reads it (inflated when it was sent compressed), bytes. */
  bytes: number;
}

export interface MeasureOptions {
  requests: number;
  warmups: number;
  /** Rounds the requests are split into, the targets taking turns in each. */
  rounds: number;
  /** Per call and storage: past it, no more requests (warm-ups included), seconds. */
  budgetSeconds: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const tenth = (ms: number) => Math.round(ms * 10) / 10;

/** Connections the servers closed under a request (retried once, untimed): per storage. */
export const retried = new Map<string, number>();

/**
 * One request as the dashboard makes it; resolves with its wall time (ms), the server's own
 * (`Server-Timing: app;dur=`) and the answer's size.
 */
async function timed(
  session: Session,
  path: string,
): Promise<{ ms: number; server: number; bytes: number }> {
  for (let attempt = 0; ; attempt++) {
    const t = performance.now();
    let res: Response;
    let body: ArrayBuffer;
    try {
      res = await fetch(`${session.url}${path}`, {
        headers: { cookie: session.cookie, 'accept-encoding': 'gzip, br' },
      });
      body = await res.arrayBuffer();
    } catch (error) {
      // A kept-alive connection the server closed as it was reused is the client's race, not
      // the server's time: the request goes again on a new connection.
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (attempt > 0 || (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET')) throw error;
      retried.set(session.url, (retried.get(session.url) ?? 0) + 1);
      continue;
    }
    const ms = performance.now() - t;
    if (!res.ok) {
      throw new Error(`${path}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
    }
    const server = /app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1];
    return { ms, server: Number(server ?? Number.NaN), bytes: body.byteLength };
  }
}

/**
 * Times every call on every target: `warmups` untimed requests, then `requests` timed ones in
 * `rounds` rounds in which the targets take turns. Also returns the load averages seen.
 */
export async function measureCalls(
  calls: Call[],
  targets: Target[],
  options: MeasureOptions,
  progress: (line: string) => void,
): Promise<{ rows: CallRow[]; load: number[] }> {
  const rows: CallRow[] = [];
  const load: number[] = [loadavg()[0]!];
  for (const call of calls) {
    const samples = new Map<
      string,
      { times: number[]; server: number[]; bytes: number; spent: number }
    >();
    const pathOf = (target: Target) =>
      typeof call.path === 'string' ? call.path : call.path(target.storage);
    for (const target of targets) {
      const started = performance.now();
      let bytes = 0;
      for (let i = 0; i < options.warmups; i++) {
        await call.before?.(target.session);
        bytes = (await timed(target.session, pathOf(target))).bytes;
        if (performance.now() - started > (options.budgetSeconds * 1000) / 4) break;
      }
      samples.set(target.storage, {
        times: [],
        server: [],
        bytes,
        spent: performance.now() - started,
      });
    }
    const perRound = Math.ceil(options.requests / options.rounds);
    for (let round = 0; round < options.rounds; round++) {
      for (const target of targets) {
        const s = samples.get(target.storage)!;
        const until = Math.min(options.requests, (round + 1) * perRound);
        while (s.times.length < until && s.spent < options.budgetSeconds * 1000) {
          await call.before?.(target.session);
          const { ms, server } = await timed(target.session, pathOf(target));
          s.times.push(ms);
          s.server.push(server);
          s.spent += ms;
        }
      }
      load.push(loadavg()[0]!);
    }
    for (const target of targets) {
      const s = samples.get(target.storage)!;
      const sorted = [...s.times].sort((a, b) => a - b);
      const server = [...s.server].sort((a, b) => a - b);
      const row: CallRow = {
        page: call.page,
        call: call.name,
        path: pathOf(target),
        storage: target.storage,
        n: sorted.length,
        p50: tenth(percentile(sorted, 50)),
        p90: tenth(percentile(sorted, 90)),
        p99: tenth(percentile(sorted, 99)),
        max: tenth(sorted[sorted.length - 1]!),
        server: {
          p50: tenth(percentile(server, 50)),
          p90: tenth(percentile(server, 90)),
          p99: tenth(percentile(server, 99)),
        },
        bytes: s.bytes,
      };
      progress(
        `${row.storage} ${row.page}: ${row.call}: p50 ${row.p50} ms, p90 ${row.p90} ms, p99 ${row.p99} ms, max ${row.max} ms; server p50 ${row.server.p50}, p90 ${row.server.p90}, p99 ${row.server.p99} ms (n ${row.n}, ${row.bytes} B)`,
      );
      rows.push(row);
    }
  }
  return { rows, load };
}
