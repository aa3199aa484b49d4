import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ErrorCodes, UserError } from '../kernel/essentials.ts';
import type { Stage, VentureJson, VentureSort } from '../portfolio/index.ts';
// The constants alone: the module's index would load its services and the database.
import { STAGES, VENTURE_SORTS } from '../portfolio/portfolio.types.ts';
import { act } from './act.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { emit, keyValues, table } from './output.ts';
import { withVentures, type VentureClient, type VentureFlags } from './venture-client.ts';

/**
 * `iza venture ...`: the portfolio's ventures, their KPIs and health, through the server that
 * holds the data folder or on the database directly.
 */

interface Flags extends VentureFlags {
  json?: boolean;
}

const EXAMPLES = `
Examples:
  iza venture create --slug acme --name "Acme Apps" --category technology --stage launched
  iza venture list --category technology --sort createdAt --order desc
  iza venture kpi post acme --metric mrr --date 2026-03 --value 1250.00 --currency EUR
  iza venture kpi import kpis.csv --dry-run
  iza venture health acme`;

function common(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--org <slug>',
        'organisation, by slug or id (default: the only one of this installation)',
      ),
    )
    .addOption(dataDirOption())
    .addOption(jsonOption());
}

function inPortfolio<T>(
  flags: Flags,
  name: string,
  work: (client: VentureClient) => Promise<T>,
): Promise<T> {
  return withVentures(configFrom(flags), flags, `iza venture ${name}`, work);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function details(v: VentureJson): string {
  return keyValues([
    ['name', v.name],
    ['slug', v.slug],
    ['category', v.category],
    ['stage', v.stage],
    ['tags', v.tags.join(', ')],
    ['site', v.siteUrl ?? ''],
    ['repository', v.repositoryUrl ?? ''],
    ['owner', v.ownerId ?? ''],
    ['ledger entity', v.ledgerEntityId ?? ''],
    ['demo', v.demo ? 'yes' : 'no'],
    ['created', v.createdAt],
    ['archived', v.archivedAt ?? 'no'],
    ['id', v.id],
  ]);
}

/** The `venture` command with its subcommands. */
export function ventureCommand(): Command {
  const venture = new Command('venture')
    .description('the portfolio: ventures, their KPIs and health')
    .addHelpText('after', EXAMPLES);

  common(
    venture
      .command('list')
      .description('ventures, filtered and sorted')
      .option('--category <key>', 'only this category')
      .addOption(new Option('--stage <stage>', 'only this stage').choices(STAGES))
      .option('--tag <tag>', 'only ventures with this tag')
      .option('--search <text>', 'part of the name or slug')
      .option('--archived', 'include archived ventures')
      .addOption(new Option('--sort <field>', 'sort by').choices(VENTURE_SORTS).default('name'))
      .addOption(new Option('--order <order>', 'sort order').choices(['asc', 'desc']))
      .option('--limit <n>', 'at most this many (1-500)', '100')
      .option('--cursor <cursor>', 'the next page (printed after a full page)'),
  ).action(
    act(
      async (
        flags: Flags & {
          category?: string;
          stage?: Stage;
          tag?: string;
          search?: string;
          archived?: boolean;
          sort: VentureSort;
          order?: 'asc' | 'desc';
          limit: string;
          cursor?: string;
        },
      ) => {
        const page = await inPortfolio(flags, 'list', (c) =>
          c.list({
            category: flags.category,
            stage: flags.stage,
            tag: flags.tag,
            search: flags.search,
            includeArchived: flags.archived ?? false,
            sort: flags.sort,
            order: flags.order,
            limit: Number(flags.limit),
            cursor: flags.cursor,
          }),
        );
        emit(page, flags.json ?? false, (p) =>
          [
            table(
              ['slug', 'name', 'category', 'stage', 'tags'],
              p.ventures.map((v) => [v.slug, v.name, v.category, v.stage, v.tags.join(' ')]),
            ),
            `${p.ventures.length} of ${p.total} venture(s)${p.nextCursor ? `; next page: --cursor ${p.nextCursor}` : ''}`,
          ].join('\n'),
        );
      },
    ),
  );

  common(venture.command('show <venture>').description('one venture, by slug or id')).action(
    act(async (ref: string, flags: Flags) => {
      emit(await inPortfolio(flags, 'show', (c) => c.get(ref)), flags.json ?? false, details);
    }),
  );

  const fields = (command: Command, create: boolean) =>
    command
      .option('--name <name>', 'name')
      .option(
        '--category <key>',
        'category: financial, ecommerce, technology, education, community, emerging or your own',
      )
      .addOption(new Option('--stage <stage>', 'lifecycle stage').choices(STAGES))
      .option('--description <text>', 'what it does')
      .option('--owner <user id>', 'the user who owns it')
      .option('--site <url>', 'its site')
      .option('--repository <url>', 'its repository')
      .option(
        '--tag <tag>',
        `a tag (repeat for several${create ? '' : '; replaces the tags'})`,
        collect,
      )
      .option('--ledger-entity <id>', 'its ledger entity (id)');
  const bodyOf = (flags: Record<string, unknown>) => {
    const body: Record<string, unknown> = {
      name: flags.name,
      category: flags.category,
      stage: flags.stage,
      description: flags.description,
      ownerId: flags.owner,
      siteUrl: flags.site,
      repositoryUrl: flags.repository,
      tags: flags.tag,
      ledgerEntityId: flags.ledgerEntity,
    };
    return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  };

  common(
    fields(venture.command('create').description('create a venture'), true).requiredOption(
      '--slug <slug>',
      'short unique name: a-z, 0-9 and dashes',
    ),
  ).action(
    act(async (flags: Flags & Record<string, unknown>) => {
      if (!flags.name || !flags.category) {
        throw new UserError(ErrorCodes.badRequest, 'create needs --name and --category');
      }
      const created = await inPortfolio(flags, 'create', (c) =>
        c.create({ slug: flags.slug, ...bodyOf(flags) }),
      );
      emit(created, flags.json ?? false, details);
    }),
  );

  common(
    fields(venture.command('update <venture>').description('change a venture'), false).option(
      '--slug <slug>',
      'a new slug',
    ),
  ).action(
    act(async (ref: string, flags: Flags & Record<string, unknown>) => {
      const body = { ...bodyOf(flags), ...(flags.slug ? { slug: flags.slug } : {}) };
      emit(
        await inPortfolio(flags, 'update', (c) => c.update(ref, body)),
        flags.json ?? false,
        details,
      );
    }),
  );

  common(
    venture
      .command('archive <venture>')
      .description('archive a venture: it leaves lists and roll-ups, its KPIs stay'),
  ).action(
    act(async (ref: string, flags: Flags) => {
      emit(
        await inPortfolio(flags, 'archive', (c) => c.archive(ref)),
        flags.json ?? false,
        details,
      );
    }),
  );

  common(
    venture
      .command('health <venture>')
      .description('health score (0-100) with the reason for every point')
      .option('--as-of <day>', 'score as of this day (YYYY-MM-DD; default today)'),
  ).action(
    act(async (ref: string, flags: Flags & { asOf?: string }) => {
      const health = await inPortfolio(flags, 'health', (c) => c.health(ref, flags.asOf));
      emit(health, flags.json ?? false, (h) =>
        [
          `${h.slug}: ${h.score}/100 as of ${h.asOf}`,
          table(
            ['component', 'points', 'reason'],
            h.components.map((c) => [c.label, `${c.points}/${c.max}`, c.reason]),
          ),
        ].join('\n'),
      );
    }),
  );

  venture.addCommand(kpiCommand());
  return venture;
}

function kpiCommand(): Command {
  const kpi = new Command('kpi').description('KPI values: post one, or import a CSV file');
  common(
    kpi
      .command('post <venture>')
      .description('store one KPI value (replaces the value of the same metric and date)')
      .requiredOption('--metric <key>', 'revenue, mrr, customers, churn or your own')
      .requiredOption('--date <date>', 'YYYY-MM-DD, or YYYY-MM for the month')
      .requiredOption('--value <value>', 'money in major units (12.50), percent in percent (2.5)')
      .option('--currency <code>', 'ISO 4217, for money metrics'),
  ).action(
    act(
      async (
        ref: string,
        flags: Flags & { metric: string; date: string; value: string; currency?: string },
      ) => {
        const currency = flags.currency?.toUpperCase();
        const { fromDisplay, toDisplay } = await import('../portfolio/portfolio.values.ts');
        const result = await inPortfolio(flags, 'kpi post', async (c) => {
          const [found, metrics] = await Promise.all([c.get(ref), c.metrics()]);
          const metric = metrics.find((m) => m.key === flags.metric);
          if (!metric) {
            throw new UserError(
              ErrorCodes.validationFailed,
              `Unknown metric "${flags.metric}" (known: ${metrics.map((m) => m.key).join(', ')})`,
            );
          }
          const converted = fromDisplay(metric.unit, flags.value, currency);
          if ('problem' in converted) {
            throw new UserError(ErrorCodes.validationFailed, `--value ${converted.problem}`);
          }
          await c.postKpis([
            {
              ventureId: found.id,
              metric: metric.key,
              day: flags.date,
              value: converted.value,
              ...(metric.unit === 'money' && currency ? { currency } : {}),
            },
          ]);
          return {
            venture: found.slug,
            metric: metric.key,
            date: flags.date,
            value: converted.value,
            shown: toDisplay(metric.unit, converted.value, currency),
          };
        });
        emit(
          result,
          flags.json ?? false,
          (r) =>
            `Stored ${r.metric} ${r.shown}${currency ? ` ${currency}` : ''} for ${r.venture} on ${r.date}.`,
        );
      },
    ),
  );

  common(
    kpi
      .command('import <file>')
      .description('import KPIs from CSV: venture,metric,date,value[,currency]')
      .option('--dry-run', 'check every row, write nothing'),
  ).action(
    act(async (file: string, flags: Flags & { dryRun?: boolean }) => {
      const csv = readFileSync(file, 'utf8');
      const result = await inPortfolio(flags, 'kpi import', (c) =>
        c.importCsv(csv, flags.dryRun ?? false),
      );
      emit(result, flags.json ?? false, (r) =>
        [
          `${r.rows} row(s): ${r.valid} valid, ${r.errors.length} with errors; ${r.dryRun ? 'dry run, nothing written' : `${r.applied} written`}.`,
          ...(r.errors.length
            ? [
                table(
                  ['line', 'column', 'reason'],
                  r.errors.map((e) => [e.row, e.column, e.reason]),
                ),
              ]
            : []),
        ].join('\n'),
      );
      if (result.errors.length > 0) process.exitCode = 1;
    }),
  );
  return kpi;
}
