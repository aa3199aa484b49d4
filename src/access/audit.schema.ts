import {
  bigint,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The append-only, hash-chained audit log. One chain per organisation (`org:<id>`) plus one for
 * the installation (`system`); `seq` numbers a chain's rows from 1 without gaps.
 *
 * `payload_hash` is SHA-256 of the canonical JSON of `{ before, after }`; `hash` is SHA-256 over
 * `prev_hash` and every other column (with `payload_hash` standing in for the payload), so an
 * erased payload (GDPR) can be replaced without breaking the chain: such a row names, in
 * `redacted_by`, the later `gdpr.erase` entry that lists it.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    chain: text('chain').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    orgId: uuid('org_id'),
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    requestId: text('request_id'),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    payloadHash: text('payload_hash').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    redactedBy: uuid('redacted_by'),
  },
  (t) => [
    uniqueIndex('audit_log_chain_seq_idx').on(t.chain, t.seq),
    index('audit_log_org_at_idx').on(t.orgId, t.at),
    index('audit_log_entity_idx').on(t.entityType, t.entityId),
  ],
);
