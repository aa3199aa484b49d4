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
  /** Files on the input items, by item: binary field -> the file (its `data` in base64). */
  inputBinary?: (Record<string, Record<string, unknown>> | undefined)[];
  /** Each output's items' files without their bytes (binary field -> metadata), in order. */
  binaryOutputs?: unknown[][];
  /** Files in the organisation's folder before the node runs: path -> text. */
  files?: Record<string, string>;
  /** Files the organisation's folder holds after the run: path -> text. */
  filesAfter?: Record<string, string>;
  error?: RegExp;
  /** The failing node's error description, exactly. */
  errorDescription?: string;
  /** The input item the node failed on. */
  errorItemIndex?: number;
  /** Node settings beside the parameters (`onError`, `continueOnFail`). */
  nodeSettings?: Record<string, unknown>;
  /** The execution's custom data after the run (`$execution.customData`), exactly. */
  customData?: Record<string, string>;
  /** Runs with Execute Command's sandbox turned on (skipped, saying why, where it cannot run). */
  commands?: boolean;
  source: string;
}
