import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Named secrets of an organisation (provider keys, workflow credentials), sealed by the vault. */
export const secrets = pgTable(
  'secrets',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts), see src/kernel/crypto/vault.ts. */
    valueSealed: text('value_sealed').notNull(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('secrets_org_name_idx').on(t.orgId, t.name)],
);
