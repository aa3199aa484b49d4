import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { ExpressionEvaluator } from './evaluator.ts';
import type { ExpressionData, Item } from './expression.types.ts';
import { parse } from './parser.ts';
import { splitTemplate } from './template.ts';

const evaluator = new ExpressionEvaluator({ timeoutMs: 300 });
afterAll(() => evaluator.dispose());

const source: Item[] = [{ json: { id: 'a', v: 42 } }, { json: { id: 'b', v: 7 } }];

function data(item: Item, extra: Partial<ExpressionData> = {}): ExpressionData {
  return {
    item,
    itemIndex: 0,
    runIndex: 0,
    nodeName: 'Current',
    inputItems: () => [item, { json: { name: 'second' } }],
    node: (name) =>
      name === 'Source'
        ? {
            all: () => source,
            pairedItem: (i = 0) => source[i],
            isExecuted: true,
            context: { noItemsLeft: true },
            parameters: { p: 1 },
          }
        : undefined,
    now: DateTime.fromISO('2026-01-02T03:04:05.000Z', { zone: 'UTC' }),
    timezone: 'UTC',
    workflow: { id: 'w1', name: 'My flow', active: true },
    execution: { id: 'e1', mode: 'production' },
    env: undefined,
    vars: { region: 'eu' },
    parameters: {},
    ...extra,
  };
}

const item: Item = {
  json: {
    a: { b: 5 },
    name: 'Ann Lee',
    list: [3, 1, 2],
    email: 'ann@example.com',
    url: 'https://www.shop.example.org/x?y=1',
    s: '',
    date: '2026-02-03T10:00:00Z',
    obj: { k: 1, j: 2 },
  },
};
const ev = (t: string, extra: Partial<ExpressionData> = {}) =>
  evaluator.evaluate(t, data(item, extra));

describe('templates', () => {
  it('splits text and blocks, keeping braces inside strings', () => {
    expect(splitTemplate('a {{ "}}" }} b {{ {x:1}.x }}')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'code', code: '"}}"' },
      { kind: 'text', text: ' b ' },
      { kind: 'code', code: '{x:1}.x' },
    ]);
  });

  it('returns the value itself for a whole-value expression and text otherwise', () => {
    expect(ev('={{ $json.a }}')).toEqual({ b: 5 });
    expect(ev('={{ $json.a.b }}')).toBe(5);
    expect(ev('=b is {{ $json.a.b }}')).toBe('b is 5');
    expect(ev('=obj {{ $json.a }}')).toBe('obj {"b":5}');
    expect(ev('=missing [{{ $json.nope }}]')).toBe('missing []');
    expect(
      evaluator.resolve({ x: '={{ 1 + 1 }}', y: ['={{ $json.name }}', 'plain'] }, data(item)),
    ).toEqual({ x: 2, y: ['Ann Lee', 'plain'] });
  });
});

describe('variables', () => {
  it('reads other nodes in the current and legacy styles', () => {
    expect(ev("={{ $('Source').item.json.v }}")).toBe(42);
    expect(ev("={{ $('Source').first().json.id }}")).toBe('a');
    expect(ev("={{ $('Source').last().json.id }}")).toBe('b');
    expect(ev("={{ $('Source').all().length }}")).toBe(2);
    expect(ev("={{ $('Source').all().map(i => i.json.v) }}")).toEqual([42, 7]);
    expect(ev('={{ $node["Source"].json.id }}')).toBe('a');
    expect(ev('={{ $node.Source.json.v }}')).toBe(42);
    expect(() => ev("={{ $('Ghost').item.json }}")).toThrow(
      /Referenced node doesn't exist: "Ghost"/,
    );
  });

  it('exposes $input, $workflow, $execution, $itemIndex, $vars', () => {
    expect(ev('={{ $input.item.json.name }}')).toBe('Ann Lee');
    expect(ev('={{ $input.first().json.name }}')).toBe('Ann Lee');
    expect(ev('={{ $input.last().json.name }}')).toBe('second');
    expect(ev('={{ $input.all().length }}')).toBe(2);
    expect(ev('={{ $workflow.name + "/" + $workflow.id + "/" + $workflow.active }}')).toBe(
      'My flow/w1/true',
    );
    expect(ev('={{ $execution.id }} {{ $execution.mode }}')).toBe('e1 production');
    expect(ev('={{ $itemIndex }}/{{ $runIndex }}')).toBe('0/0');
    expect(ev('={{ $vars.region }}')).toBe('eu');
  });

  it('gives $now and $today from the injected clock', () => {
    expect(ev('={{ $now.toISO() }}')).toBe('2026-01-02T03:04:05.000Z');
    expect(ev('={{ $now.toMillis() }}')).toBe(Date.parse('2026-01-02T03:04:05.000Z'));
    expect(ev("={{ $today.format('yyyy-MM-dd HH:mm') }}")).toBe('2026-01-02 00:00');
    expect(ev("={{ $now.minus(1, 'day').toISODate() }}")).toBe('2026-01-01');
    expect(ev('={{ $now.plus({ hours: 2 }).hour }}')).toBe(5);
    expect(ev('={{ $now.year }}')).toBe(2026);
  });

  it('allows $env only when the operator allowed it', () => {
    expect(() => ev('={{ $env.HOME }}')).toThrow(/\$env is not allowed/);
    expect(ev('={{ $env.HOME }}', { env: { HOME: '/home/x' } })).toBe('/home/x');
  });

  it('has $if, $ifEmpty and $jmespath', () => {
    expect(ev('={{ $if($json.a.b > 3, "big", "small") }}')).toBe('big');
    expect(ev('={{ $ifEmpty($json.s, "default") }}')).toBe('default');
    expect(ev('={{ $ifEmpty($json.name, "default") }}')).toBe('Ann Lee');
    expect(ev('={{ $jmespath($json, "a.b") }}')).toBe(5);
    expect(ev('={{ $jmespath($json.list, "[?@ > `1`]") }}')).toEqual([3, 2]);
  });
});

describe('extension methods', () => {
  it.each([
    ['={{ $json.obj.toJsonString() }}', '{"k":1,"j":2}'],
    ['={{ $json.s.isEmpty() }}', true],
    ['={{ $json.name.isNotEmpty() }}', true],
    ['={{ "12.5".toNumber() + 1 }}', 13.5],
    ['={{ (3.14159).round(2) }}', 3.14],
    ['={{ $json.url.extractDomain() }}', 'shop.example.org'],
    ['={{ $json.email.extractDomain() }}', 'example.com'],
    ['={{ $json.list.first() }}', 3],
    ['={{ $json.list.last() }}', 2],
    ['={{ $json.list.sum() }}', 6],
    ['={{ $json.obj.keys() }}', ['k', 'j']],
    ['={{ $json.date.toDateTime().format("yyyy-MM-dd") }}', '2026-02-03'],
    ['={{ $json.name.toLowerCase().split(" ").join("-") }}', 'ann-lee'],
    ['={{ $json.list.unique().length }}', 3],
    ['={{ $json.name.replaceAll("n", "N") }}', 'ANN Lee'],
    ['={{ JSON.stringify($json.a) }}', '{"b":5}'],
    ['={{ Math.max(...$json.list) }}', 3],
    ['={{ $json.list.filter(x => x > 1).map(x => x * 10) }}', [30, 20]],
    ['={{ `name: ${$json.name}` }}', 'name: Ann Lee'],
  ])('%s', (template, expected) => {
    expect(ev(template)).toEqual(expected);
  });
});

describe('evaluation paths', () => {
  it('keeps property paths, operators and whitelisted calls on the host', () => {
    for (const src of [
      '$json.a.b',
      '$json["a"]?.b ?? 1',
      '$json.name.toUpperCase()',
      "$('Source').item.json.v + 1",
      '$now.toMillis()',
    ]) {
      expect(parse(src), src).not.toBeNull();
    }
    for (const src of ['$json.list.map(x => x)', 'new Date()', '`a${1}`', '(() => 1)()'])
      expect(parse(src), src).toBeNull();
    const before = { ...evaluator.stats };
    ev('={{ $json.a.b + $json.list.length }}');
    expect(evaluator.stats.host).toBe(before.host + 1);
    expect(evaluator.stats.sandbox).toBe(before.sandbox);
  });

  it("reads JavaScript's free globals, as n8n does, and names an unknown one", () => {
    const before = Date.now();
    const now = ev('={{ Date.now() }}') as number;
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(ev('={{ new Intl.NumberFormat("en-US").format(1234.5) }}')).toBe('1,234.5');
    expect(ev('={{ RegExp("^a+$").test("aaa") }}')).toBe(true);
    expect(ev('={{ typeof notAGlobal }}')).toBe('undefined');
    expect(() => ev('={{ notAGlobal + 1 }}')).toThrow(/notAGlobal is not defined/);
  });

  it('compiles each template once', () => {
    const before = evaluator.stats.compiled;
    for (let i = 0; i < 5; i++) ev('={{ $json.a.b * 3 }}');
    expect(evaluator.stats.compiled).toBe(before + 1);
  });
});
