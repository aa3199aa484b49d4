import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Kernel tables. Each domain module keeps its tables in its own `<domain>.schema.ts`, re-exported
 * from here so drizzle-kit sees one schema and generates one ordered list of migrations.
 */
export const kernelSettings = pgTable('kernel_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
