import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf, principalOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import type { Access } from './index.ts';
import {
  apiKeyCreateSchema,
  apiKeyCreatedSchema,
  apiKeySchema,
  email,
  exportSchema,
  idParams,
  memberSchema,
  name,
  ok,
  organisationSchema,
  password,
  role,
} from './access.dto.ts';

/** The organisation, its members and its API keys. */
export function registerMemberRoutes(app: FastifyInstance, access: Access): void {
  // --- organisation and its members -----------------------------------------------------------
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/organisation',
      access: 'read',
      tags: ['access'],
      summary: 'Your organisation',
      response: organisationSchema,
    },
    async ({ request }) => access.users.getOrganisation(orgOf(request)),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: '/api/v1/organisation',
      access: 'manage_users',
      tags: ['access'],
      summary: 'Renames the organisation or sets whether administrators must use MFA',
      body: z.strictObject({ name: name.optional(), requireMfaForAdmins: z.boolean().optional() }),
      response: organisationSchema,
    },
    async ({ request, body }) => access.users.updateOrganisation(orgOf(request), body),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/users',
      access: 'manage_users',
      tags: ['access'],
      summary: 'Members of your organisation',
      response: z.array(memberSchema),
    },
    async ({ request }) => access.users.listMembers(orgOf(request)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/users',
      access: 'manage_users',
      tags: ['access'],
      summary: 'Adds a person (creating their account when the e-mail is new) with a role',
      body: z.strictObject({ email, name, password: password.optional(), role }),
      response: memberSchema,
      status: 201,
    },
    async ({ request, body }) =>
      access.users.addMember(orgOf(request), body, principalOf(request).role),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/users/:id',
      access: 'manage_users',
      tags: ['access'],
      summary: 'One member',
      params: idParams,
      response: memberSchema,
    },
    async ({ request, params }) => access.users.getMember(orgOf(request), params.id),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: '/api/v1/users/:id',
      access: 'manage_users',
      tags: ['access'],
      summary: "Changes a member's role, name or status (active, disabled)",
      params: idParams,
      body: z.strictObject({
        role: role.optional(),
        name: name.optional(),
        status: z.enum(['active', 'disabled']).optional(),
      }),
      response: memberSchema,
    },
    async ({ request, params, body }) =>
      access.users.updateMember(orgOf(request), params.id, body, principalOf(request).role),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: '/api/v1/users/:id',
      access: 'manage_users',
      tags: ['access'],
      summary: 'Removes a member from the organisation',
      params: idParams,
      response: ok,
    },
    async ({ request, params }) => {
      await access.users.removeMember(orgOf(request), params.id);
      return { ok: true as const };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/users/:id/export',
      access: 'manage_users',
      tags: ['access'],
      summary: 'Everything held about a member (GDPR/CCPA access request)',
      params: idParams,
      response: exportSchema,
    },
    async ({ request, params }) => access.gdpr.exportUser(orgOf(request), params.id),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/users/:id/erase',
      access: 'manage_users',
      tags: ['access'],
      summary:
        'Erases a member: personal data anonymised, audit entries redacted, chain still verifiable',
      params: idParams,
      response: z.object({ redactedAuditEntries: z.number() }),
    },
    async ({ request, params }) => access.gdpr.eraseUser(orgOf(request), params.id),
  );

  // --- API keys ------------------------------------------------------------------------------
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/api-keys',
      access: 'manage_bots',
      tags: ['access'],
      summary: "Your organisation's API keys (never their secrets)",
      response: z.array(apiKeySchema),
    },
    async ({ request }) => access.apiKeys.list(orgOf(request)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/api-keys',
      access: 'manage_bots',
      tags: ['access'],
      summary: 'Creates an API key for a bot or script; the key is in this answer only',
      body: apiKeyCreateSchema,
      response: apiKeyCreatedSchema,
      status: 201,
    },
    async ({ request, body }) => {
      const p = principalOf(request);
      return access.apiKeys.create(
        orgOf(request),
        { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
        { role: p.role, userId: p.userId },
      );
    },
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: '/api/v1/api-keys/:id',
      access: 'manage_bots',
      tags: ['access'],
      summary: 'Revokes an API key at once',
      params: idParams,
      response: apiKeySchema,
    },
    async ({ request, params }) => access.apiKeys.revoke(orgOf(request), params.id),
  );
}
