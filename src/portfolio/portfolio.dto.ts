import { z } from 'zod';
import { currencyCode } from '../ledger/index.ts';
import {
  MAX_KPI_BATCH,
  METRIC_UNITS,
  STAGES,
  VENTURE_SORTS,
  type Venture,
} from './portfolio.types.ts';

/**
 * The portfolio's JSON: zod schemas for the routes (and so OpenAPI), shared with the dashboard.
 * KPI values are decimal strings in the metric's stored unit: minor units for money, basis
 * points for percentages.
 */

const url = z.url({ protocol: /^https?$/ }).max(2000);
const tag = z.string().trim().min(1).max(40);
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM');

export const ventureSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  category: z.string(),
  stage: z.enum(STAGES),
  ownerId: z.string().nullable(),
  siteUrl: z.string().nullable(),
  repositoryUrl: z.string().nullable(),
  tags: z.array(z.string()),
  ledgerEntityId: z.string().nullable(),
  demo: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
});
export type VentureJson = z.output<typeof ventureSchema>;

export function ventureJson(v: Venture): VentureJson {
  return {
    id: v.id,
    slug: v.slug,
    name: v.name,
    description: v.description,
    category: v.category,
    stage: v.stage,
    ownerId: v.ownerId,
    siteUrl: v.siteUrl,
    repositoryUrl: v.repositoryUrl,
    tags: v.tags,
    ledgerEntityId: v.ledgerEntityId,
    demo: v.demo,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
    archivedAt: v.archivedAt?.toISOString() ?? null,
  };
}

export const ventureCreateSchema = z.strictObject({
  slug: z.string().min(1).max(63).describe('Unique in the organisation: a-z, 0-9 and dashes'),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullish(),
  category: z.string().min(1).max(40).describe('A built-in or organisation category key'),
  stage: z.enum(STAGES).optional().describe('Default: idea'),
  ownerId: z.uuid().nullish(),
  siteUrl: url.nullish(),
  repositoryUrl: url.nullish(),
  tags: z.array(tag).max(20).optional(),
  ledgerEntityId: z.uuid().nullish().describe('A ledger entity of the organisation'),
  demo: z.boolean().optional().describe('Demo data: `iza demo --reset` deletes it'),
});

export const ventureUpdateSchema = ventureCreateSchema.omit({ demo: true }).partial();

export const demoResetSchema = z.object({ ventures: z.number().int() });

export const ventureRefParams = z.object({
  ref: z.string().min(1).max(80).describe('Venture id or slug'),
});

const booleanText = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export const ventureListQuery = z.object({
  category: z.string().max(40).optional(),
  stage: z.enum(STAGES).optional(),
  tag: z.string().max(40).optional(),
  search: z.string().max(100).optional(),
  includeArchived: booleanText,
  sort: z.enum(VENTURE_SORTS).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(500).optional(),
  currency: currencyCode
    .optional()
    .describe('Reporting currency of the figures (default: the organisation’s)'),
  month: month.optional().describe('YYYY-MM of the figures (default: the latest complete month)'),
});

export const listedFiguresSchema = z.object({
  lastKpiDay: z.string().nullable(),
  health: z
    .object({
      score: z.number().int(),
      measuredOf: z.number().int(),
      weakest: z.string().nullable(),
    })
    .nullable()
    .describe('Null for a venture without KPIs'),
  mrr: z
    .object({
      currency: z.string(),
      current: z.string().describe('Minor units'),
      previous: z.string().nullable(),
      growthBp: z.number().int().nullable(),
    })
    .nullable(),
  mrrReporting: z
    .object({ current: z.string(), previous: z.string().nullable() })
    .nullable()
    .describe('MRR in the reporting currency at the month-end rate; null without MRR or a rate'),
});

export const venturePageSchema = z.object({
  ventures: z.array(
    ventureSchema.extend({
      figures: listedFiguresSchema.optional(),
      ownerName: z.string().nullable().optional().describe('The owner’s name'),
    }),
  ),
  total: z.number().int(),
  nextCursor: z.string().nullable(),
  figures: z.object({ month: z.string(), currency: z.string() }).optional(),
});

export const categorySchema = z.object({
  key: z.string(),
  label: z.string(),
  builtin: z.boolean(),
});
export const categoryCreateSchema = z.strictObject({
  key: z.string().min(1).max(40),
  label: z.string().trim().min(1).max(100),
});

export const metricSchema = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.enum(METRIC_UNITS),
  builtin: z.boolean(),
});
export const metricCreateSchema = z.strictObject({
  key: z.string().min(1).max(40),
  label: z.string().trim().min(1).max(100),
  unit: z.enum(METRIC_UNITS),
});

export const kpiInputSchema = z.strictObject({
  ventureId: z.uuid(),
  metric: z.string().min(1).max(40),
  day: z.string().describe('YYYY-MM-DD, or YYYY-MM for a whole month'),
  value: z
    .string()
    .max(40)
    .optional()
    .describe('In the stored unit: minor units (money), basis points (percent), a count, a ratio'),
  displayValue: z
    .string()
    .max(40)
    .optional()
    .describe(
      'Instead of `value`: as people write it, money in major units (12.50), percent in percent (2.5)',
    ),
  currency: z.string().length(3).optional().describe('ISO 4217; required for money metrics'),
});

export const kpiBatchSchema = z.strictObject({
  kpis: z.array(kpiInputSchema).min(1).max(MAX_KPI_BATCH),
});

export const kpiPostResultSchema = z.object({
  written: z.number().int(),
  ventureIds: z.array(z.string()),
  metrics: z.array(z.string()),
});

export const kpiSchema = z.object({
  ventureId: z.string(),
  metric: z.string(),
  day: z.string(),
  period: z.enum(['day', 'month']),
  value: z.string(),
  currency: z.string().nullable(),
});

export const seriesQuery = z.object({
  metrics: z.string().max(500).optional().describe('Comma-separated metric keys (default: all)'),
  from: z.string().max(10).optional().describe('First day (YYYY-MM-DD or YYYY-MM), inclusive'),
  to: z.string().max(10).optional().describe('Last day (YYYY-MM-DD or YYYY-MM), inclusive'),
});

export const seriesSchema = z.object({ ventureId: z.string(), kpis: z.array(kpiSchema) });

export const csvImportJsonSchema = z.strictObject({
  csv: z.string().max(20 * 1024 * 1024),
  dryRun: z.boolean().optional(),
});

export const csvImportQuery = z.object({ dryRun: booleanText });

export const csvImportResultSchema = z.object({
  dryRun: z.boolean(),
  rows: z.number().int(),
  valid: z.number().int(),
  applied: z.number().int(),
  errors: z.array(z.object({ row: z.number().int(), column: z.string(), reason: z.string() })),
});

export const rollupQuery = z.object({
  month: month.optional().describe('YYYY-MM (default: the latest month with KPIs)'),
  category: z.string().max(40).optional(),
});

export const overviewQuery = z.object({
  currency: currencyCode
    .optional()
    .describe('Reporting currency (default: the organisation’s top holding’s base currency)'),
  month: month.optional().describe('YYYY-MM (default: the latest complete month with KPIs)'),
});

const overviewFigure = z.object({
  current: z.string(),
  previous: z.string(),
  growthBp: z.number().int().nullable(),
  reporting: z.number().int(),
  compared: z.number().int(),
  series: z.array(z.object({ month: z.string(), value: z.string(), reporting: z.number().int() })),
});
const mover = z.object({
  ventureId: z.string(),
  slug: z.string(),
  name: z.string(),
  current: z.string(),
  previous: z.string(),
  change: z.string(),
  growthBp: z.number().int().nullable(),
});
const attentionVenture = z.object({
  ventureId: z.string(),
  slug: z.string(),
  name: z.string(),
  reason: z.string(),
  score: z.number().int().optional(),
  growthBp: z.number().int().optional(),
  lastKpiDay: z.string().nullable().optional(),
});

export const overviewSchema = z.object({
  month: z.string(),
  previousMonth: z.string(),
  currency: z.string(),
  rates: z.array(
    z.object({
      currency: z.string(),
      base: z.string(),
      quote: z.string(),
      rate: z.string().describe('Units of `quote` per unit of `base`, as recorded'),
      effectiveOn: z.string(),
    }),
  ),
  unconverted: z.array(z.object({ currency: z.string(), ventures: z.number().int() })),
  ventures: z.object({ total: z.number().int() }),
  mrr: overviewFigure,
  revenue: overviewFigure,
  customers: overviewFigure,
  categories: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      ventures: z.number().int(),
      mrr: z.object({
        current: z.string(),
        growthBp: z.number().int().nullable(),
        reporting: z.number().int(),
        compared: z.number().int(),
      }),
      shareBp: z.number().int(),
    }),
  ),
  movers: z.object({ up: z.array(mover), down: z.array(mover) }),
  attention: z.object({
    lowestHealth: z.array(attentionVenture),
    drops: z.array(attentionVenture),
    stale: z.array(attentionVenture),
    staleCount: z.number().int(),
    neverReported: z.number().int(),
  }),
});

const comparison = {
  growthBp: z
    .number()
    .int()
    .nullable()
    .describe('Like-for-like change: over the ventures with a value in both months only'),
  reporting: z.number().int().describe('Ventures with a value this month'),
  compared: z.number().int().describe('Ventures with a value in both months'),
};

const moneyRollupSchema = z.object({
  currency: z.string(),
  current: z.string(),
  previous: z.string(),
  ...comparison,
});

const rollupGroupSchema = z.object({
  category: z.string().nullable(),
  label: z.string(),
  ventures: z.object({
    total: z.number().int(),
    byStage: z.record(z.enum(STAGES), z.number().int()),
  }),
  revenue: z.array(moneyRollupSchema),
  mrr: z.array(moneyRollupSchema),
  customers: z.object({
    current: z.string(),
    previous: z.string(),
    ...comparison,
  }),
  churn: z.object({
    averageBp: z.string().nullable(),
    previousAverageBp: z.string().nullable(),
    ventures: z.number().int(),
  }),
});

export const rollupSchema = z.object({
  month: z.string(),
  previousMonth: z.string(),
  portfolio: rollupGroupSchema,
  categories: z.array(rollupGroupSchema),
});

export const rollupHistoryQuery = z.object({
  months: z.coerce
    .number()
    .int()
    .min(1)
    .max(36)
    .optional()
    .describe('How many months (default 12)'),
  to: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .describe('Last month, YYYY-MM (default: the latest month with KPIs)'),
  category: z.string().max(40).optional(),
});

const currencyTotalSchema = z.object({ currency: z.string(), total: z.string() });

export const rollupHistorySchema = z.object({
  from: z.string(),
  to: z.string(),
  months: z.array(
    z.object({
      month: z.string(),
      revenue: z.array(currencyTotalSchema),
      mrr: z.array(currencyTotalSchema),
      customers: z.string(),
      reporting: z.number().int(),
    }),
  ),
});

export const healthQuery = z.object({
  asOf: z.iso.date().optional().describe('The day to score as of (default: today)'),
});

export const healthSchema = z.object({
  ventureId: z.string(),
  slug: z.string(),
  asOf: z.string(),
  score: z
    .number()
    .int()
    .min(0)
    .max(100)
    .describe('Points earned out of the points the measured components can earn, as 0-100'),
  measuredOf: z.number().int().describe('What the measured components can earn (100: all)'),
  components: z.array(
    z.object({
      key: z.enum(['recency', 'revenue', 'trend', 'churn', 'customers']),
      label: z.string(),
      points: z.number().int(),
      max: z.number().int(),
      measured: z.boolean().describe('False: its data is missing; it counts neither way'),
      reason: z.string(),
    }),
  ),
});

export const savedViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  query: z.string().describe('The ventures list’s query string'),
  shared: z.boolean(),
  mine: z.boolean(),
  createdAt: z.string(),
});
export const savedViewCreateSchema = z.strictObject({
  name: z.string().min(1).max(80),
  query: z
    .string()
    .max(1000)
    .describe(
      'Query string of `GET /ventures`: search, category, stage, tag, sort, order, limit, currency',
    ),
  shared: z.boolean().optional().describe('Visible to the whole organisation (default: only you)'),
});
export const savedViewParams = z.object({ id: z.uuid() });
