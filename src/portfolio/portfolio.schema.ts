import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  foreignKey,
  index,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { xid8 } from '../kernel/db/changes.ts';

/**
 * The portfolio's tables. Every row carries `org_id`, and the foreign keys between ventures and
 * their KPIs include it, so no KPI can point at another organisation's venture. KPI values are
 * exact decimals (`numeric`): integers for money (minor units), counts and percentages (basis
 * points), up to six decimals for ratios. See README.md beside this file.
 */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** An organisation's own categories, beside the six built-in ones. */
export const portfolioCategories = pgTable(
  'portfolio_categories',
  {
    orgId: uuid('org_id').notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ name: 'portfolio_categories_pk', columns: [t.orgId, t.key] })],
);

/** An organisation's own KPI metrics, beside the built-in ones, each with its unit. */
export const portfolioMetrics = pgTable(
  'portfolio_metrics',
  {
    orgId: uuid('org_id').notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    /** `money` | `count` | `percent` | `ratio`. */
    unit: text('unit').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'portfolio_metrics_pk', columns: [t.orgId, t.key] }),
    check('portfolio_metrics_unit_check', sql`${t.unit} in ('money', 'count', 'percent', 'ratio')`),
  ],
);

export const portfolioVentures = pgTable(
  'portfolio_ventures',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    category: text('category').notNull(),
    /** `idea` | `building` | `launched` | `growing` | `mature` | `sunset`. */
    stage: text('stage').notNull(),
    ownerId: uuid('owner_id'),
    siteUrl: text('site_url'),
    repositoryUrl: text('repository_url'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** A `ledger_entities` row of the same organisation, checked through the ledger's service. */
    ledgerEntityId: uuid('ledger_entity_id'),
    /** Created by `iza demo`: removed by `iza demo --reset`. */
    demo: boolean('demo').notNull().default(false),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    archivedAt: at('archived_at'),
    /**
     * The transaction that last changed the venture or its KPIs (`pg_current_xact_id()`): what
     * Home's figures read again (see `portfolio.state.ts`).
     */
    changedXid: xid8('changed_xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (t) => [
    uniqueIndex('portfolio_ventures_org_slug_idx').on(t.orgId, t.slug),
    index('portfolio_ventures_org_changed_idx').on(t.orgId, t.changedXid),
    unique('portfolio_ventures_org_id_key').on(t.orgId, t.id),
    // The list's default order and its keyset paging; the filters narrow within an organisation.
    index('portfolio_ventures_org_name_idx').on(t.orgId, t.name, t.id),
    index('portfolio_ventures_org_created_idx').on(t.orgId, t.createdAt, t.id),
    index('portfolio_ventures_org_category_idx').on(t.orgId, t.category, t.stage),
    index('portfolio_ventures_tags_idx').using('gin', t.tags),
    check(
      'portfolio_ventures_stage_check',
      sql`${t.stage} in ('idea', 'building', 'launched', 'growing', 'mature', 'sunset')`,
    ),
  ],
);

/** One value of one metric of one venture on one day (or month: the first of that month). */
export const portfolioKpis = pgTable(
  'portfolio_kpis',
  {
    orgId: uuid('org_id').notNull(),
    ventureId: uuid('venture_id').notNull(),
    metric: text('metric').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    /** `day` | `month`. */
    period: text('period').notNull(),
    value: numeric('value', { precision: 38, scale: 6 }).notNull(),
    /** ISO 4217 for money metrics, null for the others. */
    currency: text('currency'),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'portfolio_kpis_pk', columns: [t.ventureId, t.metric, t.day] }),
    // Roll-ups read one organisation's metric over a range of dates.
    index('portfolio_kpis_org_metric_day_idx').on(t.orgId, t.metric, t.day),
    foreignKey({
      name: 'portfolio_kpis_venture_fk',
      columns: [t.orgId, t.ventureId],
      foreignColumns: [portfolioVentures.orgId, portfolioVentures.id],
    }).onDelete('cascade'),
    check('portfolio_kpis_period_check', sql`${t.period} in ('day', 'month')`),
    check(
      'portfolio_kpis_currency_check',
      sql`${t.currency} is null or ${t.currency} ~ '^[A-Z]{3}$'`,
    ),
  ],
);

/**
 * A person's saved view of the ventures list (the Businesses page): its filters, sort and
 * currency as the page's query string. Personal, or shared with the whole organisation.
 */
export const portfolioSavedViews = pgTable(
  'portfolio_saved_views',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id').notNull(),
    userId: uuid('user_id').notNull(),
    name: text('name').notNull(),
    /** The list's query string, only the keys `views.service.ts` knows, normalised. */
    query: text('query').notNull(),
    shared: boolean('shared').notNull().default(false),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('portfolio_saved_views_org_user_name_idx').on(t.orgId, t.userId, t.name),
    index('portfolio_saved_views_org_shared_idx').on(t.orgId, t.shared),
  ],
);
