import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf, principalOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import type { Access } from './index.ts';
import { MEMBER_STATUSES } from './holders.ts';
import {
  addedMemberSchema,
  apiKeyCreateSchema,
  apiKeyCreatedSchema,
  apiKeySchema,
  email,
  erasureSchema,
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
      summary: 'Invites a person with a role by link (or adds them with a password you set)',
      description:
        'Without `password`, the person is invited by link (`status` "invited", `invitation.path` `/invite#<token>`, the secret shown in this answer only): opening it, they set their own password and join before it expires (IZA_INVITATION_TTL_SECONDS). With `password`, a new e-mail gets an account and the membership at once. An e-mail that already has an account always gets an invitation: the person accepts it signed in as themselves, in the dashboard, at sign-in, or through its link; `password` is then ignored.',
      body: z.strictObject({ email, name, password: password.optional(), role }),
      response: addedMemberSchema,
      status: 201,
    },
    async ({ request, body }) => {
      const p = principalOf(request);
      return access.users.addMember(orgOf(request), body, p.role, p.userId);
    },
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
      summary: "Changes a member's role, status (active, disabled) or name",
      description:
        "The status is the membership's: a disabled member cannot act in this organisation (sessions end, the API keys they created stop) and keeps working in others. The name is the account's: it can be changed here only while the account belongs to this organisation alone (else 409 `account_shared`; the person changes it with PATCH /api/v1/auth/me). The last active administrator cannot be demoted or disabled (409 `last_admin`).",
      params: idParams,
      body: z.strictObject({
        role: role.optional(),
        name: name.optional(),
        status: z.enum(MEMBER_STATUSES).optional(),
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
      summary: 'What this organisation holds about a member (GDPR/CCPA access request)',
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
        'Erases a member: anonymised when no other organisation holds them, else removed from this one; audit entries redacted',
      description:
        'When the person belongs to this organisation only, the account is anonymised and every audit entry about them redacted (`outcome` "anonymised"). When other organisations hold them too, they are removed from this one, their sessions here deleted and this organisation\'s audit entries about them redacted (`outcome` "removed_from_organisation"); the rest is the others\' to erase.',
      params: idParams,
      response: erasureSchema,
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
      description:
        "The key answers for the person who creates it (a key made by a key, for that key's person): it never does more than they may do when it is used, and stops when they are removed or disabled.",
      body: apiKeyCreateSchema,
      response: apiKeyCreatedSchema,
      status: 201,
    },
    async ({ request, body }) => {
      const p = principalOf(request);
      return access.apiKeys.create(
        orgOf(request),
        { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
        { role: p.role, userId: p.userId, apiKeyId: p.apiKeyId },
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
