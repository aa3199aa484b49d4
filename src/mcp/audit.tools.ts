import { z } from 'zod';
import { verifyReportSchema, type AuditLog } from '../access/index.ts';
import { defineTool, type McpToolset } from './mcp.tools.ts';

/** The audit log over MCP: verifying the organisation's hash chain, as `GET /api/v1/audit/verify`. */
export function auditToolset(audit: Pick<AuditLog, 'verify'>): McpToolset {
  return {
    module: 'audit',
    tools: [
      defineTool({
        name: 'audit_verify',
        title: 'Verify the audit log',
        description:
          "Recomputes the organisation's hash-chained audit log and reports the first entry that was altered, deleted or wrongly redacted, if any.",
        permission: 'manage_users',
        input: z.strictObject({}),
        output: verifyReportSchema,
        annotations: { readOnlyHint: true, openWorldHint: false },
        run: async (_args, { orgId }) => audit.verify({ orgId }),
      }),
    ],
  };
}
