import { z } from 'zod';
import type { PlatformToolName } from './agents.dto.ts';

/** What the platform tools read, wired by `agents.module.ts` from other modules' services. */
export interface PlatformToolDeps {
  /** The organisation's ventures (the portfolio service), a page of them. */
  listVentures?: (
    orgId: string,
    query: { search?: string; limit: number },
  ) => Promise<{ total: number; ventures: { slug: string; name: string; stage: string }[] }>;
  /** One workflow with its n8n definition (the workflows service); undefined when not found. */
  getWorkflow?: (orgId: string, id: string) => Promise<unknown>;
  /** The newest executions, optionally of one workflow and in one status. */
  searchExecutions?: (
    orgId: string,
    query: { workflowId?: string; status?: string; limit: number },
  ) => Promise<unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXECUTION_STATUSES = [
  'new',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'crashed',
  'cancelled',
] as const;

export interface PlatformTool {
  name: PlatformToolName;
  description: string;
  input: z.ZodObject;
  run: (orgId: string, args: unknown) => Promise<unknown>;
}

/**
 * The read-only tools LLM agents may call. None writes: a tool that changes data would need
 * the approval step (not built for tool calls yet, see README.md).
 */
export function platformTools(deps: PlatformToolDeps): Record<PlatformToolName, PlatformTool> {
  const notWired = (what: string) => ({ available: false, message: `${what} is not wired` });
  const workflowInput = z.object({ id: z.string().max(100).describe('The workflow id') });
  const executionsInput = z.object({
    workflowId: z.string().max(100).optional().describe('Only this workflow'),
    status: z.enum(EXECUTION_STATUSES).optional(),
    limit: z.number().int().min(1).max(50).optional().describe('At most this many (default 20)'),
  });
  const listInput = z.object({
    search: z.string().max(100).optional().describe('Part of a name or slug'),
    limit: z.number().int().min(1).max(50).optional().describe('At most this many (default 20)'),
  });
  return {
    list_ventures: {
      name: 'list_ventures',
      description:
        "Lists the studio's ventures (slug, name, stage), optionally filtered by a search.",
      input: listInput,
      run: async (orgId, args) => {
        if (!deps.listVentures) return { available: false, message: 'The portfolio is not wired' };
        const parsed = listInput.parse(args ?? {});
        const page = await deps.listVentures(orgId, {
          limit: parsed.limit ?? 20,
          ...(parsed.search ? { search: parsed.search } : {}),
        });
        return {
          total: page.total,
          ventures: page.ventures.map((v) => ({ slug: v.slug, name: v.name, stage: v.stage })),
        };
      },
    },
    get_workflow: {
      name: 'get_workflow',
      description:
        'Reads one workflow: name, whether it is active, its webhooks, and its n8n definition.',
      input: workflowInput,
      run: async (orgId, args) => {
        if (!deps.getWorkflow) return notWired('The workflows module');
        const { id } = workflowInput.parse(args ?? {});
        const found = UUID.test(id) ? await deps.getWorkflow(orgId, id) : undefined;
        return found ?? { found: false, message: `No workflow has the id ${id}` };
      },
    },
    search_workflow_executions: {
      name: 'search_workflow_executions',
      description:
        'Lists the newest workflow executions (status, mode, times, error), optionally of one workflow and in one status.',
      input: executionsInput,
      run: async (orgId, args) => {
        if (!deps.searchExecutions) return notWired('The workflows module');
        const parsed = executionsInput.parse(args ?? {});
        if (parsed.workflowId !== undefined && !UUID.test(parsed.workflowId)) {
          return { total: 0, executions: [] };
        }
        return deps.searchExecutions(orgId, {
          limit: parsed.limit ?? 20,
          ...(parsed.workflowId ? { workflowId: parsed.workflowId } : {}),
          ...(parsed.status ? { status: parsed.status } : {}),
        });
      },
    },
  };
}
