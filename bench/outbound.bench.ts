/**
 * The cost of the outbound guard: the guarded fetch (`createOutboundFetch`, loopback
 * allow-listed) against Node's global fetch and undici's fetch over a plain Agent, to one
 * loopback server, in interleaved rounds (the order rotates each round), sequential and 16 at a
 * time. Prints the median per-request latency and the median throughput of the rounds.
 *
 *   node bench/outbound.bench.ts [rounds=15] [requestsPerRound=300]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { createOutboundFetch } from '../src/kernel/net/index.ts';

const rounds = Number(process.argv[2] ?? 15);
const perRound = Number(process.argv[3] ?? 300);
const small = JSON.stringify({ ok: true, items: [1, 2, 3], note: 'a small JSON answer' });
const large = Buffer.alloc(256 * 1024, 'x');

const server = createServer((req, res) => {
  const body = req.url === '/large' ? large : small;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const plainAgent = new Agent();
const guarded = createOutboundFetch({ allowList: ['127.0.0.1'], maxResponseBytes: 32 * 2 ** 20 });
const clients: Record<string, (url: string) => Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>> = {
  'global fetch': (url) => fetch(url),
  'undici fetch': (url) => undiciFetch(url, { dispatcher: plainAgent }),
  'guarded fetch': (url) => guarded(url),
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function round(
  client: (url: string) => Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>,
  url: string,
  concurrency: number,
): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next++ < perRound) {
      const t = performance.now();
      await (await client(url)).arrayBuffer();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, perSecond: (perRound / (performance.now() - started)) * 1000 };
}

for (const [label, path, concurrency] of [
  ['small answer, sequential', '/small', 1],
  ['small answer, 16 at a time', '/small', 16],
  ['256 KiB answer, sequential', '/large', 1],
] as const) {
  const names = Object.keys(clients);
  for (const name of names) await round(clients[name]!, base + path, concurrency); // warm-up
  const latency: Record<string, number[]> = {};
  const throughput: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) {
      const result = await round(clients[name]!, base + path, concurrency);
      (latency[name] ??= []).push(median(result.latencies));
      (throughput[name] ??= []).push(result.perSecond);
    }
  }
  console.log(`\n${label} (${rounds} rounds x ${perRound} requests)`);
  for (const name of names) {
    console.log(
      `  ${name.padEnd(14)} median latency ${median(latency[name]!).toFixed(3)} ms, median ${Math.round(median(throughput[name]!))} req/s`,
    );
  }
}

await guarded.close();
await plainAgent.close();
server.close();
