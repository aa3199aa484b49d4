/** Use cases that span modules (STYLE.md): each in its own file, on the modules' public surfaces. */
export {
  DEFAULT_DEMO_VENTURES,
  DEMO_HOLDING_CODE,
  DEMO_TAG,
  DEMO_WORKFLOW_PREFIX,
  demoUuid,
  demoWorkflows,
  isDemoWorkflow,
  planDemo,
  resetDemo,
  runDemo,
  seededRandom,
  type DemoOptions,
  type DemoPorts,
  type DemoReport,
  type DemoResetReport,
  type DemoTransfer,
  type DemoWorkflowDefinition,
  type DemoWorkflowPorts,
} from './demo.ts';
export { localDemoPorts, type DemoWorkflowsService } from './demo.local.ts';
