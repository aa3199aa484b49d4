/**
 * The portfolio (AI Boss Holdings, SPEC.md V1-V4): ventures with categories, stages, owners,
 * links and tags; KPI time series with CSV import; roll-ups (the Business Performance Grid);
 * explained health scores; live events. See README.md.
 */
export {
  createPortfolioService,
  type PortfolioService,
  type PortfolioServiceDeps,
} from './portfolio.service.ts';
export { registerPortfolioRoutes, scopeOf } from './portfolio.routes.ts';
export { registerPortfolioEvents, type PortfolioEventsOptions } from './portfolio.events.ts';
export { KPI_POSTED, type KpiPostedEvent } from './kpis.service.ts';
export { scoreHealth, type Health, type HealthComponent, type HealthFacts } from './health.ts';
export type {
  MoneyRollup,
  Rollup,
  RollupGroup,
  RollupHistoryMonth,
  RollupHistoryQuery,
  RollupQuery,
} from './rollups.service.ts';
export * from './portfolio.types.ts';
export { fromDisplay, toDisplay, parseKpiDay, addMonths } from './portfolio.values.ts';
export * from './portfolio.dto.ts';
export { createPortfolioModule, portfolioServiceFor } from './portfolio.module.ts';
