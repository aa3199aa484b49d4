import { parse as parseForm } from 'node:querystring';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes, UserError } from '../kernel/index.ts';

export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';
export const TEXT_TYPE = 'text/plain';

/** The largest form body (forms here are short: the first-run form, webhook callers). */
const FORM_BODY_LIMIT = 64 * 1024;

/**
 * Routes that take request bodies other than JSON through the server's own parsers, by route
 * template. Every other route takes `application/json` only: a cross-site HTML form (which can
 * send only form, multipart or `text/plain` bodies, without a CORS preflight) cannot reach the
 * API, so it cannot sign a victim's browser in to the attacker's account (login CSRF) or call
 * any other route. A route may still parse another type in its own plugin scope (the KPI CSV
 * import takes `text/csv` and `text/plain`): a scope's own parser wins over these.
 */
const OTHER_BODY_TYPES: readonly { matches: (url: string) => boolean; types: readonly string[] }[] =
  [
    // n8n's webhook URLs take what n8n takes: callers post forms and plain text.
    { matches: (url) => isWebhookRoute(url), types: [FORM_TYPE, TEXT_TYPE] },
    // The first-run page's HTML form (it needs the one-time setup token, so no CSRF).
    { matches: (url) => url === '/setup', types: [FORM_TYPE] },
  ];

/** Route templates of the webhook URLs: n8n's, and each organisation's prefixed form. */
const WEBHOOK_ROUTE = /^(\/o\/:org)?\/webhook(-test)?\//;

/**
 * The webhook routes (`/webhook/*`, `/webhook-test/*` and their `/o/:org/` forms), which take
 * any text in any body.
 */
export function isWebhookRoute(url: string | undefined): boolean {
  return url !== undefined && WEBHOOK_ROUTE.test(url);
}

/** Whether a route takes text that cannot be stored as it is (NUL, lone surrogates). */
export function takesAnyText(url: string | undefined): boolean {
  return isWebhookRoute(url);
}

/** The request body types a route accepts through the server's parsers. */
export function bodyTypesOf(url: string | undefined): readonly string[] {
  const rule = url === undefined ? undefined : OTHER_BODY_TYPES.find((r) => r.matches(url));
  return rule ? [JSON_TYPE, ...rule.types] : [JSON_TYPE];
}

/**
 * The server's body parsers: JSON everywhere (Fastify's, with prototype-poisoning checks), form
 * and plain-text bodies only on the routes `OTHER_BODY_TYPES` names; anything else is a 415 in
 * the envelope naming the types the route accepts (see `unsupportedMediaType`).
 */
export function registerBodyParsers(app: FastifyInstance): void {
  // Fastify parses text/plain on every route by default; it is added back below, per route. A
  // pattern rather than the type itself, so that a plugin scope may still add its own
  // `text/plain` parser (Fastify refuses a second parser for the same type string).
  app.removeContentTypeParser(TEXT_TYPE);
  app.addContentTypeParser(
    /^text\/plain(?:\s*;.*)?$/i,
    { parseAs: 'string' },
    (request, body, done) => {
      if (!bodyTypesOf(request.routeOptions.url).includes(TEXT_TYPE)) {
        done(unsupportedMediaType(request), undefined);
        return;
      }
      done(null, body);
    },
  );
  app.addContentTypeParser(
    FORM_TYPE,
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (request, body, done) => {
      if (!bodyTypesOf(request.routeOptions.url).includes(FORM_TYPE)) {
        done(unsupportedMediaType(request), undefined);
        return;
      }
      done(null, parseForm(body as string));
    },
  );
}

/** The largest body the route takes for the request's type, in bytes. */
export function bodyLimitOf(request: FastifyRequest): number {
  const routeLimit = request.routeOptions.bodyLimit ?? FORM_BODY_LIMIT;
  return mediaTypeOf(request) === FORM_TYPE ? Math.min(routeLimit, FORM_BODY_LIMIT) : routeLimit;
}

function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase().slice(0, 100);
}

/** A 415 naming what the route accepts and what was sent. */
export function unsupportedMediaType(request: FastifyRequest): UserError {
  const sent = mediaTypeOf(request);
  const accepted = bodyTypesOf(request.routeOptions.url);
  const route = request.routeOptions.url ?? request.url.split('?')[0];
  return new UserError(
    ErrorCodes.unsupportedMediaType,
    `${request.method} ${route} accepts request bodies of type ${accepted.join(', ')} only` +
      (sent === '' ? ' (the request has a body but no Content-Type)' : ` (got ${sent})`),
    { status: 415, details: { accepted, got: sent === '' ? null : sent } },
  );
}
