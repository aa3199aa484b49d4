import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses outbound HTTP made on a tenant's behalf may reach: public unicast only.
 * The tables name every other range, so a refusal can say why; an IPv6 address that carries an
 * IPv4 address (mapped, translated, NAT64, 6to4) is judged by the IPv4 address it reaches.
 */

type Range = readonly [cidr: string, name: string];

const V4_RANGES: readonly Range[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

/** Ranges outside global unicast, or inside it but not reachable as a public host. */
const V6_RANGES: readonly Range[] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001::/23', 'IETF protocol assignments (Teredo, ORCHID, benchmarking)'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
];

const parsed = <T extends ipaddr.IPv4 | ipaddr.IPv6>(ranges: readonly Range[]) =>
  ranges.map(([cidr, name]) => ({ range: ipaddr.parseCIDR(cidr) as [T, number], name }));
const V4 = parsed<ipaddr.IPv4>(V4_RANGES);
const V6 = parsed<ipaddr.IPv6>(V6_RANGES);
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

/** IPv6 prefixes whose last or middle 32 bits are an IPv4 address the packet reaches. */
const EMBEDDING: readonly { range: [ipaddr.IPv6, number]; name: string; at: number }[] = [
  {
    range: ipaddr.parseCIDR('::ffff:0:0/96') as [ipaddr.IPv6, number],
    name: 'IPv4-mapped',
    at: 12,
  },
  {
    range: ipaddr.parseCIDR('::ffff:0:0:0/96') as [ipaddr.IPv6, number],
    name: 'IPv4-translated',
    at: 12,
  },
  { range: ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number], name: 'NAT64', at: 12 },
  { range: ipaddr.parseCIDR('2002::/16') as [ipaddr.IPv6, number], name: '6to4', at: 2 },
];

/**
 * Parses an IP address. An IPv6 address written with a dotted IPv4 tail is read as hex first:
 * ipaddr.js reads `::127.0.0.1` as the IPv4-mapped `::ffff:127.0.0.1`, and resolvers (inet_ntop)
 * print IPv4-compatible addresses that way.
 */
export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const tail = /:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!tail) return ipaddr.parse(text);
  const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
  if ([a, b, c, d].some((n) => n > 255)) throw new Error(`${text} is not an IP address`);
  const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  return ipaddr.parse(`${text.slice(0, tail.index)}:${hex}`);
}

function v4Range(address: ipaddr.IPv4): string | undefined {
  return V4.find(({ range }) => address.match(range))?.name;
}

/**
 * The name of the non-public range `address` is in, or undefined for a public unicast address.
 * Accepts any form `ipaddr.js` parses (dotted quads, every IPv6 notation).
 * @example nonPublicRange('::ffff:127.0.0.1') // 'IPv4-mapped loopback'
 */
export function nonPublicRange(address: string | ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (ip.kind() === 'ipv4') return v4Range(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  for (const { range, name, at } of EMBEDDING) {
    if (!v6.match(range)) continue;
    const bytes = v6.toByteArray();
    const inner = v4Range(new ipaddr.IPv4(bytes.slice(at, at + 4)));
    return inner === undefined ? undefined : `${name} ${inner}`;
  }
  const special = V6.find(({ range }) => v6.match(range))?.name;
  if (special !== undefined) return special;
  return v6.match(GLOBAL_UNICAST) ? undefined : 'reserved';
}

/** The IPv4 address an IPv4-mapped IPv6 address stands for; any other address unchanged. */
export function unmapped(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}
