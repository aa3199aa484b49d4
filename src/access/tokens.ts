import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque credentials. Only a SHA-256 of each is stored (they carry 256 bits of randomness, so a
 * fast hash is enough; passwords, which people choose, use argon2id instead).
 *
 * - access token:  `iza_at_<43 chars>`
 * - refresh token: `iza_rt_<43 chars>`
 * - API key:       `iza_key_<12-char prefix>_<43 chars>`: the prefix finds the row, the rest is
 *                  checked against its hash.
 * - invitation link: `iza_iv_<43 chars>`: joins an organisation (never a credential for the API).
 */
export type TokenKind = 'at' | 'rt' | 'iv';

const BODY = /^[A-Za-z0-9_-]{43}$/;

export function newToken(kind: TokenKind): string {
  return `iza_${kind}_${randomBytes(32).toString('base64url')}`;
}

/** The kind of a well-formed token, or undefined for anything else. */
export function tokenKind(token: string): TokenKind | 'key' | undefined {
  if (token.startsWith('iza_at_') && BODY.test(token.slice(7))) return 'at';
  if (token.startsWith('iza_rt_') && BODY.test(token.slice(7))) return 'rt';
  if (parseApiKey(token)) return 'key';
  return undefined;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function newApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { key: `iza_key_${prefix}_${secret}`, prefix, secretHash: hashToken(secret) };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | undefined {
  const match = /^iza_key_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined;
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A random code for people to type: recovery codes (`xxxxx-xxxxx`), setup tokens. */
export function humanCode(groups = 2, size = 5): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(groups * size);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return Array.from({ length: groups }, (_, i) =>
    chars.slice(i * size, (i + 1) * size).join(''),
  ).join('-');
}
