import { createContext, Script } from 'node:vm';

/**
 * Regular expressions of conditions, run as n8n runs them (`safeRegex` in n8n-workflow): in a
 * context of their own with a time limit, so a pattern that backtracks for ever fails the node
 * instead of holding the executor's thread.
 */

/** n8n's limit for one regular-expression test. */
export const REGEX_TIMEOUT_MS = 250;

/** `/source/flags` as n8n reads it; anything else is a pattern without flags. */
export function parseRegexLiteral(value: string): { source: string; flags: string } {
  const match = /^\/(.*?)\/([gimusy]*)$/.exec(value);
  if (!match) return { source: value, flags: '' };
  return { source: match[1] ?? '', flags: match[2] ?? '' };
}

const scope: { pattern: string; flags: string; input: string; result: unknown } = {
  pattern: '',
  flags: '',
  input: '',
  result: undefined,
};
const context = createContext(scope);
const script = new Script('result = new RegExp(pattern, flags).test(input)');

/**
 * Whether `input` matches; throws n8n's "Regular expression execution timed out" past
 * `REGEX_TIMEOUT_MS`, and JavaScript's SyntaxError for an invalid pattern.
 */
export function regexTest(pattern: string, input: string, flags: string): boolean {
  scope.pattern = pattern;
  scope.flags = flags;
  scope.input = input;
  scope.result = undefined;
  try {
    script.runInContext(context, { timeout: REGEX_TIMEOUT_MS });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new Error('Regular expression execution timed out', { cause: error });
    }
    // Errors made in the context are not instances of this realm's classes: keep their text.
    const { name, message } = error as { name?: unknown; message?: unknown };
    const copy = new Error(String(message), { cause: error });
    copy.name = typeof name === 'string' ? name : 'Error';
    throw copy;
  }
  return scope.result === true;
}
