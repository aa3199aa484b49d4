import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel } from '../../test/helpers/kernel.ts';
import { storages } from '../../test/helpers/storage.ts';
import type { Kernel } from './kernel.ts';
import {
  REPLACEMENT_CHARACTER,
  findUnstorableText,
  isStorableText,
  storableJson,
  storableText,
} from './text.ts';

const NUL = '\u0000';
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

/** A value nested `depth` arrays deep around `inner`, built without recursion. */
function nested(depth: number, inner: unknown = 1): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('finding text PostgreSQL cannot store', () => {
  it('names NUL and lone surrogates in values and keys, with their path', () => {
    expect(findUnstorableText({ a: [1, { b: `x${NUL}` }] }, 64)).toEqual({
      kind: 'nul',
      path: ['a', 1, 'b'],
    });
    expect(findUnstorableText({ list: ['ok', `y${LONE_HIGH}`] }, 64)).toEqual({
      kind: 'lone_surrogate',
      path: ['list', 1],
    });
    expect(findUnstorableText({ [`k${LONE_LOW}`]: 1 }, 64)).toEqual({
      kind: 'lone_surrogate',
      path: [`k${LONE_LOW}`],
    });
    expect(findUnstorableText(`top${NUL}`, 64)).toEqual({ kind: 'nul', path: [] });
  });

  it('accepts well-formed text, emoji (surrogate pairs) and other control characters', () => {
    expect(findUnstorableText({ a: '😀 café \t\n\u0001', b: [null, true, 3.5] }, 64)).toBe(
      undefined,
    );
    expect(isStorableText('😀')).toBe(true);
  });

  it('reports nesting deeper than the limit without using the stack', () => {
    expect(findUnstorableText(nested(64), 64)).toBe(undefined);
    expect(findUnstorableText(nested(65), 64)?.kind).toBe('too_deep');
    // 100,000 levels: a recursive walk would overflow the stack.
    expect(findUnstorableText(nested(100_000), 64)?.kind).toBe('too_deep');
    const deepObject = JSON.parse('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)) as unknown;
    expect(findUnstorableText(deepObject, 1000)?.kind).toBe('too_deep');
  });

  it('walks objects without a standard prototype (query strings) but not buffers or dates', () => {
    const query = Object.assign(Object.create(null) as object, { q: NUL });
    expect(findUnstorableText(query, 64)?.kind).toBe('nul');
    expect(findUnstorableText({ b: Buffer.from([0, 0]), d: new Date(0) }, 64)).toBe(undefined);
  });
});

describe('making text storable', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps the rest', () => {
    expect(storableText(`a${NUL}b${LONE_HIGH}c😀${LONE_LOW}`)).toBe(
      `a${REPLACEMENT_CHARACTER}b${REPLACEMENT_CHARACTER}c😀${REPLACEMENT_CHARACTER}`,
    );
  });

  it('copies only values that need it, keys included', () => {
    const clean = { a: [1, 'two', { three: null }] };
    expect(storableJson(clean)).toBe(clean);
    const dirty = { [`k${NUL}`]: [`v${LONE_HIGH}`, 2], same: { x: 'y' } };
    const fixed = storableJson(dirty);
    expect(fixed).toEqual({
      [`k${REPLACEMENT_CHARACTER}`]: [`v${REPLACEMENT_CHARACTER}`, 2],
      same: { x: 'y' },
    });
    expect(dirty[`k${NUL}`]).toEqual([`v${LONE_HIGH}`, 2]);
  });

  it('always yields a value with nothing left to refuse (property)', () => {
    const anyText = fc.string({ unit: 'binary' });
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'medium' }), anyText, anyText, (value, key, text) => {
        const dirty = { [key]: [value, text, { [text]: key }] };
        const fixed = storableJson(dirty);
        expect(findUnstorableText(fixed, Number.POSITIVE_INFINITY)).toBe(undefined);
      }),
    );
  });

  it('copies a deep value without using the stack', () => {
    const fixed = storableJson(nested(50_000, NUL));
    let inner: unknown = fixed;
    for (let i = 0; i < 50_000; i++) inner = (inner as unknown[])[0];
    expect(inner).toBe(REPLACEMENT_CHARACTER);
  });
});

describe.each(storages)('storable text in the database on $name', (storage) => {
  let kernel: Kernel;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await storage.create();
    drop = created.drop;
    kernel = await createTestKernel({ target: created.target, workJobs: false });
    await kernel.db.execute(sql`create table text_probe (j jsonb, t text)`);
  });
  afterAll(async () => {
    await kernel?.close();
    await drop?.();
  });

  const insert = (value: unknown, text: string) =>
    kernel.db.execute(
      sql`insert into text_probe (j, t) values (${JSON.stringify(value)}::jsonb, ${text})`,
    );

  it('refuses NUL and lone surrogates as they are, and stores what storableJson made of them', async () => {
    const webhookItem = {
      headers: { 'x-note': `a${NUL}` },
      body: { [`key${NUL}`]: [`half ${LONE_HIGH}`, 'ok'] },
    };
    await expect(insert(webhookItem, 'x')).rejects.toThrow();
    await expect(insert({ a: `half ${LONE_HIGH}` }, 'x')).rejects.toThrow();
    await expect(insert({}, `a${NUL}`)).rejects.toThrow();

    await insert(storableJson(webhookItem), storableText(`a${NUL}`));
    const result: unknown = await kernel.db.execute(sql`select j, t from text_probe`);
    expect((result as { rows: unknown[] }).rows).toEqual([
      {
        j: {
          headers: { 'x-note': `a${REPLACEMENT_CHARACTER}` },
          body: { [`key${REPLACEMENT_CHARACTER}`]: [`half ${REPLACEMENT_CHARACTER}`, 'ok'] },
        },
        t: `a${REPLACEMENT_CHARACTER}`,
      },
    ]);
  });
});
