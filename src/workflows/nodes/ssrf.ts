import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard of outgoing HTTP: a URL's host is resolved and every address must be a public
 * unicast address, unless the allow-list names the host or a range holding the address. It
 * refuses loopback, private (RFC 1918, unique local), link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast, unspecified and reserved addresses.
 */

export class SsrfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SsrfError';
  }
}

function inAllowList(
  host: string,
  address: ipaddr.IPv4 | ipaddr.IPv6,
  allowList: string[],
): boolean {
  for (const entry of allowList) {
    if (entry.toLowerCase() === host.toLowerCase()) return true;
    if (entry.includes('/')) {
      try {
        const [range, bits] = ipaddr.parseCIDR(entry);
        if (range.kind() === address.kind() && address.match([range, bits] as never)) return true;
      } catch {
        // not a range
      }
    } else if (ipaddr.isValid(entry) && ipaddr.process(entry).toString() === address.toString()) {
      return true;
    }
  }
  return false;
}

/** Throws `SsrfError` when `url` may not be fetched; returns the checked addresses. */
export async function checkUrl(url: URL, allowList: string[] = []): Promise<string[]> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SsrfError(`only http and https URLs may be requested, not ${url.protocol}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [host]
    : (
        await lookup(host, { all: true, verbatim: true }).catch((error: unknown) => {
          const code = (error as { code?: string }).code ?? String(error);
          throw new Error(`cannot resolve ${host} (${code})`, { cause: error });
        })
      ).map((a) => a.address);
  if (addresses.length === 0) throw new SsrfError(`${host} does not resolve`);
  for (const raw of addresses) {
    const address = ipaddr.process(raw);
    const range = address.range();
    if (range === 'unicast') continue;
    if (inAllowList(host, address, allowList)) continue;
    throw new SsrfError(
      `requests to ${host} (${address.toString()}, ${range}) are refused: private, loopback and link-local addresses need the server's allow-list`,
    );
  }
  return addresses;
}
