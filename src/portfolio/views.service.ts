import { and, asc, eq, or } from 'drizzle-orm';
import { newId, notFound, type Clock, type Database } from '../kernel/index.ts';
import { portfolioSavedViews } from './portfolio.schema.ts';
import { STAGES, VENTURE_SORTS, type Scope } from './portfolio.types.ts';
import { invalid, type PortfolioAudit } from './ventures.service.ts';

/**
 * Saved views of the ventures list: a name for a set of filters, a sort and a currency, kept
 * per person and optionally shared with the whole organisation (Linear's personal and team
 * views). A view stores the list's query string, reduced to the keys the list understands.
 */

export interface SavedView {
  id: string;
  name: string;
  /** The ventures list's query string, e.g. `category=financial&sort=mrr&order=desc`. */
  query: string;
  shared: boolean;
  /** Whether the person asking made it (only they, or an administrator for a shared one, delete it). */
  mine: boolean;
  createdAt: Date;
}

export const MAX_VIEWS_PER_PERSON = 50;

/** Each key a view may hold and what its value must look like. */
const KEYS: Record<string, (value: string) => boolean> = {
  search: (v) => v.length <= 100,
  category: (v) => /^[a-z][a-z0-9_-]{0,39}$/.test(v),
  stage: (v) => (STAGES as readonly string[]).includes(v),
  tag: (v) => v.length <= 40,
  sort: (v) => (VENTURE_SORTS as readonly string[]).includes(v),
  order: (v) => v === 'asc' || v === 'desc',
  limit: (v) => /^\d{1,3}$/.test(v),
  currency: (v) => /^[A-Z]{3}$/.test(v),
};

/**
 * The query string a view keeps: known keys only, in a fixed order, empty values dropped.
 * @throws UserError naming the first key whose value is not valid.
 */
export function normaliseViewQuery(query: string): string {
  const given = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const kept = new URLSearchParams();
  for (const key of Object.keys(KEYS)) {
    const value = given.get(key);
    if (value === null || value === '') continue;
    if (!KEYS[key]!(value)) throw invalid(`query.${key}`, `is not a valid value: "${value}"`);
    kept.set(key, value);
  }
  return kept.toString();
}

export function createViewsService(deps: { db: Database; clock: Clock; audit: PortfolioAudit }) {
  const { db, clock, audit } = deps;
  const toView = (row: typeof portfolioSavedViews.$inferSelect, userId: string): SavedView => ({
    id: row.id,
    name: row.name,
    query: row.query,
    shared: row.shared,
    mine: row.userId === userId,
    createdAt: row.createdAt,
  });

  return {
    /** The person's own views and those shared in the organisation, by name. */
    async listViews(scope: Scope, userId: string): Promise<SavedView[]> {
      const rows = await db
        .select()
        .from(portfolioSavedViews)
        .where(
          and(
            eq(portfolioSavedViews.orgId, scope.orgId),
            or(eq(portfolioSavedViews.userId, userId), eq(portfolioSavedViews.shared, true)),
          ),
        )
        .orderBy(asc(portfolioSavedViews.name), asc(portfolioSavedViews.id));
      return rows.map((row) => toView(row, userId));
    },

    /**
     * Saves a view; a view of the same name of the same person is replaced.
     * @throws UserError `validation_failed` for an empty name or an invalid query.
     */
    async saveView(
      scope: Scope,
      userId: string,
      input: { name: string; query: string; shared?: boolean | undefined },
    ): Promise<SavedView> {
      const name = input.name.trim();
      if (name === '' || name.length > 80) throw invalid('name', 'must be 1 to 80 characters');
      const query = normaliseViewQuery(input.query);
      return db.transaction(async (tx) => {
        const mine = await tx
          .select({ id: portfolioSavedViews.id, name: portfolioSavedViews.name })
          .from(portfolioSavedViews)
          .where(
            and(eq(portfolioSavedViews.orgId, scope.orgId), eq(portfolioSavedViews.userId, userId)),
          );
        if (mine.length >= MAX_VIEWS_PER_PERSON && !mine.some((v) => v.name === name)) {
          throw invalid(
            'name',
            `cannot be added: a person keeps at most ${MAX_VIEWS_PER_PERSON} views`,
          );
        }
        const [row] = await tx
          .insert(portfolioSavedViews)
          .values({
            id: newId(),
            orgId: scope.orgId,
            userId,
            name,
            query,
            shared: input.shared ?? false,
            createdAt: clock.now(),
          })
          .onConflictDoUpdate({
            target: [
              portfolioSavedViews.orgId,
              portfolioSavedViews.userId,
              portfolioSavedViews.name,
            ],
            set: { query, shared: input.shared ?? false },
          })
          .returning();
        await audit.record(tx, {
          action: 'portfolio.view.save',
          entityType: 'portfolio_saved_view',
          entityId: row!.id,
          orgId: scope.orgId,
          after: { name, query, shared: row!.shared },
        });
        return toView(row!, userId);
      });
    },

    /**
     * Deletes a view: one's own, or (administrators) a shared one.
     * @throws UserError `not_found` (404) for a view the person cannot see or delete.
     */
    async deleteView(scope: Scope, userId: string, isAdmin: boolean, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(portfolioSavedViews)
          .where(and(eq(portfolioSavedViews.orgId, scope.orgId), eq(portfolioSavedViews.id, id)));
        const allowed = row && (row.userId === userId || (row.shared && isAdmin));
        if (!row || !allowed) {
          throw notFound(`View ${id}`);
        }
        await tx.delete(portfolioSavedViews).where(eq(portfolioSavedViews.id, id));
        await audit.record(tx, {
          action: 'portfolio.view.delete',
          entityType: 'portfolio_saved_view',
          entityId: id,
          orgId: scope.orgId,
          before: { name: row.name, query: row.query, shared: row.shared },
        });
      });
    },
  };
}

export type ViewsService = ReturnType<typeof createViewsService>;
