import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip, gzipHead, gzipWithTail } from './gzip.ts';

describe('gzip bodies with a head compressed once', () => {
  it('inflate to the head followed by each tail, whatever the text', () => {
    const texts = [
      '',
      'a',
      '{"success":true,"data":'.repeat(5000),
      randomBytes(70_000).toString('base64'),
      'été ∑ 😀 '.repeat(3000),
    ];
    for (const headText of texts) {
      const head = gzipHead(headText);
      for (const tail of ['', '}', '{"requestId":"r-1","time":"2026-12-07T08:00:00.000Z"}}']) {
        expect(gunzipSync(gzipWithTail(head, tail)).toString()).toBe(headText + tail);
      }
    }
  });

  it('reads Accept-Encoding as HTTP does', () => {
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('br;q=1.0, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip(['br', 'gzip'])).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip; q=0.000')).toBe(false);
    expect(acceptsGzip('br, identity')).toBe(false);
    expect(acceptsGzip('x-gzip2')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
