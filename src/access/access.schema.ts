import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Tenants. Every organisation-owned row in IZA OS carries an `org_id`. */
export const organisations = pgTable('organisations', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  requireMfaForAdmins: boolean('require_mfa_for_admins').notNull().default(false),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  /** Lower-cased; unique across the installation. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  /** argon2id; null for a user who cannot sign in with a password. */
  passwordHash: text('password_hash'),
  /**
   * `active`, `disabled` (by the installation's administrator: no sign-in anywhere) or `erased`
   * (personal data removed on request). Organisations disable their membership instead.
   */
  status: text('status').notNull().default('active'),
  lastLoginAt: at('last_login_at'),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
  erasedAt: at('erased_at'),
});

/** A user's role in an organisation. */
export const memberships = pgTable(
  'memberships',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    /**
     * `active` or `disabled` (by this organisation: the person cannot act in it, their sessions
     * and the API keys they created stop, and they keep working in their other organisations).
     */
    status: text('status').notNull().default('active'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

/**
 * An organisation asking an existing account to join it: a membership only once the person,
 * signed in as themselves, accepts it before `expires_at`.
 */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    /** The member who invited (null: an API key or the local administrator). */
    invitedBy: uuid('invited_by'),
    /** `pending`, `accepted`, `declined` or `revoked`; a pending one past `expires_at` is dead. */
    status: text('status').notNull(),
    /** SHA-256 of the invitation link's secret (`iza_iv_…`): whoever holds the link may join. */
    tokenHash: text('token_hash'),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    respondedAt: at('responded_at'),
  },
  (t) => [
    index('invitations_user_idx').on(t.userId),
    uniqueIndex('invitations_token_idx').on(t.tokenHash),
    uniqueIndex('invitations_pending_idx')
      .on(t.orgId, t.userId)
      .where(sql`status = 'pending'`),
  ],
);

/**
 * Failed sign-ins and code checks, counted per key: a SHA-256 of what is counted (an address
 * and an e-mail, an e-mail alone, a user's MFA checks), never the e-mail itself.
 */
export const authThrottle = pgTable('auth_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartedAt: at('window_started_at').notNull(),
  lockedUntil: at('locked_until'),
});

/** TOTP enrolment; the secret is sealed by the vault. Enabled once a code has been verified. */
export const userMfa = pgTable('user_mfa', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  totpSecretSealed: text('totp_secret_sealed').notNull(),
  /** The last accepted time step, so a code cannot be replayed. */
  lastUsedStep: integer('last_used_step'),
  enabledAt: at('enabled_at'),
  createdAt: at('created_at').notNull(),
});

export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: at('used_at'),
  },
  (t) => [index('mfa_recovery_codes_user_idx').on(t.userId)],
);

/** A signed-in session: one refresh-token family. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** `cookie` (the dashboard) or `bearer` (programs). */
    via: text('via').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Whether the second factor was checked at sign-in. */
    mfaVerified: boolean('mfa_verified').notNull().default(false),
    /** SHA-256 of the CSRF token of a cookie session. */
    csrfHash: text('csrf_hash'),
    createdAt: at('created_at').notNull(),
    lastUsedAt: at('last_used_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    /** `active`, `rotated` (exchanged once: presenting it again revokes the session) or `revoked`. */
    status: text('status').notNull(),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

export const accessTokens = pgTable(
  'access_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('access_tokens_session_idx').on(t.sessionId)],
);

/** Keys for bots and scripts: `iza_key_<prefix>_<secret>`, only a hash of the secret kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    role: text('role').notNull(),
    /** When set, the key may only act on these ventures. */
    ventureIds: uuid('venture_ids')
      .array()
      .default(sql`null`),
    createdBy: uuid('created_by'),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at'),
    revokedAt: at('revoked_at'),
    lastUsedAt: at('last_used_at'),
  },
  (t) => [
    index('api_keys_org_idx').on(t.orgId),
    uniqueIndex('api_keys_org_name_idx').on(t.orgId, t.name),
  ],
);
