import { readdirSync, readFileSync } from 'node:fs';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { addMonths, type KpiInput, type VentureInput } from '../portfolio/index.ts';
import {
  DEMO_TAG,
  HISTORY_MONTHS,
  demoFxRates,
  demoUuid,
  planDemo,
  type DemoFxRate,
} from './demo.plan.ts';

export {
  DEMO_TAG,
  demoFxRates,
  demoUuid,
  planDemo,
  seededRandom,
  type DemoFxRate,
  type DemoVenturePlan,
} from './demo.plan.ts';

/**
 * `iza demo`: fills an empty installation with a clearly-labelled, fictional portfolio, a use
 * case that spans the portfolio and the ledger. Everything is derived from a seed through a
 * seeded PRNG, so the same seed (and the same current month) gives the same ventures, KPIs and
 * transfers. Every venture is flagged `demo` and tagged `demo`; every ledger entity's code starts
 * with `DEMO-`. `--reset` deletes the demo ventures and their KPIs; ledger entities cannot be
 * deleted (the books are append-only), so the demo's entities and transfers stay, and a later
 * run with the same seed reuses them (its transfers' ids repeat, so nothing is booked twice).
 *
 * With the workflows port, the demo also imports the sample n8n workflows of
 * `src/flows/demo-workflows/` (names start with `Demo:`, tag `demo`, native node types only, no
 * outgoing calls) that the organisation does not hold yet (by name), and activates the webhook
 * ones; `--reset` deletes them again.
 */

/** What the flow needs, implemented on the services directly or over the HTTP API. */
export interface DemoPorts {
  /** Every venture of the organisation, archived ones included. */
  countVentures(): Promise<number>;
  /** The demo ventures (flag `demo`) already there, archived ones included. */
  listDemoVentures(): Promise<{ id: string; slug: string; archived: boolean }[]>;
  createVenture(input: VentureInput & { demo: true }): Promise<{ id: string }>;
  postKpis(kpis: KpiInput[]): Promise<void>;
  deleteDemoVentures(): Promise<number>;
  listEntities(): Promise<{ id: string; code: string }[]>;
  createEntity(input: {
    code: string;
    name: string;
    kind: 'venture' | 'holding';
    baseCurrency: string;
    parentId?: string;
  }): Promise<{ id: string; accounts: { id: string; code: string }[] }>;
  listAccounts(entityId: string): Promise<{ id: string; code: string }[]>;
  createTransfers(transfers: DemoTransfer[]): Promise<{ result: string }[]>;
  recordFxRates(rates: DemoFxRate[]): Promise<void>;
  /** The workflows service; without it the demo imports no sample workflows (and reports 0). */
  workflows?: DemoWorkflowPorts;
}

/** What the demo asks of the workflows module (service or `/api/v1/workflows`). */
export interface DemoWorkflowPorts {
  /** Names of every workflow of the organisation. */
  listWorkflowNames(): Promise<string[]>;
  /** Saves one n8n workflow JSON (inactive). */
  createWorkflow(definition: DemoWorkflowDefinition): Promise<{ id: string }>;
  activateWorkflow(id: string): Promise<void>;
  /** Deletes the organisation's demo workflows (name `Demo: ...` and tag `demo`); how many. */
  deleteDemoWorkflows(): Promise<number>;
}

/** One sample workflow: an n8n workflow export. */
export interface DemoWorkflowDefinition {
  name: string;
  nodes: { name: string; type: string; typeVersion: number; parameters: object }[];
  tags?: unknown[];
  [field: string]: unknown;
}

export interface DemoTransfer {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  /** Minor units. */
  amount: bigint;
  currency: string;
  effectiveAt: Date;
  description: string;
}

export interface DemoOptions {
  seed: number;
  ventures: number;
  /** Run even though the installation holds ventures of its own (not from the demo). */
  force?: boolean;
  /** `YYYY-MM-DD`: the history ends with the month before this day's. */
  today: string;
  /** Called after each step with what is done so far (for a progress line). */
  progress?: (step: string, done: number, total: number) => void;
}

export interface DemoReport {
  seed: number;
  ventures: number;
  /** Demo ventures an earlier, interrupted or complete, run had created already. */
  venturesThere: number;
  kpis: number;
  months: { from: string; to: string };
  ledger: {
    entities: number;
    reused: number;
    transfers: number;
    alreadyBooked: number;
    fxRates: number;
  };
  /** Sample workflows imported by this run (0 when they were there already or no port). */
  workflows: number;
  /** Sample webhook workflows that could not be activated, with the reason (e.g. path taken). */
  workflowWarnings: string[];
}

export interface DemoResetReport {
  ventures: number;
  workflows: number;
  note: string;
}

export const DEMO_HOLDING_CODE = 'DEMO-HOLDING';
export const DEFAULT_DEMO_VENTURES = 300;
export const MAX_DEMO_VENTURES = 5_000;
const KPI_BATCH = 5_000;
const TRANSFER_BATCH = 8_000;
export const DEMO_WORKFLOW_PREFIX = 'Demo:';
const WEBHOOK_TYPE = 'n8n-nodes-base.webhook';
const DEMO_WORKFLOWS_DIR = new URL('./demo-workflows/', import.meta.url);

/** The sample workflows shipped in `src/flows/demo-workflows/`, in file-name order. */
export function demoWorkflows(): DemoWorkflowDefinition[] {
  return readdirSync(DEMO_WORKFLOWS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map(
      (f) =>
        JSON.parse(readFileSync(new URL(f, DEMO_WORKFLOWS_DIR), 'utf8')) as DemoWorkflowDefinition,
    );
}

/** True for a workflow the demo created: named `Demo: ...` and tagged `demo`. */
export function isDemoWorkflow(workflow: { name: string; tags: string[] }): boolean {
  return workflow.name.startsWith(DEMO_WORKFLOW_PREFIX) && workflow.tags.includes(DEMO_TAG);
}

/**
 * Imports the sample workflows the organisation does not hold yet (by name) and activates the
 * webhook ones (each organisation has its own webhook paths, `/o/<org-slug>/webhook/<path>`, so
 * every organisation's demo webhooks are active). An activation refused (e.g. the organisation
 * already has an active workflow on the path) leaves the workflow saved, inactive, and is
 * reported as a warning rather than failing the demo.
 */
async function importDemoWorkflows(
  ports: DemoWorkflowPorts,
): Promise<{ imported: number; warnings: string[] }> {
  const existing = new Set(await ports.listWorkflowNames());
  let imported = 0;
  const warnings: string[] = [];
  for (const definition of demoWorkflows()) {
    if (existing.has(definition.name)) continue;
    const { id } = await ports.createWorkflow(definition);
    imported++;
    if (!definition.nodes.some((n) => n.type === WEBHOOK_TYPE)) continue;
    try {
      await ports.activateWorkflow(id);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      warnings.push(`${definition.name} left inactive: ${error.message}`);
    }
  }
  return { imported, warnings };
}

/**
 * Creates the demo portfolio: ventures (each with a ledger entity under a demo holding), a year
 * of monthly KPIs, and for each of those months a revenue transfer (the month's revenue KPI) and
 * an expense transfer per venture.
 */
export async function runDemo(ports: DemoPorts, options: DemoOptions): Promise<DemoReport> {
  if (
    !Number.isInteger(options.ventures) ||
    options.ventures < 1 ||
    options.ventures > MAX_DEMO_VENTURES
  ) {
    throw new UserError(
      ErrorCodes.validationFailed,
      `--ventures must be 1 to ${MAX_DEMO_VENTURES}`,
    );
  }
  // A run can be interrupted (a stopped command, a lost connection): running it again
  // completes what is missing. Ventures are found by slug, KPI values replace themselves,
  // transfers have ids derived from the seed and rates are the same every run.
  const plans = planDemo(options.seed, options.ventures, options.today);
  const planned = new Set(plans.map((p) => p.input.slug));
  const earlier = new Map(
    (await ports.listDemoVentures()).filter((v) => planned.has(v.slug)).map((v) => [v.slug, v]),
  );
  const others = (await ports.countVentures()) - earlier.size;
  if (others > 0 && !options.force) {
    throw new UserError(
      'not_empty',
      `This installation already holds ${others} venture(s) besides this demo's (seed ${options.seed}, ${options.ventures} ventures): the demo fills empty ones only (add --force to add it anyway, or --reset to remove an earlier demo)`,
      { status: 409 },
    );
  }
  const progress = options.progress ?? (() => undefined);

  const entities = new Map((await ports.listEntities()).map((e) => [e.code, e.id]));
  let reused = 0;
  const entityFor = async (input: Parameters<DemoPorts['createEntity']>[0]) => {
    const found = entities.get(input.code);
    if (found) {
      reused++;
      return { id: found, accounts: await ports.listAccounts(found) };
    }
    const created = await ports.createEntity(input);
    entities.set(input.code, created.id);
    return created;
  };
  const holding = await entityFor({
    code: DEMO_HOLDING_CODE,
    name: 'Demo Holding (fictional)',
    kind: 'holding',
    baseCurrency: 'EUR',
  });

  const kpis: KpiInput[] = [];
  const transfers: DemoTransfer[] = [];
  for (const [i, plan] of plans.entries()) {
    const code = `DEMO-${plan.input.slug.split('-')[1]}`;
    const entity = await entityFor({
      code,
      name: plan.input.name,
      kind: 'venture',
      baseCurrency: plan.currency,
      parentId: holding.id,
    });
    const account = (c: string) => entity.accounts.find((a) => a.code === c)!.id;
    const there = earlier.get(plan.input.slug);
    const venture =
      there ?? (await ports.createVenture({ ...plan.input, ledgerEntityId: entity.id }));
    // An archived demo venture takes no KPIs (they are for open ventures): left as it is.
    if (!there?.archived) for (const k of plan.kpis) kpis.push({ ...k, ventureId: venture.id });
    for (const b of plan.books) {
      const at = new Date(`${b.month}-15T12:00:00.000Z`);
      const name = `${options.seed}/${code}/${b.month}`;
      transfers.push(
        {
          id: demoUuid(`${name}/revenue`),
          debitAccountId: account('1100'),
          creditAccountId: account('4100'),
          amount: b.revenue,
          currency: plan.currency,
          effectiveAt: at,
          description: `Demo revenue ${b.month}`,
        },
        {
          id: demoUuid(`${name}/expenses`),
          debitAccountId: account('6300'),
          creditAccountId: account('1100'),
          amount: b.expenses,
          currency: plan.currency,
          effectiveAt: at,
          description: `Demo expenses ${b.month}`,
        },
      );
    }
    progress('ventures', i + 1, plans.length);
  }
  for (let i = 0; i < kpis.length; i += KPI_BATCH) {
    await ports.postKpis(kpis.slice(i, i + KPI_BATCH));
    progress('kpis', Math.min(i + KPI_BATCH, kpis.length), kpis.length);
  }
  // Monthly rates from each venture currency into the holding's, so the demo books consolidate.
  const rates = demoFxRates(options.today);
  await ports.recordFxRates(rates);
  let booked = 0;
  let alreadyBooked = 0;
  for (let i = 0; i < transfers.length; i += TRANSFER_BATCH) {
    const results = await ports.createTransfers(transfers.slice(i, i + TRANSFER_BATCH));
    for (const r of results) {
      if (r.result === 'ok') booked++;
      else if (r.result === 'exists') alreadyBooked++;
      else throw new UserError(r.result, `A demo transfer was refused: ${r.result}`);
    }
    progress('transfers', Math.min(i + TRANSFER_BATCH, transfers.length), transfers.length);
  }
  let samples = { imported: 0, warnings: [] as string[] };
  if (ports.workflows) {
    samples = await importDemoWorkflows(ports.workflows);
    progress('workflows', samples.imported, samples.imported);
  }
  const lastMonth = addMonths(options.today.slice(0, 7), -1);
  return {
    seed: options.seed,
    ventures: plans.length,
    venturesThere: plans.filter((p) => earlier.has(p.input.slug)).length,
    kpis: kpis.length,
    months: { from: addMonths(lastMonth, -(HISTORY_MONTHS - 1)), to: lastMonth },
    ledger: {
      entities: plans.length + 1 - reused,
      reused,
      transfers: booked,
      alreadyBooked,
      fxRates: rates.length,
    },
    workflows: samples.imported,
    workflowWarnings: samples.warnings,
  };
}

/**
 * Removes what the demo created in the portfolio and its sample workflows; says plainly what
 * stays in the ledger.
 */
export async function resetDemo(
  ports: Pick<DemoPorts, 'deleteDemoVentures' | 'workflows'>,
): Promise<DemoResetReport> {
  const ventures = await ports.deleteDemoVentures();
  const workflows = ports.workflows ? await ports.workflows.deleteDemoWorkflows() : 0;
  return {
    ventures,
    workflows,
    note: `Deleted the demo ventures and their KPIs${ports.workflows ? ' and the demo workflows (name "Demo: ...", tag "demo")' : ''}. The demo ledger entities (codes DEMO-*) and their transfers stay: ledger history is append-only. A later iza demo with the same seed reuses them without booking twice.`,
  };
}
