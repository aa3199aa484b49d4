import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { completeFilter, datesAsText, executeFilter, isFilterValue } from './conditions.ts';
import {
  compareV1,
  convertDateTime,
  evaluateV1Lists,
  V1_CONDITION_DEFAULTS,
  V1_KINDS,
  V1_RULE_DEFAULTS,
  withDefaults,
  type V1Condition,
  type V1Kind,
} from './conditions.v1.ts';
import { jsString } from './conditions.values.ts';
import { defineNode } from './define.ts';

/**
 * If, Filter and Switch, as n8n runs each version: the filter parameter (If 2+, Filter 2+,
 * Switch 3+) through `conditions.ts`, the typed lists of the older versions through
 * `conditions.v1.ts`, and each version's way with a failing condition.
 */

/** n8n's hint on a failing condition that brings no description of its own, in strict mode. */
const LOOSE_HINT =
  "Try changing the type of comparison. Alternatively you can enable 'Convert types where required'.";

const routeItem = (item: Item, i: number): Item => ({ ...item, pairedItem: { item: i } });

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A filter parameter for one item: completed as n8n completes it, resolved, evaluated. */
function filterPasses(ctx: NodeContext, raw: unknown, resolved: unknown, itemIndex: number) {
  const value = datesAsText(isObject(raw) ? completeFilter(resolved) : resolved);
  if (!isFilterValue(value)) return Boolean(value);
  return executeFilter(value, { itemIndex, zone: ctx.now().zone });
}

/**
 * Whether "Convert types where required" is on: an option before `from` (If/Filter 2.1,
 * Switch 3.1), a parameter of its own since.
 */
function looseTypes(ctx: NodeContext, from: number, itemIndex: number): boolean {
  return ctx.node.typeVersion < from
    ? Boolean(ctx.param<unknown>('options.looseTypeValidation', itemIndex, false))
    : Boolean(ctx.param<unknown>('looseTypeValidation', itemIndex, false));
}

/** A failing condition as n8n reports it: its item, and the strict-mode hint if it has no description. */
function conditionError(error: unknown, itemIndex: number, loose: boolean): NodeError {
  const { message, description } = error as { message?: unknown; description?: unknown };
  const own = typeof description === 'string' && description !== '' ? description : undefined;
  return new NodeError(error instanceof Error ? error.message : String(message ?? error), {
    cause: error,
    itemIndex,
    ...(own !== undefined ? { description: own } : loose ? {} : { description: LOOSE_HINT }),
  });
}

/** The typed lists of If 1 / Filter 1 for one item, n8n's defaults filled in. */
function v1Lists(ctx: NodeContext, itemIndex: number): Partial<Record<V1Kind, V1Condition[]>> {
  const raw = ctx.rawParam('conditions');
  const lists: Partial<Record<V1Kind, V1Condition[]>> = {};
  for (const kind of V1_KINDS) {
    const entries = isObject(raw) ? (raw as Record<string, unknown>)[kind] : undefined;
    if (!Array.isArray(entries)) continue;
    const filled = entries.map((e) => withDefaults(e, V1_CONDITION_DEFAULTS[kind]));
    lists[kind] = datesAsText(ctx.evaluate(filled, itemIndex)) as V1Condition[];
  }
  return lists;
}

/**
 * If 2+ and Filter 2+ for each item: whether it passes, or on a failing condition, with
 * continue-on-fail (any `onError` that continues), `undefined` (n8n sends the item to If's
 * false branch and discards it in Filter).
 */
function filterEach(ctx: NodeContext, each: (item: Item, i: number, pass: boolean) => void) {
  const raw = ctx.rawParam('conditions');
  ctx.input().forEach((item, i) => {
    let pass: boolean;
    try {
      pass = filterPasses(ctx, raw, ctx.evaluate(raw, i), i);
    } catch (error) {
      if (ctx.continueOnFail) {
        each(item, i, false);
        return;
      }
      throw conditionError(error, i, looseTypes(ctx, 2.1, i));
    }
    each(item, i, pass);
  });
}

/** If: true items to output 0, false to output 1. */
export const ifNode = defineNode({
  name: 'if',
  versions: [1, 2, 2.1, 2.2, 2.3],
  outputs: () => 2,
  async execute(ctx) {
    const yes: Item[] = [];
    const no: Item[] = [];
    if (ctx.node.typeVersion < 2) {
      // Version 1 has no continue-on-fail of its own: a failure is the node's.
      ctx.input().forEach((item, i) => {
        const combine = ctx.param<string>('combineOperation', i, 'all');
        const pass = evaluateV1Lists(
          v1Lists(ctx, i),
          { any: combine === 'any', all: combine === 'all' },
          'compareOperationFunctions[compareData.operation]',
        );
        (pass ? yes : no).push(routeItem(item, i));
      });
      return [yes, no];
    }
    filterEach(ctx, (item, i, pass) => (pass ? yes : no).push(routeItem(item, i)));
    return [yes, no];
  },
});

/** Filter: keeps the items matching the conditions. */
export const filterNode = defineNode({
  name: 'filter',
  versions: [1, 2, 2.1, 2.2, 2.3],
  async execute(ctx) {
    const kept: Item[] = [];
    if (ctx.node.typeVersion < 2) {
      ctx.input().forEach((item, i) => {
        const combine = ctx.param<string>('combineConditions', i, 'AND');
        const pass = evaluateV1Lists(
          v1Lists(ctx, i),
          { any: combine === 'OR', all: combine === 'AND' },
          'GenericFunctions_1.compareOperationFunctions[condition.operation]',
        );
        if (pass) kept.push(routeItem(item, i));
      });
      return [kept];
    }
    filterEach(ctx, (item, i, pass) => {
      if (pass) kept.push(routeItem(item, i));
    });
    return [kept];
  },
});

/** The regular outputs of a Switch node, from its parameters. */
export function switchOutputs(node: {
  typeVersion: number;
  parameters: Record<string, unknown>;
}): number {
  const p = node.parameters;
  if (node.typeVersion < 3) {
    if (p.mode === 'expression') return Number(p.outputsAmount ?? 4);
    // Version 2 has an output per rule; version 1 four, which its rules name.
    if (node.typeVersion >= 2)
      return ((p.rules as { rules?: unknown[] } | undefined)?.rules ?? []).length;
    return 4;
  }
  if (p.mode === 'expression') return Number(p.numberOutputs ?? 4);
  const rules = ((p.rules as { values?: unknown[] } | undefined)?.values ?? []).length;
  const fallback = (p.options as { fallbackOutput?: unknown } | undefined)?.fallbackOutput;
  return rules + (fallback === 'extra' ? 1 : 0);
}

/** `outputs[index].push(item)` with JavaScript's error when there is no such output. */
function pushTo(outputs: Item[][], index: unknown, item: Item): void {
  const output = outputs[index as number];
  if (!output) throw new TypeError("Cannot read properties of undefined (reading 'push')");
  output.push(item);
}

/** Switch 1-2: one value compared with each rule's; the first match routes the item. */
function switchV1(ctx: NodeContext): Item[][] {
  const v = ctx.node.typeVersion;
  let outputs: Item[][] = v < 2 ? [[], [], [], []] : [];
  const checkIndex = (index: unknown) => {
    if ((index as number) < 0 || (index as number) >= outputs.length) {
      throw new NodeError(
        `The ouput ${jsString(index)} is not allowed. It has to be between 0 and ${outputs.length - 1}!`,
      );
    }
  };
  const kind = ctx.param<V1Kind>('dataType', 0, 'number');
  const defaults = V1_RULE_DEFAULTS[kind] ?? V1_RULE_DEFAULTS.number;
  const rawRules = ctx.rawParam('rules.rules');
  const filled = (Array.isArray(rawRules) ? rawRules : []).map((r) =>
    withDefaults(r, v < 2 ? { ...defaults, output: 0 } : defaults),
  );
  ctx.input().forEach((item, i) => {
    try {
      const rules = datesAsText(ctx.evaluate(filled, i)) as (V1Condition & { output?: unknown })[];
      const mode = ctx.param<string>('mode', i, 'rules');
      if (mode === 'expression') {
        if (v >= 2 && i === 0) {
          outputs = Array.from({ length: Number(ctx.param('outputsAmount', i, 4)) }, () => []);
        }
        const index = ctx.param<unknown>('output', i, 0);
        checkIndex(index);
        pushTo(outputs, index, routeItem(item, i));
        return;
      }
      if (mode !== 'rules') return;
      if (v >= 2 && i === 0) outputs = rules.map(() => []);
      // A date-and-time value is not read from an expression's DateTime, only from text.
      let value1 = ctx.param<unknown>('value1', i);
      if (kind === 'dateTime') value1 = convertDateTime(value1);
      for (const [r, rule] of rules.entries()) {
        const value2 = kind === 'dateTime' ? convertDateTime(rule.value2) : rule.value2;
        const callee = 'compareOperationFunctions[ruleData.operation]';
        if (compareV1(String(rule.operation), value1, value2, callee, true)) {
          checkIndex(rule.output);
          // Version 2 sends the item to the matching rule's own output; version 1 to the
          // output the rule names.
          pushTo(outputs, v >= 2 ? r : rule.output, routeItem(item, i));
          return;
        }
      }
      const fallback = ctx.param<unknown>('fallbackOutput', i, -1);
      if (fallback !== -1) {
        checkIndex(fallback);
        pushTo(outputs, fallback, routeItem(item, i));
      }
    } catch (error) {
      if (!ctx.continueOnFail) throw error;
      pushTo(outputs, 0, { json: { error: (error as Error).message } });
    }
  });
  return outputs;
}

/** Switch 3+ `checkIndexRange`: the extra output's index, and any other outside the range. */
function checkIndexV3(length: number, index: unknown, itemIndex: number): void {
  if (Number(index) === length) {
    throw new NodeError(`The ouput ${jsString(index)} is not allowed. `, {
      itemIndex,
      description: `Output indexes are zero based, if you want to use the extra output use ${Number(index) - 1}`,
    });
  }
  if ((index as number) < 0 || (index as number) > length) {
    throw new NodeError(`The ouput ${jsString(index)} is not allowed`, {
      itemIndex,
      description: `It has to be between 0 and ${length - 1}`,
    });
  }
}

/** The output index Switch 3+ reads in expression mode (n8n validates it as a number). */
function outputIndex(ctx: NodeContext, i: number): unknown {
  const value = ctx.param<unknown>('output', i);
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (Number.isNaN(n)) {
    const shown =
      typeof value === 'object'
        ? Array.isArray(value)
          ? 'array'
          : 'object'
        : `'${jsString(value)}'`;
    throw new NodeError(`Invalid input for 'Output Index' [item ${i}]`, {
      itemIndex: i,
      description: `'output' expects a number but we got ${shown}`,
    });
  }
  return n;
}

interface SwitchRule {
  conditions?: unknown;
  output?: unknown;
}

/** Switch 3+: rules of filter conditions, or an expression naming the output. */
function switchV3(ctx: NodeContext): Item[][] {
  let outputs: Item[][] = [];
  const mode = ctx.param<string>('mode', 0, 'rules');
  const rawRules = ctx.rawParam('rules.values');
  ctx.input().forEach((item, i) => {
    try {
      if (mode === 'expression') {
        if (i === 0) {
          outputs = Array.from({ length: Number(ctx.param('numberOutputs', i, 4)) }, () => []);
        }
        const index = outputIndex(ctx, i);
        checkIndexV3(outputs.length, index, i);
        pushTo(outputs, index, routeItem(item, i));
        return;
      }
      if (mode !== 'rules') return;
      const rules = ctx.param<SwitchRule[]>('rules.values', i, []);
      if (!Array.isArray(rules) || rules.length === 0) return;
      const fallback = ctx.param<unknown>('options.fallbackOutput', i);
      if (i === 0) {
        outputs = rules.map(() => []);
        if (fallback === 'extra') outputs.push([]);
      }
      const all = Boolean(ctx.param<unknown>('options.allMatchingOutputs', i, false));
      let matched = false;
      for (const [r, rule] of rules.entries()) {
        const raw = Array.isArray(rawRules) ? (rawRules[r] as SwitchRule | undefined) : undefined;
        let pass: boolean;
        try {
          pass = filterPasses(ctx, raw?.conditions, rule.conditions ?? {}, i);
        } catch (error) {
          throw conditionError(error, i, looseTypes(ctx, 3.1, i));
        }
        if (pass) {
          matched = true;
          checkIndexV3(outputs.length, rule.output, i);
          pushTo(outputs, r, routeItem(item, i));
          if (!all) return;
        }
      }
      if (fallback !== undefined && fallback !== 'none' && !matched) {
        if (fallback === 'extra') {
          pushTo(outputs, outputs.length - 1, routeItem(item, i));
          return;
        }
        checkIndexV3(outputs.length, fallback, i);
        pushTo(outputs, fallback, routeItem(item, i));
      }
    } catch (error) {
      if (!ctx.continueOnFail) {
        if (error instanceof NodeError) throw error;
        throw new NodeError((error as Error).message, { cause: error, itemIndex: i });
      }
      pushTo(outputs, 0, { json: { error: (error as Error).message } });
    }
  });
  return outputs.length ? outputs : [[]];
}

/** Switch: routes each item to the output(s) of the matching rule(s). */
export const switchNode = defineNode({
  name: 'switch',
  versions: [1, 2, 3, 3.1, 3.2, 3.3, 3.4],
  outputs: switchOutputs,
  async execute(ctx) {
    return ctx.node.typeVersion < 3 ? switchV1(ctx) : switchV3(ctx);
  },
});
