import ipaddr from 'ipaddr.js';
import { parseIp, unmapped } from './address.ts';

/**
 * The operator's exceptions to the outbound guard (`outbound.allowPrivate`): host names, IP
 * addresses and CIDR ranges that tenant-driven HTTP may reach although they are not public.
 * A host name allows whatever that name resolves to; a range allows the addresses in it,
 * whatever name led there.
 */
export interface AllowList {
  hosts: ReadonlySet<string>;
  ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/i;

const normaliseHost = (host: string) => host.toLowerCase().replace(/\.$/, '');

/** Why `entry` is not a host name, an IP address or a CIDR range; undefined when it is one. */
export function allowListEntryProblem(entry: string): string | undefined {
  if (entry.includes('/')) {
    return parseCidr(entry)
      ? undefined
      : `"${entry}" is not a CIDR range (e.g. 10.0.0.0/8, fd00::/8)`;
  }
  const bare = entry.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(bare) || HOST_NAME.test(normaliseHost(entry))) return undefined;
  return `"${entry}" is not a host name, an IP address or a CIDR range`;
}

function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  const [address, bits, ...rest] = text.split('/');
  if (rest.length > 0 || !address || !bits || !/^\d{1,3}$/.test(bits)) return undefined;
  try {
    const ip = parseIp(address);
    const prefix = Number(bits);
    return prefix <= (ip.kind() === 'ipv4' ? 32 : 128) ? [ip, prefix] : undefined;
  } catch {
    return undefined;
  }
}

/** Parses the configured entries (checked by the configuration already). */
export function parseAllowList(entries: readonly string[] = []): AllowList {
  const hosts = new Set<string>();
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of entries) {
    const bare = entry.trim().replace(/^\[|\]$/g, '');
    if (bare.includes('/')) {
      const [address, bits] = parseCidr(bare)!;
      const mapped = unmapped(address) !== address;
      // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
      ranges.push(mapped ? [unmapped(address), Math.max(0, bits - 96)] : [address, bits]);
    } else if (ipaddr.isValid(bare)) {
      const address = unmapped(parseIp(bare));
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else {
      hosts.add(normaliseHost(bare));
    }
  }
  return { hosts, ranges };
}

/** Whether the allow-list lets `host`, resolved to `address`, through. */
export function allows(list: AllowList, host: string, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (list.hosts.has(normaliseHost(host))) return true;
  const ip = unmapped(address);
  return list.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
}
