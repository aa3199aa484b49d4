import { resolveParameters } from '../model/parameters.ts';
import type { Workflow, WorkflowNode } from '../model/workflow.types.ts';
import type { NodeRegistry } from './engine.types.ts';

/**
 * The workflow as an execution sees it: every node of a described type with its parameters
 * resolved against the description of its version (defaults filled, parameters not shown left
 * out), as n8n's `Workflow` does when it is built. A newer minor version than the build knows
 * takes the description of the version it runs as. Nodes of other types keep their parameters;
 * the workflow given is not changed.
 */
export function withResolvedParameters(workflow: Workflow, registry: NodeRegistry): Workflow {
  let changed = false;
  const nodes = workflow.nodes.map((node): WorkflowNode => {
    const resolved = registry.resolve(node.type, node.typeVersion);
    if (!resolved?.description) return node;
    changed = true;
    return {
      ...node,
      parameters: resolveParameters(resolved.description, node.parameters, resolved.runsAs),
    };
  });
  return changed ? { ...workflow, nodes } : workflow;
}
