import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { addRoute } from '../server/route.ts';
import { verifyReportSchema } from './access.dto.ts';
import type { AuditLog } from './audit.service.ts';

const entrySchema = z.object({
  id: z.string(),
  chain: z.string(),
  seq: z.number(),
  orgId: z.string().nullable(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  requestId: z.string().nullable(),
  at: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
  redactedBy: z.string().nullable(),
});

const pageSchema = z.object({
  entries: z.array(entrySchema),
  nextBefore: z.number().nullable(),
});

const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional(),
  action: z.string().min(1).max(200).optional(),
  entityType: z.string().min(1).max(200).optional(),
  entityId: z.string().min(1).max(200).optional(),
});

/** Whose chain a caller sees: the local administrator's is the installation's (`system`). */
type Scope = { all: true } | { all: false; orgId: string | null };

function scopeOf(request: FastifyRequest): Scope {
  const principal = request.principal;
  if (!principal) {
    throw new UserError(ErrorCodes.unauthorized, 'Not signed in', { status: 401 });
  }
  if (principal.kind === 'system') return { all: true };
  // Anyone else without an organisation must not fall through to the system chain.
  if (principal.orgId === null) {
    throw new UserError(ErrorCodes.forbidden, 'This route acts within an organisation', {
      status: 403,
    });
  }
  return { all: false, orgId: principal.orgId };
}

/** The audit log over HTTP: read and verify the caller's chain. */
export function registerAuditRoutes(app: FastifyInstance, audit: AuditLog): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/audit',
      access: 'manage_users',
      tags: ['audit'],
      summary: "A page of the organisation's audit entries, newest first",
      description:
        'Pass `nextBefore` from one page as `before` for the next. The local administrator sees the installation (`system`) chain.',
      query: listQuerySchema,
      response: pageSchema,
    },
    async ({ query, request }) => {
      const scope = scopeOf(request);
      return audit.list(scope.all ? null : scope.orgId, query);
    },
  );

  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/audit/verify',
      access: 'manage_users',
      tags: ['audit'],
      summary: "Recomputes the organisation's audit hash chain",
      description:
        'Reports, per chain, the first entry that was altered, deleted or wrongly redacted. The local administrator verifies every chain.',
      response: verifyReportSchema,
    },
    async ({ request }) => {
      const scope = scopeOf(request);
      return audit.verify(scope.all ? {} : { orgId: scope.orgId });
    },
  );

  // The local administrator's token opens only `system` routes, so `iza audit verify` needs one.
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/system/audit/verify',
      access: 'system',
      tags: ['system'],
      summary: 'Recomputes every audit hash chain of the installation',
      response: verifyReportSchema,
    },
    async () => audit.verify(),
  );
}
