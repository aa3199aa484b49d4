/**
 * Reading the server's Prometheus text (`GET /metrics`): samples with their labels, and the few
 * summaries the Monitoring page shows. Quantiles come from histogram buckets, so they are upper
 * bounds ("at most 25 ms"), never interpolated guesses.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = match[3] === '+Inf' ? Infinity : Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The value of the one sample named `name` (e.g. a process gauge), if present. */
export function gauge(samples: Sample[], name: string): number | undefined {
  return samples.find((s) => s.name === name)?.value;
}

export interface RouteLatency {
  route: string;
  requests: number;
  errors: number;
  /** Upper bounds in seconds from the histogram buckets; null when no request was observed. */
  p50: number | null;
  p99: number | null;
}

/** Cumulative bucket counts -> the smallest bucket bound holding the q-quantile. */
function quantile(buckets: Map<number, number>, q: number): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total === 0) return null;
  const wanted = q * total;
  for (const bound of bounds) if ((buckets.get(bound) ?? 0) >= wanted) return bound;
  return Infinity;
}

/**
 * Requests and latency per route template from `iza_http_request_duration_seconds`, plus the
 * whole server (route `*`), leaving out the routes that watch the server itself.
 */
export function httpLatency(samples: Sample[], ignore: ReadonlySet<string>): RouteLatency[] {
  const perRoute = new Map<string, { buckets: Map<number, number>; errors: number }>();
  const all = { buckets: new Map<number, number>(), errors: 0 };
  for (const s of samples) {
    const route = s.labels.route ?? 'unmatched';
    if (ignore.has(route)) continue;
    if (s.name === 'iza_http_request_duration_seconds_bucket') {
      const bound = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      const mine = perRoute.get(route) ?? { buckets: new Map<number, number>(), errors: 0 };
      perRoute.set(route, mine);
      mine.buckets.set(bound, (mine.buckets.get(bound) ?? 0) + s.value);
      all.buckets.set(bound, (all.buckets.get(bound) ?? 0) + s.value);
    } else if (
      s.name === 'iza_http_requests_total' &&
      (s.labels.status_code ?? '').startsWith('5')
    ) {
      const mine = perRoute.get(route) ?? { buckets: new Map<number, number>(), errors: 0 };
      perRoute.set(route, mine);
      mine.errors += s.value;
      all.errors += s.value;
    }
  }
  const row = (route: string, data: { buckets: Map<number, number>; errors: number }) => ({
    route,
    requests: data.buckets.get(Infinity) ?? 0,
    errors: data.errors,
    p50: quantile(data.buckets, 0.5),
    p99: quantile(data.buckets, 0.99),
  });
  return [
    row('*', all),
    ...[...perRoute]
      .map(([route, data]) => row(route, data))
      .sort((a, b) => b.requests - a.requests),
  ];
}
