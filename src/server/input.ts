import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UserError, findUnstorableText, storableText } from '../kernel/index.ts';
import type { UnstorableText } from '../kernel/index.ts';
import { takesAnyText } from './body-types.ts';

/** The codes of hostile input refused at the edge (HTTP 400). */
export const InputErrorCodes = {
  jsonTooDeep: 'json_too_deep',
  nulInText: 'nul_in_text',
  loneSurrogate: 'lone_surrogate_in_text',
} as const;

export interface InputGuardOptions {
  /** Deepest nesting of arrays and objects allowed in a body, query or path parameters. */
  maxDepth: number;
}

/**
 * Every request's body, query string and path parameters, once parsed and before any route's
 * validation or handler sees them: nesting deeper than `maxDepth`, a NUL character or a lone
 * UTF-16 surrogate in any string or key is refused with a 400 naming the problem and where it
 * is. So no route can pass such input to PostgreSQL (which refuses NUL in text and jsonb) or to
 * recursive code (JSON.stringify, structuredClone), and nothing is half-written.
 *
 * The webhook routes take any text (n8n workflows are fed whatever callers send): there only the
 * depth is refused, and the workflows module stores the request through `storableJson`.
 */
export function registerInputGuard(app: FastifyInstance, options: InputGuardOptions): void {
  const { maxDepth } = options;
  app.addHook('preValidation', async (request) => {
    const anyText = takesAnyText(request.routeOptions.url);
    for (const part of PARTS) {
      const problem = findUnstorableText(request[part], maxDepth);
      if (problem && !(anyText && problem.kind !== 'too_deep')) {
        throw refusal(part, problem, maxDepth);
      }
    }
  });
}

const PARTS = ['params', 'query', 'body'] as const satisfies readonly (keyof FastifyRequest)[];

function refusal(part: string, problem: UnstorableText, maxDepth: number): UserError {
  if (problem.kind === 'too_deep') {
    return new UserError(
      InputErrorCodes.jsonTooDeep,
      `The request ${part} nests arrays and objects more than ${maxDepth} levels deep`,
      { details: { part, maxDepth } },
    );
  }
  // The path itself may hold the bad text: it is shown with U+FFFD in its place.
  const path = [part, ...problem.path].map((key) => storableText(String(key))).join('.');
  return problem.kind === 'nul'
    ? new UserError(
        InputErrorCodes.nulInText,
        `${path} contains a NUL character (\\u0000), which text cannot hold here`,
        { details: { path } },
      )
    : new UserError(
        InputErrorCodes.loneSurrogate,
        `${path} contains a lone UTF-16 surrogate (such as \\ud800 without its pair), which is not a character`,
        { details: { path } },
      );
}
