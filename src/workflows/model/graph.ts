import type { ConnectionTarget, Workflow, WorkflowNode } from './workflow.types.ts';

/** An edge of the `main` graph: `from` output `output` feeds `to` input `input`. */
export interface Edge {
  from: string;
  output: number;
  to: string;
  input: number;
}

/** Indexes of a workflow's nodes and `main` connections, built once per execution. */
export interface WorkflowGraph {
  nodes: Map<string, WorkflowNode>;
  /** Outgoing main edges per node, in output order then connection order. */
  children: Map<string, Edge[]>;
  /** Incoming main edges per node. */
  parents: Map<string, Edge[]>;
}

export function buildGraph(workflow: Workflow): WorkflowGraph {
  const nodes = new Map(workflow.nodes.map((n) => [n.name, n]));
  const children = new Map<string, Edge[]>();
  const parents = new Map<string, Edge[]>();
  for (const [from, byType] of Object.entries(workflow.connections)) {
    const slots = byType.main ?? [];
    slots.forEach((targets: ConnectionTarget[] | null, output) => {
      for (const target of targets ?? []) {
        if (!nodes.has(target.node)) continue;
        const edge: Edge = { from, output, to: target.node, input: target.index };
        children.set(from, [...(children.get(from) ?? []), edge]);
        parents.set(target.node, [...(parents.get(target.node) ?? []), edge]);
      }
    });
  }
  return { nodes, children, parents };
}

/** Number of main inputs a node is wired with (at least 1). */
export function inputCount(graph: WorkflowGraph, node: string): number {
  const edges = graph.parents.get(node) ?? [];
  return Math.max(1, ...edges.map((e) => e.input + 1));
}
