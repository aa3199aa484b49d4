import type { Access } from '../access/index.ts';
import type { Kernel } from '../kernel/index.ts';
import { createLedgerService, createReportsService } from '../ledger/index.ts';
import { auditToolset } from './audit.tools.ts';
import { ledgerReportsToolset } from './ledger-reports.tools.ts';
import { ledgerToolset } from './ledger.tools.ts';
import type { McpToolset } from './mcp.tools.ts';
import { portfolioServiceFor } from '../portfolio/index.ts';
import { portfolioToolset } from './portfolio.tools.ts';

export interface McpToolsetContext {
  kernel: Kernel;
  access: Access;
}

/**
 * The registry of what IZA OS offers over MCP, one entry per module. A module that gains tools
 * extends its toolset; a new module (ventures, workflows, agents) adds an
 * entry here building its toolset from its own service. Tool names must stay unique.
 */
export const MCP_TOOLSETS: readonly ((context: McpToolsetContext) => McpToolset)[] = [
  ({ kernel, access }) => {
    const ledger = createLedgerService({
      db: kernel.db,
      clock: kernel.clock,
      audit: access.audit,
      log: kernel.log.child({ module: 'ledger' }),
      maxFutureDays: kernel.config.ledger.maxFutureDays,
      apiKeyOwner: (orgId, id) => access.apiKeys.ownerOf(orgId, id),
    });
    const reports = createReportsService({ db: kernel.db, clock: kernel.clock });
    const { tools, resources, prompts } = ledgerReportsToolset(ledger, reports);
    const base = ledgerToolset(ledger);
    return {
      ...base,
      tools: [...base.tools, ...tools],
      resources: [...(base.resources ?? []), ...resources!],
      prompts: [...(base.prompts ?? []), ...prompts!],
    };
  },
  ({ access }) => auditToolset(access.audit),
  ({ kernel, access }) => portfolioToolset(portfolioServiceFor(kernel, access)),
];

export function createToolsets(context: McpToolsetContext): McpToolset[] {
  const toolsets = MCP_TOOLSETS.map((build) => build(context));
  const names = new Set<string>();
  for (const tool of toolsets.flatMap((t) => t.tools)) {
    if (names.has(tool.name)) throw new Error(`Two MCP tools are named ${tool.name}`);
    names.add(tool.name);
  }
  return toolsets;
}
