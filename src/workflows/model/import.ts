import type { z } from 'zod';
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
}

function refuse(code: ImportRefusal, reason: string): ImportReport {
  return { status: 'refused', code, reason };
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
  for (const [i, node] of raw.nodes.entries()) {
    const checked = nodeSchema.safeParse(node);
    if (!checked.success) {
      const name =
        typeof node === 'object' && node !== null && 'name' in node
          ? ` ("${String((node as { name: unknown }).name)}")`
          : '';
      const issue = checked.error.issues[0];
      return refuse(
        'invalid_node',
        issue ? describeIssue(issue, `nodes[${i}]${name}`) : `nodes[${i}] is invalid`,
      );
    }
  }
  const parsed = workflowSchema.safeParse(raw);
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
  for (const node of workflow.nodes) {
    // JSON keyed by this name (connections, pinned data) cannot be read back as a key by
    // JavaScript's object machinery: refused rather than silently disconnected.
    if (node.name === '__proto__') {
      return refuse('invalid_node', 'a node may not be named "__proto__"');
    }
    if (names.has(node.name)) {
      return refuse('duplicate_node_name', `two nodes are named "${node.name}"`);
    }
    names.add(node.name);
  }
  for (const [source, byType] of Object.entries(workflow.connections)) {
    if (!names.has(source)) {
      return refuse(
        'connection_to_missing_node',
        `connections start from "${source}", which is not a node of the workflow`,
      );
    }
    for (const [type, slots] of Object.entries(byType)) {
      for (const [output, targets] of slots.entries()) {
        for (const target of targets ?? []) {
          if (!names.has(target.node)) {
            return refuse(
              'connection_to_missing_node',
              `"${source}" ${type} output ${output} connects to "${target.node}", which is not a node of the workflow`,
            );
          }
        }
      }
    }
  }
  if (workflow.nodes.length === 0) warnings.push('the workflow has no nodes');
  const isSupported = options.isSupported ?? (() => true);
  const unsupported = new Map<string, UnsupportedType>();
  for (const node of workflow.nodes) {
    if (isSupported(node.type, node.typeVersion)) continue;
    const entry = unsupported.get(node.type) ?? {
      type: node.type,
      typeVersions: [],
      nodes: [],
    };
    if (!entry.typeVersions.includes(node.typeVersion)) entry.typeVersions.push(node.typeVersion);
    entry.nodes.push(node.name);
    unsupported.set(node.type, entry);
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
