import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { AgentInput, AgentJson } from '../agents/index.ts';
import { ErrorCodes, UserError } from '../kernel/index.ts';
import { dict } from '../kernel/dict.ts';
import { collect, common, type AgentClient, type Flags } from './agent-client.ts';
import { act } from './act.ts';
import { emit, keyValues } from './output.ts';

type Run = <T>(flags: Flags, name: string, work: (c: AgentClient) => Promise<T>) => Promise<T>;

interface DefineFlags extends Flags {
  file?: string;
  botId?: string;
  name?: string;
  kind?: string;
  tier?: string;
  capability?: string[];
  backup?: string[];
  slots?: string;
  timeoutMs?: string;
  handler?: string;
  webhookUrl?: string;
  provider?: string;
  model?: string;
  connection?: string;
  baseUrl?: string;
  systemPrompt?: string;
  tool?: string[];
  budgetTokens?: string;
  budgetAmount?: string;
  budgetCurrency?: string;
  approval?: boolean;
  enabled?: boolean;
}

/** The options that define an agent: a file (JSON or YAML, `-` for standard input) and flags. */
function defineOptions(command: Command): Command {
  return command
    .option('--file <path>', 'the definition as JSON or YAML (- reads standard input)')
    .option('--name <name>', 'display name')
    .addOption(new Option('--kind <kind>', 'runtime').choices(['llm', 'code', 'webhook']))
    .addOption(
      new Option('--tier <tier>', 'tier').choices(['maestro', 'strategist', 'manager', 'worker']),
    )
    .option('--capability <name>', 'a capability (repeatable; replaces the list)', collect)
    .option('--backup <botId>', 'a backup agent (repeatable; replaces the list)', collect)
    .option('--slots <n>', 'maxConcurrentTasks')
    .option('--timeout-ms <ms>', 'timeout of one execution')
    .option('--handler <name>', "a code agent's handler")
    .option('--webhook-url <url>', "a webhook agent's URL")
    .addOption(
      new Option('--provider <p>', 'LLM provider').choices([
        'openai-compatible',
        'anthropic',
        'builtin',
      ]),
    )
    .option('--model <id>', 'LLM model')
    .option('--connection <name>', "the organisation's provider connection")
    .option('--base-url <url>', 'LLM base URL (called without a key)')
    .option('--system-prompt <text>', 'LLM system prompt')
    .option('--tool <name>', 'a platform tool the agent may call (repeatable)', collect)
    .option('--budget-tokens <n>', 'token budget of the agent (all its calls)')
    .option('--budget-amount <minor>', 'money budget in minor units (needs --budget-currency)')
    .option('--budget-currency <code>', 'currency of --budget-amount (ISO 4217)')
    .option('--approval', 'its tasks wait for a human approval')
    .option('--no-enabled', 'disabled: takes no tasks');
}

const int = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UserError(ErrorCodes.badRequest, `${flag} must be a whole number, not "${value}"`);
  }
  return n;
};

/** What the file and the flags say, flags last: only the fields given. */
function definitionFrom(flags: DefineFlags): Record<string, unknown> {
  let base: Record<string, unknown> = dict<unknown>();
  if (flags.file !== undefined) {
    const text = readFileSync(flags.file === '-' ? 0 : flags.file, 'utf8');
    const parsed: unknown = parseYaml(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UserError(
        ErrorCodes.badRequest,
        `${flags.file} does not hold one agent (an object)`,
      );
    }
    base = parsed as Record<string, unknown>;
  }
  const llm: Record<string, unknown> = {
    ...(typeof base.llm === 'object' && base.llm !== null ? base.llm : {}),
  };
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };
  const d: Record<string, unknown> = { ...base };
  set(d, 'botId', flags.botId);
  set(d, 'name', flags.name);
  set(d, 'kind', flags.kind);
  set(d, 'tier', flags.tier);
  set(d, 'capabilities', flags.capability);
  set(d, 'backupAgents', flags.backup);
  set(d, 'maxConcurrentTasks', int('--slots', flags.slots));
  set(d, 'timeout', int('--timeout-ms', flags.timeoutMs));
  set(d, 'handler', flags.handler);
  set(d, 'webhookUrl', flags.webhookUrl);
  set(d, 'requiresApproval', flags.approval);
  if (flags.enabled === false) d.enabled = false;
  set(llm, 'provider', flags.provider);
  set(llm, 'model', flags.model);
  set(llm, 'connection', flags.connection);
  set(llm, 'baseUrl', flags.baseUrl);
  set(llm, 'systemPrompt', flags.systemPrompt);
  set(llm, 'tools', flags.tool);
  if (Object.keys(llm).length > 0) d.llm = llm;
  const budget: Record<string, unknown> = {
    ...(typeof base.budget === 'object' && base.budget !== null ? base.budget : {}),
  };
  set(budget, 'tokens', int('--budget-tokens', flags.budgetTokens));
  set(budget, 'amount', int('--budget-amount', flags.budgetAmount));
  set(budget, 'currency', flags.budgetCurrency?.toUpperCase());
  if (Object.keys(budget).length > 0) d.budget = budget;
  return d;
}

const summary = (a: AgentJson) =>
  keyValues([
    ['botId', a.botId],
    ['name', a.name],
    ['kind', a.kind],
    ['capabilities', a.capabilities.join(', ')],
    ['slots', a.maxConcurrentTasks],
    ['enabled', a.enabled ? 'yes' : 'no'],
    ['id', a.id],
  ]);

/** `iza agent create|update|remove`. */
export function addDefineCommands(agent: Command, run: Run): void {
  common(
    defineOptions(
      agent
        .command('create')
        .description('defines an agent (from --file, flags, or both; flags win)')
        .option('--bot-id <botId>', 'its botId (unique in the organisation)'),
    ),
  ).action(
    act(async (flags: DefineFlags) => {
      const definition = definitionFrom(flags);
      if (typeof definition.botId !== 'string') {
        throw new UserError(ErrorCodes.badRequest, 'Give --bot-id or a file with botId');
      }
      definition.name ??= definition.botId;
      const created = await run(flags, 'create', (c) => c.create(definition as AgentInput));
      emit(created, flags.json ?? false, summary);
    }),
  );

  common(
    defineOptions(
      agent
        .command('update')
        .description('changes the fields given of an agent (from --file, flags, or both)')
        .argument('<ref>', 'botId or id'),
    ).option('--enabled', 'enabled again: takes tasks'),
  ).action(
    act(async (ref: string, flags: DefineFlags) => {
      const patch = definitionFrom(flags);
      if (flags.enabled === true) patch.enabled = true;
      if (Object.keys(patch).length === 0) {
        throw new UserError(ErrorCodes.badRequest, 'Nothing to change: give --file or flags');
      }
      const updated = await run(flags, 'update', async (c) => {
        // A patch replaces whole fields: the model's settings and the budget keep what the
        // flags leave out.
        if (patch.llm || patch.budget) {
          const current = await c.show(ref);
          if (patch.llm && current.llm) {
            const { offlineDemo: _demo, ...llm } = current.llm;
            patch.llm = { ...llm, ...patch.llm };
          }
          if (patch.budget && current.budget) {
            patch.budget = { ...current.budget, ...patch.budget };
          }
        }
        return c.update(ref, patch);
      });
      emit(updated, flags.json ?? false, summary);
    }),
  );

  common(
    agent
      .command('remove')
      .description('removes an agent (its tasks and messages stay)')
      .argument('<ref>', 'botId or id'),
  ).action(
    act(async (ref: string, flags: Flags) => {
      const removed = await run(flags, 'remove', (c) => c.remove(ref));
      emit(removed, flags.json ?? false, (a) => `Removed agent ${a.botId} (${a.id})`);
    }),
  );
}
