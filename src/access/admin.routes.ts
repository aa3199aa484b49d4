import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { addRoute } from '../server/route.ts';
import type { Access } from './index.ts';
import {
  apiKeyCreateSchema,
  apiKeyCreatedSchema,
  apiKeySchema,
  email,
  erasureSchema,
  idParams,
  memberSchema,
  name,
  organisationSchema,
  password,
} from './access.dto.ts';

/** What the local administrator (the iza CLI while a server runs) may do across organisations. */
export function registerAdminRoutes(app: FastifyInstance, access: Access): void {
  // --- the local administrator (iza CLI while a server runs) ------------------------------------
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/system/admins',
      access: 'system',
      tags: ['system'],
      summary: 'Creates an administrator, in a new organisation or an existing one (slug or id)',
      body: z.strictObject({ organisation: name, email, name, password }),
      response: z.object({ organisation: organisationSchema, user: memberSchema }),
      status: 201,
    },
    async ({ body }) => access.users.createAdmin(body),
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/system/users',
      access: 'system',
      tags: ['system'],
      summary: 'Every user of every organisation',
      response: z.array(memberSchema.extend({ organisation: z.string() })),
    },
    async () => access.users.listAllUsers(),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/system/users/:id/erase',
      access: 'system',
      tags: ['system'],
      summary: 'Erases a person across all organisations',
      params: idParams,
      response: erasureSchema,
    },
    async ({ params }) => access.gdpr.eraseUser(null, params.id),
  );
  addRoute(
    app,
    {
      method: 'PATCH',
      url: '/api/v1/system/users/:id',
      access: 'system',
      tags: ['system'],
      summary: 'Disables (or re-enables) an account in every organisation',
      description:
        'Organisations disable their own membership instead (PATCH /api/v1/users/:id). Refused (409 `last_admin`) when an organisation would be left without an active administrator.',
      params: idParams,
      body: z.strictObject({ status: z.enum(['active', 'disabled']) }),
      response: z.object({ ok: z.literal(true) }),
    },
    async ({ params, body }) => {
      await access.users.setAccountStatus(params.id, body.status);
      return { ok: true as const };
    },
  );
  const orgParams = z.strictObject({ org: z.string().min(1).max(100) });
  const orgBySlug = async (org: string) => {
    const found = await access.users.findOrganisation(org);
    if (!found)
      throw new UserError(ErrorCodes.notFound, `No organisation "${org}"`, { status: 404 });
    return found.id;
  };
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/system/orgs/:org/api-keys',
      access: 'system',
      tags: ['system'],
      summary: "An organisation's API keys",
      params: orgParams,
      response: z.array(apiKeySchema),
    },
    async ({ params }) => access.apiKeys.list(await orgBySlug(params.org)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/system/orgs/:org/api-keys',
      access: 'system',
      tags: ['system'],
      summary: 'Creates an API key in an organisation',
      params: orgParams,
      body: apiKeyCreateSchema,
      response: apiKeyCreatedSchema,
      status: 201,
    },
    async ({ params, body }) =>
      access.apiKeys.create(
        await orgBySlug(params.org),
        { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined },
        { role: 'system', userId: null },
      ),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: '/api/v1/system/orgs/:org/api-keys/:id',
      access: 'system',
      tags: ['system'],
      summary: 'Revokes an API key',
      params: orgParams.extend({ id: z.uuid() }),
      response: apiKeySchema,
    },
    async ({ params }) => access.apiKeys.revoke(await orgBySlug(params.org), params.id),
  );
}
