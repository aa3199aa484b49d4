import type { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { runNode } from '../engine/test-helpers.test-support.ts';
import { completeFilter, executeFilterCondition, type FilterCondition } from './conditions.ts';
import { parseRegexLiteral, regexTest } from './conditions.regex.ts';
import { parseFilterValue } from './conditions.values.ts';

const at = { index: 0, itemIndex: 0, zone: 'UTC' };
const run = (c: FilterCondition, options = {}) =>
  executeFilterCondition(c, { caseSensitive: true, typeValidation: 'strict', ...options }, at);

describe('condition values', () => {
  it('reads loose values as n8n-workflow converts them', () => {
    const loose = (value: unknown, type: 'number' | 'object' | 'array' | 'string') =>
      parseFilterValue(value, type, false, 2, 'UTC');
    expect(loose('0x10', 'number')).toEqual({ valid: true, value: 16 });
    expect(loose('', 'number')).toEqual({ valid: true, value: 0 });
    expect(loose(true, 'number')).toEqual({ valid: true, value: 1 });
    expect(loose('{a: 1, b: [x, -2]}', 'object')).toEqual({
      valid: true,
      value: { a: 1, b: ['x', -2] },
    });
    expect(loose('[1]', 'object')).toEqual({ valid: false });
    expect(loose('nope', 'array')).toEqual({ valid: false });
    expect(loose([1, 'a'], 'string')).toEqual({ valid: true, value: '[1,"a"]' });
  });

  it('reads text without an offset in the execution zone', () => {
    const parsed = parseFilterValue('2024-01-01 10:00:00', 'dateTime', true, 1, 'Europe/Berlin');
    expect(parsed.valid && (parsed.value as DateTime).toISO()).toBe(
      '2024-01-01T10:00:00.000+01:00',
    );
  });

  it('fills the options and combinator n8n fills', () => {
    expect(completeFilter({ conditions: [] })).toEqual({
      conditions: [],
      combinator: 'and',
      options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 1 },
    });
    expect(completeFilter('={{ 1 }}')).toBe('={{ 1 }}');
  });

  it('is false for an unknown operator, and fails for a condition without one', () => {
    expect(
      run({ leftValue: 'a', rightValue: 'a', operator: { type: 'string', operation: 'is' } }),
    ).toBe(false);
    expect(() => run({ leftValue: 'a' })).toThrow("reading 'rightType'");
  });
});

describe('regular expressions', () => {
  it('reads /literal/flags and plain patterns as n8n does', () => {
    expect(parseRegexLiteral('/a/b/gi')).toEqual({ source: 'a/b', flags: 'gi' });
    expect(parseRegexLiteral('/a/x')).toEqual({ source: '/a/x', flags: '' });
  });

  it('stops a pattern that backtracks for ever', () => {
    const started = Date.now();
    expect(() => regexTest('^(a+)+$', `${'a'.repeat(40)}b`, '')).toThrow(
      'Regular expression execution timed out',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(regexTest('^a+$', 'aaa', '')).toBe(true);
  });
});

describe('If with dates from expressions', () => {
  it('compares $now, given as an ISO text as n8n hands nodes dates', async () => {
    const conditions = {
      options: { caseSensitive: true, typeValidation: 'strict', version: 2 },
      combinator: 'and',
      conditions: [
        {
          leftValue: '={{ $now }}',
          rightValue: '={{ $json.d }}',
          operator: { type: 'dateTime', operation: 'after' },
        },
        {
          leftValue: '={{ $now }}',
          rightValue: '20',
          operator: { type: 'string', operation: 'startsWith' },
        },
      ],
    };
    const r = await runNode('if', 2.2, { conditions }, [{ d: '2000-01-01' }, { d: '2999-01-01' }]);
    expect(r.outputs).toEqual([[{ d: '2000-01-01' }], [{ d: '2999-01-01' }]]);
  });
});
