import { Command, InvalidArgumentError, Option } from 'commander';
import { utcDay } from '../ledger/index.ts';
import { DEFAULT_DEMO_VENTURES, resetDemo, runDemo } from '../flows/index.ts';
import { act } from './act.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { emit, keyValues } from './output.ts';
import { withDemo } from './demo-client.ts';

const whole = (value: string) => {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('Not a whole number.');
  return Number(value);
};

/** `iza demo`: a reproducible, clearly-labelled demo portfolio (see src/flows/demo.ts). */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'fill an empty installation with a fictional demo portfolio: ventures, a year of KPIs, ledger entities and transfers, sample workflows',
    )
    .option('--seed <n>', 'seed of the generator: the same seed gives the same data', whole, 1)
    .option('--ventures <n>', 'how many ventures', whole, DEFAULT_DEMO_VENTURES)
    .option(
      '--force',
      'add the demo even though the installation holds ventures of its own (an earlier, interrupted demo is completed without it)',
    )
    .option(
      '--reset',
      'delete the demo ventures, their KPIs and the demo workflows (ledger entities stay)',
    )
    .addOption(new Option('--org <slug>', 'organisation, by slug or id (default: the only one)'))
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      act(
        async (flags: {
          seed: number;
          ventures: number;
          force?: boolean;
          reset?: boolean;
          org?: string;
          dataDir?: string;
          json?: boolean;
        }) => {
          const json = flags.json ?? false;
          await withDemo(configFrom(flags), flags, async (ports, via) => {
            if (flags.reset) {
              const report = await resetDemo(ports);
              emit(
                report,
                json,
                (r) =>
                  `Removed ${r.ventures} demo venture(s) and ${r.workflows} demo workflow(s).\n${r.note}`,
              );
              return;
            }
            let last = '';
            const report = await runDemo(ports, {
              seed: flags.seed,
              ventures: flags.ventures,
              force: flags.force ?? false,
              today: utcDay(new Date()),
              progress: json
                ? undefined
                : (step, done, total) => {
                    const line = `${step}: ${done}/${total}`;
                    if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
                    else if (done === total && line !== last) process.stderr.write(`${line}\n`);
                    last = line;
                  },
            });
            if (!json && process.stderr.isTTY) process.stderr.write('\n');
            emit(report, json, (r) =>
              [
                r.venturesThere > 0
                  ? `Demo portfolio completed: ${r.ventures - r.venturesThere} venture(s) added to the ${r.venturesThere} an earlier run made (all of it fictional: flag "demo", tag "demo", ledger codes DEMO-*).`
                  : `Demo portfolio created (all of it fictional: flag "demo", tag "demo", ledger codes DEMO-*).`,
                keyValues([
                  ['seed', r.seed],
                  ['ventures', `${r.ventures} (${r.ventures - r.venturesThere} new)`],
                  ['KPI values', r.kpis],
                  ['months', `${r.months.from} to ${r.months.to}`],
                  ['ledger entities', `${r.ledger.entities} new, ${r.ledger.reused} reused`],
                  [
                    'transfers',
                    `${r.ledger.transfers} booked, ${r.ledger.alreadyBooked} already there`,
                  ],
                  ['exchange rates', `${r.ledger.fxRates} monthly EUR rates (source "demo")`],
                  [
                    'workflows',
                    `${r.workflows} sample workflow(s) imported (name "Demo: ...", tag "demo"; webhook ones active)`,
                  ],
                  ['via', via],
                ]),
                ...r.workflowWarnings.map((w) => `Warning: ${w}`),
                'Remove it with: iza demo --reset (the ledger entities and transfers stay: the books are append-only).',
              ].join('\n'),
            );
          });
        },
      ),
    );
}
