import type { Workflow } from './workflow.types.ts';

/**
 * The workflow as n8n JSON, ready for `n8n import:workflow`. Fields the importer kept but does
 * not model travel through unchanged; `connections` and `nodes` keep their order.
 */
export function exportWorkflow(workflow: Workflow): Record<string, unknown> {
  return structuredClone(workflow);
}
