import { NodeError, type Item } from '../engine/engine.types.ts';
import type { WorkflowNode } from '../model/workflow.types.ts';
import { defineNode, text } from './define.ts';

/**
 * n8n's Execute Command (1): runs `command` with `/bin/sh` once (`executeOnce`, the default: at
 * the first item) or once per item, and answers `{ exitCode, stderr, stdout }` per run, the
 * output trimmed. As n8n 2.x: a non-zero exit code fails the item with the command's stderr
 * (or `Command failed with exit code N`), subject to continue-on-fail.
 *
 * Commands run only in the organisation's sandbox (`ctx.commands`, `command.sandbox.ts`), and
 * only when an administrator turned the node on; otherwise the node fails, naming the setting.
 */

/** The setting that turns the node on, and the value that does. */
export const EXECUTE_COMMAND_SETTING = 'IZA_WORKFLOWS_EXECUTE_COMMAND';

export function commandsTurnedOff(): NodeError {
  return new NodeError(
    `Execute Command is turned off on this server: an administrator turns it on with ${EXECUTE_COMMAND_SETTING}=sandbox`,
    {
      description:
        "Commands then run in a sandbox that sees only the organisation's files folder, without network or the server's environment.",
    },
  );
}

/** What the administrator has turned on of the nodes that are off by default. */
export interface NodeSettings {
  /** Execute Command (`IZA_WORKFLOWS_EXECUTE_COMMAND=sandbox`). */
  executeCommand: boolean;
}

/** An enabled node whose type runs only once an administrator turned it on. */
export interface NodeNeedingSetting {
  node: string;
  type: string;
  setting: string;
}

/**
 * The enabled nodes of a workflow whose types are turned off on this server, each with the
 * setting that turns it on (activation refuses them; the corpus check counts them apart).
 */
export function nodesNeedingSettings(
  nodes: readonly WorkflowNode[],
  settings: NodeSettings,
): NodeNeedingSetting[] {
  if (settings.executeCommand) return [];
  return nodes
    .filter((n) => n.type === executeCommandNode.type && n.disabled !== true)
    .map((n) => ({ node: n.name, type: n.type, setting: `${EXECUTE_COMMAND_SETTING}=sandbox` }));
}

export const executeCommandNode = defineNode({
  name: 'executeCommand',
  versions: [1],
  async execute(ctx) {
    const commands = ctx.commands;
    if (commands === undefined) throw commandsTurnedOff();
    const executeOnce = ctx.param<boolean>('executeOnce', 0, true) !== false;
    // n8n runs once at the first item even without input items.
    const runs = executeOnce ? 1 : ctx.input().length;
    const out: Item[] = [];
    for (let i = 0; i < runs; i++) {
      try {
        const command = text(ctx.param('command', i, ''));
        const { exitCode, stdout, stderr } = await commands.run(command, { signal: ctx.signal });
        if (exitCode !== 0) {
          throw new NodeError(stderr || `Command failed with exit code ${exitCode}`);
        }
        out.push({ json: { exitCode, stderr, stdout }, pairedItem: { item: i } });
      } catch (error) {
        if (ctx.signal?.aborted) throw error;
        if (!ctx.continueOnFail || ctx.node.onError === 'continueErrorOutput') throw error;
        out.push({
          json: { error: error instanceof Error ? error.message : String(error) },
          pairedItem: { item: i },
        });
      }
    }
    return [out];
  },
});
