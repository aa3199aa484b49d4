export { buildApp, CONTENT_SECURITY_POLICY, type BuildAppOptions } from './app.ts';
export { addRoute, type RouteSpec } from './route.ts';
export { DEFAULT_WEB_ROOT } from './web.ts';
export { envelopeOf, errorEnvelopeSchema } from './envelope.ts';
export { runServer, LOCAL_ADMIN_TOKEN_FILE, type RunningServer } from './run.ts';
export { handleShutdownSignals } from './shutdown.ts';
export {
  MODULES,
  createModules,
  defineModuleQueues,
  type ModuleContext,
  type ModuleInstance,
} from './modules.ts';
export { ORG_HEADER, type RouteAccess } from './access.ts';
