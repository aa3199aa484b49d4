/** n8n workflow JSON for tests: a node, and a manual workflow whose nodes run one after another. */

export interface TestNode {
  name: string;
  type: string;
  typeVersion: number;
  position: number[];
  parameters: Record<string, unknown>;
}

/** A node of `n8n-nodes-base.<type>`. */
export const node = (
  name: string,
  type: string,
  parameters: Record<string, unknown>,
  typeVersion = 1,
): TestNode => ({
  name,
  type: `n8n-nodes-base.${type}`,
  typeVersion,
  position: [0, 0],
  parameters,
});

/** Main connections from each named node to the next. */
export const chain = (...names: string[]) =>
  Object.fromEntries(
    names
      .slice(0, -1)
      .map((from, i) => [from, { main: [[{ node: names[i + 1]!, type: 'main', index: 0 }]] }]),
  );

/** A workflow started by hand (its trigger `Start`), its nodes run in the order given. */
export const manualWorkflow = (name: string, nodes: TestNode[], settings = {}) => ({
  name,
  settings,
  nodes: [node('Start', 'manualTrigger', {}), ...nodes],
  connections: chain('Start', ...nodes.map((n) => n.name)),
});
