// Conformance check of the workflow importer over a corpus of real n8n exports.
// Run: node --no-node-snapshot bench/workflow-corpus.ts [folder] [--expressions]
// Default folder: ../shared/corpus beside the project root (IZA_SHARED_DIR overrides ../shared). `--expressions` also runs the expression micro-benchmark;
// `--run` executes every activatable workflow from its first trigger, offline (HTTP fails fast,
// no sub-workflow loader), and counts outcomes: a robustness check (nothing may crash).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { ManualClock } from '../src/kernel/clock.ts';
import { sharedPath } from './lib.ts';
import { ExpressionEvaluator } from '../src/workflows/expressions/evaluator.ts';
import type { ExpressionData } from '../src/workflows/expressions/expression.types.ts';
import { forbiddenName, parse } from '../src/workflows/expressions/parser.ts';
import { splitTemplate } from '../src/workflows/expressions/template.ts';
import {
  createNodeRegistry,
  importWorkflow,
  runWorkflow,
  STANDARD_NODE_TYPES,
} from '../src/workflows/index.ts';

const args = process.argv.slice(2);
const folder = args.find((a) => !a.startsWith('--')) ?? sharedPath('corpus');

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

const registry = createNodeRegistry();
const files = jsonFiles(folder);
const refused = new Map<string, { count: number; example: string; file: string }>();
const typeUse = new Map<string, { workflows: number; unblocks: number }>();
let imported = 0;
let unsupported = 0;
let activatable = 0;
let blocks = 0;
let hostBlocks = 0;
let forbiddenBlocks = 0;
const started = performance.now();

function collectExpressions(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (value.startsWith('=')) out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => collectExpressions(v, out));
  else if (value !== null && typeof value === 'object')
    Object.values(value).forEach((v) => collectExpressions(v, out));
}

for (const file of files) {
  const report = importWorkflow(readFileSync(file, 'utf8'), { isSupported: registry.isSupported });
  if (report.status === 'refused') {
    const entry = refused.get(report.code) ?? { count: 0, example: report.reason, file };
    entry.count++;
    refused.set(report.code, entry);
    continue;
  }
  imported++;
  const expressions: string[] = [];
  for (const node of report.workflow.nodes) collectExpressions(node.parameters, expressions);
  for (const template of expressions) {
    for (const segment of splitTemplate(template.slice(1))) {
      if (segment.kind !== 'code') continue;
      blocks++;
      if (forbiddenName(segment.code)) forbiddenBlocks++;
      else if (parse(segment.code)) hostBlocks++;
    }
  }
  if (report.status === 'imported') {
    activatable++;
    continue;
  }
  unsupported++;
  for (const t of report.unsupported) {
    const use = typeUse.get(t.type) ?? { workflows: 0, unblocks: 0 };
    use.workflows++;
    if (report.unsupported.length === 1) use.unblocks++;
    typeUse.set(t.type, use);
  }
}

const pct = (n: number, of: number): string => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
console.log(`corpus: ${folder}`);
console.log(
  `files: ${files.length}  (read and imported in ${((performance.now() - started) / 1000).toFixed(2)} s)`,
);
console.log(`imported: ${imported} (${pct(imported, files.length)})`);
console.log(
  `  activatable (every node type supported): ${activatable} (${pct(activatable, files.length)})`,
);
console.log(`  imported with unsupported node types: ${unsupported}`);
console.log(`refused: ${files.length - imported}`);
for (const [code, r] of [...refused.entries()].sort((a, b) => b[1].count - a[1].count)) {
  console.log(
    `  ${code}: ${r.count}  e.g. ${r.file.slice(folder.length + 1)}: ${r.example.slice(0, 110)}`,
  );
}
console.log(
  `expression blocks: ${blocks}; host subset ${pct(hostBlocks, blocks)}, isolate ${pct(blocks - hostBlocks - forbiddenBlocks, blocks)}, forbidden ${pct(forbiddenBlocks, blocks)}`,
);
console.log(`node types supported natively: ${STANDARD_NODE_TYPES.length}`);
console.log('\nunsupported node types ranked by workflows they would unblock alone (top 40):');
console.log('unblocks  workflows  type');
const ranked = [...typeUse.entries()].sort(
  (a, b) => b[1].unblocks - a[1].unblocks || b[1].workflows - a[1].workflows,
);
for (const [type, use] of ranked.slice(0, 40)) {
  console.log(`${String(use.unblocks).padStart(8)}  ${String(use.workflows).padStart(9)}  ${type}`);
}
console.log(`(${ranked.length} unsupported types in all)`);

if (args.includes('--run')) await runActivatable();
if (args.includes('--expressions')) benchmarkExpressions();

async function runActivatable(): Promise<void> {
  const evaluator = new ExpressionEvaluator({ timeoutMs: 200 });
  const deps = {
    registry,
    evaluator,
    clock: new ManualClock(),
    sleep: async () => {},
    code: { timeoutMs: 1_000 },
    http: {
      timeoutMs: 2_000,
      fetch: (async () => {
        throw new Error('offline');
      }) as typeof fetch,
    },
  };
  const outcomes = new Map<string, number>();
  const errors = new Map<string, number>();
  let crashes = 0;
  const t = performance.now();
  for (const file of files) {
    const report = importWorkflow(readFileSync(file, 'utf8'), {
      isSupported: registry.isSupported,
    });
    if (report.status !== 'imported') continue;
    try {
      const result = await runWorkflow(deps, { workflow: report.workflow, mode: 'manual' });
      outcomes.set(result.status, (outcomes.get(result.status) ?? 0) + 1);
      if (result.error) {
        const kind = `${result.error.name}: ${result.error.message.replace(/"[^"]*"|\d+/g, '…').slice(0, 70)}`;
        errors.set(kind, (errors.get(kind) ?? 0) + 1);
      }
    } catch (error) {
      crashes++;
      console.log(`CRASH ${file}: ${String(error)}`);
    }
  }
  console.log(
    `\nran ${[...outcomes.values()].reduce((a, b) => a + b, 0)} activatable workflows offline in ${((performance.now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(Object.fromEntries(outcomes))}, engine crashes: ${crashes}`,
  );
  console.log(
    'most common failures (expected offline: no credentials, no network, no request data):',
  );
  for (const [kind, n] of [...errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    console.log(`  ${String(n).padStart(4)}  ${kind}`);
  }
  evaluator.dispose();
}

function benchmarkExpressions(): void {
  const evaluator = new ExpressionEvaluator();
  const item = { json: { a: { b: 5 }, query: { name: 'Ann' }, list: [1, 2, 3] } };
  const data: ExpressionData = {
    item,
    itemIndex: 0,
    runIndex: 0,
    nodeName: 'N',
    inputItems: () => [item],
    node: () => ({
      all: () => [item],
      pairedItem: () => item,
      isExecuted: true,
      parameters: {},
      context: {},
    }),
    now: DateTime.fromISO('2026-01-01T00:00:00Z'),
    timezone: 'UTC',
    workflow: { id: 'w', name: 'w', active: true },
    execution: { id: 'e', mode: 'production' },
    env: undefined,
    vars: {},
    parameters: {},
  };
  const cases: [string, string, number][] = [
    ['property path', '={{ $json.a.b }}', 500_000],
    ['template (bench Set node)', "=hello {{ $json.query.name || 'world' }}", 500_000],
    ['method call', '={{ $now.toMillis() }}', 300_000],
    ['node reference', "={{ $('Webhook').item.json.query.name }}", 300_000],
    ['isolate (arrow function)', '={{ $json.list.map(x => x * 2) }}', 20_000],
  ];
  console.log('\nexpression micro-benchmark (one core, warm cache):');
  for (const [label, template, n] of cases) {
    for (let i = 0; i < 1_000; i++) evaluator.evaluate(template, data);
    const t = performance.now();
    for (let i = 0; i < n; i++) evaluator.evaluate(template, data);
    const perSecond = Math.round((n / (performance.now() - t)) * 1000);
    console.log(
      `  ${label.padEnd(28)} ${perSecond.toLocaleString('en-US').padStart(12)} /s   ${template}`,
    );
  }

  // The benchmark workflow (Webhook -> Set -> Respond to Webhook), in process, no HTTP.
  const text = readFileSync(
    new URL('../test/fixtures/workflows/wf-respond.json', import.meta.url),
    'utf8',
  );
  const report = importWorkflow(text, { isSupported: registry.isSupported });
  if (report.status === 'imported') {
    const deps = { registry, evaluator };
    const options = {
      workflow: report.workflow,
      mode: 'webhook' as const,
      triggerItems: [{ json: { headers: {}, params: {}, query: { name: 'x' }, body: {} } }],
    };
    void (async () => {
      for (let i = 0; i < 500; i++) await runWorkflow(deps, options);
      const n = 20_000;
      const t = performance.now();
      for (let i = 0; i < n; i++) await runWorkflow(deps, options);
      const perSecond = Math.round((n / (performance.now() - t)) * 1000);
      console.log(
        `  engine: wf-respond.json executions ${perSecond.toLocaleString('en-US').padStart(8)} /s (in process)`,
      );
      evaluator.dispose();
    })();
  }
}
