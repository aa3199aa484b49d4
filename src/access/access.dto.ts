import { z } from 'zod';
import { ROLES } from './permissions.ts';

/** Request and response shapes of the access API (shared with the dashboard). */
export const email = z.email().max(254);
export const name = z.string().trim().min(1).max(200);
export const password = z.string().min(1).max(256);
export const role = z.enum(ROLES);
export const idParams = z.strictObject({ id: z.uuid() });

export const memberSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role,
  status: z.string(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
export const addedMemberSchema = memberSchema.extend({
  invitation: z
    .object({
      id: z.string(),
      expiresAt: z.string(),
      token: z.string().describe('The invitation link secret: shown in this answer only'),
      path: z.string().describe('The dashboard page that joins with it: /invite#<token>'),
    })
    .nullable(),
});
export const invitationLinkSchema = z.object({
  organisation: z.object({ name: z.string(), slug: z.string() }),
  role: z.string(),
  email: z.string(),
  name: z.string(),
  needsPassword: z.boolean(),
  expiresAt: z.string(),
});
export const erasureSchema = z.object({
  redactedAuditEntries: z.number(),
  outcome: z.enum(['anonymised', 'removed_from_organisation']),
});
export const invitationSchema = z.object({
  id: z.string(),
  organisation: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
  role,
  createdAt: z.string(),
  expiresAt: z.string(),
});
export const orgInvitationSchema = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  role,
  status: z.enum(['pending', 'expired', 'accepted', 'declined', 'revoked']),
  invitedBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  respondedAt: z.string().nullable(),
});
export const organisationSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  requireMfaForAdmins: z.boolean(),
  createdAt: z.string(),
});
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role,
  ventureIds: z.array(z.string()).nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export const tokensSchema = z.object({
  accessToken: z.string().optional(),
  refreshToken: z.string().optional(),
  csrfToken: z.string().nullable(),
  expiresIn: z.number(),
  sessionId: z.string(),
  organisationId: z.string(),
  role,
  mfaEnrolmentRequired: z.boolean(),
});
export const sessionSchema = z.object({
  id: z.string(),
  via: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  expiresAt: z.string(),
  current: z.boolean(),
});
export const exportSchema = z.record(z.string(), z.unknown());
export const ok = z.object({ ok: z.literal(true) });

export const apiKeyCreateSchema = z.strictObject({
  name,
  role: role.default('bot'),
  ventureIds: z.array(z.uuid()).max(1000).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export const apiKeyCreatedSchema = apiKeySchema.extend({ key: z.string() });

/** What verifying the audit chains reports (REST and MCP). */
export const verifyReportSchema = z.object({
  ok: z.boolean(),
  chains: z.array(
    z.object({
      chain: z.string(),
      rows: z.number(),
      ok: z.boolean(),
      head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
      firstBroken: z
        .object({
          seq: z.number(),
          id: z.string().nullable(),
          reason: z.enum([
            'hash_mismatch',
            'payload_mismatch',
            'missing_row',
            'prev_hash_mismatch',
            'bad_redaction',
            'head_mismatch',
          ]),
        })
        .optional(),
    }),
  ),
});
