import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { orgOf } from '../server/access.ts';
import { addRoute } from '../server/route.ts';
import { requireUser } from './auth.routes.ts';
import type { Access } from './index.ts';
import { idParams, invitationSchema, ok, orgInvitationSchema } from './access.dto.ts';

/**
 * Invitations: the invited person's side (`/api/v1/auth/invitations`, signed in as themselves,
 * in any of their organisations) and the inviting organisation's (`/api/v1/invitations`).
 * Organisations invite with `POST /api/v1/users`.
 */
export function registerInvitationRoutes(app: FastifyInstance, access: Access): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/auth/invitations',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Your open invitations to join other organisations',
      response: z.array(invitationSchema),
    },
    async ({ request }) => access.invitations.listForPerson(requireUser(request)),
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/invitations/:id/accept',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Accepts one of your invitations: you become a member of that organisation',
      description:
        'Sign in there afterwards (POST /api/v1/auth/login with `organisation`). 410 `invitation_expired` once it has expired.',
      params: idParams,
      response: z.object({ organisationId: z.string(), role: z.string() }),
    },
    async ({ request, params }) => {
      const accepted = await access.invitations.accept(requireUser(request), params.id);
      return { organisationId: accepted.orgId, role: accepted.role };
    },
  );
  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/auth/invitations/:id/decline',
      access: 'authenticated',
      tags: ['access'],
      summary: 'Declines one of your invitations',
      params: idParams,
      response: ok,
    },
    async ({ request, params }) => {
      await access.invitations.decline(requireUser(request), params.id);
      return { ok: true as const };
    },
  );
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/invitations',
      access: 'manage_users',
      tags: ['access'],
      summary: "Your organisation's invitations and what became of them",
      response: z.array(orgInvitationSchema),
    },
    async ({ request }) => access.invitations.listForOrganisation(orgOf(request)),
  );
  addRoute(
    app,
    {
      method: 'DELETE',
      url: '/api/v1/invitations/:id',
      access: 'manage_users',
      tags: ['access'],
      summary: 'Withdraws a pending invitation',
      params: idParams,
      response: ok,
    },
    async ({ request, params }) => {
      await access.invitations.revoke(orgOf(request), params.id);
      return { ok: true as const };
    },
  );
}
