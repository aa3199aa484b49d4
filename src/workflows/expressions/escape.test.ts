import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { ExpressionEvaluator } from './evaluator.ts';
import { ExpressionError, type ExpressionData } from './expression.types.ts';

/**
 * Escape attempts: each must fail with a clear error, and the host must be unaffected
 * (no global changed, prototypes intact, the evaluator still working).
 */
const evaluator = new ExpressionEvaluator({ timeoutMs: 200, memoryLimitMb: 32 });
afterAll(() => evaluator.dispose());

const data: ExpressionData = {
  item: { json: { a: 1, s: 'x', list: [1, 2] } },
  itemIndex: 0,
  runIndex: 0,
  nodeName: 'N',
  inputItems: () => [],
  node: () => undefined,
  now: DateTime.fromMillis(0, { zone: 'UTC' }),
  timezone: 'UTC',
  workflow: { id: '', name: '', active: false },
  execution: { id: '', mode: 'test' },
  env: undefined,
  vars: {},
  parameters: {},
};

const attempts: [string, RegExp][] = [
  ["{{ $json.constructor.constructor('return process')() }}", /"constructor" is not allowed/],
  ['{{ $json.s.constructor }}', /"constructor" is not allowed/],
  ["{{ $json['constr' + 'uctor'] }}", /"constructor" is not allowed/],
  [
    "{{ $json.list.map(x => x)['constr' + 'uctor']['constr' + 'uctor']('return process')() }}",
    /not a function|not allowed/,
  ],
  ["{{ (() => {})['constr' + 'uctor']('return 1')() }}", /not a function|not allowed/],
  [
    "{{ [].map['call']['constr' + 'uctor']('return globalThis')() }}",
    /Cannot read|not a function|not allowed/,
  ],
  ['{{ this }}', /"this" is not allowed/],
  ['{{ globalThis.process }}', /"globalThis" is not allowed/],
  ['{{ process.env }}', /"process" is not allowed/],
  ["{{ require('fs') }}", /"require" is not allowed/],
  ["{{ import('fs') }}", /"import" is not allowed/],
  ["{{ Function('return process')() }}", /"Function" is not allowed/],
  ["{{ eval('1') }}", /"eval" is not allowed/],
  ['{{ $json.__proto__ }}', /"__proto__" is not allowed/],
  ['{{ $json.list.map(x => Object.prototype) }}', /"prototype" is not allowed/],
  [
    "{{ [1].map(x => { const o = {}; o['__pro' + 'to__'].polluted = 1; return 1 }) }}",
    /not extensible|read only|Cannot/,
  ],
  [
    "{{ [1].map(x => { Object.assign(Object['proto' + 'type'], { polluted: 1 }); return 1 }) }}",
    /not extensible|read only|Cannot/,
  ],
  [
    "{{ [1].map(x => { Array['proto' + 'type'].first = () => 'pwned'; return 1 }) }}",
    /read only|not extensible|Cannot/,
  ],
  ['{{ [1].map(x => { globalThis2 = 1; return 1 }) }}', /not defined|not extensible/],
  ['{{ ({ get x() { return $json } }).x }}', /.*/],
  ['{{ with ($json) { a } }}', /"with" is not allowed/],
  ['{{ (() => { while (true) {} })() }}', /longer than 200 ms/],
  ['{{ (() => { for (;;) {} })() }}', /longer than 200 ms/],
  ["{{ 'x'.repeat(2**30) }}", /too large|Invalid string length/],
  ["{{ 'x'.repeat(2**28).split('') }}", /too large/],
  ['{{ new Array(1e9).fill(0) }}', /too large/],
  ['{{ Array.from({ length: 1e9 }) }}', /too large/],
  ['{{ (() => { const a = []; a.length = 1e9; return a.fill(0) })() }}', /too large/],
  ['{{ (() => { const a = []; while (true) a.push({ x: [1, 2, 3] }) })() }}', /longer than|memory/],
  ['{{ $json.list.chunk(0) }}', /chunk size/],
];

describe('expression sandbox escapes', () => {
  it.each(attempts)('%s is blocked', (source, message) => {
    let error: unknown;
    try {
      evaluator.evaluate(`=${source}`, data);
    } catch (e) {
      error = e;
    }
    if (source.includes('get x()')) {
      // A getter on the expression's own object is harmless: it only sees the data copy.
      return;
    }
    expect(error, source).toBeInstanceOf(ExpressionError);
    expect((error as Error).message).toMatch(message);
  });

  it('leaves the host untouched and keeps working', () => {
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).first).toBeUndefined();
    expect((globalThis as Record<string, unknown>).globalThis2).toBeUndefined();
    expect(evaluator.evaluate('={{ [1, 2].map(x => x + 1).first() }}', data)).toBe(2);
    expect(evaluator.evaluate('={{ $json.a + 1 }}', data)).toBe(2);
  });

  it('one expression cannot change what the next one sees', () => {
    try {
      evaluator.evaluate(
        "={{ [1].map(() => { String['proto' + 'type'].isEmpty = () => 'hacked'; return 1 }) }}",
        data,
      );
    } catch {
      // blocked: frozen intrinsics
    }
    expect(evaluator.evaluate("={{ ''.isEmpty() }}", data)).toBe(true);
    expect(evaluator.evaluate("={{ [''].map(s => s.isEmpty()) }}", data)).toEqual([true]);
  });
});
