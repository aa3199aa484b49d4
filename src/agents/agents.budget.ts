import type { Clock, Config, Database } from '../kernel/index.ts';
import type { Agent } from './agents.dto.ts';
import { AgentRunError } from './agents.retry.ts';
import { tokensUsed, type TaskRow } from './agents.store.ts';

export type Prices = Config['agents']['prices'];

/**
 * The cost of a call in millionths of a minor unit: prices are integer minor units per
 * million tokens, so tokens x price is exact (no float anywhere). Unpriced models cost 0.
 */
export function callCost(
  prices: Prices,
  model: string,
  inputTokens: number,
  outputTokens: number,
): { micro: bigint; currency: string; priced: boolean } {
  const price = prices[model];
  if (!price) return { micro: 0n, currency: 'XXX', priced: false };
  return {
    micro: BigInt(inputTokens) * BigInt(price.input) + BigInt(outputTokens) * BigInt(price.output),
    currency: price.currency,
    priced: true,
  };
}

/** The most a call may cost: every estimated input token and `maxOutputTokens` out. */
export function worstCaseCost(
  prices: Prices,
  model: string,
  inputTokens: number,
  maxOutputTokens: number,
): bigint {
  return callCost(prices, model, inputTokens, maxOutputTokens).micro;
}

/** A rough token count for a budget check: four characters a token, rounded up. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.ceil(text.length / 4);
}

/** Minor units to millionths of a minor unit. */
export const microOf = (minor: bigint): bigint => minor * 1_000_000n;

/**
 * Refuses (throws `budget_exceeded`) a model call whose worst case could take a budget past
 * its limit: the task's (tokens, money), the agent's (all its calls), the organisation's
 * monthly tokens. Called before every call, so the call that would exceed is never made.
 */
export async function checkBudgets(
  deps: { db: Database; clock: Clock; config: Config['agents'] },
  task: TaskRow,
  agent: Agent,
  estimate: { inputTokens: number; maxOutputTokens: number; model: string; prices?: Prices },
  note: (kind: string, text: string) => void,
): Promise<void> {
  const { db, clock, config } = deps;
  const callTokens = BigInt(estimate.inputTokens + estimate.maxOutputTokens);
  const callCostMicro = worstCaseCost(
    estimate.prices ?? config.prices,
    estimate.model,
    estimate.inputTokens,
    estimate.maxOutputTokens,
  );
  const refuse = (what: string, used: bigint, limit: bigint, unit: string) => {
    const message = `${what} budget: ${used} ${unit} used + up to ${unit === 'tokens' ? callTokens : callCostMicro} for this call > ${limit}`;
    note('budget', `refused a model call: ${message}`);
    throw new AgentRunError('budget_exceeded', `Refused before the call: ${message}`, {
      retryable: false,
      agentFault: false,
    });
  };
  if (task.budgetTokens !== null && task.tokensUsed + callTokens > task.budgetTokens) {
    refuse('task token', task.tokensUsed, task.budgetTokens, 'tokens');
  }
  if (task.budgetAmount !== null && task.costMicro + callCostMicro > microOf(task.budgetAmount)) {
    refuse('task money', task.costMicro, microOf(task.budgetAmount), 'micro-minor units');
  }
  if (agent.budget?.tokens !== undefined || agent.budget?.amount !== undefined) {
    const used = await tokensUsed(db, { agentId: agent.id });
    if (agent.budget.tokens !== undefined && used.tokens + callTokens > agent.budget.tokens) {
      refuse(`agent ${agent.botId} token`, used.tokens, agent.budget.tokens, 'tokens');
    }
    if (
      agent.budget.amount !== undefined &&
      used.costMicro + callCostMicro > microOf(agent.budget.amount)
    ) {
      refuse(
        `agent ${agent.botId} money`,
        used.costMicro,
        microOf(agent.budget.amount),
        'micro-minor units',
      );
    }
  }
  if (config.orgMonthlyTokens > 0) {
    const now = clock.now();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const used = await tokensUsed(db, { orgId: task.orgId, from });
    if (used.tokens + callTokens > BigInt(config.orgMonthlyTokens)) {
      refuse('organisation monthly token', used.tokens, BigInt(config.orgMonthlyTokens), 'tokens');
    }
  }
}
