import { and, eq, type SQL } from 'drizzle-orm';
import { memberships, users } from './access.schema.ts';

/**
 * Who may act in an organisation: a person whose account is active (not disabled by the
 * installation's administrator, not erased) and whose membership of that organisation is active
 * (not disabled by the organisation). Every credential is checked against this one condition:
 * access tokens, refresh tokens, sign-in, and the creator behind an API key.
 *
 * Use it in a query that joins `users` and `memberships` of the same person.
 */
export function mayAct(): SQL {
  return and(eq(users.status, 'active'), eq(memberships.status, 'active'))!;
}

export const MEMBER_STATUSES = ['active', 'disabled'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
