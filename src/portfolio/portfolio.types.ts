/**
 * The portfolio's vocabulary: categories, lifecycle stages, metrics and their units, and the
 * shapes the service takes and returns. KPI values are exact decimal strings in the metric's
 * stored unit (see `METRIC_UNITS`), never floats.
 */

/** The customer's six categories (SPEC.md V1); organisations add their own beside them. */
export const BUILTIN_CATEGORIES = [
  { key: 'financial', label: 'Financial' },
  { key: 'ecommerce', label: 'E-commerce' },
  { key: 'technology', label: 'Technology' },
  { key: 'education', label: 'Education' },
  { key: 'community', label: 'Community' },
  { key: 'emerging', label: 'Emerging' },
] as const;

/**
 * A venture's lifecycle, in order: an `idea` being explored, `building` its first version,
 * `launched` to its first customers, `growing` (finding its market), `mature` (steady), and
 * `sunset` (winding down).
 */
export const STAGES = ['idea', 'building', 'launched', 'growing', 'mature', 'sunset'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * How a metric's value is stored: `money` in integer minor units with a currency, `count` as an
 * integer, `percent` in integer basis points (250 = 2.50 %), `ratio` as a decimal with up to six
 * places.
 */
export const METRIC_UNITS = ['money', 'count', 'percent', 'ratio'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

/**
 * The built-in metrics. `revenue` is a flow (the period's total: roll-ups add up a month's
 * rows); the others are levels (roll-ups take the latest value of the month).
 */
export const BUILTIN_METRICS = [
  { key: 'revenue', label: 'Revenue', unit: 'money' },
  { key: 'mrr', label: 'Monthly recurring revenue', unit: 'money' },
  { key: 'customers', label: 'Customers', unit: 'count' },
  { key: 'churn', label: 'Churn', unit: 'percent' },
] as const satisfies readonly { key: string; label: string; unit: MetricUnit }[];

export const KEY_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const MAX_KPI_BATCH = 5_000;
export const MAX_TAGS = 20;

/** Who asks: the organisation, and the ventures an API key is limited to (null: all of them). */
export interface Scope {
  orgId: string;
  ventureIds: readonly string[] | null;
}

export interface Category {
  key: string;
  label: string;
  builtin: boolean;
}

export interface Metric {
  key: string;
  label: string;
  unit: MetricUnit;
  builtin: boolean;
}

export interface Venture {
  id: string;
  orgId: string;
  slug: string;
  name: string;
  description: string | null;
  category: string;
  stage: Stage;
  ownerId: string | null;
  siteUrl: string | null;
  repositoryUrl: string | null;
  tags: string[];
  ledgerEntityId: string | null;
  demo: boolean;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export interface VentureInput {
  slug: string;
  name: string;
  description?: string | null | undefined;
  category: string;
  stage?: Stage | undefined;
  ownerId?: string | null | undefined;
  siteUrl?: string | null | undefined;
  repositoryUrl?: string | null | undefined;
  tags?: string[] | undefined;
  ledgerEntityId?: string | null | undefined;
  demo?: boolean | undefined;
}

export type VenturePatch = Partial<Omit<VentureInput, 'demo'>>;

/** Sorts on a venture's own columns, paged by keyset. */
export const COLUMN_SORTS = ['name', 'slug', 'createdAt', 'updatedAt'] as const;
/** Sorts on its figures (`VentureFigures`): MRR in the reporting currency, its change, health, latest KPI. */
export const FIGURE_SORTS = ['mrr', 'change', 'health', 'lastKpi'] as const;
export const VENTURE_SORTS = [...COLUMN_SORTS, ...FIGURE_SORTS] as const;
export type ColumnSort = (typeof COLUMN_SORTS)[number];
export type FigureSort = (typeof FIGURE_SORTS)[number];
export type VentureSort = (typeof VENTURE_SORTS)[number];

export interface VentureQuery {
  category?: string | undefined;
  stage?: Stage | undefined;
  tag?: string | undefined;
  /** Part of the name or slug, any case. */
  search?: string | undefined;
  includeArchived?: boolean | undefined;
  sort?: VentureSort | undefined;
  order?: 'asc' | 'desc' | undefined;
  limit?: number | undefined;
  /** The previous page's `nextCursor`. */
  cursor?: string | undefined;
  /** The reporting currency of the figures (default: the organisation's). */
  currency?: string | undefined;
  /** The month of the figures, `YYYY-MM` (default: the latest complete month with KPIs). */
  month?: string | undefined;
}

/** A venture's figures as lists show them (see `VentureFigures`). */
export interface ListedFigures {
  lastKpiDay: string | null;
  health: { score: number; measuredOf: number; weakest: string | null } | null;
  /** MRR in its own currency (minor units) this month and the month before. */
  mrr: {
    currency: string;
    current: string;
    previous: string | null;
    growthBp: number | null;
  } | null;
  /** The same in the reporting currency at the month's rate; null without MRR or without a rate. */
  mrrReporting: { current: string; previous: string | null } | null;
}

export interface VenturePage {
  ventures: (Venture & {
    figures?: ListedFigures | undefined;
    /** The owner's name (lists only). */
    ownerName?: string | null | undefined;
  })[];
  /** Every venture matching the filters, across pages. */
  total: number;
  nextCursor: string | null;
  /** The month and currency of the ventures' figures. */
  figures?: { month: string; currency: string } | undefined;
}

/** A KPI value to store. `day` is `YYYY-MM-DD`, or `YYYY-MM` for the month as a whole. */
export interface KpiInput {
  ventureId: string;
  metric: string;
  day: string;
  /** In the metric's stored unit (minor units, basis points, ...), as a decimal string. */
  value?: string | undefined;
  /** Instead of `value`: as people write it (money in major units, percent in percent). */
  displayValue?: string | undefined;
  /** Required for money metrics, refused for the others. */
  currency?: string | undefined;
}

export interface Kpi {
  ventureId: string;
  metric: string;
  day: string;
  period: 'day' | 'month';
  value: string;
  currency: string | null;
}

export interface KpiPostResult {
  /** Rows written (new or changed). */
  written: number;
  ventureIds: string[];
  metrics: string[];
}

export interface SeriesQuery {
  metrics?: string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** One problem of a CSV row: its 1-based line number (the header is line 1). */
export interface CsvRowError {
  row: number;
  column: string;
  reason: string;
}

export interface CsvImportResult {
  dryRun: boolean;
  rows: number;
  valid: number;
  /** Valid rows written (in one transaction); 0 on a dry run. */
  applied: number;
  errors: CsvRowError[];
}
