import type { Database, Kernel } from '../kernel/index.ts';
import { openVault, type Vault } from '../kernel/crypto/index.ts';
import { createApiKeysService } from './apikeys.service.ts';
import { createAuditLog, type AuditLog } from './audit.service.ts';
import { createAuthService } from './auth.service.ts';
import { createGdprService } from './gdpr.service.ts';
import { createInvitationsService } from './invitations.service.ts';
import { createMfaService } from './mfa.service.ts';
import { createSecretsService } from './secrets.service.ts';
import { createSetup } from './setup.ts';
import { createThrottle } from './throttle.ts';
import { createUsersService } from './users.service.ts';
import { createPrincipalCache } from './principal-cache.ts';
import { createPrincipalLookup } from './principal-lookup.ts';
import type { Principal } from './principal.ts';
import type { AuditRecorder } from './ports.ts';
import { hashToken } from './tokens.ts';

/** How long an authenticated credential is trusted without asking the database again. */
const PRINCIPAL_CACHE_TTL_MS = 2000;
const ACCESS_CHANGED = 'access.changed';

export {
  ROLES,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  can,
  type Role,
  type Permission,
} from './permissions.ts';
export type { Principal } from './principal.ts';
export { SYSTEM_PRINCIPAL } from './principal.ts';
export type { AuditEntryInput, AuditLog } from './audit.service.ts';
export { registerAccessRoutes } from './access.routes.ts';
export { verifyReportSchema } from './access.dto.ts';
export { INTERNAL_SECRET_PREFIX, isInternalSecret } from './secrets.service.ts';

/**
 * The access module: users and organisations, sign-in and sessions, MFA, API keys, the audit
 * log, secrets and GDPR requests, built on one kernel.
 */
export function createAccess(kernel: Kernel, options: { vault?: Vault } = {}) {
  const { db, clock, config } = kernel;
  const log = kernel.log.child({ module: 'access' });
  const vault =
    options.vault ??
    openVault({
      ...(config.masterKey ? { masterKey: config.masterKey } : {}),
      keyFile: config.masterKeyFile,
      clock,
    });
  const auditLog: AuditLog = createAuditLog({ db, clock });
  // Every access change is audited, so the audit call is where cached credentials are dropped:
  // at once, and again once the change's transaction has committed (`accessDb`), so a lookup
  // that read the old state meanwhile cannot keep it cached.
  const cache = createPrincipalCache<Principal & { csrfHash: string | null }>({
    clock,
    ttlMs: PRINCIPAL_CACHE_TTL_MS,
    maxEntries: 50_000,
  });
  const changed = () => {
    cache.clear();
    kernel.events.publish(ACCESS_CHANGED, {}).catch((error: unknown) => {
      log.warn({ err: error }, 'could not tell other processes about an access change');
    });
  };
  kernel.events.subscribe(ACCESS_CHANGED, () => cache.clear());
  let changes = 0;
  const audit: AuditRecorder = {
    record: async (tx, entry) => {
      const receipt = await auditLog.record(tx, entry);
      changes++;
      changed();
      return receipt;
    },
    redact: async (tx, options) => {
      const count = await auditLog.redact(tx, options);
      changes++;
      changed();
      return count;
    },
  };
  const accessDb = clearingAfterCommit(db, () => changes, changed);
  const { auth: settings } = config;
  const throttle = createThrottle({ db, clock, windowSeconds: settings.lockoutSeconds });
  const invitations = createInvitationsService({ db: accessDb, clock, audit, settings });
  const users = createUsersService({ db: accessDb, clock, audit, invitations });
  const mfa = createMfaService({ db: accessDb, clock, vault, audit, throttle, settings });
  const auth = createAuthService({
    db: accessDb,
    clock,
    audit,
    mfa,
    invitations,
    throttle,
    settings,
  });
  const apiKeys = createApiKeysService({ db: accessDb, clock, audit });
  const gdpr = createGdprService({ db: accessDb, clock, audit });
  const lookup = createPrincipalLookup({ db, clock });
  const secrets = createSecretsService({ db, vault, clock, audit: auditLog });
  const setup = createSetup({ users, log });
  return {
    vault,
    audit: auditLog,
    users,
    invitations,
    mfa,
    auth,
    apiKeys,
    gdpr,
    secrets,
    setup,
    authenticator: {
      async accessToken(token: string) {
        const key = `at:${hashToken(token)}`;
        const cached = cache.get(key);
        if (cached) return cached;
        const since = cache.generation();
        const found = await lookup.forAccessToken(token);
        if (found) cache.set(key, found, found.expiresAt, since);
        return found;
      },
      async apiKey(apiKey: string) {
        const key = `key:${hashToken(apiKey)}`;
        const cached = cache.get(key);
        if (cached) return cached;
        const since = cache.generation();
        const found = await lookup.forApiKey(apiKey);
        if (found) cache.set(key, { ...found, csrfHash: null }, found.expiresAt, since);
        return found;
      },
      async organisationId(idOrSlug: string) {
        return (await users.findOrganisation(idOrSlug))?.id;
      },
    },
  };
}

/**
 * `db` whose transactions call `changed` once they have committed, when an access change was
 * audited meanwhile (`count` moved). Everything else is `db` itself.
 */
function clearingAfterCommit(db: Database, count: () => number, changed: () => void): Database {
  const transaction: Database['transaction'] = async (work, config) => {
    const before = count();
    const result = await db.transaction(work, config);
    if (count() !== before) changed();
    return result;
  };
  return new Proxy(db, {
    get: (target, property) =>
      property === 'transaction' ? transaction : (Reflect.get(target, property, target) as unknown),
  });
}

export type Access = ReturnType<typeof createAccess>;
