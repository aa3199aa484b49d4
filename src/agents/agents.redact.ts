import { dict } from '../kernel/dict.ts';

/**
 * Credentials out of data handed to a model. Platform tools return stored data (a workflow's
 * n8n JSON, executions) whose HTTP Request nodes may hold `Authorization` or API-key header
 * values, secret query parameters or passwords in URLs; a model must read the shape, never
 * the secret. `redactSecrets` replaces every such value with `[redacted]`.
 */

export const REDACTED = '[redacted]';

/** Names whose values are secret, compared lower-case without `-`, `_`, `.` or spaces. */
const SECRET_SUFFIXES = [
  'authorization',
  'apikey',
  'token',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'cookie',
  'privatekey',
  'accesskey',
  'secretkey',
  'signature',
  'credential',
  'credentials',
];
/** Names that are secret only as a parameter's name (`?key=...`, `{ name: 'key', value }`). */
const SECRET_PARAMETER_NAMES = ['key', 'auth', 'sig', 'pwd', 'pass'];

const normalise = (name: string) => name.toLowerCase().replace(/[-_.\s]/g, '');

/** Whether a field or header named `name` holds a secret. */
export function isSecretName(name: string, parameter = false): boolean {
  const n = normalise(name);
  if (n === '') return false;
  if (parameter && SECRET_PARAMETER_NAMES.includes(n)) return true;
  return SECRET_SUFFIXES.some((suffix) => n.endsWith(suffix));
}

/** `Bearer abc...`, `Basic ...`, `Token ...`: the scheme stays, the credential goes. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest|Bot)(\s+)[A-Za-z0-9._~+/=:-]{6,}/gi;
/** Well-known key shapes: OpenAI/Anthropic, GitHub, Slack, AWS, Google, JWTs. */
const KEY_SHAPES = [
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];
/** `scheme://user:password@host`: the password goes. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi;
/** `?name=value` / `&name=value` in URLs and query strings. */
const QUERY_PARAMETER = /([?&;])([^=&#\s"']+)=([^&#\s"']*)/g;
/** `name: value`, `name = "value"` in free text and code. */
const ASSIGNMENT = /\b([A-Za-z][A-Za-z0-9_-]*)(["']?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,;&}'"]+)/g;

function redactString(text: string): string {
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && trimmed.length <= 1_000_000) {
    // n8n keeps some parameters as JSON text (`jsonHeaders`, `jsonQuery`): redact it as data.
    try {
      return JSON.stringify(redactSecrets(JSON.parse(trimmed) as unknown));
    } catch {
      // Not JSON after all: treated as text below.
    }
  }
  let out = text.replace(AUTH_SCHEME, (_all, scheme: string, space: string) => {
    return `${scheme}${space}${REDACTED}`;
  });
  for (const shape of KEY_SHAPES) out = out.replace(shape, REDACTED);
  out = out.replace(URL_PASSWORD, (_all, head: string) => `${head}${REDACTED}@`);
  out = out.replace(QUERY_PARAMETER, (all, sep: string, name: string, value: string) =>
    value !== '' && value !== REDACTED && isSecretName(safeDecode(name), true)
      ? `${sep}${name}=${REDACTED}`
      : all,
  );
  out = out.replace(ASSIGNMENT, (all, name: string, op: string, value: string) => {
    if (!isSecretName(name) || value.includes(REDACTED)) return all;
    const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
    return `${name}${op}${quote}${REDACTED}${quote}`;
  });
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * `value` (JSON-like data) with every credential replaced by `[redacted]`: values of fields
 * with secret names (`authorization`, `apiKey`, `x-api-key`, `password`, `*token`,
 * `*secret`, ...), the `value` of `{ name, value }` pairs whose name is secret (n8n header,
 * query and body parameters), JSON held as text, and inside every string: credentials after
 * an auth scheme (`Bearer ...`), passwords in URLs, secret query parameters, `name: value` and
 * `name = value` with secret names, and well-known key shapes. Structure and other values stay.
 * A new value is returned; the input is not changed.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const pairName =
    typeof record.name === 'string'
      ? record.name
      : typeof record.key === 'string'
        ? record.key
        : '';
  const secretPair = 'value' in record && pairName !== '' && isSecretName(pairName, true);
  const out = dict<unknown>();
  for (const [key, item] of Object.entries(record)) {
    if (secretPair && key === 'value') out[key] = hidden(item, depth);
    else if (isSecretName(key)) out[key] = hidden(item, depth);
    else out[key] = redactSecrets(item, depth + 1);
  }
  return out;
}

/** A secret field's value: scalars go; objects (`credentials: { id, name }`) are walked. */
function hidden(item: unknown, depth: number): unknown {
  if (item === null || item === undefined || item === '' || typeof item === 'boolean') return item;
  if (typeof item === 'object') return redactSecrets(item, depth + 1);
  return REDACTED;
}
