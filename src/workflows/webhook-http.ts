import type { IncomingHttpHeaders } from 'node:http';

/**
 * The boundary between a webhook's HTTP exchange and the workflow behind it. Webhook answers
 * are written by workflows, that is by any editor of any organisation, yet they are served on
 * the dashboard's origin: so they are sandboxed, they cannot touch the server's security or
 * framing headers, and the dashboard's credentials never reach the workflow.
 */

/**
 * The Content-Security-Policy of every webhook answer: a sandbox without `allow-same-origin`,
 * so a page a workflow serves runs in an opaque origin (scripts may run, but they cannot read
 * the dashboard's cookies or storage; their requests to the dashboard are cross-origin, so
 * they cannot read the answers, and a write with the CSRF header stops at the refused CORS
 * preflight) and without `allow-top-navigation` or
 * `allow-popups-to-escape-sandbox` (popups it opens stay sandboxed).
 */
export const WEBHOOK_CSP =
  'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

/**
 * Response headers that belong to the server: security policy (the server's own values stay),
 * cookies and other origin-wide state (Clear-Site-Data, reporting, alternative services,
 * service worker scope), hop-by-hop and framing headers (Node writes those).
 */
const SERVER_HEADERS = new Set([
  'content-security-policy',
  'content-security-policy-report-only',
  'x-content-security-policy',
  'x-webkit-csp',
  'x-frame-options',
  'strict-transport-security',
  'x-content-type-options',
  'referrer-policy',
  'x-xss-protection',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'origin-agent-cluster',
  'permissions-policy',
  'feature-policy',
  'document-policy',
  'set-cookie',
  'set-cookie2',
  'clear-site-data',
  'service-worker-allowed',
  'nel',
  'report-to',
  'reporting-endpoints',
  'alt-svc',
  'access-control-allow-credentials',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'x-request-id',
]);
const SERVER_PREFIXES = ['cross-origin-', 'sec-', 'proxy-'];

/** RFC 9110 field name (token) and a value without control characters but tab. */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const FIELD_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;

/**
 * Splits the headers a workflow asked for into those the answer may carry and those dropped
 * (server-owned, or not valid HTTP). Names are compared without case.
 */
export function workflowHeaders(headers: Record<string, string>): {
  kept: [string, string][];
  dropped: string[];
} {
  const kept: [string, string][] = [];
  const dropped: string[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const value = String(raw);
    if (
      SERVER_HEADERS.has(lower) ||
      SERVER_PREFIXES.some((p) => lower.startsWith(p)) ||
      !FIELD_NAME.test(name) ||
      !FIELD_VALUE.test(value)
    ) {
      dropped.push(lower);
    } else {
      kept.push([lower, value]);
    }
  }
  return { kept, dropped };
}

/** IZA OS's own cookies (session, refresh, CSRF), with or without a `__Host-`/`__Secure-` prefix. */
const IZA_COOKIE = /^(__Host-|__Secure-)?iza_/i;
/** An IZA OS access token, refresh token or API key anywhere in a header value. */
const IZA_TOKEN = /\biza_(at|rt|key)_/;

/**
 * The request headers as the workflow sees them (`$json.headers`): without the dashboard's
 * credentials. IZA OS cookies are removed from `Cookie` (others stay), the CSRF and
 * organisation headers are removed, and `Authorization` is removed when it carries an IZA OS
 * token or when it authenticated the caller to IZA OS (test URLs).
 */
export function triggerHeaders(
  headers: IncomingHttpHeaders,
  options: { authenticatedByIza: boolean },
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...headers };
  delete out['x-csrf-token'];
  delete out['x-iza-org'];
  const authorization = headers.authorization;
  if (
    authorization !== undefined &&
    (options.authenticatedByIza || IZA_TOKEN.test(String(authorization)))
  ) {
    delete out.authorization;
  }
  if (typeof headers.cookie === 'string') {
    const kept = headers.cookie
      .split(';')
      .map((c) => c.trim())
      .filter((c) => c !== '' && !IZA_COOKIE.test(c.split('=')[0]!.trim()));
    if (kept.length > 0) out.cookie = kept.join('; ');
    else delete out.cookie;
  }
  return out;
}

/** A status a workflow may answer with: a final status code, else undefined. */
export function answerStatus(status: unknown): number | undefined {
  return typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 599
    ? status
    : undefined;
}
