import { storableJson, storableText } from '../../kernel/text.ts';
import type { ExecutionState, TaskData } from '../engine/engine.types.ts';

/**
 * What an execution leaves in the database, prepared in the worker that ran it: every node
 * run's input and output as JSON text (cut above the per-node limit), and resumable states as
 * JSON text (skipped above their limit). The main thread then only copies text into the
 * database: a workflow with hundreds of megabytes of items costs its own worker the
 * serialisation, not the server. Secrets the caller sent (the webhook request's
 * `Authorization` and `Cookie`) are replaced wherever they appear.
 */

/** One node run as `workflow_execution_nodes` stores it. */
export interface NodeRecord {
  node: string;
  runIndex: number;
  status: string;
  startedAt: number;
  executionMs: number;
  items: number;
  /** JSON text of the input items per input, or null when cut. */
  input: string | null;
  output: string | null;
  error: { message: string; name: string } | null;
  truncated: boolean;
}

export interface RecordLimits {
  /** Longest JSON text kept for one node run's input or output. */
  maxNodeDataBytes: number;
  /** Longest JSON text of a resumable state written as a checkpoint. */
  maxStateBytes: number;
  /** Values to replace with `[redacted]` wherever they appear. */
  secrets: readonly string[];
}

export const REDACTED = '[redacted]';

/** Headers whose values are credentials of the caller, never kept in execution records. */
export const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];

/** The credential values a webhook request carried in its headers (see `SECRET_HEADERS`). */
export function secretsOfHeaders(headers: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  if (!headers) return out;
  for (const name of SECRET_HEADERS) {
    const value = headers[name];
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && v.length > 0) out.push(v);
    }
  }
  return out;
}

/** Replaces each secret (8 characters or more) in plain text, such as an error message. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.replaceAll(secret, REDACTED);
  return out;
}

/**
 * Replaces each secret in JSON text: anywhere for secrets of 8 characters or more, as a whole
 * JSON string for shorter ones (a short value inside other text is too likely a coincidence).
 */
export function redactJson(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const escaped = JSON.stringify(secret).slice(1, -1);
    out =
      secret.length >= 8
        ? out.replaceAll(escaped, REDACTED)
        : out.replaceAll(`"${escaped}"`, `"${REDACTED}"`);
  }
  return out;
}

/**
 * JSON text PostgreSQL stores: `JSON.stringify` writes NUL and lone surrogates as `\u0000` and
 * `\udXXX` escapes, which jsonb refuses; when the text has such an escape (rare), the value is
 * written again with them replaced by U+FFFD.
 */
export function storableJsonText(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  if (!text.includes('\\u0000') && !/\\ud[89a-f]/i.test(text)) return text;
  return JSON.stringify(storableJson(value ?? null));
}

export function createRecorder(limits: RecordLimits) {
  const json = (value: unknown): string => redactJson(storableJsonText(value), limits.secrets);
  const cut = (value: unknown): string | null => {
    const text = json(value);
    return text.length <= limits.maxNodeDataBytes ? text : null;
  };
  return {
    /** A resumable state as JSON text, or undefined when it is larger than the limit. */
    state(state: ExecutionState): string | undefined {
      const text = json(state);
      return text.length <= limits.maxStateBytes ? text : undefined;
    },

    /** Every node run of `runData`. */
    nodes(runData: Record<string, TaskData[]>): NodeRecord[] {
      const rows: NodeRecord[] = [];
      for (const [node, runs] of Object.entries(runData)) {
        runs.forEach((task, runIndex) => {
          const input = cut(task.inputData);
          const output = cut(task.data.main);
          rows.push({
            node,
            runIndex,
            status: task.executionStatus,
            startedAt: task.startTime,
            executionMs: Math.round(task.executionTime),
            items: task.data.main.reduce((n, items) => n + (items?.length ?? 0), 0),
            input,
            output,
            error: task.error
              ? {
                  message: redactText(storableText(task.error.message), limits.secrets),
                  name: task.error.name,
                }
              : null,
            truncated: input === null || output === null,
          });
        });
      }
      return rows;
    },

    /** An error message without the secrets, storable as text. */
    redactText: (text: string) => redactText(storableText(text), limits.secrets),
  };
}
