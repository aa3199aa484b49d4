import type { FastifyInstance } from 'fastify';
import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { createNodeRegistry } from './nodes/registry.ts';
import { registerWorkflowRoutes } from './workflows.routes.ts';
import { createWorkflowRunner, RUN_QUEUE, TICK_QUEUE, type RunJob } from './workflows.runner.ts';
import { createWebhookLookup } from './workflows.hooks.ts';
import { createWorkflowsService } from './workflows.service.ts';
import { registerWebhookRoutes } from './workflows.webhooks.ts';

/**
 * The workflows module as `server/modules.ts` mounts it: the REST API, the webhook URLs, the
 * run queue (schedules, resumed executions), the per-minute schedule tick and recovery.
 */
export function createWorkflowsModule(context: { kernel: Kernel; access: Access }) {
  const { kernel } = context;
  const registry = createNodeRegistry();
  const log = kernel.log.child({ module: 'workflows' });
  const runner = createWorkflowRunner({
    db: kernel.db,
    clock: kernel.clock,
    log,
    events: kernel.events,
    jobs: kernel.jobs,
    config: kernel.config.workflows,
    outbound: kernel.config.outbound,
    env: kernel.config.workflowEnv,
    registry,
  });
  const hooks = createWebhookLookup({
    db: kernel.db,
    events: kernel.events,
    defaultOrg: kernel.config.workflows.webhookDefaultOrg,
  });
  const service = createWorkflowsService({
    db: kernel.db,
    clock: kernel.clock,
    audit: context.access.audit,
    events: kernel.events,
    registry,
    nodeSettings: { executeCommand: kernel.config.workflows.executeCommand === 'sandbox' },
    onChanged: hooks.invalidate,
  });
  return {
    name: 'workflows',
    service,
    runner,
    hooks,
    routes: (app: FastifyInstance) => {
      registerWorkflowRoutes(app, service, runner, {
        runWaitMs: kernel.config.workflows.runWaitMs,
        webhookUrl: kernel.config.workflows.webhookUrl,
      });
      registerWebhookRoutes(app, {
        runner,
        hooks,
        registry,
        webhookUrl: kernel.config.workflows.webhookUrl,
      });
      // A listening server has its first executor process ready before the first webhook.
      app.addHook('onListen', () => runner.pool.warm());
      app.addHook('onClose', async () => {
        hooks.close();
        await runner.close();
      });
    },
    queues: async () => {
      await kernel.jobs.define<RunJob>({
        name: RUN_QUEUE,
        handler: async (job) => runner.runJob(job.data),
        retryLimit: 0,
        expireInSeconds: 24 * 3600,
        concurrency: 4,
      });
      await kernel.jobs.define<Record<string, never>>({
        name: TICK_QUEUE,
        handler: async () => ({ queued: await runner.tick(kernel.clock.now()) }),
        retryLimit: 0,
        concurrency: 1,
      });
      await kernel.jobs.schedule(TICK_QUEUE, '* * * * *', {});
      if (kernel.jobs.working) runner.startRecovery();
    },
  };
}

export type WorkflowsModule = ReturnType<typeof createWorkflowsModule>;
