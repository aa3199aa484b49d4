import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundRefusedError, OutboundTimeoutError, OutboundTooLargeError } from './errors.ts';
import { createOutboundFetch, isOutboundFetch } from './fetch.ts';
import { checkUrl, type Resolver } from './guard.ts';

const MIB = 1024 * 1024;

/** The loopback server the attacker wants to reach, counting what reaches it. */
let server: Server;
let port: number;
const hits: string[] = [];
const closed: string[] = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/redirect-by-name': (_req, res) =>
    res.writeHead(302, { location: `http://other.test:${port}/secret` }).end(),
  '/redirect-to-metadata': (_req, res) =>
    res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
  '/redirect-to-mapped': (_req, res) =>
    res.writeHead(301, { location: `http://[::ffff:127.0.0.1]:${port}/secret` }).end(),
  '/endless': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => closed.push(req.url!));
    pump();
  },
  '/bomb': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
    res.end(gzipSync(Buffer.alloc(64 * MIB, 0x20)));
  },
  '/declared': (_req, res) => {
    res.writeHead(200, { 'content-length': String(5 * MIB) });
    res.write('x');
  },
  '/silent': () => undefined,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url!);
    const route = routes[req.url!];
    if (route) return route(req, res);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ url: req.url, type: req.headers['content-type'] ?? null, body })),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** A resolver for made-up names: `answers[name]` in turn, the last one repeated. */
function resolver(answers: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup: Resolver = async (hostname) => {
    calls.push(hostname);
    const list = answers[hostname];
    if (!list) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const address = list.length > 1 ? list.shift()! : list[0]!;
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return { lookup, calls };
}

const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
};

describe('createOutboundFetch', { timeout: 30_000 }, () => {
  it('connects to the address it checked: a DNS answer that changes after the check (rebinding) is refused', async () => {
    // The attacker's name answers a public address to the check, then loopback.
    const dns = resolver({ 'rebind.attacker.test': ['93.184.216.34', '127.0.0.1'] });
    const url = `http://rebind.attacker.test:${port}/secret`;
    await expect(checkUrl(url, { lookup: dns.lookup })).resolves.toBeUndefined();
    const outbound = createOutboundFetch({ lookup: dns.lookup, maxResponseBytes: MIB });
    const before = hits.length;
    const error = await failureOf(outbound(url));
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect(error.message).toMatch(/rebind\.attacker\.test \(127\.0\.0\.1\) are refused: loopback/);
    expect(dns.calls).toEqual(['rebind.attacker.test', 'rebind.attacker.test']);
    expect(hits.length).toBe(before);
    await outbound.close();
  });

  it('the socket uses the resolver answer it checked (an allow-listed name reaches its address)', async () => {
    const dns = resolver({ 'svc.internal.test': ['127.0.0.1'] });
    const outbound = createOutboundFetch({
      lookup: dns.lookup,
      allowList: ['svc.internal.test'],
      maxResponseBytes: MIB,
    });
    const res = await outbound(`http://svc.internal.test:${port}/ok`);
    expect(await res.json()).toMatchObject({ url: '/ok' });
    // The literal is not in the allow-list: the name's exception does not extend to it.
    await expect(outbound(`http://127.0.0.1:${port}/ok`)).rejects.toThrow(
      /127\.0\.0\.1 are refused/,
    );
    await outbound.close();
  });

  it('checks every redirect hop, by name and by IP literal', async () => {
    const dns = resolver({ 'allowed.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    const outbound = createOutboundFetch({
      lookup: dns.lookup,
      allowList: ['allowed.test'],
      maxResponseBytes: MIB,
    });
    const before = hits.filter((h) => h === '/secret').length;
    for (const path of ['/redirect-by-name', '/redirect-to-metadata', '/redirect-to-mapped']) {
      const error = await failureOf(outbound(`http://allowed.test:${port}${path}`));
      expect(error, path).toBeInstanceOf(OutboundRefusedError);
    }
    expect(hits.filter((h) => h === '/secret').length).toBe(before);
    await outbound.close();
  });

  it('refuses IP literals of every kind before connecting, and schemes other than http(s)', async () => {
    const outbound = createOutboundFetch({ maxResponseBytes: MIB });
    const before = hits.length;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://2130706433:${port}/`,
      `http://127.1:${port}/`,
      `http://0:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::127.0.0.1]:${port}/`,
      `http://[64:ff9b::7f00:1]:${port}/`,
      `http://[2002:7f00:1::1]:${port}/`,
      `http://localhost:${port}/`,
    ]) {
      await expect(outbound(url), url).rejects.toBeInstanceOf(OutboundRefusedError);
    }
    await expect(outbound('file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(outbound('data:text/plain,hi')).rejects.toThrow(/only http and https/);
    expect(hits.length).toBe(before);
    await outbound.close();
  });

  it('stops reading past the size limit, closes the connection and names the setting', async () => {
    const outbound = createOutboundFetch({
      allowList: ['127.0.0.1'],
      maxResponseBytes: MIB,
      limitSetting: 'IZA_TEST_LIMIT',
    });
    const res = await outbound(`http://127.0.0.1:${port}/endless`);
    const error = await failureOf(res.arrayBuffer());
    expect(error).toBeInstanceOf(OutboundTooLargeError);
    expect(error.message).toMatch(/larger than 1 MiB \(1048576 bytes\).*IZA_TEST_LIMIT/);
    await expect.poll(() => closed.includes('/endless')).toBe(true);
    await outbound.close();
  });

  it('counts decoded bytes: a small gzip body that expands past the limit fails', async () => {
    const outbound = createOutboundFetch({ allowList: ['127.0.0.1'], maxResponseBytes: MIB });
    const res = await outbound(`http://127.0.0.1:${port}/bomb`);
    await expect(res.text()).rejects.toBeInstanceOf(OutboundTooLargeError);
    const declared = await failureOf(outbound(`http://127.0.0.1:${port}/declared`));
    expect(declared).toBeInstanceOf(OutboundTooLargeError);
    await outbound.close();
  });

  it('ends an exchange past its time limit, and keeps a caller abort as the caller gave it', async () => {
    const outbound = createOutboundFetch({
      allowList: ['127.0.0.1'],
      maxResponseBytes: MIB,
      timeoutMs: 200,
    });
    const error = await failureOf(outbound(`http://127.0.0.1:${port}/silent`));
    expect(error).toBeInstanceOf(OutboundTimeoutError);
    expect(error.message).toMatch(/within 200 ms/);
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 20);
    const slow = createOutboundFetch({ allowList: ['127.0.0.1'], maxResponseBytes: MIB });
    await expect(
      slow(`http://127.0.0.1:${port}/silent`, { signal: controller.signal }),
    ).rejects.toBe(reason);
    await Promise.all([outbound.close(), slow.close()]);
  });

  it('is a fetch: Request objects, FormData and JSON bodies, headers and status pass through', async () => {
    const outbound = createOutboundFetch({ allowList: ['127.0.0.0/8'], maxResponseBytes: MIB });
    expect(isOutboundFetch(outbound)).toBe(true);
    expect(isOutboundFetch(fetch)).toBe(false);
    const form = new FormData();
    form.append('a', 'b');
    const sent = await outbound(`http://127.0.0.1:${port}/form`, { method: 'POST', body: form });
    const echoed = (await sent.json()) as { type: string; body: string };
    expect(echoed.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(echoed.body).toContain('name="a"');
    const request = new Request(`http://127.0.0.1:${port}/req`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
    });
    const res = await outbound(request);
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`http://127.0.0.1:${port}/req`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ url: '/req', type: 'application/json', body: '{"n":1}' });
    await outbound.close();
  });
});
