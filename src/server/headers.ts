import type { FastifyHelmetOptions } from '@fastify/helmet';

/** The Content-Security-Policy SPEC.md requires on every response. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'", 'ws:', 'wss:'],
  'font-src': ["'self'"],
  'frame-src': ["'self'"],
};

const HSTS_MAX_AGE = 31_536_000;

/** Helmet's settings: the security headers SPEC.md requires, on every answer Fastify sends. */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  referrerPolicy: { policy: 'no-referrer-when-downgrade' },
  frameguard: { action: 'deny' },
  strictTransportSecurity: { maxAge: HSTS_MAX_AGE, includeSubDomains: true, preload: false },
};

/**
 * The same required headers as plain values, for the answers written before any hook runs (the
 * HTTP parser's errors, the router's): they carry them too.
 */
export const REQUIRED_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': Object.entries(CONTENT_SECURITY_POLICY)
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join(';'),
  'referrer-policy': 'no-referrer-when-downgrade',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': `max-age=${HSTS_MAX_AGE}; includeSubDomains`,
};
