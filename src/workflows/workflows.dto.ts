import { z } from 'zod';

/** The HTTP shapes of the workflows API (`/api/v1/workflows`). */

export const idParams = z.object({ id: z.uuid() });
export const versionParams = z.object({ id: z.uuid(), version: z.coerce.number().int().min(1) });

const unsupportedSchema = z.object({
  type: z.string(),
  typeVersions: z.array(z.number()),
  nodes: z.array(z.string()),
});

export const workflowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  version: z.number().int(),
  tags: z.array(z.string()),
  sourceId: z.string().nullable(),
  nodeCount: z.number().int(),
  unsupported: z.array(unsupportedSchema),
  webhooks: z.array(
    z.object({
      method: z.string(),
      path: z.string(),
      node: z.string(),
      /** The production URL, under the organisation's prefix (always works). */
      url: z.string(),
      /** The test URL (needs a signed-in user or API key with write access). */
      testUrl: z.string(),
    }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const workflowDetailSchema = workflowSummarySchema.extend({
  definition: z.record(z.string(), z.unknown()),
});

export const workflowListQuery = z.object({
  active: z.enum(['true', 'false']).optional(),
  search: z.string().max(100).optional().describe('Part of the name, any case'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const workflowPageSchema = z.object({
  total: z.number().int(),
  workflows: z.array(workflowSummarySchema),
});

/** One n8n workflow export (`nodes`, `connections`, ...): checked by the importer. */
export const workflowBodySchema = z
  .record(z.string(), z.unknown())
  .describe('An n8n workflow JSON export (as `n8n export:workflow` writes it)');

export const importBodySchema = z.object({
  files: z
    .array(
      z.object({
        file: z.string().min(1).max(1000),
        /** The file's text (JSON is parsed by the importer, with line and column on errors). */
        content: z.union([z.string(), z.record(z.string(), z.unknown())]),
      }),
    )
    .min(1)
    .max(5000),
});

export const importReportSchema = z.object({
  imported: z.number().int(),
  importedUnsupported: z.number().int(),
  refused: z.number().int(),
  files: z.array(
    z.object({
      file: z.string(),
      status: z.enum(['imported', 'imported_unsupported', 'refused']),
      id: z.string().optional(),
      name: z.string().optional(),
      unsupported: z.array(unsupportedSchema).optional(),
      code: z.string().optional(),
      reason: z.string().optional(),
      warnings: z.array(z.string()).optional(),
      /** Why the imported workflow cannot be activated as it is (absent: it can be). */
      cannotActivate: z.array(z.string()).optional(),
    }),
  ),
});

export const versionListSchema = z.object({
  versions: z.array(z.object({ version: z.number().int(), createdAt: z.string() })),
});

export const runBodySchema = z
  .object({
    /** The trigger to start from (default: the first trigger). */
    startNode: z.string().min(1).optional(),
    /** Items the start node emits (default one empty item). */
    items: z.array(z.record(z.string(), z.unknown())).max(10_000).optional(),
    /** Milliseconds to wait for the result (capped by `IZA_WORKFLOWS_RUN_WAIT_MS`). */
    waitMs: z.number().int().min(0).optional(),
  })
  .default({});

const errorSchema = z
  .object({
    message: z.string(),
    name: z.string().optional(),
    node: z.string().optional(),
    description: z.string().optional(),
  })
  .nullable();

export const executionSchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowName: z
    .string()
    .nullable()
    .optional()
    .describe('The workflow’s name (in lists; null once the workflow is deleted)'),
  workflowVersion: z.number().int(),
  status: z.enum(['new', 'running', 'waiting', 'succeeded', 'failed', 'crashed', 'cancelled']),
  mode: z.enum(['manual', 'webhook', 'schedule', 'error', 'subworkflow']),
  startNode: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: errorSchema,
  lastNode: z.string().nullable(),
  waitUntil: z.string().nullable(),
  customData: z
    .record(z.string(), z.string())
    .describe('What the execution saved to be found by (`$execution.customData`, Execution Data)'),
});

export const runResultSchema = executionSchema.extend({
  /** False when the wait limit passed first: the execution goes on; poll it. */
  finished: z.boolean(),
  /** Output 0 of the last node (when finished). */
  output: z.array(z.unknown()).optional(),
});

export const executionListQuery = z.object({
  workflow: z.uuid().optional(),
  status: executionSchema.shape.status.optional(),
  mode: executionSchema.shape.mode.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  customData: z
    .string()
    .regex(
      /^[\p{L}\p{N}\p{M}_]{0,50}(:[^]{0,512})?$/u,
      'must be `key` or `key:value` (a key of letters, digits and _; the value exact)',
    )
    .optional()
    .describe(
      'Executions whose custom data holds `key`, or `key` with exactly `value` (`key:value`)',
    ),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const executionPageSchema = z.object({
  total: z.number().int(),
  executions: z.array(executionSchema),
});

export const executionDetailSchema = executionSchema.extend({
  nodes: z.array(
    z.object({
      node: z.string(),
      runIndex: z.number().int(),
      status: z.string(),
      startedAt: z.string(),
      executionMs: z.number(),
      items: z.number().int(),
      input: z.unknown(),
      output: z.unknown(),
      error: z.unknown(),
      truncated: z.boolean(),
    }),
  ),
});
