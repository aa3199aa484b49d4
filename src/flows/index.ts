/** Use cases that span modules (STYLE.md): each in its own file, on the modules' public surfaces. */
export {
  DEFAULT_DEMO_VENTURES,
  DEMO_HOLDING_CODE,
  DEMO_TAG,
  demoUuid,
  planDemo,
  resetDemo,
  runDemo,
  seededRandom,
  type DemoOptions,
  type DemoPorts,
  type DemoReport,
  type DemoResetReport,
  type DemoTransfer,
} from './demo.ts';
export { localDemoPorts } from './demo.local.ts';
