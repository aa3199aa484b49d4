import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Kernel tables. Each domain module keeps its tables in its own `src/<module>/*.schema.ts`;
 * drizzle-kit reads them all (drizzle.config.ts) and generates one ordered list of migrations.
 */
export const kernelSettings = pgTable('kernel_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
