import { and, eq } from 'drizzle-orm';
import { v5 as uuidv5 } from 'uuid';
import {
  ErrorCodes,
  IzaError,
  UnexpectedError,
  UserError,
  type Clock,
  type Database,
} from '../kernel/index.ts';
import { requireCurrency } from './currencies.ts';
import { convertMinor, invert, parseRate, requireRateOn, utcDay, type Fraction } from './fx.ts';
import { ledgerAccounts } from './ledger.schema.ts';
import {
  INTERCOMPANY_KINDS,
  MAX_AMOUNT,
  type Account,
  type AccountInput,
  type Entity,
  type IntercompanyKind,
  type IntercompanyLeg,
  type IntercompanyTransferInput,
  type IntercompanyTransferResult,
  type Transfer,
  type TransferInput,
  type TransferResult,
  type TransferResultCode,
} from './ledger.types.ts';
import type { Awaiting } from './approvals.service.ts';
import type { ApprovalActor } from './approvals.types.ts';
import { invalid, uuid } from './transfers.input.ts';

/**
 * Intercompany transfers: cash moving from one entity of the organisation to another, booked as
 * two transfers (one per entity, each in its own base currency, so every entity's books balance
 * on their own) submitted as one linked chain, through per-counterparty intercompany accounts
 * that consolidation eliminates.
 */

/** The namespace of the second leg's id: a UUIDv5 of the first leg's id, so a retry finds it. */
const SECOND_LEG_NAMESPACE = '5a0c3f5e-2d1b-4c8e-9f57-4b7e1d9a6c21';
/** The template chart's bank account: where cash moves by default. */
const BANK_CODE = '1100';
const RECEIVABLE_CODE = '1300';
const PAYABLE_CODE = '2100';

export interface IntercompanyDeps {
  db: Database;
  clock: Clock;
  getEntity(orgId: string, id: string): Promise<Entity>;
  createAccount(orgId: string, input: AccountInput): Promise<Account>;
  createTransfers(orgId: string, transfers: readonly TransferInput[]): Promise<TransferResult[]>;
  lookupTransfers(orgId: string, ids: readonly string[]): Promise<Transfer[]>;
  /**
   * Approval policies over the legs someone asks for (approvals.service.ts `submitChain`): the
   * request waiting for approval when a policy catches either leg, else undefined (book them).
   */
  submitLegs?(
    orgId: string,
    legs: readonly TransferInput[],
    actor: ApprovalActor,
  ): Promise<Awaiting | undefined>;
  /** The first leg a request under `id` holds, as asked (its date and rate), if any. */
  askedFirstLeg?(orgId: string, id: string): Promise<AskedLeg | undefined>;
}

/** What a retry reads back from a first leg asked for before: its date and recorded rate. */
interface AskedLeg {
  effectiveAt?: Date | undefined;
  metadata?: Record<string, unknown> | null | undefined;
}

/** An intercompany transfer booked (or refused), or waiting for approval as one request. */
export type IntercompanyOutcome = IntercompanyTransferResult | (Awaiting & { id: string });

/** What the legs record in `metadata.intercompany` (and a replay reads back). */
interface IntercompanyMetadata {
  id: string;
  kind: IntercompanyKind;
  fromEntityId: string;
  toEntityId: string;
  /** Minor units of `sourceCurrency`, as a decimal string. */
  sourceAmount: string;
  sourceCurrency: string;
  /** The recorded decimal used; with `inverted`, its inverse was. */
  rate: string;
  rateEffectiveOn: string;
  inverted: boolean;
}

interface Rate {
  rate: string;
  effectiveOn: string;
  inverted: boolean;
  fraction: Fraction;
}

/** The id of an intercompany transfer's second leg (`to`'s), derived from the first's. */
export function secondLegId(id: string): string {
  return uuidv5(id.toLowerCase(), SECOND_LEG_NAMESPACE);
}

export function createIntercompany(deps: IntercompanyDeps) {
  const { db, clock } = deps;

  async function accountByCode(orgId: string, entityId: string, code: string) {
    const [row] = await db
      .select()
      .from(ledgerAccounts)
      .where(
        and(
          eq(ledgerAccounts.orgId, orgId),
          eq(ledgerAccounts.entityId, entityId),
          eq(ledgerAccounts.code, code),
        ),
      );
    return row;
  }

  /** Where cash leaves or arrives: the account given (of that entity), else its bank account. */
  async function cashAccount(orgId: string, entity: Entity, id: string | undefined, path: string) {
    if (id === undefined) {
      const bank = await accountByCode(orgId, entity.id, BANK_CODE);
      if (!bank) throw invalid(path, `is required: ${entity.code} has no ${BANK_CODE} account`);
      return bank;
    }
    const [row] = await db
      .select()
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.orgId, orgId), eq(ledgerAccounts.id, uuid(id, path))));
    if (row?.entityId !== entity.id) throw invalid(path, `must be an account of ${entity.code}`);
    return row;
  }

  /**
   * `entity`'s intercompany account with `counterparty` (receivable `1300-<code>` or payable
   * `2100-<code>`, under the template's 1300 or 2100), created on first use. Creating it twice at
   * once is safe: the account code is unique per entity, and the loser reads the winner's.
   */
  async function counterpartyAccount(
    orgId: string,
    entity: Entity,
    counterparty: Entity,
    side: 'receivable' | 'payable',
  ) {
    const parentCode = side === 'receivable' ? RECEIVABLE_CODE : PAYABLE_CODE;
    const code = `${parentCode}-${counterparty.code}`;
    const check = (row: NonNullable<Awaited<ReturnType<typeof accountByCode>>>) => {
      if (row.counterpartyEntityId !== counterparty.id || row.currency !== entity.baseCurrency) {
        throw new UserError(
          'ledger_intercompany_account_conflict',
          `Account ${code} of ${entity.code} exists but is not its ${entity.baseCurrency} account with ${counterparty.code}`,
          { status: 409 },
        );
      }
      return row;
    };
    const found = await accountByCode(orgId, entity.id, code);
    if (found) return check(found);
    const parent = await accountByCode(orgId, entity.id, parentCode);
    try {
      await deps.createAccount(orgId, {
        entityId: entity.id,
        code,
        name: `${side === 'receivable' ? 'Due from' : 'Due to'} ${counterparty.name}`,
        type: side === 'receivable' ? 'asset' : 'liability',
        currency: entity.baseCurrency,
        parentAccountId: parent?.id ?? null,
        cashFlow: (parent?.cashFlow ??
          (side === 'receivable' ? 'investing' : 'financing')) as Account['cashFlow'],
        counterpartyEntityId: counterparty.id,
      });
    } catch (error) {
      // Created meanwhile by a concurrent call: use that one.
      if (!(error instanceof IzaError && error.code === ErrorCodes.conflict)) throw error;
    }
    const created = await accountByCode(orgId, entity.id, code);
    if (!created) {
      throw new UnexpectedError(
        ErrorCodes.internal,
        `account ${code} of ${entity.code} not stored`,
      );
    }
    return check(created);
  }

  /** The rate a stored first leg was booked with, when it is an intercompany leg of this request. */
  function storedRate(stored: AskedLeg | undefined, sourceCurrency: string): Rate | undefined {
    const meta = stored?.metadata?.intercompany as Partial<IntercompanyMetadata> | undefined;
    if (
      typeof meta?.rate !== 'string' ||
      typeof meta.rateEffectiveOn !== 'string' ||
      typeof meta.inverted !== 'boolean' ||
      meta.sourceCurrency !== sourceCurrency
    ) {
      return undefined;
    }
    const recorded = parseRate(meta.rate);
    return {
      rate: meta.rate,
      effectiveOn: meta.rateEffectiveOn,
      inverted: meta.inverted,
      fraction: meta.inverted ? invert(recorded) : recorded,
    };
  }

  /** The two legs of `request`, converted at `rate`, or at the rate in force when none is given. */
  async function buildLegs(
    orgId: string,
    request: Checked,
    from: Entity,
    to: Entity,
    effectiveAt: Date,
    known: Rate | undefined,
  ) {
    const { currency, amount, kind } = request;
    const other = currency === from.baseCurrency ? to.baseCurrency : from.baseCurrency;
    const rate = known ?? (await requireRateOn(db, orgId, currency, other, utcDay(effectiveAt)));
    const convert = (target: string, path: string): bigint => {
      if (target === currency) return amount;
      const converted = convertMinor(amount, currency, target, rate.fraction);
      if (converted <= 0n) throw invalid(path, `converts to 0 ${target}: too small to move`);
      if (converted > MAX_AMOUNT) throw invalid(path, `converts to more ${target} than fits`);
      return converted;
    };
    const fromAmount = convert(from.baseCurrency, 'amount');
    const toAmount = convert(to.baseCurrency, 'amount');
    const [fromCash, toCash] = await Promise.all([
      cashAccount(orgId, from, request.fromAccountId, 'fromAccountId'),
      cashAccount(orgId, to, request.toAccountId, 'toAccountId'),
    ]);
    // A loan: the lender (from) is owed by `to`, the borrower (to) owes `from`. A repayment
    // reduces the same balances, so `from` (the borrower) debits its payable and `to` (the
    // lender) credits its receivable.
    const loan = kind === 'loan';
    const fromSide = loan ? 'receivable' : 'payable';
    const toSide = loan ? 'payable' : 'receivable';
    const fromIc = await counterpartyAccount(orgId, from, to, fromSide);
    const toIc = await counterpartyAccount(orgId, to, from, toSide);
    const intercompany: IntercompanyMetadata = {
      id: request.id,
      kind,
      fromEntityId: from.id,
      toEntityId: to.id,
      sourceAmount: amount.toString(),
      sourceCurrency: currency,
      rate: rate.rate,
      rateEffectiveOn: rate.effectiveOn,
      inverted: rate.inverted,
    };
    const metadata = { ...request.metadata, intercompany };
    const what = loan ? 'Intercompany loan' : 'Intercompany loan repayment';
    const legs: TransferInput[] = [
      {
        id: request.id,
        debitAccountId: fromIc.id,
        creditAccountId: fromCash.id,
        amount: fromAmount,
        currency: from.baseCurrency,
        linked: true,
        effectiveAt,
        description: request.description ?? `${what} to ${to.name}`,
        metadata,
      },
      {
        id: secondLegId(request.id),
        debitAccountId: toCash.id,
        creditAccountId: toIc.id,
        amount: toAmount,
        currency: to.baseCurrency,
        effectiveAt,
        description: request.description ?? `${what} from ${from.name}`,
        metadata,
      },
    ];
    return { legs, rate: { base: currency, quote: other, ...rate } };
  }

  /**
   * Moves cash from one entity to another as a loan or its repayment, in one atomic call:
   * a transfer in each entity's books (in its base currency, the other leg converted at the rate
   * in force on the effective day, half to even), linked so both apply or neither does. The
   * request's `id` is the first leg's id and the idempotency key: a retry answers `exists` for
   * both legs, with the amounts first booked whatever rate was recorded since.
   */
  async function book(
    orgId: string,
    input: IntercompanyTransferInput,
    actor: ApprovalActor | undefined,
  ): Promise<IntercompanyOutcome> {
    const request = check(input);
    const [from, to] = await Promise.all([
      deps.getEntity(orgId, request.fromEntityId),
      deps.getEntity(orgId, request.toEntityId),
    ]);
    if (request.currency !== from.baseCurrency && request.currency !== to.baseCurrency) {
      throw invalid(
        'currency',
        `must be the base currency of ${from.code} (${from.baseCurrency}) or ${to.code} (${to.baseCurrency})`,
      );
    }
    // A retry books what the first call booked: its date and rate are in the stored first leg
    // (a concurrent first call may store it meanwhile: then the second round uses it).
    for (let round = 0; ; round++) {
      const [stored] = await deps.lookupTransfers(orgId, [request.id]);
      // Waiting for approval: the legs as first asked (their date and rate), not today's.
      const asked: AskedLeg | undefined =
        stored ?? (actor ? await deps.askedFirstLeg?.(orgId, request.id) : undefined);
      const known = storedRate(asked, request.currency);
      const effectiveAt = request.effectiveAt ?? asked?.effectiveAt ?? clock.now();
      const { legs, rate } = await buildLegs(orgId, request, from, to, effectiveAt, known);
      if (actor && deps.submitLegs) {
        const waiting = await deps.submitLegs(orgId, legs, actor);
        if (waiting) return { ...waiting, id: request.id };
      }
      const results = await deps.createTransfers(orgId, legs);
      const codes = results.map((r) => r.result);
      if (round === 0 && !known && codes.some((c) => c.startsWith('exists_with_different'))) {
        continue;
      }
      const leg = (t: TransferInput, entity: Entity, result: TransferResultCode) =>
        ({
          id: t.id,
          entityId: entity.id,
          result,
          debitAccountId: t.debitAccountId!,
          creditAccountId: t.creditAccountId!,
          amount: t.amount!,
          currency: t.currency!,
        }) satisfies IntercompanyLeg;
      return {
        id: request.id,
        kind: request.kind,
        fromEntityId: from.id,
        toEntityId: to.id,
        result: overall(codes),
        legs: [leg(legs[0]!, from, codes[0]!), leg(legs[1]!, to, codes[1]!)],
        rate: {
          base: rate.base,
          quote: rate.quote,
          rate: rate.rate,
          effectiveOn: rate.effectiveOn,
          inverted: rate.inverted,
        },
      };
    }
  }

  return {
    /** An intercompany transfer the ledger itself books: approval policies never look at it. */
    createIntercompanyTransfer: (orgId: string, input: IntercompanyTransferInput) =>
      book(orgId, input, undefined) as Promise<IntercompanyTransferResult>,
    /**
     * An intercompany transfer someone asks for: when an approval policy catches either leg, both
     * wait as one transfer request (answered `awaiting_approval`) and post together once
     * approved; a retry with the same id answers the request as it stands.
     */
    submitIntercompanyTransfer: (
      orgId: string,
      input: IntercompanyTransferInput,
      actor: ApprovalActor,
    ) => book(orgId, input, actor),
  };
}

type Checked = Omit<IntercompanyTransferInput, 'kind'> & { kind: IntercompanyKind };

function check(input: IntercompanyTransferInput): Checked {
  const kind = input.kind ?? 'loan';
  if (!INTERCOMPANY_KINDS.includes(kind)) throw invalid('kind', 'must be loan or repayment');
  const fromEntityId = uuid(input.fromEntityId, 'fromEntityId');
  const toEntityId = uuid(input.toEntityId, 'toEntityId');
  if (fromEntityId === toEntityId) {
    throw invalid('toEntityId', 'must be another entity than fromEntityId');
  }
  if (input.amount <= 0n) throw invalid('amount', 'must be positive');
  if (input.amount > MAX_AMOUNT) throw invalid('amount', 'must be at most 2^63-1 minor units');
  requireCurrency(input.currency, 'currency');
  if (input.effectiveAt !== undefined && Number.isNaN(input.effectiveAt.getTime())) {
    throw invalid('effectiveAt', 'is not a valid date');
  }
  return {
    ...input,
    id: uuid(input.id, 'id'),
    kind,
    fromEntityId,
    toEntityId,
    ...(input.metadata === undefined ? {} : { metadata: plainObject(input.metadata) }),
  };
}

function plainObject(value: Record<string, unknown>): Record<string, unknown> {
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(value));
  } catch {
    copy = undefined;
  }
  if (typeof copy !== 'object' || copy === null || Array.isArray(copy)) {
    throw invalid('metadata', 'must be a JSON object');
  }
  return copy as Record<string, unknown>;
}

/** Both legs' common answer, else the failure that stopped the chain. */
function overall(codes: readonly TransferResultCode[]): TransferResultCode {
  const failure = codes.find((c) => c !== 'ok' && c !== 'exists' && c !== 'linked_event_failed');
  return failure ?? codes[0]!;
}
