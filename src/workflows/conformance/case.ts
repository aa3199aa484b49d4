/**
 * One conformance case: a node of one type and version, given these parameters and input items
 * (and, optionally, the workflow's settings and the instance's timezone), answers these
 * outputs, or fails with this message. `source` says where n8n's behaviour is stated: one of
 * n8n's own test workflows, its documentation, or its node description (defaults per version).
 */
export interface ConformanceCase {
  title: string;
  node: string;
  version: number;
  parameters: Record<string, unknown>;
  input?: Record<string, unknown>[];
  /** A second input (nodes with two: Merge, Compare Datasets). */
  input2?: Record<string, unknown>[];
  settings?: Record<string, unknown>;
  instanceTimezone?: string;
  /** Each output's items' JSON, in order. */
  outputs?: unknown[][];
  error?: RegExp;
  source: string;
}
