import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { pgliteStorage } from '../../test/helpers/storage.ts';

const INDEX = '<!doctype html><html lang="en"><title>IZA OS</title><div id="root"></div></html>';
const BUNDLE = `console.log(${JSON.stringify('x'.repeat(4096))});`;

describe('the dashboard shell', () => {
  let t: TestApp;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'iza-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'index-Ab12Cd.js'), BUNDLE);
    writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(root, '..', 'outside.txt'), 'not served');
    const { target } = await pgliteStorage.create();
    t = await createTestApp({ target, webRoot: `${root}/` });
    await t.access.users.createAdmin({
      organisation: 'Web Test',
      email: 'web@example.com',
      name: 'Web',
      password: 'a long enough password',
    });
  });
  afterAll(async () => {
    await t.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(join(root, '..', 'outside.txt'), { force: true });
  });

  it('serves index.html at the root and at any app path, revalidated on every load', async () => {
    for (const url of ['/', '/businesses', '/businesses/acme-labs?sort=name', '/settings']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toContain('text/html');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toBe(INDEX);
      // The same security headers as every other answer, with no inline script allowed.
      expect(res.headers['content-security-policy'], url).toContain("script-src 'self';");
    }
  });

  it('caches hashed assets for a year and compresses them when the client accepts it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/assets/index-Ab12Cd.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toBe(BUNDLE);

    // The build's pre-compressed copy, when there is one, goes out as it is (not compressed
    // again), to clients that accept its encoding.
    const brotli = brotliCompressSync(Buffer.from(BUNDLE));
    writeFileSync(join(root, 'assets', 'index-Ab12Cd.js.br'), brotli);
    const pre = await t.app.inject({
      method: 'GET',
      url: '/assets/index-Ab12Cd.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(pre.statusCode).toBe(200);
    expect(pre.headers['content-encoding']).toBe('br');
    expect(pre.headers['content-type']).toContain('javascript');
    expect(pre.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(pre.headers.vary).toMatch(/accept-encoding/i);
    expect(Buffer.compare(pre.rawPayload, brotli)).toBe(0);
    const plain = await t.app.inject({ method: 'GET', url: '/assets/index-Ab12Cd.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(BUNDLE);

    const worker = await t.app.inject({ method: 'GET', url: '/sw.js' });
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['cache-control']).toBe('no-cache');
  });

  it("answers the server's own paths and missing files with a 404 in the envelope", async () => {
    for (const url of [
      '/api/v1/nothing-here',
      '/assets/missing-123.js',
      '/favicon.png',
      '/health/nothing',
      '/%2e%2e/outside.txt',
      '/assets/../../outside.txt',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ success: false, error: { code: 'not_found' } });
    }
  });

  it('leaves the API working beside it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.json().data).toEqual({ status: 'ok' });
  });
});
