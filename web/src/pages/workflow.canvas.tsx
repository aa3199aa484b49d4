import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';

/** What the canvas needs of an n8n definition: its nodes (with positions) and connections. */
interface Definition {
  nodes?: { name: string; type: string; position?: [number, number]; disabled?: boolean }[];
  connections?: Record<
    string,
    Record<string, ({ node: string; index?: number }[] | null)[] | undefined>
  >;
}

/** A node's state in an execution, drawn as its colour. */
export type NodeState = 'succeeded' | 'failed' | 'running' | 'not-run';

/**
 * A read-only drawing of a workflow as n8n lays it out (its node positions), with each
 * connection; in an execution each node shows its state, and a click selects it.
 */
export function WorkflowCanvas(props: {
  definition: Definition;
  states?: Map<string, NodeState>;
  selected?: string | null;
  onSelect?: (node: string) => void;
}) {
  const { nodes, edges } = useMemo(() => {
    const nodes: Node[] = (props.definition.nodes ?? []).map((n) => {
      const state = props.states?.get(n.name);
      return {
        id: n.name,
        position: { x: n.position?.[0] ?? 0, y: n.position?.[1] ?? 0 },
        data: { label: n.name },
        draggable: false,
        connectable: false,
        // n8n lays workflows out left to right.
        sourcePosition: Position.Right,
        targetPosition: Position.Left,
        className: [
          'wf-node',
          state ? `wf-node-${state}` : '',
          n.disabled ? 'wf-node-disabled' : '',
          props.selected === n.name ? 'wf-node-selected' : '',
        ].join(' '),
        ariaLabel: `${n.name} (${n.type.replace(/^n8n-nodes-base\./, '')})${state ? `: ${state}` : ''}`,
      };
    });
    const edges: Edge[] = [];
    for (const [from, outputs] of Object.entries(props.definition.connections ?? {})) {
      for (const [kind, lists] of Object.entries(outputs)) {
        (lists ?? []).forEach((targets, outputIndex) => {
          for (const target of targets ?? []) {
            edges.push({
              id: `${from}:${kind}:${outputIndex}->${target.node}:${target.index ?? 0}`,
              source: from,
              target: target.node,
              animated: false,
              ...(kind === 'main' ? {} : { className: 'wf-edge-sub' }),
            });
          }
        });
      }
    }
    return { nodes, edges };
  }, [props.definition, props.states, props.selected]);

  return (
    <div className="wf-canvas" data-testid="workflow-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={Boolean(props.onSelect)}
        onNodeClick={(_event, node) => props.onSelect?.(node.id)}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
