import type { DateTime } from 'luxon';

/** One n8n item: JSON data, optional binary metadata, and which input item it came from. */
export interface Item {
  json: Record<string, unknown>;
  binary?: Record<string, BinaryData>;
  pairedItem?: PairedItem | PairedItem[] | number;
  error?: unknown;
}

export interface PairedItem {
  item: number;
  input?: number;
}

/** Binary data as n8n keeps it in an item (content base64-encoded). */
export interface BinaryData {
  data: string;
  mimeType: string;
  fileName?: string;
  fileExtension?: string;
  fileSize?: string;
  [key: string]: unknown;
}

/** What `$('Name')` and `$node['Name']` read: another node's output. */
export interface NodeDataAccess {
  /** Items of output `output` (default 0) of the node's last run (or run `runIndex`). */
  all(output?: number, runIndex?: number): Item[];
  /** The item of this node that the current item derives from (item pairing). */
  pairedItem(itemIndex?: number): Item | undefined;
  isExecuted: boolean;
  parameters: Record<string, unknown>;
  /**
   * What the node keeps between its runs in this execution (`$node["X"].context`): Split In
   * Batches' `noItemsLeft`, `currentRunIndex`, `maxRunIndex`, `items` left.
   */
  context: Record<string, unknown>;
}

/**
 * The data an expression can see, provided by the engine for one node, item and run.
 * Accessors are functions so nothing is computed that the expression does not use.
 */
export interface ExpressionData {
  item: Item | undefined;
  itemIndex: number;
  runIndex: number;
  nodeName: string;
  /** Items of the node's input `0` for this run. */
  inputItems(): Item[];
  /** Names of the workflow's nodes (for expressions that name nodes dynamically). */
  nodeNames?(): string[];
  /** Another node's data, or `undefined` when no such node exists. */
  node(name: string): NodeDataAccess | undefined;
  now: DateTime;
  timezone: string;
  workflow: { id: string; name: string; active: boolean };
  execution: { id: string; mode: string; resumeUrl?: string };
  /** `$env`: `undefined` when the operator has not allowed it. */
  env: Record<string, string> | undefined;
  vars: Record<string, string>;
  parameters: Record<string, unknown>;
}

/** Thrown for any expression failure: a syntax error, a blocked access, a time-out. */
export class ExpressionError extends Error {
  readonly code: string;
  readonly expression: string;

  constructor(code: string, message: string, expression: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExpressionError';
    this.code = code;
    this.expression = expression;
  }
}
