import { describe, expect, it } from 'vitest';
import { nonPublicRange } from './address.ts';
import { allowListEntryProblem, allows, parseAllowList } from './allow-list.ts';
import { checkUrl } from './guard.ts';
import ipaddr from 'ipaddr.js';

/** The host a URL's parser leaves (it normalises IPv4 shorthands and IPv6 notations). */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, '');

describe('nonPublicRange: what the outbound guard refuses', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified and reserved IPv4', () => {
    for (const [address, range] of [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local (cloud metadata)'],
      ['100.64.0.1', 'carrier-grade NAT'],
      ['224.0.0.1', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['255.255.255.255', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['192.0.2.10', 'documentation'],
      ['198.18.0.1', 'benchmarking'],
    ]) {
      expect(nonPublicRange(address!), address).toBe(range);
    }
  });

  it('refuses IPv6 loopback, unique local (fd00:ec2::254), link-local, multicast and reserved', () => {
    for (const [address, range] of [
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fd00:ec2::254', 'unique local (private)'],
      ['fc00::1', 'unique local (private)'],
      ['fe80::1', 'link-local'],
      ['fec0::1', 'site-local (deprecated)'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'documentation'],
      ['100::1', 'discard-only'],
      ['4000::1', 'reserved'],
    ]) {
      expect(nonPublicRange(address!), address).toBe(range);
    }
  });

  it('judges an IPv6 address that carries an IPv4 address by the IPv4 address it reaches', () => {
    for (const [address, range] of [
      ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
      ['::ffff:169.254.169.254', 'IPv4-mapped link-local (cloud metadata)'],
      ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
      ['::10.0.0.1', 'IPv4-compatible (deprecated)'],
      ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
      ['::ffff:0:127.0.0.1', 'IPv4-translated loopback'],
      ['64:ff9b::127.0.0.1', 'NAT64 loopback'],
      ['64:ff9b::a9fe:a9fe', 'NAT64 link-local (cloud metadata)'],
      ['64:ff9b:1::7f00:1', 'local-use NAT64'],
      ['2002:7f00:1::1', '6to4 loopback'],
      ['2002:c0a8:101::1', '6to4 private'],
      [
        '2001:0:4136:e378:8000:63bf:3fff:fdd2',
        'IETF protocol assignments (Teredo, ORCHID, benchmarking)',
      ],
    ]) {
      expect(nonPublicRange(address!), address).toBe(range);
    }
    // The same forms around a public IPv4 address reach the public address.
    expect(nonPublicRange('::ffff:93.184.216.34')).toBeUndefined();
    expect(nonPublicRange('64:ff9b::93.184.216.34')).toBeUndefined();
    expect(nonPublicRange('2002:5db8:d822::1')).toBeUndefined();
  });

  it('lets public unicast addresses through', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) {
      expect(nonPublicRange(address), address).toBeUndefined();
    }
  });

  it('sees through the shorthands URL parsing turns into loopback or unspecified', () => {
    for (const [url, range] of [
      ['http://0/', 'unspecified'],
      ['http://0x7f000001/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://127.1/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
      ['http://017700000001/', 'loopback'],
      ['http://[::127.0.0.1]/', 'IPv4-compatible (deprecated)'],
      ['http://[0:0:0:0:0:ffff:7f00:1]/', 'IPv4-mapped loopback'],
    ]) {
      expect(nonPublicRange(hostOf(url!)), url).toBe(range);
    }
  });
});

describe('the allow-list', () => {
  it('names host names, single addresses and ranges, IPv4-mapped forms included', () => {
    const list = parseAllowList(['localhost', '10.0.0.0/8', '::1', 'Internal.Example.']);
    const ok = (host: string, address: string) => allows(list, host, ipaddr.parse(address));
    expect(ok('localhost', '127.0.0.1')).toBe(true);
    expect(ok('internal.example', '192.168.1.1')).toBe(true);
    expect(ok('x', '10.9.8.7')).toBe(true);
    expect(ok('x', '::ffff:10.9.8.7')).toBe(true);
    expect(ok('x', '::1')).toBe(true);
    expect(ok('x', '127.0.0.1')).toBe(false);
    expect(ok('x', '11.0.0.1')).toBe(false);
  });

  it('refuses entries that are neither host, address nor range', () => {
    expect(allowListEntryProblem('10.0.0.0/33')).toMatch(/not a CIDR range/);
    expect(allowListEntryProblem('intranet:8080')).toMatch(/not a host name/);
    expect(allowListEntryProblem('10.0.0.0/8,')).toMatch(/not a CIDR range/);
    expect(allowListEntryProblem('fd00::/8')).toBeUndefined();
    expect(allowListEntryProblem('[::1]')).toBeUndefined();
    expect(allowListEntryProblem('metadata.internal')).toBeUndefined();
  });
});

describe('checkUrl (when a URL is saved)', () => {
  const resolving =
    (address: string) => async (): Promise<{ address: string; family: number }[]> => [
      { address, family: address.includes(':') ? 6 : 4 },
    ];

  it('refuses schemes other than http(s), refused literals and names resolving to them', async () => {
    await expect(checkUrl('file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(checkUrl('gopher://example.com/')).rejects.toThrow(/only http and https/);
    await expect(checkUrl('http://169.254.169.254/latest')).rejects.toThrow(
      /169\.254\.169\.254 are refused: link-local/,
    );
    await expect(checkUrl('http://[::ffff:127.0.0.1]:8080/')).rejects.toThrow(
      /IPv4-mapped loopback/,
    );
    await expect(checkUrl('http://localhost:9/')).rejects.toThrow(/localhost \(127\.0\.0\.1\)/);
    await expect(
      checkUrl('https://hooks.attacker.example/', { lookup: resolving('fd00:ec2::254') }),
    ).rejects.toThrow(/unique local/);
  });

  it('accepts public addresses, allow-listed ones, and names that do not resolve now', async () => {
    await expect(checkUrl('http://93.184.216.34/')).resolves.toBeUndefined();
    await expect(checkUrl('http://127.0.0.1:9/', { allowList: ['127.0.0.0/8'] })).resolves.toBe(
      undefined,
    );
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    await expect(checkUrl('https://not-yet.example/', { lookup: failing })).resolves.toBe(
      undefined,
    );
  });
});
