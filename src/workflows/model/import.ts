import type { z } from 'zod';
import { dict } from '../../kernel/dict.ts';
import { invalidOptions, type NodeDescription } from './parameters.ts';
import { nodeSchema, workflowSchema, type Workflow } from './workflow.types.ts';

/** A node type the workflow uses that the registry cannot run. */
export interface UnsupportedType {
  type: string;
  typeVersions: number[];
  nodes: string[];
}

export type ImportReport =
  | { status: 'imported'; workflow: Workflow; warnings: string[] }
  | {
      status: 'imported_unsupported';
      workflow: Workflow;
      unsupported: UnsupportedType[];
      warnings: string[];
    }
  | { status: 'refused'; code: ImportRefusal; reason: string };

export type ImportRefusal =
  | 'malformed_json'
  | 'not_an_object'
  | 'missing_nodes'
  | 'invalid_nodes'
  | 'invalid_node'
  | 'duplicate_node_name'
  | 'invalid_connections'
  | 'connection_to_missing_node'
  | 'invalid_settings'
  | 'invalid_workflow';

export interface ImportOptions {
  /** Whether the engine runs this type at this version; defaults to "everything". */
  isSupported?: (type: string, typeVersion: number) => boolean;
  /**
   * How the engine runs this type at this version (the registry's `resolve`): when given, it
   * decides what is supported, a version run as an earlier one is reported as a warning, and so
   * is a parameter whose value its description does not allow.
   */
  resolve?: (
    type: string,
    typeVersion: number,
  ) => { runsAs: number; description?: NodeDescription } | undefined;
}

function refuse(code: ImportRefusal, reason: string): ImportReport {
  return { status: 'refused', code, reason };
}

/**
 * What n8n opens without complaint, made regular before validation: fields set to `null` (on
 * the workflow and its nodes) read as absent, and a connection without an output `index` as
 * index 0 (with a warning). Returns a shallow copy; `raw` is left as it was.
 */
function tidy(raw: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const withoutNulls = (value: unknown): unknown => {
    if (!isObject(value)) return value;
    const out = dict<unknown>();
    for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = v;
    return out;
  };
  const withIndex = (source: string, target: unknown): unknown => {
    if (!isObject(target) || (target.index !== undefined && target.index !== null)) return target;
    warnings.push(
      `a connection from "${source}" to "${String(target.node)}" has no input index: index 0 is used`,
    );
    return { ...target, index: 0 };
  };
  const out = withoutNulls(raw) as Record<string, unknown>;
  out.nodes = (raw.nodes as unknown[]).map(withoutNulls);
  if (!isObject(out.connections)) return out;
  const connections = dict<unknown>();
  for (const [source, byType] of Object.entries(out.connections)) {
    if (!isObject(byType)) {
      connections[source] = byType;
      continue;
    }
    const types = dict<unknown>();
    for (const [type, slots] of Object.entries(byType)) {
      types[type] = Array.isArray(slots)
        ? slots.map((targets: unknown) =>
            Array.isArray(targets) ? targets.map((t: unknown) => withIndex(source, t)) : targets,
          )
        : slots;
    }
    connections[source] = types;
  }
  out.connections = connections;
  return out;
}

/** "line 3, column 7" for a character offset in `text`. */
function lineColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const match = /position (\d+)/.exec(message);
    const position = match ? Number(match[1]) : /end of JSON/i.test(message) ? text.length : -1;
    const where = position >= 0 ? ` at ${lineColumn(text, position)}` : '';
    const first = message.split(' in JSON')[0] ?? message;
    return { ok: false, reason: `malformed JSON${where}: ${first}` };
  }
}

function describeIssue(issue: z.core.$ZodIssue, prefix: string): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
  return `${prefix}${path.join('')}: ${issue.message}`;
}

/**
 * Reads one n8n workflow export. Never throws: any input gives a report saying whether the
 * workflow was imported, imported with node types the engine cannot run, or refused and why.
 *
 * @example importWorkflow(fs.readFileSync('wf.json', 'utf8'), { isSupported })
 */
export function importWorkflow(input: unknown, options: ImportOptions = {}): ImportReport {
  try {
    return importUnsafe(input, options);
  } catch (error) {
    // Belt and braces: a report, never an exception, whatever the input.
    return refuse('invalid_workflow', `could not read the workflow: ${String(error)}`);
  }
}

function importUnsafe(input: unknown, options: ImportOptions): ImportReport {
  let value = input;
  if (typeof input === 'string') {
    const parsed = parseJson(input);
    if (!parsed.ok) return refuse('malformed_json', parsed.reason);
    value = parsed.value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return refuse('not_an_object', `a workflow is a JSON object, this is ${kind}`);
  }
  const raw = value as Record<string, unknown>;
  if (!('nodes' in raw)) {
    const keys = Object.keys(raw).slice(0, 5);
    return refuse(
      'missing_nodes',
      `no "nodes" field (top-level keys: ${keys.length ? keys.join(', ') : 'none'})`,
    );
  }
  if (!Array.isArray(raw.nodes)) {
    return refuse('invalid_nodes', `"nodes" must be an array, it is ${typeof raw.nodes}`);
  }
  const warnings: string[] = [];
  const tidied = tidy(raw, warnings);
  for (const [i, node] of (tidied.nodes as unknown[]).entries()) {
    const checked = nodeSchema.safeParse(node);
    if (!checked.success) {
      const name =
        typeof node === 'object' && node !== null && 'name' in node
          ? ` ("${String(node.name)}")`
          : '';
      const issue = checked.error.issues[0];
      return refuse(
        'invalid_node',
        issue ? describeIssue(issue, `nodes[${i}]${name}`) : `nodes[${i}] is invalid`,
      );
    }
  }
  const parsed = workflowSchema.safeParse(tidied);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const head = issue?.path[0];
    const code: ImportRefusal =
      head === 'connections'
        ? 'invalid_connections'
        : head === 'settings'
          ? 'invalid_settings'
          : 'invalid_workflow';
    return refuse(code, issue ? describeIssue(issue, 'workflow') : 'invalid workflow');
  }
  const workflow = parsed.data;
  const names = new Set<string>();
  // Every name as given: a copy's new name must not take one a later node has.
  const taken = new Set(workflow.nodes.map((n) => n.name));
  for (const node of workflow.nodes) {
    // JSON keyed by this name (connections, pinned data) cannot be read back as a key by
    // JavaScript's object machinery: refused rather than silently disconnected.
    if (node.name === '__proto__') {
      return refuse('invalid_node', 'a node may not be named "__proto__"');
    }
    if (names.has(node.name)) {
      // As n8n names a copy: the name and the first free number. Connections and pinned data
      // keyed by the name stay with the first node of that name, as n8n reads them.
      let n = 1;
      while (taken.has(`${node.name}${n}`)) n++;
      warnings.push(`two nodes are named "${node.name}": the second is renamed "${node.name}${n}"`);
      node.name = `${node.name}${n}`;
      taken.add(node.name);
    }
    names.add(node.name);
  }
  // Connections from or to a node that is not in the workflow (n8n opens such files and
  // ignores them): dropped, each named in a warning.
  for (const [source, byType] of Object.entries(workflow.connections)) {
    if (!names.has(source)) {
      warnings.push(
        `connections from "${source}", which is not a node of the workflow, are ignored`,
      );
      delete workflow.connections[source];
      continue;
    }
    for (const [type, slots] of Object.entries(byType)) {
      for (const [output, targets] of slots.entries()) {
        if (!targets) continue;
        const kept = targets.filter((target) => names.has(target.node));
        for (const target of targets) {
          if (kept.includes(target)) continue;
          warnings.push(
            `"${source}" ${type} output ${output} connects to "${target.node}", which is not a node of the workflow: the connection is ignored`,
          );
        }
        slots[output] = kept;
      }
    }
  }
  if (workflow.nodes.length === 0) warnings.push('the workflow has no nodes');
  const resolve: NonNullable<ImportOptions['resolve']> =
    options.resolve ??
    ((type: string, typeVersion: number) =>
      (options.isSupported ?? (() => true))(type, typeVersion)
        ? { runsAs: typeVersion }
        : undefined);
  const unsupported = new Map<string, UnsupportedType>();
  const approximated = new Map<string, { runsAs: number; nodes: string[] }>();
  for (const node of workflow.nodes) {
    const resolved = resolve(node.type, node.typeVersion);
    if (resolved) {
      // n8n runs a node whatever its options say, and fails where the node reads one it does
      // not know: a warning, not a refusal.
      if (resolved.description) {
        for (const { name, value, allowed } of invalidOptions(
          resolved.description,
          node.parameters,
          resolved.runsAs,
        )) {
          warnings.push(
            `"${node.name}" (${node.type} v${node.typeVersion}): parameter "${name}" is ${shortJson(value)}, which is not one of its values (${allowed.map((v) => JSON.stringify(v)).join(', ')})`,
          );
        }
      }
      if (resolved.runsAs !== node.typeVersion) {
        const key = `${node.type} v${node.typeVersion}`;
        const entry = approximated.get(key) ?? { runsAs: resolved.runsAs, nodes: [] };
        entry.nodes.push(node.name);
        approximated.set(key, entry);
      }
      continue;
    }
    const entry = unsupported.get(node.type) ?? {
      type: node.type,
      typeVersions: [],
      nodes: [],
    };
    if (!entry.typeVersions.includes(node.typeVersion)) entry.typeVersions.push(node.typeVersion);
    entry.nodes.push(node.name);
    unsupported.set(node.type, entry);
  }
  for (const [key, { runsAs, nodes }] of approximated) {
    warnings.push(
      `${key} is newer than this build knows: runs as v${runsAs} (${nodes.map((n) => `"${n}"`).join(', ')})`,
    );
  }
  if (unsupported.size > 0) {
    return {
      status: 'imported_unsupported',
      workflow,
      unsupported: [...unsupported.values()],
      warnings,
    };
  }
  return { status: 'imported', workflow, warnings };
}

/** A value as JSON, cut to 60 characters. */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
