import dns from 'node:dns';
import { createServer, type Server } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode, testEngine } from '../engine/test-helpers.test-support.ts';
import { checkUrl } from './ssrf.ts';

const MIB = 1024 * 1024;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
/** Requests that reached the loopback server, by path. */
const reached: string[] = [];

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    reached.push(req.url ?? '');
    if (req.url === '/huge') {
      // 256 MiB unless the client hangs up first.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(MIB, 7);
      let sent = 0;
      const pump = () => {
        while (!res.destroyed && sent < 256) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === '/bomb') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(Buffer.alloc(64 * MIB, 0x20)));
      return;
    }
    if (req.url === '/image') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      return;
    }
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/text')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('plain text');
        return;
      }
      if (req.url?.startsWith('/fail')) {
        res.writeHead(500).end('broken');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          body: body ? JSON.parse(body) : null,
          h: req.headers['x-test'] ?? null,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const allowLoopback = () => testEngine({ http: { allowList: ['127.0.0.0/8'] } });

describe('HTTP Request', () => {
  it('refuses loopback by default (SSRF guard)', async () => {
    const r = await runNode('httpRequest', 4.2, { url: `${base}/x` });
    expect(r.error).toMatch(/refused.*loopback/);
  });

  it('v4 sends query, headers and a JSON body when loopback is allowed', async () => {
    const r = await runNode(
      'httpRequest',
      4.2,
      {
        method: 'POST',
        url: `=${base}/api`,
        sendQuery: true,
        queryParameters: { parameters: [{ name: 'q', value: '={{ $json.q }}' }] },
        sendHeaders: true,
        headerParameters: { parameters: [{ name: 'x-test', value: 'yes' }] },
        sendBody: true,
        specifyBody: 'json',
        jsonBody: '={ "n": {{ $json.n }} }',
      },
      [{ q: 'a b', n: 3 }],
      {},
      allowLoopback(),
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs[0]).toEqual([{ method: 'POST', url: '/api?q=a+b', body: { n: 3 }, h: 'yes' }]);
  });

  it('v1 parameter shape, text responses, full responses and errors', async () => {
    const v1 = await runNode(
      'httpRequest',
      1,
      {
        url: `${base}/v1`,
        requestMethod: 'GET',
        queryParametersUi: { parameter: [{ name: 'a', value: '1' }] },
      },
      [{}],
      {},
      allowLoopback(),
    );
    expect(v1.outputs[0]).toEqual([{ method: 'GET', url: '/v1?a=1', body: null, h: null }]);
    const text = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/text` },
      [{}],
      {},
      allowLoopback(),
    );
    expect(text.outputs[0]).toEqual([{ data: 'plain text' }]);
    const full = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/text`, options: { response: { response: { fullResponse: true } } } },
      [{}],
      {},
      allowLoopback(),
    );
    expect(full.outputs[0]?.[0]).toMatchObject({ body: 'plain text', statusCode: 200 });
    const failed = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/fail` },
      [{}],
      {},
      allowLoopback(),
    );
    expect(failed.error).toMatch(/^500 - broken/);
    const never = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/fail`, options: { response: { response: { neverError: true } } } },
      [{}],
      {},
      allowLoopback(),
    );
    expect(never.outputs[0]).toEqual([{ data: 'broken' }]);
  });

  it('checks every redirect hop: a redirect to the metadata address is refused', async () => {
    const r = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/redirect` },
      [{}],
      {},
      allowLoopback(),
    );
    expect(r.error).toMatch(/169\.254\.169\.254.*refused|refused.*169\.254\.169\.254/);
  });

  it('refuses private, link-local, IPv6 loopback and non-http URLs', async () => {
    for (const url of [
      'http://10.1.2.3/',
      'http://192.168.1.1/',
      'http://169.254.169.254/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
      'http://localhost/',
    ]) {
      await expect(checkUrl(new URL(url)), url).rejects.toThrow(/refused/);
    }
    await expect(checkUrl(new URL('file:///etc/passwd'))).rejects.toThrow(/only http and https/);
    await expect(checkUrl(new URL('http://93.184.216.34/'))).resolves.toBeUndefined();
  });

  it('connects to the address it checked: a name answering public to a check and loopback to the socket is refused', async () => {
    // DNS rebinding: the checker's resolver and the socket's resolver get different answers.
    const realLookup = dns.lookup;
    const realPromises = dns.promises.lookup;
    const name = 'rebind.attacker.test';
    const patched = ((host: string, options: unknown, callback: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (
        ...args: unknown[]
      ) => void;
      const all = typeof options === 'object' && (options as { all?: boolean }).all;
      if (host !== name) return (realLookup as (...a: unknown[]) => void)(host, options, callback);
      if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as typeof dns.lookup;
    dns.lookup = patched;
    dns.promises.lookup = (async (host: string, options: dns.LookupAllOptions) =>
      host === name
        ? [{ address: '93.184.216.34', family: 4 }]
        : realPromises(host, options)) as typeof dns.promises.lookup;
    syncBuiltinESMExports();
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runNode('httpRequest', 4.2, { url: `http://${name}:${port}/rebound` });
      expect(r.error).toMatch(/rebind\.attacker\.test \(127\.0\.0\.1\) are refused: loopback/);
      expect(reached).not.toContain('/rebound');
    } finally {
      dns.lookup = realLookup;
      dns.promises.lookup = realPromises;
      syncBuiltinESMExports();
    }
  });

  it('fails past the size limit while the answer streams, holding no more than the limit', async () => {
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    try {
      const r = await runNode(
        'httpRequest',
        4.2,
        { url: `${base}/huge` },
        [{}],
        {},
        allowLoopback(),
      );
      expect(r.error).toMatch(
        /answer of 127\.0\.0\.1:\d+ is larger than 32 MiB \(33554432 bytes\), the limit set by IZA_OUTBOUND_MAX_RESPONSE_BYTES/,
      );
    } finally {
      clearInterval(sampler);
    }
    expect((peak - baseline) / MIB).toBeLessThan(160);
  });

  it('counts decoded bytes: a small gzip answer that expands past the limit fails', async () => {
    const r = await runNode('httpRequest', 4.2, { url: `${base}/bomb` }, [{}], {}, allowLoopback());
    expect(r.error).toMatch(/larger than 32 MiB/);
  });

  it('keeps a binary answer as binary data', async () => {
    const r = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/image` },
      [{}],
      {},
      allowLoopback(),
    );
    expect(r.error).toBeUndefined();
    expect(r.items[0]?.[0]?.binary).toEqual({
      data: {
        data: PNG.toString('base64'),
        mimeType: 'image/png',
        // n8n shows a file's size as pretty-bytes does.
        fileSize: `${PNG.length} B`,
      },
    });
  });

  it('refuses an engine whose HTTP client is a plain fetch (it would bypass the guard)', async () => {
    const r = await runNode(
      'httpRequest',
      4.2,
      { url: `${base}/text` },
      [{}],
      {},
      testEngine({ http: { allowList: ['127.0.0.0/8'], fetch } }),
    );
    expect(r.error).toMatch(/not guarded/);
  });

  it('fails clearly when the node needs credentials', async () => {
    const r = await runNode('httpRequest', 4.2, {
      url: 'https://example.com',
      authentication: 'predefinedCredentialType',
    });
    expect(r.error).toMatch(/needs credentials/);
  });
});

describe('RSS Read and GraphQL', () => {
  let feedServer: Server;
  let feedBase: string;
  beforeAll(async () => {
    feedServer = createServer((req, res) => {
      if (req.url === '/feed') {
        res
          .writeHead(200, { 'content-type': 'application/rss+xml' })
          .end(
            '<rss><channel><item><title>One</title><link>https://a.example/1</link><pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;Hi&lt;/p&gt;</description><guid>g1</guid></item></channel></rss>',
          );
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.headers['content-type'] === 'application/graphql') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ data: { raw: body } }));
          return;
        }
        const { query, variables } = JSON.parse(body) as {
          query: string;
          variables: { id: number };
        };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: { echo: query.length > 0, id: variables.id } }));
      });
    });
    await new Promise<void>((r) => feedServer.listen(0, '127.0.0.1', r));
    feedBase = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => feedServer.close(() => r())));

  it('reads an RSS feed into items', async () => {
    const r = await runNode(
      'rssFeedRead',
      1.1,
      { url: `${feedBase}/feed` },
      [{}],
      {},
      allowLoopback(),
    );
    expect(r.outputs[0]).toEqual([
      {
        title: 'One',
        link: 'https://a.example/1',
        pubDate: 'Mon, 05 Jan 2026 10:00:00 GMT',
        content: '<p>Hi</p>',
        contentSnippet: 'Hi',
        guid: 'g1',
        isoDate: '2026-01-05T10:00:00.000Z',
      },
    ]);
  });

  it('posts a GraphQL query with variables (JSON, the default from 1.1)', async () => {
    const r = await runNode(
      'graphql',
      1.1,
      {
        endpoint: `${feedBase}/gql`,
        query: '{ echo }',
        variables: '={{ JSON.stringify({ id: $json.id }) }}',
      },
      [{ id: 4 }],
      {},
      allowLoopback(),
    );
    expect(r.outputs[0]).toEqual([{ data: { echo: true, id: 4 } }]);
  });

  it('posts the bare query as application/graphql in version 1 (its default format)', async () => {
    const r = await runNode(
      'graphql',
      1,
      { endpoint: `${feedBase}/gql`, query: '{ echo }', variables: '{"ignored": true}' },
      [{}],
      {},
      allowLoopback(),
    );
    expect(r.outputs[0]).toEqual([{ data: { raw: '{ echo }' } }]);
  });
});
