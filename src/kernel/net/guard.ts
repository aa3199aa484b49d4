import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { nonPublicRange, parseIp } from './address.ts';
import { allows, parseAllowList, type AllowList } from './allow-list.ts';
import { OutboundRefusedError } from './errors.ts';

/**
 * The SSRF guard: which hosts outbound HTTP made on a tenant's behalf may reach. Public unicast
 * addresses only, unless the operator's allow-list names the host or a range holding the address.
 * `guardedLookup` is what the connection uses, so the addresses checked are the addresses
 * connected to; `checkUrl` answers the same question early, when a URL is saved.
 */

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address (the system resolver by default; tests inject one). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface GuardOptions {
  /** Hosts, IP addresses or CIDR ranges reachable although not public. Default: none. */
  allowList?: readonly string[] | undefined;
  /** The resolver; default `dns.lookup` (getaddrinfo: hosts file, then DNS). */
  lookup?: Resolver | undefined;
}

/** The name of the setting holding the allow-list, for messages. */
export const ALLOW_LIST_SETTING = 'IZA_OUTBOUND_ALLOW_PRIVATE';

/** The system resolver, read at call time (the same `dns.lookup` Node's sockets use). */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, order: 'verbatim' }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

/** The refusal for `host` resolved to `address`, or undefined when it may be reached. */
export function refusalOf(
  host: string,
  address: string,
  list: AllowList,
): OutboundRefusedError | undefined {
  const ip = parseIp(address);
  const range = nonPublicRange(ip);
  if (range === undefined || allows(list, host, ip)) return undefined;
  const where = bare(host) === address ? address : `${host} (${address})`;
  return new OutboundRefusedError(
    `requests to ${where} are refused: ${range} address; only public addresses may be reached unless the server's allow-list (${ALLOW_LIST_SETTING}) names them`,
    { host, address, range },
  );
}

export function schemeRefusal(url: URL): OutboundRefusedError | undefined {
  if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  return new OutboundRefusedError(
    `only http and https URLs may be requested, not ${url.protocol}`,
    { host: url.hostname },
  );
}

/** A guard over one allow-list and resolver. */
export function createGuard(options: GuardOptions = {}) {
  const list = parseAllowList(options.allowList ?? []);
  const resolve = options.lookup ?? systemResolver;

  /** Resolves `host` (an IP literal is itself) and checks every address; throws the refusal. */
  async function addressesOf(host: string): Promise<ResolvedAddress[]> {
    const name = bare(host);
    const family = isIP(name);
    const addresses = family ? [{ address: name, family }] : [...(await resolve(name))];
    if (addresses.length === 0) {
      throw Object.assign(new Error(`${name} has no address`), { code: 'ENOTFOUND' });
    }
    for (const { address } of addresses) {
      const refusal = refusalOf(name, address, list);
      if (refusal) throw refusal;
    }
    return addresses;
  }

  /**
   * A `lookup` for `net.connect` / `tls.connect`: resolves once, refuses the connection when any
   * address is not allowed, and hands the socket only the addresses it checked, so an answer
   * that changes between a check and the connection (DNS rebinding) cannot slip through.
   */
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const wanted = lookupOptions.family === 4 || lookupOptions.family === 6;
    addressesOf(hostname).then(
      (all) => {
        const addresses = wanted ? all.filter((a) => a.family === lookupOptions.family) : all;
        const first = addresses[0];
        if (!first) {
          const error = Object.assign(new Error(`${hostname} has no IPv${lookupOptions.family}`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 0);
        } else if (lookupOptions.all) {
          (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };

  /** The refusal for an IP-literal host (sockets skip `lookup` for those), else undefined. */
  function literalRefusal(hostname: string): OutboundRefusedError | undefined {
    const name = bare(hostname);
    return isIP(name) ? refusalOf(name, name, list) : undefined;
  }

  return { addressesOf, lookup, literalRefusal };
}

export type Guard = ReturnType<typeof createGuard>;

/**
 * Checks a URL when it is saved (an agent's health check or webhook, an MCP server), so a
 * refused address answers 400 at once. Throws `OutboundRefusedError` for a scheme other than
 * http(s) or an address the guard refuses. A name that does not resolve now (or not within
 * `timeoutMs`) is let through: it reaches nothing now, and every connection is checked again.
 * @example await checkUrl('http://169.254.169.254/latest', { allowList: [] }) // throws
 */
export async function checkUrl(
  url: string | URL,
  options: GuardOptions & { timeoutMs?: number } = {},
): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundRefusedError(`"${String(url)}" is not an absolute URL`, { host: '' });
  }
  const scheme = schemeRefusal(parsed);
  if (scheme) throw scheme;
  const guard = createGuard(options);
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 2000);
  });
  try {
    await Promise.race([guard.addressesOf(parsed.hostname), gaveUp]);
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw error;
    // Not resolvable now: checked again at every connection.
  } finally {
    clearTimeout(timer);
  }
}
