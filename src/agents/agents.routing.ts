import type { Agent } from './agents.dto.ts';

/** The tiers of agents a task may go to: the capable (or requested) ones, then their backups. */
export function tiersFor(
  agents: Agent[],
  task: { capabilities: string[]; requestedAgentId: string | null },
): { tiers: Agent[][]; reason?: string } {
  const enabled = agents.filter((a) => a.enabled);
  let first: Agent[];
  if (task.requestedAgentId) {
    const agent = agents.find((a) => a.id === task.requestedAgentId);
    if (!agent) return { tiers: [], reason: 'The requested agent no longer exists' };
    if (!agent.enabled) return { tiers: [], reason: `Agent ${agent.botId} is disabled` };
    first = [agent];
  } else {
    first = enabled.filter((a) => task.capabilities.every((c) => a.capabilities.includes(c)));
    if (first.length === 0) {
      return {
        tiers: [],
        reason: `No enabled agent has every capability of the task (${task.capabilities.join(', ')}); agents: ${
          enabled.map((a) => `${a.botId} [${a.capabilities.join(', ')}]`).join('; ') || 'none'
        }`,
      };
    }
  }
  const byBot = new Map(enabled.map((a) => [a.botId, a]));
  const backups: Agent[] = [];
  for (const agent of first) {
    for (const botId of agent.backupAgents) {
      const backup = byBot.get(botId);
      if (backup && !first.includes(backup) && !backups.includes(backup)) backups.push(backup);
    }
  }
  return { tiers: backups.length ? [first, backups] : [first] };
}

/** After `failed` failed: its backups first, then the other candidates, then itself again. */
export function failoverTiers(tiers: Agent[][], failed: Agent, agents: Agent[]): Agent[][] {
  const all = tiers.flat();
  const backups = failed.backupAgents
    .map((b) => agents.find((a) => a.botId === b && a.enabled))
    .filter((a): a is Agent => a !== undefined);
  const others = all.filter((a) => a !== failed && !backups.includes(a));
  return [backups, others, [failed]].filter((t) => t.length > 0);
}
