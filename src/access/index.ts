import type { Kernel } from '../kernel/index.ts';
import { openVault, type Vault } from '../kernel/crypto/index.ts';
import { createApiKeysService } from './apikeys.service.ts';
import { createAuditLog, type AuditLog } from './audit.service.ts';
import { createAuthService } from './auth.service.ts';
import { createGdprService } from './gdpr.service.ts';
import { createMfaService } from './mfa.service.ts';
import { createSecretsService } from './secrets.service.ts';
import { createSetup } from './setup.ts';
import { createUsersService } from './users.service.ts';
import { createPrincipalCache } from './principal-cache.ts';
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
  // Every access change is audited, so the audit call is where cached credentials are dropped.
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
  const audit: AuditRecorder = {
    record: async (tx, entry) => {
      const receipt = await auditLog.record(tx, entry);
      changed();
      return receipt;
    },
    redact: async (tx, options) => {
      const count = await auditLog.redact(tx, options);
      changed();
      return count;
    },
  };
  const users = createUsersService({ db, clock, audit });
  const mfa = createMfaService({ db, clock, vault, audit });
  const auth = createAuthService({ db, clock, audit, mfa, settings: config.auth });
  const apiKeys = createApiKeysService({ db, clock, audit });
  const gdpr = createGdprService({ db, clock, audit });
  const secrets = createSecretsService({ db, vault, clock, audit: auditLog });
  const setup = createSetup({ users, log });
  return {
    vault,
    audit: auditLog,
    users,
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
        const found = await auth.principalForAccessToken(token);
        if (found) cache.set(key, found, found.expiresAt);
        return found;
      },
      async apiKey(apiKey: string) {
        const key = `key:${hashToken(apiKey)}`;
        const cached = cache.get(key);
        if (cached) return cached;
        const found = await apiKeys.principalForKey(apiKey);
        if (found) cache.set(key, { ...found, csrfHash: null }, found.expiresAt);
        return found;
      },
      async organisationId(idOrSlug: string) {
        return (await users.findOrganisation(idOrSlug))?.id;
      },
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
