import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccessWorld, LOCAL_TOKEN, type AccessWorld } from '../helpers/access.ts';
import { pgliteStorage } from '../helpers/storage.ts';

/**
 * The HTTP edge seen from a real socket: answers the HTTP parser and the router give before
 * any route runs, the limit of open event streams per caller, and who may read the metrics.
 */

const METRICS_TOKEN = 'metrics-token-for-the-operator-0123';
const SECURITY_HEADERS = [
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'strict-transport-security',
  'referrer-policy',
];

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `request` as bytes on a new connection and reads the answer until the server closes. */
function raw(base: string, request: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('utf8'))));
    socket.write(request);
    socket.setTimeout(20_000, () => socket.destroy(new Error('no answer')));
  });
}

function parseAnswer(text: string): RawAnswer {
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

function expectEnvelope(answer: RawAnswer, status: number, code: string, label: string) {
  expect(answer.status, `${label}: ${answer.body.slice(0, 300)}`).toBe(status);
  expect(answer.headers['content-type'], label).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as {
    success: boolean;
    error: { code: string; message: string };
    metadata: { requestId: string; version: string; timestamp: string };
  };
  expect(body, label).toMatchObject({ success: false, error: { code } });
  expect(body.error.message.length, label).toBeGreaterThan(10);
  expect(body.metadata.requestId, label).toBeTruthy();
  expect(answer.headers['x-request-id'], label).toBe(body.metadata.requestId);
  for (const name of SECURITY_HEADERS)
    expect(answer.headers[name], `${label}: ${name}`).toBeTruthy();
}

describe('the HTTP edge over a real socket', { timeout: 120_000 }, () => {
  let w: AccessWorld;
  let drop: () => Promise<void>;
  let url: string;
  const as = (name: string) => ({
    authorization: w.callers.find((c) => c.name === name)!.authorization!,
  });
  beforeAll(async () => {
    const created = await pgliteStorage.create();
    drop = created.drop;
    w = await createAccessWorld(created.target, {
      IZA_METRICS_TOKEN: METRICS_TOKEN,
      IZA_STREAMS_PER_CLIENT: '3',
      IZA_BODY_LIMIT_BYTES: '4096',
    });
    url = await w.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await w?.close();
    await drop?.();
  });

  it('answers the parser’s and the router’s refusals in the envelope, with a request id', async () => {
    const get = (path: string, extra = '') =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;
    const longSegment = `/api/v1/portfolio/ventures/${'a'.repeat(500)}`;
    expectEnvelope(await raw(url, get(longSegment)), 414, 'uri_too_long', 'long path segment');
    const hugeUrl = `/api/v1/portfolio/ventures?q=${'a'.repeat(20_000)}`;
    expectEnvelope(await raw(url, get(hugeUrl)), 431, 'headers_too_large', 'huge URL');
    const hugeHeader = `x-filler: ${'b'.repeat(20_000)}\r\n`;
    expectEnvelope(await raw(url, get('/health', hugeHeader)), 431, 'headers_too_large', 'header');
    expectEnvelope(
      await raw(url, get('/api/v1/portfolio/ventures/%E0%A4%A')),
      400,
      'bad_url',
      'bad percent-encoding',
    );
    expectEnvelope(
      await raw(url, 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'),
      400,
      'bad_request',
      'malformed header line',
    );
    expectEnvelope(await raw(url, 'HELLO\r\n\r\n'), 400, 'bad_request', 'not HTTP');
    expectEnvelope(
      await raw(url, 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n'),
      400,
      'bad_request',
      'no Host header',
    );
    expectEnvelope(
      await raw(url, get('/health', 'Expect: teapot\r\n')),
      417,
      'expectation_failed',
      'unknown Expect',
    );
    const big = 'x'.repeat(5000);
    expectEnvelope(
      await raw(
        url,
        `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${big.length + 8}\r\n\r\n{"a":"${big}"}`,
      ),
      413,
      'payload_too_large',
      'body over the limit',
    );
  });

  it('limits open event streams per user and API key, and frees a slot when one closes', async () => {
    const open = async (headers: Record<string, string>) => {
      const controller = new AbortController();
      const response = await fetch(`${url}/api/v1/portfolio/events`, {
        headers: { ...headers, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      return { response, close: () => controller.abort() };
    };
    const viewer = as('viewer');
    const streams = [];
    for (let i = 0; i < 3; i++) {
      const stream = await open(viewer);
      expect(stream.response.status).toBe(200);
      streams.push(stream);
    }
    const refused = await open(viewer);
    expect(refused.response.status).toBe(429);
    const body = (await refused.response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('too_many_streams');
    expect(body.error.message).toContain('At most 3 event streams');
    expect(refused.response.headers.get('x-request-id')).toBeTruthy();

    // Other callers have their own slots: another user, an API key.
    const editor = await open(as('editor'));
    const key = await open(as('bot API key'));
    expect([editor.response.status, key.response.status]).toEqual([200, 200]);

    // A stream that ends gives its slot back.
    streams.shift()!.close();
    await vi.waitFor(
      async () => {
        const again = await open(viewer);
        expect(again.response.status).toBe(200);
        streams.push(again);
      },
      { timeout: 10_000, interval: 100 },
    );
    for (const s of [...streams, editor, key]) s.close();
    await vi.waitFor(() => expect(w.app.streams.count()).toBe(0), { timeout: 10_000 });
  });

  it('keeps every organisation’s figures off /metrics unless the operator’s token is sent', async () => {
    const created = await w.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: as('admin'),
      payload: {
        botId: 'alpha-secret-bot',
        name: 'Secret',
        kind: 'llm',
        capabilities: ['x'],
        llm: { provider: 'builtin' },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const scrape = (path: string, headers: Record<string, string> = {}) =>
      w.inject({ method: 'GET', url: path, headers });

    const anonymous = await scrape('/metrics');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('metrics_token_required');
    expect(anonymous.headers['www-authenticate']).toContain('Bearer');
    for (const caller of ['admin of another organisation', 'admin', 'bot API key']) {
      const res = await scrape('/metrics', as(caller));
      expect(res.statusCode, caller).toBe(403);
      expect(res.body, caller).not.toContain('alpha-secret-bot');
    }

    // Administrators of any organisation see the server's own figures, none of an organisation.
    const server = await scrape('/api/v1/server/metrics', as('admin of another organisation'));
    expect(server.statusCode).toBe(200);
    expect(server.body).toContain('iza_process_resident_memory_bytes');
    expect(server.body).toContain('iza_http_requests_total');
    expect(server.body).not.toContain('alpha-secret-bot');
    expect(server.body).not.toContain('iza_agent_');
    for (const caller of ['viewer', 'editor', 'anonymous']) {
      const res = await w.inject({
        method: 'GET',
        url: '/api/v1/server/metrics',
        headers: caller === 'anonymous' ? {} : as(caller),
      });
      expect(res.statusCode, caller).toBe(caller === 'anonymous' ? 401 : 403);
    }

    // The operator's Prometheus (the metrics token) and the local administrator see everything.
    for (const token of [METRICS_TOKEN, LOCAL_TOKEN]) {
      const res = await scrape('/metrics', { authorization: `Bearer ${token}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toContain('iza_agent_healthy{agent="alpha-secret-bot"} -1');
      expect(res.body).toContain('iza_process_resident_memory_bytes');
    }
  });
});

describe('answers while the server shuts down', { timeout: 120_000 }, () => {
  it('are a 503 in the envelope, not Fastify’s own', async () => {
    const created = await pgliteStorage.create();
    const w = await createAccessWorld(created.target);
    const url = await w.app.listen({ port: 0, host: '127.0.0.1' });
    // A connection opened before the shutdown, whose request arrives once it has begun.
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.on('connect', resolve));
    const closing = w.app.close();
    socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await closed;
    await closing;
    await w.kernel.close();
    const answer = parseAnswer(text);
    expectEnvelope(answer, 503, 'service_unavailable', 'while closing');
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['retry-after']).toBe('5');
  });
});
