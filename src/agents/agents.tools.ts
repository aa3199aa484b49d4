import { z } from 'zod';
import type { PlatformToolName } from './agents.dto.ts';

/** What the platform tools read, wired by `agents.module.ts` from other modules' services. */
export interface PlatformToolDeps {
  /** The organisation's ventures (the portfolio service), a page of them. */
  listVentures?: (
    orgId: string,
    query: { search?: string; limit: number },
  ) => Promise<{ total: number; ventures: { slug: string; name: string; stage: string }[] }>;
}

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
  const notBuilt = (what: string) => async () => ({
    available: false,
    message: `${what}: the workflows module is not built yet in this IZA OS, so there is nothing to read.`,
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
      description: 'Reads one workflow definition by id.',
      input: z.object({ id: z.string().describe('The workflow id') }),
      run: notBuilt('get_workflow'),
    },
    search_workflow_executions: {
      name: 'search_workflow_executions',
      description: 'Searches workflow executions by workflow and status.',
      input: z.object({
        workflowId: z.string().optional(),
        status: z.string().optional(),
      }),
      run: notBuilt('search_workflow_executions'),
    },
  };
}
