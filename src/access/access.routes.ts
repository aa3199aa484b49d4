import type { FastifyInstance } from 'fastify';
import type { Access } from './index.ts';
import { registerAdminRoutes } from './admin.routes.ts';
import { registerAuditRoutes } from './audit.routes.ts';
import { registerAuthRoutes, type AccessRouteOptions } from './auth.routes.ts';
import { registerInvitationRoutes } from './invitations.routes.ts';
import { registerMemberRoutes } from './members.routes.ts';
import { registerSecretsRoutes } from './secrets.routes.ts';

export type { AccessRouteOptions } from './auth.routes.ts';

/** The access module's HTTP API. */
export function registerAccessRoutes(
  app: FastifyInstance,
  access: Access,
  options: AccessRouteOptions,
): void {
  registerAuthRoutes(app, access, options);
  registerMemberRoutes(app, access);
  registerInvitationRoutes(app, access);
  registerAdminRoutes(app, access);
  registerAuditRoutes(app, access.audit);
  registerSecretsRoutes(app, access.secrets);
}
