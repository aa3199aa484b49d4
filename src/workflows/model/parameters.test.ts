import { describe, expect, it } from 'vitest';
import {
  bool,
  coll,
  describe as describeNode,
  fixed,
  gte,
  lt,
  not,
  num,
  opt,
  param,
  str,
} from '../nodes/descriptions/describe.ts';
import { invalidOptions, isDisplayed, resolveParameters } from './parameters.ts';

// Expectations follow n8n's `NodeHelpers.getNodeParameters(properties, parameters, true, false,
// node)`, as its `Workflow` applies it to every node before a run, and `displayParameter`.

describe('resolveParameters', () => {
  const node = describeNode(
    [1, 2, 2.1],
    [
      opt('operation', 'read', ['read', 'write']),
      str('fileName', '', { show: { operation: ['write'] } }),
      num('limit', 50, { show: { operation: ['read'] } }),
      bool('strict', false, { show: { '@version': [gte(2.1)] } }),
      opt('format', 'csv', ['csv', 'json'], { hide: { '@version': [1, 2] } }),
      coll('options'),
    ],
  );

  it('fills the default of every parameter shown, in the order of the description', () => {
    const resolved = resolveParameters(node, {}, 2.1);
    expect(resolved).toEqual({
      operation: 'read',
      limit: 50,
      strict: false,
      format: 'csv',
      options: {},
    });
    expect(Object.keys(resolved)).toEqual(['operation', 'limit', 'strict', 'format', 'options']);
  });

  it('reads display conditions against the values given, defaults filled', () => {
    expect(resolveParameters(node, { operation: 'write' }, 2.1)).toEqual({
      operation: 'write',
      fileName: '',
      strict: false,
      format: 'csv',
      options: {},
    });
  });

  it('shows or hides parameters by the version (lists, operators, hide)', () => {
    expect(resolveParameters(node, {}, 1)).toEqual({ operation: 'read', limit: 50, options: {} });
    expect(resolveParameters(node, {}, 2)).toEqual({ operation: 'read', limit: 50, options: {} });
  });

  it('leaves out parameters not shown and names the description does not have', () => {
    expect(
      resolveParameters(node, { operation: 'read', fileName: 'x.csv', extra: 1, strict: true }, 2),
    ).toEqual({ operation: 'read', limit: 50, options: {} });
  });

  it('keeps false, 0 and null for booleans, numbers and options; other types take the default for null', () => {
    const d = describeNode(
      [1],
      [
        bool('b', true),
        num('n', 5),
        opt('o', 'a', ['a']),
        str('s', 'text'),
        param('json', 'j', '{}'),
      ],
    );
    expect(resolveParameters(d, { b: false, n: 0, o: null, s: null, j: null }, 1)).toEqual({
      b: false,
      n: 0,
      o: null,
      s: 'text',
      j: '{}',
    });
  });

  it('shows every parameter a condition on an expression decides (its value is known at run time)', () => {
    expect(resolveParameters(node, { operation: '={{ $json.op }}' }, 2)).toEqual({
      operation: '={{ $json.op }}',
      fileName: '',
      limit: 50,
      options: {},
    });
  });

  it('keeps a collection as given (its options are not filled) and gives each node its own default', () => {
    const d = describeNode(
      [1],
      [
        coll('options'),
        fixed('rules', { values: [{ a: 1 }] }),
        param('collection', 'list', {}, {}),
        { ...param('collection', 'many', {}), multipleValues: true },
        param('resourceLocator', 'id', { mode: 'list', value: '' }),
      ],
    );
    const given = { timeout: 5 };
    const first = resolveParameters(d, { options: given, list: 'not an object' }, 1);
    expect(first).toEqual({
      options: { timeout: 5 },
      rules: { values: [{ a: 1 }] },
      list: {},
      many: [],
      id: { __rl: true, mode: 'list', value: '' },
    });
    expect(first.options).toBe(given);
    const second = resolveParameters(d, {}, 1);
    expect(second.rules).not.toBe(first.rules);
    (first.rules as { values: unknown[] }).values.push({ a: 2 });
    expect(second.rules).toEqual({ values: [{ a: 1 }] });
  });

  it('takes, for a name defined more than once, the definition shown (conditions read after the parameters they name)', () => {
    const d = describeNode(
      [1],
      [
        str('target', 'for a', { show: { kind: ['a'] } }),
        str('target', 'for b', { show: { kind: ['b'] } }),
        opt('kind', 'b', ['a', 'b']),
      ],
    );
    expect(resolveParameters(d, {}, 1)).toEqual({ target: 'for b', kind: 'b' });
    expect(resolveParameters(d, { kind: 'a' }, 1)).toEqual({ target: 'for a', kind: 'a' });
  });

  it('depends on order where n8n does: a repeated parameter reads a `/` name before it is filled', () => {
    // n8n fills the values display conditions read in its resolution order; a `/` name counts as
    // resolved at once, so a repeated parameter before `flag` reads it missing, and `extra`
    // (shown when `target` is "on") reads the definition chosen that way ("off").
    const params = [
      str('target', 'on', { show: { '/flag': [true] } }),
      str('target', 'off', { hide: { '/flag': [true] } }),
      str('extra', 'x', { show: { target: ['on'] } }),
    ];
    const before = describeNode([1], [...params, bool('flag', true)]);
    expect(resolveParameters(before, {}, 1)).toEqual({ target: 'on', flag: true });
    const after = describeNode([1], [bool('flag', true), ...params]);
    expect(resolveParameters(after, {}, 1)).toEqual({ flag: true, target: 'on', extra: 'x' });
  });
});

describe('isDisplayed', () => {
  const probe = (rules: Parameters<typeof str>[2]) => str('p', '', rules);

  it('needs every show rule and no hide rule to hold', () => {
    const p = probe({ show: { a: [1], b: ['x', 'y'] }, hide: { c: [true] } });
    expect(isDisplayed(p, { a: 1, b: 'y' }, 1)).toBe(true);
    expect(isDisplayed(p, { a: 1, b: 'z' }, 1)).toBe(false);
    expect(isDisplayed(p, { a: 1, b: 'x', c: true }, 1)).toBe(false);
  });

  it('matches a value in a list, needs an operator to hold for every element, and an empty list only meets `not`', () => {
    expect(isDisplayed(probe({ show: { tags: ['a'] } }), { tags: ['b', 'a'] }, 1)).toBe(true);
    expect(isDisplayed(probe({ show: { tags: [not('z')] } }), { tags: ['a', 'b'] }, 1)).toBe(true);
    expect(isDisplayed(probe({ show: { tags: [not('a')] } }), { tags: ['a', 'b'] }, 1)).toBe(false);
    expect(isDisplayed(probe({ show: { tags: [not('z')] } }), { tags: [] }, 1)).toBe(true);
    expect(isDisplayed(probe({ show: { tags: [gte(1)] } }), { tags: [] }, 1)).toBe(false);
    // A hide rule on an empty list never hides.
    expect(isDisplayed(probe({ hide: { tags: [not('z')] } }), { tags: [] }, 1)).toBe(true);
  });

  it('compares versions with the operators n8n writes', () => {
    const since = probe({ show: { '@version': [gte(1.1)] } });
    expect(isDisplayed(since, {}, 1)).toBe(false);
    expect(isDisplayed(since, {}, 1.1)).toBe(true);
    const before = probe({ show: { '@version': [lt(1.2)] }, hide: { '@version': [1] } });
    expect([1, 1.1, 1.2].map((v) => isDisplayed(before, {}, v))).toEqual([false, true, false]);
    const range = probe({
      show: { '@version': [{ _cnd: { between: { from: 1.2, to: 1.3 } } }] },
    });
    expect([1.1, 1.2, 1.3, 1.4].map((v) => isDisplayed(range, {}, v))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('reads a resource locator by its value', () => {
    const p = probe({ show: { workflowId: [{ _cnd: { startsWith: 'abc' } }] } });
    expect(isDisplayed(p, { workflowId: { __rl: true, mode: 'id', value: 'abc1' } }, 1)).toBe(true);
  });
});

describe('invalidOptions', () => {
  const d = describeNode(
    [1],
    [
      opt('mode', 'a', ['a', 'b']),
      opt('level', 1, [1, 2], { show: { mode: ['b'] } }),
      param('options', 'dynamic', ''),
    ],
  );

  it('names shown options parameters whose value is none of their values', () => {
    expect(invalidOptions(d, { mode: 'c', level: 3, dynamic: 'anything' }, 1)).toEqual([
      { name: 'mode', value: 'c', allowed: ['a', 'b'] },
    ]);
    expect(invalidOptions(d, { mode: 'b', level: '2' }, 1)).toEqual([
      { name: 'level', value: '2', allowed: [1, 2] },
    ]);
    expect(invalidOptions(d, { mode: '={{ "c" }}', level: 2 }, 1)).toEqual([]);
  });
});
