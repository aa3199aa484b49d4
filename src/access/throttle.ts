import { createHash } from 'node:crypto';
import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { UserError, type Clock, type Config, type Database, type DbOrTx } from '../kernel/index.ts';
import { authThrottle } from './access.schema.ts';

/** One thing failures are counted for, and how many it may have within the window. */
export interface ThrottleKey {
  /** What is counted, e.g. `login:addr`, `login:email`, `mfa:user`. */
  scope: string;
  /** Who or what within the scope (an address and e-mail, an e-mail, a user id). */
  subject: string;
  /** Failures within the window before the key locks; 0: never locks. */
  limit: number;
}

export interface FailureOutcome {
  /** Seconds until the lock ends, when this failure (or an earlier one) locked a key. */
  lockedForSeconds: number | undefined;
  /** The keys this very failure locked (for the audit log). */
  newlyLocked: ThrottleKey[];
}

/** Stale rows are swept after this many recorded failures (per process). */
const SWEEP_EVERY = 500;

/**
 * Counts failed sign-ins and code checks and locks what they were counted for. A key locks when
 * it reaches its limit within `windowSeconds` of its first failure, for `windowSeconds`. Rows hold
 * only a SHA-256 of scope and subject, so the table names no e-mail or address.
 */
export function createThrottle(deps: { db: Database; clock: Clock; windowSeconds: number }) {
  const { db, clock, windowSeconds } = deps;
  const windowMs = windowSeconds * 1000;
  let sinceSweep = 0;

  const hashOf = (key: ThrottleKey) =>
    createHash('sha256').update(`${key.scope}\u0000${key.subject}`).digest('hex');
  const remaining = (until: Date, now: Date) =>
    Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

  async function sweep(tx: DbOrTx, now: Date): Promise<void> {
    // A row whose lock is over and whose window is over counts for nothing any more.
    await tx
      .delete(authThrottle)
      .where(
        sql`coalesce(${authThrottle.lockedUntil}, ${authThrottle.windowStartedAt}) < ${new Date(now.getTime() - windowMs)}`,
      );
  }

  return {
    /** Seconds until the longest lock among `keys` ends, or undefined when none is locked. */
    async lockedFor(keys: readonly ThrottleKey[]): Promise<number | undefined> {
      if (keys.length === 0) return undefined;
      const now = clock.now();
      const rows = await db
        .select({ lockedUntil: authThrottle.lockedUntil })
        .from(authThrottle)
        .where(inArray(authThrottle.key, keys.map(hashOf)));
      const until = rows
        .map((r) => r.lockedUntil)
        .filter((d): d is Date => d !== null && d > now)
        .sort((a, b) => b.getTime() - a.getTime())[0];
      return until ? remaining(until, now) : undefined;
    },

    /** Counts one failure against every key; locks those that reach their limit. */
    async fail(keys: readonly ThrottleKey[]): Promise<FailureOutcome> {
      const now = clock.now();
      const windowStart = new Date(now.getTime() - windowMs);
      const lockUntil = new Date(now.getTime() + windowMs);
      return db.transaction(async (tx) => {
        const newlyLocked: ThrottleKey[] = [];
        let longest: Date | undefined;
        for (const key of keys) {
          const k = hashOf(key);
          const expired = sql`(${authThrottle.windowStartedAt} <= ${windowStart} and (${authThrottle.lockedUntil} is null or ${authThrottle.lockedUntil} <= ${now}))`;
          const [row] = await tx
            .insert(authThrottle)
            .values({ key: k, failures: 1, windowStartedAt: now, lockedUntil: null })
            .onConflictDoUpdate({
              target: authThrottle.key,
              set: {
                failures: sql`case when ${expired} then 1 else ${authThrottle.failures} + 1 end`,
                windowStartedAt: sql`case when ${expired} then ${now} else ${authThrottle.windowStartedAt} end`,
              },
            })
            .returning();
          if (!row) continue;
          let until = row.lockedUntil && row.lockedUntil > now ? row.lockedUntil : undefined;
          if (!until && key.limit > 0 && row.failures >= key.limit) {
            until = lockUntil;
            newlyLocked.push(key);
            await tx
              .update(authThrottle)
              .set({ failures: 0, windowStartedAt: now, lockedUntil: until })
              .where(eq(authThrottle.key, k));
          }
          if (until && (!longest || until > longest)) longest = until;
        }
        if (++sinceSweep >= SWEEP_EVERY) {
          sinceSweep = 0;
          await sweep(tx, now);
        }
        return {
          lockedForSeconds: longest ? remaining(longest, now) : undefined,
          newlyLocked,
        };
      });
    },

    /** Forgets the failures of `keys` (after a success). Locks already in force stay. */
    async succeed(keys: readonly ThrottleKey[]): Promise<void> {
      if (keys.length === 0) return;
      await db
        .delete(authThrottle)
        .where(
          and(
            inArray(authThrottle.key, keys.map(hashOf)),
            or(isNull(authThrottle.lockedUntil), lt(authThrottle.lockedUntil, clock.now())),
          ),
        );
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;

/**
 * What a sign-in attempt counts against: this address with this e-mail (locks after
 * `maxFailedLogins`), and the e-mail from every address (after `accountMaxFailedLogins`, far
 * higher; 0: never). Keys exist for any e-mail, known or not, so both behave the same.
 */
export function signInKeys(
  email: string,
  ip: string | null,
  settings: Pick<Config['auth'], 'maxFailedLogins' | 'accountMaxFailedLogins'>,
): ThrottleKey[] {
  return [
    {
      scope: 'login:address',
      subject: `${ip ?? ''}\u0000${email}`,
      limit: settings.maxFailedLogins,
    },
    { scope: 'login:email', subject: email, limit: settings.accountMaxFailedLogins },
  ];
}

/** The answer while sign-in is locked: the same whether the e-mail has an account or not. */
export function signInLocked(seconds: number): UserError {
  return new UserError(
    'account_locked',
    `Too many failed sign-ins: try again in ${seconds} seconds`,
    { status: 429, details: { retryAfterSeconds: seconds } },
  );
}

/** What a signed-in person's code checks (turning MFA off, activating it) count against. */
export function mfaKeys(
  userId: string,
  settings: Pick<Config['auth'], 'maxFailedLogins'>,
): ThrottleKey[] {
  return [{ scope: 'mfa:user', subject: userId, limit: settings.maxFailedLogins }];
}

export function mfaLocked(seconds: number): UserError {
  return new UserError(
    'mfa_locked',
    `Too many wrong authentication codes: try again in ${seconds} seconds`,
    { status: 429, details: { retryAfterSeconds: seconds } },
  );
}
