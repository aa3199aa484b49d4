import { and, asc, eq, gt } from 'drizzle-orm';
import { isUuid, type DbOrTx } from '../kernel/index.ts';
import { ledgerPostings, ledgerTransfers } from './ledger.schema.ts';
import type { Account, Posting, PostingPage } from './ledger.types.ts';

/**
 * Reading postings: an account's, a page at a time, and a transfer's. Each shows its transfer's
 * accounting date (`effectiveAt`) beside when it was recorded.
 */
export function createPostings(deps: {
  db: DbOrTx;
  getAccount(orgId: string, id: string): Promise<Account>;
}) {
  const { db } = deps;
  return {
    /**
     * An account's postings, oldest first, `limit` (1..1000, default 100) at a time after the
     * `after` id (the previous page's `nextAfter`).
     */
    async listPostings(
      orgId: string,
      accountId: string,
      page: { after?: number; limit?: number } = {},
    ): Promise<PostingPage> {
      const { id } = await deps.getAccount(orgId, accountId);
      const limit = Math.min(Math.max(page.limit ?? 100, 1), 1000);
      const rows = await db
        .select({ posting: ledgerPostings, effectiveAt: ledgerTransfers.effectiveAt })
        .from(ledgerPostings)
        .innerJoin(ledgerTransfers, postingTransfer)
        .where(
          and(
            eq(ledgerPostings.orgId, orgId),
            eq(ledgerPostings.accountId, id),
            page.after === undefined ? undefined : gt(ledgerPostings.id, page.after),
          ),
        )
        .orderBy(asc(ledgerPostings.id))
        .limit(limit + 1);
      const postings = rows.slice(0, limit).map((r) => toPosting(r.posting, r.effectiveAt));
      return {
        postings,
        nextAfter: rows.length > limit ? (postings[postings.length - 1]?.id ?? null) : null,
      };
    },

    async transferPostings(orgId: string, transferId: string): Promise<Posting[]> {
      if (!isUuid(transferId)) return [];
      const rows = await db
        .select({ posting: ledgerPostings, effectiveAt: ledgerTransfers.effectiveAt })
        .from(ledgerPostings)
        .innerJoin(ledgerTransfers, postingTransfer)
        .where(
          and(
            eq(ledgerPostings.orgId, orgId),
            eq(ledgerPostings.transferId, transferId.toLowerCase()),
          ),
        )
        .orderBy(asc(ledgerPostings.id));
      return rows.map((r) => toPosting(r.posting, r.effectiveAt));
    },
  };
}

/** A posting's transfer (same organisation), for its accounting date. */
const postingTransfer = and(
  eq(ledgerTransfers.orgId, ledgerPostings.orgId),
  eq(ledgerTransfers.id, ledgerPostings.transferId),
);

function toPosting(row: typeof ledgerPostings.$inferSelect, effectiveAt: Date): Posting {
  return {
    id: row.id,
    transferId: row.transferId,
    accountId: row.accountId,
    side: row.side as Posting['side'],
    amount: row.amount,
    pending: row.pending,
    after: {
      debitsPending: row.debitsPendingAfter,
      creditsPending: row.creditsPendingAfter,
      debitsPosted: row.debitsPostedAfter,
      creditsPosted: row.creditsPostedAfter,
    },
    effectiveAt,
    createdAt: row.createdAt,
  };
}
