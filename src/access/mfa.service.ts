import { and, eq, isNull } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import {
  ErrorCodes,
  UserError,
  newId,
  type Clock,
  type Config,
  type Database,
  type DbOrTx,
} from '../kernel/index.ts';
import { mfaRecoveryCodes, userMfa, users } from './access.schema.ts';
import type { AuditRecorder, Sealer } from './ports.ts';
import { mfaKeys, mfaLocked, type Throttle } from './throttle.ts';
import { hashToken, humanCode, sameHash } from './tokens.ts';

const ISSUER = 'IZA OS';
const PERIOD = 30;
const RECOVERY_CODES = 10;

export interface MfaDeps {
  db: Database;
  clock: Clock;
  vault: Sealer;
  audit: AuditRecorder;
  /** Counts wrong codes of signed-in people (`mfaKeys`). */
  throttle: Throttle;
  settings: Pick<Config['auth'], 'maxFailedLogins'>;
}

/**
 * TOTP (RFC 6238) second factor with single-use recovery codes.
 *
 * Every check of a code for someone already signed in (activating, turning MFA off) goes
 * through `checked()`: wrong codes count like failed sign-ins, and after `maxFailedLogins` of
 * them MFA checks of that person are locked (`429 mfa_locked`) for the lockout period, so a
 * stolen session cannot guess codes. Sign-in counts its codes with its own keys
 * (`verifyAtSignIn`).
 */
export function createMfaService(deps: MfaDeps) {
  const { db, clock, vault, audit, throttle, settings } = deps;
  const aad = (userId: string) => `mfa:${userId}`;

  const totpFor = (secret: Secret, label: string) =>
    new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret });

  /** The time step a code matches (within one step of clock skew), or undefined. */
  function matchingStep(secretBase32: string, code: string): number | undefined {
    if (!/^\d{6}$/.test(code)) return undefined;
    const timestamp = clock.now().getTime();
    const delta = TOTP.validate({
      token: code,
      secret: Secret.fromBase32(secretBase32),
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD,
      timestamp,
      window: 1,
    });
    return delta === null ? undefined : Math.floor(timestamp / 1000 / PERIOD) + delta;
  }

  async function state(tx: DbOrTx, userId: string) {
    const [row] = await tx.select().from(userMfa).where(eq(userMfa.userId, userId));
    return row;
  }

  /** Runs a code check for a signed-in person, counting a wrong code and refusing while locked. */
  async function checked<T>(userId: string, check: () => Promise<T | undefined>): Promise<T> {
    const keys = mfaKeys(userId, settings);
    const lockedFor = await throttle.lockedFor(keys);
    if (lockedFor !== undefined) throw mfaLocked(lockedFor);
    const result = await check();
    if (result !== undefined) {
      await throttle.succeed(keys);
      return result;
    }
    const outcome = await throttle.fail(keys);
    if (outcome.newlyLocked.length > 0) {
      await db.transaction(async (tx) => {
        await audit.record(tx, {
          action: 'auth.mfa_lockout',
          entityType: 'user',
          entityId: userId,
          after: { seconds: outcome.lockedForSeconds ?? null },
        });
      });
    }
    throw outcome.lockedForSeconds === undefined
      ? invalidCode()
      : mfaLocked(outcome.lockedForSeconds);
  }

  /** Checks a TOTP code (each accepted at most once) or an unused recovery code (then spent). */
  async function verify(userId: string, code: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(userMfa)
        .where(eq(userMfa.userId, userId))
        .for('update');
      if (!current?.enabledAt) return false;
      const step = matchingStep(vault.open(current.totpSecretSealed, aad(userId)), code.trim());
      if (step !== undefined) {
        if (current.lastUsedStep !== null && step <= current.lastUsedStep) return false;
        await tx.update(userMfa).set({ lastUsedStep: step }).where(eq(userMfa.userId, userId));
        return true;
      }
      const hash = hashToken(code.trim().toLowerCase());
      const unused = await tx
        .select()
        .from(mfaRecoveryCodes)
        .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)));
      const match = unused.find((r) => sameHash(r.codeHash, hash));
      if (!match) return false;
      await tx
        .update(mfaRecoveryCodes)
        .set({ usedAt: clock.now() })
        .where(eq(mfaRecoveryCodes.id, match.id));
      await audit.record(tx, {
        action: 'mfa.recovery_code_used',
        entityType: 'user',
        entityId: userId,
      });
      return true;
    });
  }

  return {
    async isEnabled(userId: string): Promise<boolean> {
      return Boolean((await state(db, userId))?.enabledAt);
    },

    /** Starts enrolment: a new secret, as an otpauth:// URL and a QR code (SVG) for apps. */
    async enrol(userId: string): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
      const [user] = await db
        .select({ email: users.email })
        .from(users)
        .where(eq(users.id, userId));
      if (!user) throw new UserError(ErrorCodes.notFound, 'User not found', { status: 404 });
      const current = await state(db, userId);
      if (current?.enabledAt) {
        throw new UserError(
          'mfa_already_enabled',
          'Two-factor authentication is already on; disable it first',
          {
            status: 409,
          },
        );
      }
      const secret = new Secret({ size: 20 });
      const sealed = vault.seal(secret.base32, aad(userId));
      await db
        .insert(userMfa)
        .values({ userId, totpSecretSealed: sealed, createdAt: clock.now() })
        .onConflictDoUpdate({
          target: userMfa.userId,
          set: { totpSecretSealed: sealed, lastUsedStep: null },
        });
      const otpauthUrl = totpFor(secret, user.email).toString();
      return {
        secret: secret.base32,
        otpauthUrl,
        qrSvg: await QRCode.toString(otpauthUrl, { type: 'svg', margin: 1 }),
      };
    },

    /**
     * Confirms enrolment with a first code; returns the recovery codes, shown this once. Wrong
     * codes count towards the MFA lock.
     */
    async activate(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
      const current = await state(db, userId);
      if (!current)
        throw new UserError('mfa_not_enrolled', 'Start enrolment first', { status: 409 });
      if (current.enabledAt) {
        throw new UserError('mfa_already_enabled', 'Two-factor authentication is already on', {
          status: 409,
        });
      }
      const step = await checked(userId, async () =>
        matchingStep(vault.open(current.totpSecretSealed, aad(userId)), code),
      );
      return db.transaction(async (tx) => {
        const updated = await tx
          .update(userMfa)
          .set({ enabledAt: clock.now(), lastUsedStep: step })
          .where(and(eq(userMfa.userId, userId), isNull(userMfa.enabledAt)))
          .returning({ userId: userMfa.userId });
        if (updated.length === 0) {
          throw new UserError('mfa_already_enabled', 'Two-factor authentication is already on', {
            status: 409,
          });
        }
        await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
        const codes = Array.from({ length: RECOVERY_CODES }, () => humanCode());
        await tx
          .insert(mfaRecoveryCodes)
          .values(codes.map((c) => ({ id: newId(), userId, codeHash: hashToken(c) })));
        await audit.record(tx, { action: 'mfa.enable', entityType: 'user', entityId: userId });
        return { recoveryCodes: codes };
      });
    },

    /**
     * Checks a code at sign-in (TOTP, each accepted once, or an unused recovery code, then
     * spent). Sign-in counts failures with its own keys: use `disable` and `activate`, which
     * count them, for people already signed in.
     */
    verifyAtSignIn: verify,

    /** Turns MFA off after checking a current code (wrong codes count towards the MFA lock). */
    async disable(userId: string, code: string): Promise<void> {
      await checked(userId, async () => ((await verify(userId, code)) ? true : undefined));
      await db.transaction(async (tx) => {
        await tx.delete(userMfa).where(eq(userMfa.userId, userId));
        await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
        await audit.record(tx, { action: 'mfa.disable', entityType: 'user', entityId: userId });
      });
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;

export function invalidCode(): UserError {
  return new UserError('mfa_invalid_code', 'The authentication code is not valid', { status: 401 });
}
