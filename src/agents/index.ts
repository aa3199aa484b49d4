/**
 * Agent orchestration (SPEC.md G1-G4, G7): the registry with the customer's `BotConfiguration`,
 * tasks routed by capability and load with failover, circuit breakers, retries, timeouts,
 * budgets and approvals; LLM (AI SDK), code and webhook runtimes; `AgentMessage` traces;
 * durability through pg-boss with leases. See README.md.
 */
export {
  createAgentsService,
  type AgentsService,
  type AgentsServiceDeps,
} from './agents.service.ts';
export { createAgentsModule, agentsServiceFor } from './agents.module.ts';
export { registerAgentRoutes } from './agents.routes.ts';
export { AGENT_TASK_QUEUE } from './agents.executor.ts';
export { tiersFor } from './agents.routing.ts';
export { CircuitBreaker, type BreakerState } from './agents.breaker.ts';
export { Scheduler, type SlotAgent } from './agents.scheduler.ts';
export { AgentRunError, backoffMs, parseRetryAfter } from './agents.retry.ts';
export { callCost } from './agents.budget.ts';
export { BUILTIN_HANDLERS, type CodeHandler } from './agents.runtime.ts';
export { readAgentFiles } from './agents.files.ts';
export * from './agents.dto.ts';
export * from './agents.connections.dto.ts';
export type { ProviderFetch, FetchFunction } from './agents.provider.ts';
export { redactSecrets } from './agents.redact.ts';
export { taskJson as taskJsonOf, rowsOf } from './agents.store.ts';
