import { eq, sql } from 'drizzle-orm';
import { newId, type Clock, type Config, type Database } from '../kernel/index.ts';
import type { Agent } from './agents.dto.ts';
import { AgentRunError } from './agents.retry.ts';
import { agentsCalls } from './agents.schema.ts';
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
 * What is wrong with an agent's money budget, if anything (refused when the agent is defined):
 * amounts are compared in one currency and never converted, so a money budget needs a priced
 * model whose price is in the budget's currency. Only model calls cost money: code and webhook
 * agents have token budgets at most; the built-in provider costs nothing.
 */
export function budgetProblem(
  d: Pick<Agent, 'kind' | 'llm' | 'budget'>,
  prices: Prices,
): { path: string; message: string } | undefined {
  const budget = d.budget;
  if (budget?.amount === undefined) return undefined;
  if (budget.currency === undefined) {
    return { path: 'budget.currency', message: 'is required with budget.amount (ISO 4217)' };
  }
  if (d.kind !== 'llm' || !d.llm) {
    return {
      path: 'budget.amount',
      message: `limits the cost of model calls, and a ${d.kind} agent makes none: use budget.tokens`,
    };
  }
  if (d.llm.provider === 'builtin') return undefined;
  const price = prices[d.llm.model];
  if (!price) {
    return {
      path: 'budget.amount',
      message: `cannot be checked: the model "${d.llm.model}" has no price (set one in agents.prices or the connection's models, or use budget.tokens)`,
    };
  }
  if (price.currency !== budget.currency) {
    return {
      path: 'budget.currency',
      message: `is ${budget.currency}, but the model "${d.llm.model}" is priced in ${price.currency}: amounts are never converted, give the budget in ${price.currency}`,
    };
  }
  return undefined;
}

export interface CallEstimate {
  inputTokens: number;
  maxOutputTokens: number;
  model: string;
  provider: string;
  prices?: Prices;
}

/**
 * Reserves a model call's worst case against every budget before the call is made, or refuses
 * it (throws `budget_exceeded`; `budget_unpriced` / `budget_currency` when a money budget cannot
 * be compared): the task's own (tokens, money: the task makes one call at a time), the agent's
 * (all its calls) and the organisation's monthly tokens. The agent's and organisation's are
 * checked and reserved in one transaction under an advisory lock per budget (the organisation's
 * first), counting every call in flight in any process, so parallel tasks cannot overrun them.
 * Answers the reserved call's row id (to settle with `settleCall`), or undefined when only the
 * task's budget applies.
 */
export async function reserveCall(
  deps: { db: Database; clock: Clock; config: Config['agents'] },
  task: TaskRow,
  agent: Agent,
  estimate: CallEstimate,
  note: (kind: string, text: string) => void,
): Promise<string | undefined> {
  const { db, clock, config } = deps;
  const prices = estimate.prices ?? config.prices;
  const callTokens = BigInt(estimate.inputTokens + estimate.maxOutputTokens);
  const cost = callCost(prices, estimate.model, estimate.inputTokens, estimate.maxOutputTokens);
  const refuse = (code: string, message: string): never => {
    note('budget', `refused a model call: ${message}`);
    throw new AgentRunError(code, `Refused before the call: ${message}`, {
      retryable: false,
      agentFault: false,
    });
  };
  const over = (what: string, used: bigint, limit: bigint, unit: string) =>
    refuse(
      'budget_exceeded',
      `${what} budget: ${used} ${unit} used + up to ${unit === 'tokens' ? callTokens : cost.micro} for this call > ${limit}`,
    );
  const comparable = (what: string, currency: string | null | undefined) => {
    if (!cost.priced) {
      refuse(
        'budget_unpriced',
        `${what} money budget: the model "${estimate.model}" has no price, so its cost cannot be counted`,
      );
    }
    if (currency && currency !== cost.currency) {
      refuse(
        'budget_currency',
        `${what} money budget is in ${currency}, the model "${estimate.model}" is priced in ${cost.currency} (amounts are never converted)`,
      );
    }
  };
  if (task.budgetTokens !== null && task.tokensUsed + callTokens > task.budgetTokens) {
    over('task token', task.tokensUsed, task.budgetTokens, 'tokens');
  }
  if (task.budgetAmount !== null) {
    comparable('task', task.budgetCurrency);
    if (task.costMicro + cost.micro > microOf(task.budgetAmount)) {
      over('task money', task.costMicro, microOf(task.budgetAmount), 'micro-minor units');
    }
  }
  const budget = agent.budget;
  const agentBudget = budget?.tokens !== undefined || budget?.amount !== undefined;
  if (budget?.amount !== undefined) comparable(`agent ${agent.botId}`, budget.currency);
  if (!agentBudget && config.orgMonthlyTokens <= 0) return undefined;
  return db.transaction(async (tx) => {
    const lock = (key: string) =>
      tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`agents.budget:${key}`}))`);
    if (config.orgMonthlyTokens > 0) {
      await lock(`org:${task.orgId}`);
      const now = clock.now();
      const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const used = await tokensUsed(tx, { orgId: task.orgId, from });
      if (used.tokens + callTokens > BigInt(config.orgMonthlyTokens)) {
        over('organisation monthly token', used.tokens, BigInt(config.orgMonthlyTokens), 'tokens');
      }
    }
    if (budget && agentBudget) {
      await lock(`agent:${agent.id}`);
      const used = await tokensUsed(tx, { agentId: agent.id }, budget.currency);
      if (budget.tokens !== undefined && used.tokens + callTokens > budget.tokens) {
        over(`agent ${agent.botId} token`, used.tokens, budget.tokens, 'tokens');
      }
      if (budget.amount !== undefined && used.costMicro + cost.micro > microOf(budget.amount)) {
        over(
          `agent ${agent.botId} money`,
          used.costMicro,
          microOf(budget.amount),
          'micro-minor units',
        );
      }
    }
    const id = newId();
    await tx.insert(agentsCalls).values({
      id,
      orgId: task.orgId,
      taskId: task.id,
      agentId: agent.id,
      provider: estimate.provider,
      model: estimate.model,
      inputTokens: 0,
      outputTokens: 0,
      costMicro: 0n,
      currency: cost.currency,
      ms: 0,
      ok: false,
      error: 'in_flight',
      reservedTokens: callTokens,
      reservedMicro: cost.micro,
      at: clock.now(),
    });
    return id;
  });
}

/** A reserved call that was never made (aborted, timed out): its reservation is given back. */
export async function releaseCall(db: Database, id: string): Promise<void> {
  await db
    .update(agentsCalls)
    .set({ reservedTokens: 0n, reservedMicro: 0n, error: 'not_made' })
    .where(eq(agentsCalls.id, id));
}
