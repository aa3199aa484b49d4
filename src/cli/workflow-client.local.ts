import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { createWorkflowsModule, type WorkflowsModule } from '../workflows/workflows.module.ts';
import { executionJson, workflowJson } from '../workflows/workflows.service.ts';
import { localOrganisation } from './organisation.ts';
import type { WorkflowClient } from './workflow-client.ts';

/** `iza workflow` on the database directly (no server holds the data folder). */
export async function withLocalWorkflows<T>(
  kernel: Kernel,
  access: Access,
  org: string | undefined,
  work: (client: WorkflowClient) => Promise<T>,
): Promise<T> {
  const module = createWorkflowsModule({ kernel, access });
  try {
    return await work(localClient(module, await localOrganisation(access, org)));
  } finally {
    await module.runner.close();
  }
}

function localClient(module: WorkflowsModule, orgId: string): WorkflowClient {
  const { service, runner } = module;
  return {
    via: 'database',
    importFiles: (files) => service.importMany(orgId, files),
    list: async (page) => {
      const rows = await service.list(orgId, page);
      return { total: rows.total, workflows: rows.workflows.map(workflowJson) };
    },
    get: async (id) => {
      const row = await service.get(orgId, id);
      return { ...workflowJson(row), definition: await service.exportJson(orgId, id) };
    },
    run: async (id) => {
      const row = await service.get(orgId, id);
      const result = await runner.execute({ row, mode: 'manual', checkpointAfterMs: 0 });
      const { row: execution } = await service.execution(orgId, result.executionId);
      return {
        ...executionJson(execution),
        finished: result.status !== 'waiting',
        output: result.lastNodeOutput.map((i) => i.json),
      };
    },
    setActive: async (id, active) => workflowJson(await service.setActive(orgId, id, active)),
    executions: async (q) => {
      const page = await service.executions(orgId, {
        workflowId: q.workflow,
        status: q.status,
        limit: q.limit,
        offset: 0,
      });
      return { total: page.total, executions: page.executions.map(executionJson) };
    },
  };
}
