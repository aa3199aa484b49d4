// The workflows module's public surface: n8n-format model, expressions, engine, nodes.
export {
  workflowSchema,
  nodeSchema,
  connectionsSchema,
  executionOrderOf,
  type Workflow,
  type WorkflowNode,
  type Connections,
  type ExecutionOrder,
} from './model/workflow.types.ts';
export {
  importWorkflow,
  type ImportReport,
  type ImportRefusal,
  type UnsupportedType,
} from './model/import.ts';
export { exportWorkflow } from './model/export.ts';
export { ExpressionEvaluator, type EvaluatorOptions } from './expressions/evaluator.ts';
export { ExpressionError, type Item, type ExpressionData } from './expressions/expression.types.ts';
export {
  runWorkflow,
  type EngineDeps,
  type RunOptions,
  type ExecutionResult,
  type ExecutionStatus,
} from './engine/executor.ts';
export type {
  ExecutionState,
  ExecutionObserver,
  TaskData,
  NodeType,
  NodeRegistry,
  NodeContext,
  WebhookResponse,
  ErrorWorkflowPayload,
  HttpOptions,
  CodeLimits,
} from './engine/engine.types.ts';
export { createNodeRegistry, supportedTypes, STANDARD_NODE_TYPES } from './nodes/registry.ts';
export {
  webhookSettings,
  webhookAnswer,
  triggerSchedule,
  nextRuns,
  type WebhookSettings,
  type TriggerSchedule,
} from './nodes/trigger.node.ts';
export { checkUrl, SsrfError } from './nodes/ssrf.ts';
