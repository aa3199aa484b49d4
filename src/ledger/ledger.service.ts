import { and, asc, eq, sql } from 'drizzle-orm';
import {
  ErrorCodes,
  UserError,
  isUuid,
  newId,
  notFound,
  type Clock,
  type Database,
  type Logger,
} from '../kernel/index.ts';
import { chartRows } from './chart.ts';
import { formatMinor, requireCurrency } from './currencies.ts';
import { ledgerAccounts, ledgerEntities } from './ledger.schema.ts';
import { ledgerChanges } from './reports.cache.ts';
import type {
  Account,
  AccountInput,
  AccountType,
  CashFlowClass,
  Entity,
  EntityInput,
  EntityKind,
  PeriodCloseInput,
  TransferInput,
} from './ledger.types.ts';
import { createApprovalPolicies } from './approvals.policies.ts';
import { createApprovals } from './approvals.service.ts';
import { createFxService } from './fx.service.ts';
import { createIntercompany } from './intercompany.ts';
import { createPeriods } from './periods.ts';
import { createPostings } from './postings.ts';
import { closeRevalued, createRevaluation } from './revaluation.ts';
import { listTransfers, type TransferFilter, type TransferPage } from './transfers.list.ts';
import { createTransfersService, type LedgerAudit } from './transfers.service.ts';
import { createSingleTransfers } from './transfers.single.ts';

export interface LedgerServiceDeps {
  db: Database;
  clock: Clock;
  /** `access.audit`: every write appends to it inside its own transaction. */
  audit: LedgerAudit;
  log?: Logger;
  /** How many days after now a transfer may be dated (`ledger.maxFutureDays`; default 366). */
  maxFutureDays?: number;
  /**
   * The person an API key answers for (`user:<id>`; `access.apiKeys.ownerOf`), so that nobody
   * approves a transfer they asked for through their own key.
   */
  apiKeyOwner?: (orgId: string, apiKeyId: string) => Promise<string | null>;
}

type EntityRow = typeof ledgerEntities.$inferSelect;
/** An entity as `listEntities` reads it: its columns in order, `created_at` in epoch milliseconds. */
type EntityTuple = [string, string, string, string, string, string | null, string | null, number];
type AccountRow = typeof ledgerAccounts.$inferSelect;

const DEBIT_NORMAL: ReadonlySet<AccountType> = new Set(['asset', 'expense']);

/**
 * The ledger: legal entities with their chart of accounts, accounts with running totals, and
 * double-entry transfers (see README.md beside this file for the guarantees).
 * @example const ledger = createLedgerService({ db: kernel.db, clock: kernel.clock, audit: access.audit });
 */
export function createLedgerService(deps: LedgerServiceDeps) {
  const { db, clock, audit } = deps;
  const log = deps.log?.child({ module: 'ledger' });
  const transfers = createTransfersService({
    db,
    clock,
    audit,
    log,
    maxFutureDays: deps.maxFutureDays,
  });

  async function getEntity(orgId: string, id: string): Promise<Entity> {
    const [row] = isUuid(id)
      ? await db
          .select()
          .from(ledgerEntities)
          .where(and(eq(ledgerEntities.orgId, orgId), eq(ledgerEntities.id, id)))
      : [];
    if (!row) throw notFound(`Entity ${id}`);
    return toEntity(row);
  }

  async function getAccount(orgId: string, id: string): Promise<Account> {
    const [row] = isUuid(id)
      ? await db
          .select()
          .from(ledgerAccounts)
          .where(and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.id, id)))
      : [];
    if (!row) throw notFound(`Account ${id}`);
    return toAccount(row);
  }

  const fx = createFxService({ db, clock, audit });
  const postings = createPostings({ db, getAccount });
  const periods = createPeriods({ db, clock, audit });

  /** The entity list per organisation, the least recently asked for first (see `entityList`). */
  const entityLists = new Map<string, { structure: string; entities: Entity[] }>();

  const service = {
    createTransfers: transfers.createTransfers,
    lookupTransfers: transfers.lookupTransfers,
    getTransfer: transfers.getTransfer,
    reverseTransfer: transfers.reverseTransfer,
    /**
     * Transfers by account, entity and effective date, a page at a time (transfers.list.ts).
     * An account or entity of another organisation is not found (404).
     */
    async listTransfers(orgId: string, filter: TransferFilter): Promise<TransferPage> {
      if (filter.accountId !== undefined) {
        filter = { ...filter, accountId: (await getAccount(orgId, filter.accountId)).id };
      }
      if (filter.entityId !== undefined) {
        filter = { ...filter, entityId: (await getEntity(orgId, filter.entityId)).id };
      }
      return listTransfers(db, orgId, filter);
    },
    ...createSingleTransfers(transfers),
    expirePending: transfers.expirePending,

    recordFxRates: fx.recordFxRates,
    listFxRates: fx.listFxRates,
    lookupFxRate: fx.lookupFxRate,

    listPeriodCloses: periods.listPeriodCloses,

    /**
     * Creates a legal entity and, in the same transaction, its chart of accounts from the
     * template (`chart.ts`) in its base currency.
     */
    async createEntity(
      orgId: string,
      input: EntityInput,
    ): Promise<{ entity: Entity; accounts: Account[] }> {
      requireCurrency(input.baseCurrency, 'baseCurrency');
      const parentId = input.parentId ?? null;
      if (parentId !== null) await getEntity(orgId, parentId);
      const now = clock.now();
      const entity: EntityRow = {
        id: newId(),
        orgId,
        code: input.code,
        name: input.name,
        kind: input.kind,
        baseCurrency: input.baseCurrency,
        parentId,
        closedThrough: null,
        createdAt: now,
      };
      const accounts = chartRows(entity, now);
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(ledgerEntities)
          .values(entity)
          .onConflictDoNothing()
          .returning({ id: ledgerEntities.id });
        if (inserted.length === 0) throw conflict(`An entity with code "${input.code}" exists`);
        const rows = await tx.insert(ledgerAccounts).values(accounts).returning();
        await audit.record(tx, {
          action: 'ledger.entity.create',
          entityType: 'ledger_entity',
          entityId: entity.id,
          orgId,
          after: { ...input, parentId, accounts: rows.length },
        });
        return { entity: toEntity(entity), accounts: rows.map(toAccount) };
      });
    },

    /**
     * The organisation's entities by code; with `parentId: null` only those without a parent
     * (the top of each group), with an id only that entity's children.
     */
    async listEntities(
      orgId: string,
      filter: { parentId?: string | null } = {},
    ): Promise<Entity[]> {
      const parent =
        filter.parentId === undefined
          ? sql``
          : filter.parentId === null
            ? sql`and parent_id is null`
            : isUuid(filter.parentId)
              ? sql`and parent_id = ${filter.parentId}::uuid`
              : sql`and false`;
      // One row of JSON instead of a row per entity: PGlite decodes each field of each row in
      // JavaScript, which was most of the time of a list of 1,000 entities.
      const result = (await db.execute(sql`
        select json_agg(json_build_array(id, code, name, kind, base_currency, parent_id,
                 closed_through, floor(extract(epoch from created_at) * 1000)) order by code)::text
               as list
        from ledger_entities where org_id = ${orgId} ${parent}`)) as {
        rows: { list: string | null }[];
      };
      const rows = JSON.parse(result.rows[0]?.list ?? '[]') as EntityTuple[];
      return rows.map(([id, code, name, kind, baseCurrency, parentId, closedThrough, createdAt]) =>
        toEntity({
          id,
          orgId,
          code,
          name,
          kind,
          baseCurrency,
          parentId,
          closedThrough,
          createdAt: new Date(createdAt),
        }),
      );
    },

    /**
     * Every entity of the organisation by code, as `listEntities`: the same array while no
     * entity was created and no period closed (see `ledgerChanges`), so a route can send the JSON
     * it made before (1,001 entities are about 250 KB).
     */
    async entityList(orgId: string): Promise<readonly Entity[]> {
      // Read before the list: a list read later is never older than the text it is kept with.
      const { structure } = await ledgerChanges(db, orgId, null);
      const known = entityLists.get(orgId);
      entityLists.delete(orgId);
      const entry =
        known?.structure === structure
          ? known
          : { structure, entities: await service.listEntities(orgId) };
      entityLists.set(orgId, entry);
      for (const oldest of entityLists.keys()) {
        if (entityLists.size <= 64) break;
        entityLists.delete(oldest);
      }
      return entry.entities;
    },

    getEntity,

    /** Adds an account to an entity; its currency defaults to the entity's base currency. */
    async createAccount(orgId: string, input: AccountInput): Promise<Account> {
      const entity = await getEntity(orgId, input.entityId);
      const counterpartyEntityId = input.counterpartyEntityId ?? null;
      if (counterpartyEntityId !== null) {
        const counterparty = await getEntity(orgId, counterpartyEntityId).catch(() => undefined);
        if (!counterparty || counterparty.id === entity.id) {
          throw invalid('counterpartyEntityId', 'must be another entity of the organisation');
        }
      }
      const currency = input.currency ?? entity.baseCurrency;
      requireCurrency(currency, 'currency');
      if (input.debitsMustNotExceedCredits && input.creditsMustNotExceedDebits) {
        throw invalid('flags', 'an account takes at most one of the two balance limits');
      }
      const parentAccountId = input.parentAccountId ?? null;
      if (parentAccountId !== null) {
        const parent = await getAccount(orgId, parentAccountId).catch(() => undefined);
        if (parent?.entityId !== entity.id) {
          throw invalid('parentAccountId', 'must be an account of the same entity');
        }
      }
      const row = {
        id: newId(),
        orgId,
        entityId: entity.id,
        code: input.code,
        name: input.name,
        type: input.type,
        currency,
        parentAccountId,
        debitsMustNotExceedCredits: input.debitsMustNotExceedCredits ?? false,
        creditsMustNotExceedDebits: input.creditsMustNotExceedDebits ?? false,
        cash: input.cash ?? false,
        cashFlow: input.cashFlow ?? 'operating',
        counterpartyEntityId,
        createdAt: clock.now(),
      };
      return db.transaction(async (tx) => {
        // The entity's closed periods apply to the new account too: read them under a share
        // lock, which a period close (FOR UPDATE on the entity) waits for and vice versa.
        const [locked] = await tx
          .select({ closedThrough: ledgerEntities.closedThrough })
          .from(ledgerEntities)
          .where(and(eq(ledgerEntities.orgId, orgId), eq(ledgerEntities.id, entity.id)))
          .for('share');
        const [created] = await tx
          .insert(ledgerAccounts)
          .values({ ...row, closedThrough: locked?.closedThrough ?? null })
          .onConflictDoNothing()
          .returning();
        if (!created) throw conflict(`Entity ${entity.code} has an account ${input.code}`);
        await audit.record(tx, {
          action: 'ledger.account.create',
          entityType: 'ledger_account',
          entityId: row.id,
          orgId,
          after: { ...input, currency, parentAccountId, counterpartyEntityId },
        });
        return toAccount(created);
      });
    },

    /** Accounts with their totals, by entity then code. */
    async listAccounts(orgId: string, filter: { entityId?: string } = {}): Promise<Account[]> {
      if (filter.entityId !== undefined && !isUuid(filter.entityId)) return [];
      const rows = await db
        .select()
        .from(ledgerAccounts)
        .where(
          and(
            eq(ledgerAccounts.orgId, orgId),
            filter.entityId === undefined
              ? undefined
              : eq(ledgerAccounts.entityId, filter.entityId),
          ),
        )
        .orderBy(asc(ledgerAccounts.entityId), asc(ledgerAccounts.code));
      return rows.map(toAccount);
    },

    getAccount,

    /**
     * Closes an account: no transfer may touch it afterwards. Refused while it holds pending
     * transfers (void or post them first); holds past their timeout are released on the way.
     */
    async closeAccount(orgId: string, accountId: string): Promise<Account> {
      // The stored id (lower case, as PostgreSQL prints it) is the key of the locked accounts.
      const { id } = await getAccount(orgId, accountId);
      return db.transaction(async (tx) => {
        const locked = (await transfers.lockReleasingExpired(tx, orgId, new Set([id]))).get(id);
        if (!locked) throw notFound(`Account ${id}`);
        if (locked.closed) throw conflict(`Account ${id} is already closed`, 'account_closed');
        if (locked.debitsPending !== 0n || locked.creditsPending !== 0n) {
          throw conflict(
            `Account ${id} has pending transfers: post or void them first`,
            'account_has_pending_transfers',
          );
        }
        // A closed account takes no more transfers: whatever it holds would stay for ever.
        const balance = locked.debitsPosted - locked.creditsPosted;
        if (balance !== 0n) {
          const side = balance > 0n ? 'debit' : 'credit';
          const amount = formatMinor(balance < 0n ? -balance : balance, locked.currency);
          throw new UserError(
            'account_has_balance',
            `Account ${id} has a ${side} balance of ${amount}: transfer it to another account first`,
            {
              status: 409,
              details: { balance: balance.toString(), side, currency: locked.currency },
            },
          );
        }
        const [row] = await tx
          .update(ledgerAccounts)
          .set({ closedAt: clock.now(), changedXid: sql`pg_current_xact_id()` })
          .where(and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.id, id)))
          .returning();
        await audit.record(tx, {
          action: 'ledger.account.close',
          entityType: 'ledger_account',
          entityId: id,
          orgId,
          after: { closedAt: row!.closedAt },
        });
        return toAccount(row!);
      });
    },

    /** An account's postings, oldest first, a page at a time (postings.ts). */
    listPostings: (orgId: string, accountId: string, page?: { after?: number; limit?: number }) =>
      postings.listPostings(orgId, accountId, page),
    /** Every posting of a transfer (its own, or for a hold also its expiry), in order. */
    transferPostings: (orgId: string, transferId: string) =>
      postings.transferPostings(orgId, transferId),
  };

  const policies = createApprovalPolicies({ db, clock, audit, getEntity });
  const approvals = createApprovals({
    db,
    clock,
    audit,
    log,
    policies,
    transfers,
    createTransfer: service.createTransfer,
    reverseTransferOrFail: service.reverseTransferOrFail,
    getTransfer: service.getTransfer,
    apiKeyOwner: deps.apiKeyOwner,
    maxFutureDays: deps.maxFutureDays,
  });

  const intercompany = createIntercompany({
    db,
    clock,
    getEntity,
    createAccount: (orgId, input) => service.createAccount(orgId, input),
    createTransfers: transfers.createTransfers,
    lookupTransfers: transfers.lookupTransfers,
    submitLegs: approvals.submitChain,
    askedFirstLeg: approvals.askedTransfer,
  });

  const revaluation = createRevaluation({
    db,
    clock,
    getEntity,
    listEntities: (orgId) => service.listEntities(orgId),
    listAccounts: (orgId, filter) => service.listAccounts(orgId, filter),
    createAccount: (orgId, input) => service.createAccount(orgId, input),
    createTransfers: transfers.createTransfers,
  });

  return {
    ...service,
    listApprovalPolicies: policies.listPolicies,
    createApprovalPolicy: policies.createPolicy,
    removeApprovalPolicy: policies.removePolicy,
    listTransferRequests: approvals.listTransferRequests,
    getTransferRequest: approvals.getTransferRequest,
    /**
     * One transfer asked for by someone (API, dashboard, CLI, MCP): it waits for approval when a
     * policy catches it, else posts as `createTransfer` does (approvals.service.ts).
     */
    submitTransfer: approvals.submitTransfer,
    /**
     * The reversal of a posted transfer asked for by someone: it waits for approval when a policy
     * catches it, else posts as `reverseTransferOrFail` does (approvals.service.ts).
     */
    submitReversal: approvals.submitReversal,
    /**
     * A batch asked for by someone: refused whole (`409 ledger_approval_required`, naming them)
     * when a policy catches any of its transfers, since a batch cannot wait for approval; else
     * `createTransfers`. The ledger's own writers (revaluation, intercompany, the demo) call
     * `createTransfers` directly.
     */
    async submitTransfers(orgId: string, batch: readonly TransferInput[]) {
      const caught = await approvals.catchInBatch(orgId, batch);
      if (caught.length > 0) {
        throw new UserError(
          'ledger_approval_required',
          `${caught.length} transfer(s) of this batch need approval (the first: ${caught[0]!.id}, at ${caught[0]!.index}): send them one at a time, each then waits for approval, and the rest as a batch`,
          { status: 409, details: { transfers: caught.slice(0, 100) } },
        );
      }
      return transfers.createTransfers(orgId, batch);
    },
    approveTransferRequest: approvals.approve,
    rejectTransferRequest: approvals.reject,
    /**
     * Cash between two entities, in each one's currency, as one linked pair (intercompany.ts);
     * `submitIntercompanyTransfer` when someone asks: it waits for approval when a policy catches
     * either leg.
     */
    createIntercompanyTransfer: intercompany.createIntercompanyTransfer,
    submitIntercompanyTransfer: intercompany.submitIntercompanyTransfer,
    /** Foreign-currency monetary accounts re-measured at the closing rate (revaluation.ts). */
    revalue: revaluation.revalue,
    /**
     * Closes the entity's books through a day (periods.ts), after revaluing its foreign-currency
     * monetary accounts at that day's closing rate (revaluation.ts).
     */
    closePeriod: (orgId: string, entityId: string, input: PeriodCloseInput) =>
      closeRevalued(
        revaluation.revalue,
        periods.closePeriod,
        getEntity,
        clock,
        orgId,
        entityId,
        input,
      ),
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;

function toEntity(row: EntityRow): Entity {
  return { ...row, kind: row.kind as EntityKind };
}

function toAccount(row: AccountRow): Account {
  const type = row.type as AccountType;
  const debitBalance = row.debitsPosted - row.creditsPosted;
  return {
    ...row,
    type,
    cashFlow: row.cashFlow as CashFlowClass,
    balance: DEBIT_NORMAL.has(type) ? debitBalance : -debitBalance,
  };
}

function invalid(path: string, message: string): UserError {
  return new UserError(ErrorCodes.validationFailed, `${path} ${message}`, {
    details: [{ path, message }],
  });
}

function conflict(message: string, code: string = ErrorCodes.conflict): UserError {
  return new UserError(code, message, { status: 409 });
}
