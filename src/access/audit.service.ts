import { createHash } from 'node:crypto';
import { and, asc, count, desc, eq, gt, is, like, lt, ne, sql, type SQL } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import {
  ErrorCodes,
  UserError,
  currentActor,
  currentCorrelationId,
  isUuid,
  newId,
  schema,
  type Actor,
  type Clock,
  type Database,
  type DbOrTx,
  type Transaction,
} from '../kernel/index.ts';
import { auditLog } from './audit.schema.ts';

/** What a module hands to `record()`; everything but the action and entity has a default. */
export interface AuditEntryInput {
  /** Dotted verb, e.g. `ledger.transfer.post`. */
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  /** Default: the acting principal's organisation (the `system` chain when it has none). */
  orgId?: string | null;
  /** Default: the actor of the work context, else the system itself. */
  actor?: Actor;
  /** Default: the correlation id of the work context. */
  requestId?: string;
}

export interface AuditReceipt {
  id: string;
  chain: string;
  seq: number;
  hash: string;
}

export type AuditBreakReason =
  | 'hash_mismatch'
  | 'payload_mismatch'
  | 'missing_row'
  | 'prev_hash_mismatch'
  | 'bad_redaction'
  /** The chain disagrees with its head record (`kernel_settings`: `audit.head.<chain>`). */
  | 'head_mismatch';

export interface AuditChainReport {
  chain: string;
  rows: number;
  ok: boolean;
  /** The head record as verification found it: worth writing down outside the database. */
  head: { seq: number; hash: string } | null;
  firstBroken?: { seq: number; id: string | null; reason: AuditBreakReason };
}

export interface AuditVerifyReport {
  ok: boolean;
  chains: AuditChainReport[];
}

export interface AuditListQuery {
  /** 1..500, default 50. */
  limit?: number;
  /** Only entries with a smaller `seq` (the `nextBefore` of the previous page). */
  before?: number;
  action?: string;
  entityType?: string;
  entityId?: string;
}

export interface AuditEntryDto {
  id: string;
  chain: string;
  seq: number;
  orgId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  requestId: string | null;
  /** ISO 8601, milliseconds. */
  at: string;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
  redactedBy: string | null;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntryDto[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export interface AuditPayload {
  before: unknown;
  after: unknown;
}

export interface AuditRedaction {
  orgId: string | null;
  entityType: string;
  entityId: string;
  /** Returns the payload to keep instead: the erased person's data removed or anonymised. */
  transform: (payload: AuditPayload) => AuditPayload;
}

export interface AuditLog {
  /**
   * Appends an entry inside the caller's transaction, so it commits or rolls back with the
   * change it describes. Waits for other appends to the same chain (an advisory lock held until
   * the transaction ends). Call it from a READ COMMITTED transaction (the default): an older
   * snapshot would not see the chain's latest head, and the append would fail on the unique seq.
   */
  record(tx: DbOrTx, entry: AuditEntryInput): Promise<AuditReceipt>;
  /**
   * Appends several entries in order, as `record` would one after another, with one lock, one
   * read of the chain's tip, one insert and one head update per chain: for a write that stands
   * for many callers at once (the ledger's group commit). Receipts come back in input order.
   */
  recordMany(tx: DbOrTx, entries: readonly AuditEntryInput[]): Promise<AuditReceipt[]>;
  /** Recomputes every chain (or one: `{ orgId }`, null for the `system` chain), page by page. */
  verify(options?: { orgId?: string | null }): Promise<AuditVerifyReport>;
  /** One organisation's entries (null: the `system` chain), newest first. */
  list(orgId: string | null, query?: AuditListQuery): Promise<AuditPage>;
  /**
   * GDPR erasure: appends a `gdpr.erase` entry listing the rows it rewrites, then rewrites the
   * payload of the entity's entries in that chain through `transform`.
   * @returns the number of entries rewritten.
   */
  redact(tx: DbOrTx, redaction: AuditRedaction): Promise<number>;
}

export interface AuditLogDeps {
  db: Database;
  clock: Clock;
  /** Rows read per query while verifying (default 1,000). */
  verifyPageSize?: number;
}

export const AUDIT_ERASE_ACTION = 'gdpr.erase';
export const AUDIT_SYSTEM_CHAIN = 'system';
export const AUDIT_HEAD_KEY_PREFIX = 'audit.head.';

const GENESIS_HASH = '0'.repeat(64);
/** Part of every row hash, so a future change of the hashed fields can be told apart. */
const HASH_FORMAT = 'iza.audit.v1';
/** First key of the two-key advisory lock: keeps audit locks apart from every other user's. */
const LOCK_CLASS = 0x4155_4454; // "AUDT"
const SYSTEM_ACTOR: Actor = { type: 'system', id: null, orgId: null };
const { kernelSettings } = schema;

type AuditRow = typeof auditLog.$inferSelect;
type HashedFields = Omit<AuditRow, 'before' | 'after' | 'hash' | 'redactedBy'>;
interface ChainTip {
  seq: number;
  hash: string;
}
type Break = NonNullable<AuditChainReport['firstBroken']>;

/**
 * JSON with object keys sorted (recursively) and no whitespace, so equal data always gives the
 * same text whatever its key order. Follows `JSON.stringify` otherwise (`toJSON`, so dates
 * become ISO strings; undefined members dropped; non-finite numbers null), except that bigint,
 * the type of money, becomes a decimal string instead of throwing.
 * @example canonicalJson({ b: 1n, a: [true, undefined] }) === '{"a":[true,null],"b":"1"}'
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set()) ?? 'null';
}

function encode(value: unknown, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      return value === null ? 'null' : encodeObject(value, ancestors);
  }
}

function encodeObject(value: object, ancestors: Set<object>): string | undefined {
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encode(toJSON.call(value) as unknown, ancestors);
  if (ancestors.has(value)) throw new TypeError('canonicalJson: the value contains a cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item: unknown) => encode(item, ancestors) ?? 'null').join(',')}]`;
    }
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const encoded = encode((value as Record<string, unknown>)[key], ancestors);
      if (encoded !== undefined) members.push(`${JSON.stringify(key)}:${encoded}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * The plain JSON form a payload is stored (and hashed) in. jsonb keeps exactly this data: it
 * reorders keys (the canonical form sorts them anyway) and rewrites numbers (they read back as
 * the same doubles), so the hash of what is read back equals the hash of what was written.
 */
function toJsonValue(value: unknown): unknown {
  return JSON.parse(canonicalJson(value));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function payloadHashOf(before: unknown, after: unknown): string {
  return sha256(canonicalJson({ before, after }));
}

/**
 * Hashes a row from its predecessor's hash and every column but the payload (its hash stands in,
 * so erasure can rewrite the payload) and `redacted_by` (set later; verified on its own). An
 * array, not a concatenation, so no two different rows can produce the same input.
 */
function rowHashOf(row: HashedFields): string {
  return sha256(
    canonicalJson([
      HASH_FORMAT,
      row.prevHash,
      row.id,
      row.chain,
      row.seq,
      row.orgId,
      row.actorType,
      row.actorId,
      row.action,
      row.entityType,
      row.entityId,
      row.requestId,
      row.at.toISOString(),
      row.payloadHash,
    ]),
  );
}

/** Postgres prints uuids in lower case; the chain name and the hash must match what it prints. */
function normaliseOrgId(orgId: string | null | undefined): string | null {
  if (orgId === null || orgId === undefined) return null;
  if (!isUuid(orgId)) {
    throw new UserError(ErrorCodes.validationFailed, `Not an organisation id: ${orgId}`);
  }
  return orgId.toLowerCase();
}

function chainOf(orgId: string | null): string {
  return orgId === null ? AUDIT_SYSTEM_CHAIN : `org:${orgId}`;
}

function headKey(chain: string): string {
  return `${AUDIT_HEAD_KEY_PREFIX}${chain}`;
}

function parseHead(value: unknown): ChainTip | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, hash } = value as { seq?: unknown; hash?: unknown };
  return typeof seq === 'number' && Number.isSafeInteger(seq) && typeof hash === 'string'
    ? { seq, hash }
    : undefined;
}

/** 32 bits of the chain name's hash: chains that collide merely share a lock. */
function chainLockKey(chain: string): number {
  return createHash('sha256').update(chain).digest().readInt32BE(0);
}

/** Runs `fn` in the caller's transaction, or in a new one when given the plain database. */
async function inTransaction<T>(db: DbOrTx, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  if (is(db, PgTransaction)) return fn(db as Transaction);
  return (db as Database).transaction(fn);
}

async function lockChain(tx: Transaction, chain: string): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(${LOCK_CLASS}::int4, ${chainLockKey(chain)}::int4)`,
  );
}

async function readHead(db: DbOrTx, chain: string): Promise<ChainTip | undefined> {
  const [row] = await db
    .select({ value: kernelSettings.value })
    .from(kernelSettings)
    .where(eq(kernelSettings.key, headKey(chain)));
  return row ? parseHead(row.value) : undefined;
}

/**
 * Where the next entry goes. The head record wins over the last row when it is as far or
 * further: a deleted last row then leaves a gap instead of being forgotten, and a rewritten
 * last row does not become the base the next entry vouches for.
 */
async function chainTip(tx: Transaction, chain: string): Promise<ChainTip> {
  const head = await readHead(tx, chain);
  const [last] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .where(eq(auditLog.chain, chain))
    .orderBy(desc(auditLog.seq))
    .limit(1);
  if (head && (!last || head.seq >= last.seq)) return head;
  return last ?? { seq: 0, hash: GENESIS_HASH };
}

function toDto(row: AuditRow): AuditEntryDto {
  return {
    id: row.id,
    chain: row.chain,
    seq: row.seq,
    orgId: row.orgId,
    actorType: row.actorType,
    actorId: row.actorId,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    requestId: row.requestId,
    at: row.at.toISOString(),
    before: row.before,
    after: row.after,
    prevHash: row.prevHash,
    hash: row.hash,
    redactedBy: row.redactedBy,
  };
}

/** The ids a `gdpr.erase` entry names in `after.redactedIds`. */
function erasedIds(entry: AuditRow): string[] {
  const ids = (entry.after as { redactedIds?: unknown } | null)?.redactedIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/** Whether an entry is exactly as it was appended (its own hashes; its links are walked). */
function isIntact(row: AuditRow): boolean {
  return payloadHashOf(row.before, row.after) === row.payloadHash && rowHashOf(row) === row.hash;
}

/** The hash-chained audit log: see AUDIT.md beside this file. */
export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const { db, clock } = deps;
  const pageSize = deps.verifyPageSize ?? 1_000;

  type Resolved = AuditEntryInput & { orgId: string | null; actor: Actor };

  /** Appends entries of one chain, whose lock the transaction holds, in order. */
  async function appendAll(
    tx: Transaction,
    chain: string,
    entries: readonly Resolved[],
  ): Promise<AuditReceipt[]> {
    let tip = await chainTip(tx, chain);
    const at = clock.now();
    const rows = entries.map((entry) => {
      const before = toJsonValue(entry.before);
      const after = toJsonValue(entry.after);
      const fields: HashedFields = {
        id: newId(),
        chain,
        seq: tip.seq + 1,
        orgId: entry.orgId,
        actorType: entry.actor.type,
        actorId: entry.actor.id,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId ?? null,
        requestId: entry.requestId ?? currentCorrelationId() ?? null,
        at,
        payloadHash: payloadHashOf(before, after),
        prevHash: tip.hash,
      };
      const hash = rowHashOf(fields);
      tip = { seq: fields.seq, hash };
      return { ...fields, before, after, hash };
    });
    await tx.insert(auditLog).values(rows);
    const last = rows.at(-1)!;
    const head = { seq: last.seq, hash: last.hash, id: last.id };
    await tx
      .insert(kernelSettings)
      .values({ key: headKey(chain), value: head, updatedAt: at })
      .onConflictDoUpdate({ target: kernelSettings.key, set: { value: head, updatedAt: at } });
    return rows.map((row) => ({ id: row.id, chain, seq: row.seq, hash: row.hash }));
  }

  async function append(tx: Transaction, entry: Resolved): Promise<AuditReceipt> {
    const [receipt] = await appendAll(tx, chainOf(entry.orgId), [entry]);
    return receipt!;
  }

  function resolve(entry: AuditEntryInput): Resolved {
    const actor = entry.actor ?? currentActor() ?? SYSTEM_ACTOR;
    const orgId = normaliseOrgId(entry.orgId === undefined ? actor.orgId : entry.orgId);
    return { ...entry, orgId, actor };
  }

  async function record(tx: DbOrTx, entry: AuditEntryInput): Promise<AuditReceipt> {
    const resolved = resolve(entry);
    return inTransaction(tx, async (inner) => {
      await lockChain(inner, chainOf(resolved.orgId));
      return append(inner, resolved);
    });
  }

  async function recordMany(
    tx: DbOrTx,
    entries: readonly AuditEntryInput[],
  ): Promise<AuditReceipt[]> {
    if (entries.length === 0) return [];
    const resolved = entries.map(resolve);
    const byChain = new Map<string, number[]>();
    resolved.forEach((entry, i) => {
      const chain = chainOf(entry.orgId);
      byChain.set(chain, [...(byChain.get(chain) ?? []), i]);
    });
    // Chains locked in a fixed order, so two multi-chain appends cannot deadlock.
    const chains = [...byChain.keys()].sort();
    return inTransaction(tx, async (inner) => {
      const receipts: AuditReceipt[] = [];
      for (const chain of chains) {
        await lockChain(inner, chain);
        const indexes = byChain.get(chain)!;
        const appended = await appendAll(
          inner,
          chain,
          indexes.map((i) => resolved[i]!),
        );
        indexes.forEach((i, k) => (receipts[i] = appended[k]!));
      }
      return receipts;
    });
  }

  async function redact(tx: DbOrTx, redaction: AuditRedaction): Promise<number> {
    const orgId = normaliseOrgId(redaction.orgId);
    const chain = chainOf(orgId);
    return inTransaction(tx, async (inner) => {
      // Locked before reading, so no entry about the entity can slip in unlisted.
      await lockChain(inner, chain);
      const rows = await inner
        .select({ id: auditLog.id, before: auditLog.before, after: auditLog.after })
        .from(auditLog)
        .where(
          and(
            eq(auditLog.chain, chain),
            eq(auditLog.entityType, redaction.entityType),
            eq(auditLog.entityId, redaction.entityId),
            // Erase entries hold only row ids, and verification needs them intact.
            ne(auditLog.action, AUDIT_ERASE_ACTION),
          ),
        )
        .orderBy(asc(auditLog.seq));
      const erase = await append(inner, {
        action: AUDIT_ERASE_ACTION,
        entityType: redaction.entityType,
        entityId: redaction.entityId,
        after: { redactedIds: rows.map((row) => row.id) },
        orgId,
        actor: currentActor() ?? SYSTEM_ACTOR,
      });
      for (const row of rows) {
        const kept = redaction.transform({ before: row.before, after: row.after });
        await inner
          .update(auditLog)
          .set({
            before: toJsonValue(kept.before),
            after: toJsonValue(kept.after),
            redactedBy: erase.id,
          })
          .where(eq(auditLog.id, row.id));
      }
      return rows.length;
    });
  }

  async function list(orgId: string | null, query: AuditListQuery = {}): Promise<AuditPage> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new UserError(ErrorCodes.validationFailed, 'limit must be an integer from 1 to 500');
    }
    const conditions: SQL[] = [eq(auditLog.chain, chainOf(normaliseOrgId(orgId)))];
    if (query.before !== undefined) conditions.push(lt(auditLog.seq, query.before));
    if (query.action !== undefined) conditions.push(eq(auditLog.action, query.action));
    if (query.entityType !== undefined) conditions.push(eq(auditLog.entityType, query.entityType));
    if (query.entityId !== undefined) conditions.push(eq(auditLog.entityId, query.entityId));
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.seq))
      .limit(limit + 1);
    const entries = rows.slice(0, limit).map(toDto);
    return {
      entries,
      nextBefore: rows.length > limit ? (entries[entries.length - 1]?.seq ?? null) : null,
    };
  }

  async function verify(options: { orgId?: string | null } = {}): Promise<AuditVerifyReport> {
    const chains =
      options.orgId === undefined ? await allChains() : [chainOf(normaliseOrgId(options.orgId))];
    const reports: AuditChainReport[] = [];
    for (const chain of chains) reports.push(await verifyChain(chain));
    return { ok: reports.every((r) => r.ok), chains: reports };
  }

  /** Chains with rows, and chains whose rows are all gone but whose head record remains. */
  async function allChains(): Promise<string[]> {
    const withRows = await db.selectDistinct({ chain: auditLog.chain }).from(auditLog);
    const withHeads = await db
      .select({ key: kernelSettings.key })
      .from(kernelSettings)
      .where(like(kernelSettings.key, `${AUDIT_HEAD_KEY_PREFIX}%`));
    const names = new Set(withRows.map((r) => r.chain));
    for (const { key } of withHeads) names.add(key.slice(AUDIT_HEAD_KEY_PREFIX.length));
    return [...names].sort();
  }

  /**
   * Walks one chain in seq order without a long transaction (on PGlite that would stall every
   * other query): entries appended meanwhile are simply walked too, since each commits together
   * with its head record.
   */
  async function verifyChain(chain: string): Promise<AuditChainReport> {
    const startHead = await readHead(db, chain);
    const checkRedaction = redactionChecker(chain);
    let rows = 0;
    let tip: ChainTip = { seq: 0, hash: GENESIS_HASH };
    let last: AuditRow | undefined;
    for (;;) {
      const page = await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.chain, chain), gt(auditLog.seq, tip.seq)))
        .orderBy(asc(auditLog.seq))
        .limit(pageSize);
      for (const row of page) {
        const broken = await checkRow(row, tip, startHead, checkRedaction);
        if (broken) return report(chain, await countRows(chain), startHead, broken);
        rows++;
        tip = { seq: row.seq, hash: row.hash };
        last = row;
      }
      if (page.length < pageSize) break;
    }
    if (startHead && tip.seq < startHead.seq) {
      return report(chain, rows, startHead, { seq: tip.seq + 1, id: null, reason: 'missing_row' });
    }
    const endHead = await readHead(db, chain);
    const broken = last && (await checkHeadCovers(chain, last, endHead));
    return report(chain, rows, endHead ?? startHead, broken);
  }

  async function checkRow(
    row: AuditRow,
    tip: ChainTip,
    head: ChainTip | undefined,
    checkRedaction: (row: AuditRow) => Promise<boolean>,
  ): Promise<Break | undefined> {
    const at = (reason: AuditBreakReason): Break => ({ seq: row.seq, id: row.id, reason });
    if (row.seq !== tip.seq + 1) return { seq: tip.seq + 1, id: null, reason: 'missing_row' };
    if (row.prevHash !== tip.hash) return at('prev_hash_mismatch');
    if (row.redactedBy !== null) {
      if (!(await checkRedaction(row))) return at('bad_redaction');
    } else if (payloadHashOf(row.before, row.after) !== row.payloadHash) {
      return at('payload_mismatch');
    }
    if (rowHashOf(row) !== row.hash) return at('hash_mismatch');
    if (head && row.seq === head.seq && row.hash !== head.hash) return at('head_mismatch');
    return undefined;
  }

  /**
   * Every appended row commits with a head record at least as far, so rows past the head (read
   * after the walk) or rows without one were written around `record()`.
   */
  async function checkHeadCovers(
    chain: string,
    last: AuditRow,
    head: ChainTip | undefined,
  ): Promise<Break | undefined> {
    if (!head) return { seq: last.seq, id: last.id, reason: 'head_mismatch' };
    if (head.seq >= last.seq) return undefined;
    const [first] = await db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.chain, chain), eq(auditLog.seq, head.seq + 1)));
    return { seq: head.seq + 1, id: first?.id ?? null, reason: 'head_mismatch' };
  }

  /**
   * A rewritten payload is accepted only when `redacted_by` names an intact, later `gdpr.erase`
   * entry of the same chain that lists the row. Erase entries are looked up once per walk.
   */
  function redactionChecker(chain: string): (row: AuditRow) => Promise<boolean> {
    const erasures = new Map<string, { seq: number; ids: Set<string> } | undefined>();
    return async (row) => {
      const eraseId = row.redactedBy;
      if (eraseId === null) return false;
      if (!erasures.has(eraseId)) erasures.set(eraseId, await loadErasure(chain, eraseId));
      const erase = erasures.get(eraseId);
      return erase !== undefined && erase.seq > row.seq && erase.ids.has(row.id);
    };
  }

  async function loadErasure(chain: string, id: string) {
    const [erase] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.id, id), eq(auditLog.chain, chain)));
    if (!erase || erase.action !== AUDIT_ERASE_ACTION || !isIntact(erase)) return undefined;
    return { seq: erase.seq, ids: new Set(erasedIds(erase)) };
  }

  async function countRows(chain: string): Promise<number> {
    const [row] = await db.select({ n: count() }).from(auditLog).where(eq(auditLog.chain, chain));
    return row?.n ?? 0;
  }

  return { record, recordMany, verify, list, redact };
}

function report(
  chain: string,
  rows: number,
  head: ChainTip | undefined,
  firstBroken: Break | undefined,
): AuditChainReport {
  return {
    chain,
    rows,
    ok: firstBroken === undefined,
    head: head ? { seq: head.seq, hash: head.hash } : null,
    ...(firstBroken ? { firstBroken } : {}),
  };
}
