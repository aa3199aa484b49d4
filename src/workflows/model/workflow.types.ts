import { z } from 'zod';

/**
 * n8n's workflow JSON, as exported by n8n 0.x and 1.x. Schemas are tolerant of fields we do
 * not model (they are kept in `extra` places by `.loose()`), strict on the ones the engine needs.
 */

export const connectionTargetSchema = z
  .object({
    node: z.string(),
    type: z.string().default('main'),
    index: z.number().int().min(0),
  })
  .loose();
export type ConnectionTarget = z.infer<typeof connectionTargetSchema>;

/** Output index -> list of targets (n8n writes `null` for an unused output slot). */
export const outputSlotsSchema = z.array(z.array(connectionTargetSchema).nullable());
/** Source node name -> connection type (`main`, `ai_tool`, ...) -> output slots. */
export const connectionsSchema = z.record(z.string(), z.record(z.string(), outputSlotsSchema));
export type Connections = z.infer<typeof connectionsSchema>;

export const onErrorSchema = z.enum([
  'stopWorkflow',
  'continueRegularOutput',
  'continueErrorOutput',
]);
export type OnError = z.infer<typeof onErrorSchema>;

export const nodeSchema = z
  .object({
    id: z.string().optional(),
    name: z.string().min(1),
    type: z.string().min(1),
    typeVersion: z.number().positive().default(1),
    position: z.tuple([z.number(), z.number()]).or(z.array(z.number())).default([0, 0]),
    parameters: z.record(z.string(), z.unknown()).default({}),
    credentials: z.record(z.string(), z.unknown()).optional(),
    disabled: z.boolean().nullish(),
    notes: z.string().nullish(),
    notesInFlow: z.boolean().nullish(),
    webhookId: z.string().optional(),
    retryOnFail: z.boolean().nullish(),
    maxTries: z.number().nullish(),
    waitBetweenTries: z.number().nullish(),
    alwaysOutputData: z.boolean().nullish(),
    executeOnce: z.boolean().nullish(),
    onError: onErrorSchema.nullish(),
    continueOnFail: z.boolean().nullish(),
  })
  .loose();
export type WorkflowNode = z.infer<typeof nodeSchema>;

export const executionOrderSchema = z.enum(['v0', 'v1']);
export type ExecutionOrder = z.infer<typeof executionOrderSchema>;

export const workflowSettingsSchema = z
  .object({
    executionOrder: executionOrderSchema.optional(),
    errorWorkflow: z.string().optional(),
    timezone: z.string().optional(),
  })
  .loose();

/** One item as n8n stores it in pinned data: `{json}` or, in old exports, the bare object. */
export const pinItemSchema = z.record(z.string(), z.unknown());

export const workflowSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    name: z.string().optional(),
    // Some exports write "true"/"false": the flag is informational here, keep it as given.
    active: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
    nodes: z.array(nodeSchema),
    connections: connectionsSchema.default({}),
    settings: workflowSettingsSchema.optional(),
    pinData: z.record(z.string(), z.array(pinItemSchema)).optional(),
    staticData: z.unknown().optional(),
    meta: z.unknown().optional(),
    tags: z.array(z.unknown()).optional(),
    versionId: z.string().optional(),
  })
  .loose();
export type Workflow = z.infer<typeof workflowSchema>;

/** The execution order the engine uses: `v1` only when the workflow says so (n8n's rule). */
export function executionOrderOf(workflow: Workflow): ExecutionOrder {
  return workflow.settings?.executionOrder === 'v1' ? 'v1' : 'v0';
}

/** Whether the workflow is marked active (some exports write the flag as a string). */
export function isActive(workflow: Workflow): boolean {
  return workflow.active === true || workflow.active === 'true';
}
