import { and, asc, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AuditLog } from '../access/index.ts';
import {
  ErrorCodes,
  UserError,
  containsPattern,
  isUuid,
  newId,
  notFound,
  type Clock,
  type Database,
} from '../kernel/index.ts';
import { portfolioCategories, portfolioMetrics, portfolioVentures } from './portfolio.schema.ts';
import {
  BUILTIN_CATEGORIES,
  BUILTIN_METRICS,
  COLUMN_SORTS,
  KEY_PATTERN,
  MAX_TAGS,
  SLUG_PATTERN,
  type Category,
  type ColumnSort,
  type Metric,
  type MetricUnit,
  type Scope,
  type Stage,
  type Venture,
  type VentureInput,
  type VenturePage,
  type VenturePatch,
  type VentureQuery,
  type VentureSort,
} from './portfolio.types.ts';

export type PortfolioAudit = Pick<AuditLog, 'record'>;

export interface VenturesDeps {
  db: Database;
  clock: Clock;
  audit: PortfolioAudit;
  /** Whether a ledger entity of this id exists in the organisation (the ledger's `getEntity`). */
  ledgerEntityExists: (orgId: string, entityId: string) => Promise<boolean>;
  /** Whether a user is a member of the organisation. */
  isMember: (orgId: string, userId: string) => Promise<boolean>;
}

/** A venture's row as the service reads it (which transaction last changed it aside). */
type VentureRow = Omit<typeof portfolioVentures.$inferSelect, 'changedXid'>;

const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export const invalid = (field: string, message: string) =>
  new UserError(ErrorCodes.validationFailed, `${field} ${message}`, {
    details: [{ path: field, message }],
  });

const conflict = (message: string) => new UserError(ErrorCodes.conflict, message, { status: 409 });

/** Refused to an API key limited to some ventures: the change reaches beyond them. */
export const outsideScope = (what: string) =>
  new UserError('venture_scope', `This API key is limited to some ventures and cannot ${what}`, {
    status: 403,
  });

/** The SQL condition restricting ventures to a scope's list (true for an unlimited scope). */
export function inScope(scope: Scope): SQL | undefined {
  if (scope.ventureIds === null) return undefined;
  if (scope.ventureIds.length === 0) return sql`false`;
  return inArray(portfolioVentures.id, [...scope.ventureIds]);
}

/** Ventures, their categories and the organisation's metric definitions. */
export function createVenturesService(deps: VenturesDeps) {
  const { db, clock, audit } = deps;

  async function listCategories(scope: Scope): Promise<Category[]> {
    const custom = await db
      .select()
      .from(portfolioCategories)
      .where(eq(portfolioCategories.orgId, scope.orgId))
      .orderBy(asc(portfolioCategories.key));
    return [
      ...BUILTIN_CATEGORIES.map((c) => ({ ...c, builtin: true })),
      ...custom.map((c) => ({ key: c.key, label: c.label, builtin: false })),
    ];
  }

  async function listMetrics(scope: Scope): Promise<Metric[]> {
    const custom = await db
      .select()
      .from(portfolioMetrics)
      .where(eq(portfolioMetrics.orgId, scope.orgId))
      .orderBy(asc(portfolioMetrics.key));
    return [
      ...BUILTIN_METRICS.map((m) => ({ ...m, builtin: true })),
      ...custom.map((m) => ({
        key: m.key,
        label: m.label,
        unit: m.unit as MetricUnit,
        builtin: false,
      })),
    ];
  }

  /** A venture by id or slug, within the scope; archived ones too. */
  async function getVenture(scope: Scope, ref: string): Promise<Venture> {
    const [row] = await db
      .select()
      .from(portfolioVentures)
      .where(
        and(
          eq(portfolioVentures.orgId, scope.orgId),
          isUuid(ref) ? eq(portfolioVentures.id, ref) : eq(portfolioVentures.slug, ref),
          inScope(scope),
        ),
      );
    if (!row) throw notFound(`Venture ${ref}`);
    return toVenture(row);
  }

  async function checkReferences(scope: Scope, input: VenturePatch): Promise<void> {
    if (input.category !== undefined) {
      const categories = await listCategories(scope);
      if (!categories.some((c) => c.key === input.category)) {
        throw invalid(
          'category',
          `must be one of ${categories.map((c) => c.key).join(', ')} (or a category the organisation adds)`,
        );
      }
    }
    if (input.ownerId) {
      if (!isUuid(input.ownerId) || !(await deps.isMember(scope.orgId, input.ownerId))) {
        throw invalid('ownerId', 'must be a user of the organisation');
      }
    }
    if (input.ledgerEntityId) {
      if (
        !isUuid(input.ledgerEntityId) ||
        !(await deps.ledgerEntityExists(scope.orgId, input.ledgerEntityId))
      ) {
        throw invalid('ledgerEntityId', 'must be a ledger entity of the organisation');
      }
    }
    if (input.slug !== undefined && !SLUG_PATTERN.test(input.slug)) {
      throw invalid('slug', 'must be lower-case letters, digits and dashes (at most 63)');
    }
    if (input.tags !== undefined && new Set(input.tags).size > MAX_TAGS) {
      throw invalid('tags', `may hold at most ${MAX_TAGS} tags`);
    }
  }

  return {
    listCategories,
    listMetrics,
    getVenture,

    /** Adds a category of the organisation's own. */
    async createCategory(scope: Scope, input: { key: string; label: string }): Promise<Category> {
      if (scope.ventureIds !== null) throw outsideScope('add categories');
      if (!KEY_PATTERN.test(input.key)) throw invalid('key', 'must match ^[a-z][a-z0-9_-]{0,39}$');
      if (BUILTIN_CATEGORIES.some((c) => c.key === input.key)) {
        throw conflict(`"${input.key}" is a built-in category`);
      }
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(portfolioCategories)
          .values({ orgId: scope.orgId, ...input, createdAt: clock.now() })
          .onConflictDoNothing()
          .returning();
        if (inserted.length === 0) throw conflict(`A category "${input.key}" exists`);
        await audit.record(tx, {
          action: 'portfolio.category.create',
          entityType: 'portfolio_category',
          entityId: input.key,
          orgId: scope.orgId,
          after: input,
        });
        return { ...input, builtin: false };
      });
    },

    /** Defines a metric of the organisation's own, with its unit. */
    async defineMetric(
      scope: Scope,
      input: { key: string; label: string; unit: MetricUnit },
    ): Promise<Metric> {
      if (scope.ventureIds !== null) throw outsideScope('define metrics');
      if (!KEY_PATTERN.test(input.key)) throw invalid('key', 'must match ^[a-z][a-z0-9_-]{0,39}$');
      if (BUILTIN_METRICS.some((m) => m.key === input.key)) {
        throw conflict(`"${input.key}" is a built-in metric`);
      }
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(portfolioMetrics)
          .values({ orgId: scope.orgId, ...input, createdAt: clock.now() })
          .onConflictDoNothing()
          .returning();
        if (inserted.length === 0) throw conflict(`A metric "${input.key}" exists`);
        await audit.record(tx, {
          action: 'portfolio.metric.create',
          entityType: 'portfolio_metric',
          entityId: input.key,
          orgId: scope.orgId,
          after: input,
        });
        return { ...input, builtin: false };
      });
    },

    async createVenture(scope: Scope, input: VentureInput): Promise<Venture> {
      if (scope.ventureIds !== null) throw outsideScope('create ventures');
      await checkReferences(scope, input);
      const now = clock.now();
      const row: VentureRow = {
        id: newId(),
        orgId: scope.orgId,
        slug: input.slug,
        name: input.name,
        description: input.description ?? null,
        category: input.category,
        stage: input.stage ?? 'idea',
        ownerId: input.ownerId ?? null,
        siteUrl: input.siteUrl ?? null,
        repositoryUrl: input.repositoryUrl ?? null,
        tags: [...new Set(input.tags ?? [])],
        ledgerEntityId: input.ledgerEntityId ?? null,
        demo: input.demo ?? false,
        createdAt: now,
        updatedAt: now,
        archivedAt: null,
      };
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(portfolioVentures)
          .values(row)
          .onConflictDoNothing()
          .returning({ id: portfolioVentures.id });
        if (inserted.length === 0) throw conflict(`A venture with slug "${input.slug}" exists`);
        await audit.record(tx, {
          action: 'portfolio.venture.create',
          entityType: 'portfolio_venture',
          entityId: row.id,
          orgId: scope.orgId,
          after: auditView(row),
        });
        return toVenture(row);
      });
    },

    async updateVenture(scope: Scope, ref: string, patch: VenturePatch): Promise<Venture> {
      const before = await getVenture(scope, ref);
      await checkReferences(scope, patch);
      const changes: Partial<VentureRow> = {};
      for (const [key, value] of Object.entries(patch) as [keyof VenturePatch, unknown][]) {
        if (value === undefined) continue;
        (changes as Record<string, unknown>)[key] =
          key === 'tags' ? [...new Set(value as string[])] : value;
      }
      if (Object.keys(changes).length === 0) return before;
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(portfolioVentures)
          .set({ ...changes, updatedAt: clock.now(), changedXid: sql`pg_current_xact_id()` })
          .where(and(eq(portfolioVentures.orgId, scope.orgId), eq(portfolioVentures.id, before.id)))
          .returning()
          .catch((error: unknown) => {
            if (isUniqueViolation(error))
              throw conflict(`A venture with slug "${patch.slug}" exists`);
            throw error;
          });
        if (!row) throw notFound(`Venture ${ref}`);
        await audit.record(tx, {
          action: 'portfolio.venture.update',
          entityType: 'portfolio_venture',
          entityId: before.id,
          orgId: scope.orgId,
          before: auditView(before),
          after: auditView(row),
        });
        return toVenture(row);
      });
    },

    /** Archives a venture: it leaves lists and roll-ups, its KPIs stay. */
    async archiveVenture(scope: Scope, ref: string): Promise<Venture> {
      const before = await getVenture(scope, ref);
      if (before.archivedAt) return before;
      return db.transaction(async (tx) => {
        const now = clock.now();
        const [row] = await tx
          .update(portfolioVentures)
          .set({ archivedAt: now, updatedAt: now, changedXid: sql`pg_current_xact_id()` })
          .where(and(eq(portfolioVentures.orgId, scope.orgId), eq(portfolioVentures.id, before.id)))
          .returning();
        await audit.record(tx, {
          action: 'portfolio.venture.archive',
          entityType: 'portfolio_venture',
          entityId: before.id,
          orgId: scope.orgId,
          before: { archivedAt: null },
          after: { archivedAt: now.toISOString() },
        });
        return toVenture(row!);
      });
    },

    /**
     * Ventures page by page, sorted and filtered. Paging is by keyset (`cursor`): each page costs
     * the same however deep, on the `(org_id, <sort>, id)` indexes.
     */
    async listVentures(scope: Scope, query: VentureQuery = {}): Promise<VenturePage> {
      const limit = Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
      const sort: ColumnSort = isColumnSort(query.sort) ? query.sort : 'name';
      const order = query.order ?? 'asc';
      const column = portfolioVentures[sort];
      const filters = filtersOf(scope, query);
      let after: SQL | undefined;
      if (query.cursor) {
        const [value, id] = decodeCursor(query.cursor);
        const typed =
          sort === 'createdAt' || sort === 'updatedAt' ? sql`${value}::timestamptz` : sql`${value}`;
        after =
          order === 'asc'
            ? sql`(${column}, ${portfolioVentures.id}) > (${typed}, ${id}::uuid)`
            : sql`(${column}, ${portfolioVentures.id}) < (${typed}, ${id}::uuid)`;
      }
      const direction = order === 'asc' ? asc : desc;
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(portfolioVentures)
          .where(and(filters, after))
          .orderBy(direction(column), direction(portfolioVentures.id))
          .limit(limit + 1),
        db.select({ n: count() }).from(portfolioVentures).where(filters),
      ]);
      const page = rows.slice(0, limit).map(toVenture);
      const last = page.at(-1);
      return {
        ventures: page,
        total: total?.n ?? 0,
        nextCursor:
          rows.length > limit && last
            ? encodeCursor(
                sort === 'createdAt' || sort === 'updatedAt'
                  ? last[sort].toISOString()
                  : last[sort],
                last.id,
              )
            : null,
      };
    },

    /**
     * The ids of every venture matching the query's filters (not paged), by name then id: for
     * sorts on figures, which the database does not hold. One row of JSON, however many match.
     */
    async matchingVentureIds(scope: Scope, query: VentureQuery = {}): Promise<string[]> {
      const [row] = await db
        .select({
          ids: sql<string>`coalesce(json_agg(${portfolioVentures.id}
                 order by ${portfolioVentures.name}, ${portfolioVentures.id}), '[]')::text`,
        })
        .from(portfolioVentures)
        .where(filtersOf(scope, query));
      return JSON.parse(row?.ids ?? '[]') as string[];
    },

    /** The ventures of these ids within the scope, in the order of `ids` (unknown ones left out). */
    async venturesByIds(scope: Scope, ids: readonly string[]): Promise<Venture[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .select()
        .from(portfolioVentures)
        .where(
          and(
            eq(portfolioVentures.orgId, scope.orgId),
            inScope(scope),
            inArray(portfolioVentures.id, [...ids]),
          ),
        );
      const byId = new Map(rows.map((row) => [row.id, toVenture(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** The ids of every venture `iza demo` created in the organisation. */
    async demoVentureIds(scope: Scope): Promise<string[]> {
      const rows = await db
        .select({ id: portfolioVentures.id })
        .from(portfolioVentures)
        .where(and(eq(portfolioVentures.orgId, scope.orgId), eq(portfolioVentures.demo, true)));
      return rows.map((r) => r.id);
    },

    /** How many ventures the organisation holds, archived ones included. */
    async countVentures(scope: Scope): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(portfolioVentures)
        .where(eq(portfolioVentures.orgId, scope.orgId));
      return row?.n ?? 0;
    },

    /** Deletes the ventures `iza demo` created (and, by cascade, their KPIs), audited. */
    async deleteDemoVentures(scope: Scope): Promise<number> {
      if (scope.ventureIds !== null) throw outsideScope('remove demo data');
      return db.transaction(async (tx) => {
        const deleted = await tx
          .delete(portfolioVentures)
          .where(and(eq(portfolioVentures.orgId, scope.orgId), eq(portfolioVentures.demo, true)))
          .returning({ id: portfolioVentures.id });
        await audit.record(tx, {
          action: 'portfolio.demo.reset',
          entityType: 'portfolio_venture',
          entityId: null,
          orgId: scope.orgId,
          before: { ventures: deleted.length },
        });
        return deleted.length;
      });
    },
  };
}

export type VenturesService = ReturnType<typeof createVenturesService>;

const isColumnSort = (sort: VentureSort | undefined): sort is ColumnSort =>
  (COLUMN_SORTS as readonly string[]).includes(sort ?? '');

/** The `where` of a venture listing: the scope and the query's filters. */
function filtersOf(scope: Scope, query: VentureQuery): SQL | undefined {
  return and(
    eq(portfolioVentures.orgId, scope.orgId),
    inScope(scope),
    query.includeArchived ? undefined : isNull(portfolioVentures.archivedAt),
    query.category === undefined ? undefined : eq(portfolioVentures.category, query.category),
    query.stage === undefined ? undefined : eq(portfolioVentures.stage, query.stage),
    query.tag === undefined
      ? undefined
      : sql`${portfolioVentures.tags} @> array[${query.tag}]::text[]`,
    query.search === undefined || query.search === ''
      ? undefined
      : sql`(${portfolioVentures.name} ilike ${containsPattern(query.search)} or ${portfolioVentures.slug} ilike ${containsPattern(query.search)})`,
  );
}

export function toVenture(row: VentureRow & { changedXid?: string }): Venture {
  const { changedXid: _changed, ...venture } = row;
  return { ...venture, stage: row.stage as Stage, tags: row.tags };
}

function auditView(v: VentureRow | Venture) {
  return {
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
  };
}

function encodeCursor(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      isUuid(parsed[1])
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // Falls through to the error below.
  }
  throw invalid(
    'cursor',
    "is not a cursor this list gave out (use the previous page's nextCursor)",
  );
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}
