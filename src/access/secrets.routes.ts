import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { addRoute } from '../server/route.ts';
import {
  INTERNAL_SECRET_PREFIX,
  isInternalSecret,
  SECRET_DESCRIPTION_MAX_LENGTH,
  SECRET_NAME_PATTERN,
  SECRET_VALUE_MAX_BYTES,
  type SecretMetadata,
  type SecretsService,
} from './secrets.service.ts';

const nameSchema = z
  .string()
  .regex(
    SECRET_NAME_PATTERN,
    'must be 1 to 100 letters, digits, "_", "." or "-", starting with a letter',
  )
  .refine(
    (name) => !isInternalSecret(name),
    `names starting with "${INTERNAL_SECRET_PREFIX}" belong to IZA OS's modules`,
  );

const paramsSchema = z.strictObject({ name: nameSchema });

const putBodySchema = z.strictObject({
  value: z
    .string()
    .min(1)
    .refine(
      (value) => Buffer.byteLength(value, 'utf8') <= SECRET_VALUE_MAX_BYTES,
      `must be at most ${SECRET_VALUE_MAX_BYTES} bytes`,
    ),
  description: z.string().max(SECRET_DESCRIPTION_MAX_LENGTH).nullable().optional(),
});

/** A secret as the API shows it: never its value. */
const secretSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/**
 * The secrets API. Values are write-only: they go in with PUT and only ever come out to internal
 * callers (workflow credentials, providers), so a stolen session cannot read them back.
 */
export function registerSecretsRoutes(app: FastifyInstance, service: SecretsService): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/secrets',
      access: 'read',
      tags: ['secrets'],
      summary: "The organisation's secrets (names and descriptions, never values)",
      response: z.array(secretSchema),
    },
    async ({ request }) => {
      const { orgId } = caller(request);
      return (await service.list(orgId)).map(toDto);
    },
  );

  addRoute(
    app,
    {
      method: 'PUT',
      url: '/api/v1/secrets/:name',
      access: 'write',
      tags: ['secrets'],
      summary: 'Creates or replaces a secret',
      description:
        'The value is sealed (AES-256-GCM) and cannot be read back through the API. Omitting ' +
        '`description` keeps the current one; `null` clears it.',
      params: paramsSchema,
      body: putBodySchema,
      response: secretSchema.extend({ created: z.boolean() }),
    },
    async ({ request, params, body }) => {
      const { orgId, actorId } = caller(request);
      const saved = await service.put(
        orgId,
        {
          name: params.name,
          value: body.value,
          ...(body.description === undefined ? {} : { description: body.description }),
        },
        actorId,
      );
      return { ...toDto(saved), created: saved.created };
    },
  );

  addRoute(
    app,
    {
      method: 'DELETE',
      url: '/api/v1/secrets/:name',
      access: 'delete',
      tags: ['secrets'],
      summary: 'Deletes a secret',
      params: paramsSchema,
      response: z.object({ deleted: z.literal(true) }),
    },
    async ({ request, params }) => {
      const { orgId } = caller(request);
      await service.remove(orgId, params.name);
      return { deleted: true as const };
    },
  );
}

/** The organisation the request acts in, and who acts; the access hook has set the principal. */
function caller(request: FastifyRequest): { orgId: string; actorId: string | null } {
  const principal = request.principal;
  if (!principal?.orgId) {
    // The local administrator (the CLI) has no organisation, so it has no secrets either.
    throw new UserError(
      ErrorCodes.forbidden,
      'Secrets belong to an organisation: call as one of its users or API keys',
      { status: 403 },
    );
  }
  return { orgId: principal.orgId, actorId: principal.userId ?? principal.apiKeyId };
}

function toDto(secret: SecretMetadata): z.input<typeof secretSchema> {
  return {
    id: secret.id,
    name: secret.name,
    description: secret.description,
    createdAt: secret.createdAt.toISOString(),
    updatedAt: secret.updatedAt.toISOString(),
  };
}
