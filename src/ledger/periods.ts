import { and, asc, eq, sql } from 'drizzle-orm';
import { UserError, isUuid, newId, notFound, type Clock, type Database } from '../kernel/index.ts';
import { requireDay } from './days.ts';
import { utcDay } from './fx.ts';
import { ledgerAccounts, ledgerEntities, ledgerPeriodCloses } from './ledger.schema.ts';
import type { PeriodClose, PeriodCloseInput } from './ledger.types.ts';
import { invalid } from './transfers.input.ts';
import type { LedgerAudit } from './transfers.service.ts';

/**
 * Period close: an entity's books are closed through a day, and from then on nothing may be dated
 * on or before it. The day is kept on the entity and copied onto each of its accounts, where the
 * transfer engine reads it from the rows a batch locks anyway (`period_closed`).
 */

export interface PeriodsDeps {
  db: Database;
  clock: Clock;
  audit: LedgerAudit;
}

const MAX_NOTE = 2_000;

export function createPeriods(deps: PeriodsDeps) {
  const { db, clock, audit } = deps;

  return {
    /**
     * Closes `entityId`'s books through the day `through` (UTC, inclusive): after the current
     * close, and not after today. Locks the entity, then all its accounts in ascending id order
     * (the order every ledger writer locks accounts in), so a batch either committed before (its
     * postings were legitimately dated then) or sees the new day on the rows it locks.
     * @throws UserError `ledger_period_already_closed` (409), `ledger_period_not_over` (422).
     */
    closePeriod: async (
      orgId: string,
      entityId: string,
      input: PeriodCloseInput,
    ): Promise<PeriodClose> => {
      const through = requireDay(input.through, 'through');
      const note = input.note ?? null;
      if (note !== null && note.length > MAX_NOTE) {
        throw invalid('note', `must be at most ${MAX_NOTE} characters`);
      }
      const now = clock.now();
      const today = utcDay(now);
      if (through > today) {
        throw new UserError(
          'ledger_period_not_over',
          `A period can be closed through today (${today}) at the latest, not ${through}`,
          { status: 422, details: [{ path: 'through', message: `must not be after ${today}` }] },
        );
      }
      if (!isUuid(entityId)) throw notFound(`Entity ${entityId}`);
      const id = entityId.toLowerCase();
      return db.transaction(async (tx) => {
        const [entity] = await tx
          .select({ code: ledgerEntities.code, closedThrough: ledgerEntities.closedThrough })
          .from(ledgerEntities)
          .where(and(eq(ledgerEntities.orgId, orgId), eq(ledgerEntities.id, id)))
          .for('update');
        if (!entity) throw notFound(`Entity ${entityId}`);
        const previous = entity.closedThrough;
        if (previous !== null && through <= previous) {
          throw new UserError(
            'ledger_period_already_closed',
            `${entity.code} is closed through ${previous}: close a later day`,
            { status: 409, details: [{ path: 'through', message: `must be after ${previous}` }] },
          );
        }
        // The ledger's lock order: ascending account id, as batches take them.
        const accounts = await tx
          .select({ id: ledgerAccounts.id })
          .from(ledgerAccounts)
          .where(and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.entityId, id)))
          .orderBy(asc(ledgerAccounts.id))
          .for('update');
        await tx
          .update(ledgerEntities)
          .set({ closedThrough: through })
          .where(and(eq(ledgerEntities.orgId, orgId), eq(ledgerEntities.id, id)));
        await tx
          .update(ledgerAccounts)
          .set({ closedThrough: through, changedXid: sql`pg_current_xact_id()` })
          .where(and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.entityId, id)));
        const [row] = await tx
          .insert(ledgerPeriodCloses)
          .values({
            id: newId(),
            orgId,
            entityId: id,
            closedThrough: through,
            previousClosedThrough: previous,
            note,
            createdAt: now,
          })
          .returning();
        await audit.record(tx, {
          action: 'ledger.period.close',
          entityType: 'ledger_entity',
          entityId: id,
          orgId,
          before: { closedThrough: previous },
          after: { closedThrough: through, note, accounts: accounts.length },
        });
        return toPeriodClose(row!);
      });
    },

    /** An entity's period closes, oldest first (404 for an entity not in the organisation). */
    listPeriodCloses: async (orgId: string, entityId: string): Promise<PeriodClose[]> => {
      const [entity] = isUuid(entityId)
        ? await db
            .select({ id: ledgerEntities.id })
            .from(ledgerEntities)
            .where(and(eq(ledgerEntities.orgId, orgId), eq(ledgerEntities.id, entityId)))
        : [];
      if (!entity) throw notFound(`Entity ${entityId}`);
      const rows = await db
        .select()
        .from(ledgerPeriodCloses)
        .where(and(eq(ledgerPeriodCloses.orgId, orgId), eq(ledgerPeriodCloses.entityId, entity.id)))
        .orderBy(asc(ledgerPeriodCloses.closedThrough));
      return rows.map(toPeriodClose);
    },
  };
}

function toPeriodClose(row: typeof ledgerPeriodCloses.$inferSelect): PeriodClose {
  return {
    id: row.id,
    entityId: row.entityId,
    closedThrough: row.closedThrough,
    previousClosedThrough: row.previousClosedThrough,
    note: row.note,
    createdAt: row.createdAt,
  };
}
