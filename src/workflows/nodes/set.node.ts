import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { clone, defineNode, text, fieldList, getField, perItem, setField } from './define.ts';
import { dict } from '../../kernel/dict.ts';

/**
 * Set (Edit Fields):
 * - v1/v2: `values.{boolean,number,string}` lists, `keepOnlySet`;
 * - v3.0-3.2: `mode` manual (`fields.values` typed entries) or raw (`jsonOutput`), `include`;
 * - v3.3+: `assignments.assignments`, `includeOtherFields` + `include`.
 */

function convert(value: unknown, type: string, name: string, lenient: boolean): unknown {
  const fail = (what: string): never => {
    throw new NodeError(`'${name}' expects a ${what} but we got '${String(value)}'`);
  };
  switch (type) {
    case 'string':
    case 'stringValue':
      if (value === null || value === undefined) return value;
      return text(value);
    case 'number':
    case 'numberValue': {
      if (typeof value === 'number') return value;
      if (value === '' || value === null || value === undefined) return value === '' ? null : value;
      const n = Number(value);
      return Number.isNaN(n) ? (lenient ? value : fail('number')) : n;
    }
    case 'boolean':
    case 'booleanValue': {
      if (typeof value === 'boolean') return value;
      const s = String(value).trim().toLowerCase();
      if (['true', '1', 'yes'].includes(s)) return true;
      if (['false', '0', 'no', ''].includes(s)) return false;
      return lenient ? value : fail('boolean');
    }
    case 'array':
    case 'arrayValue':
    case 'object':
    case 'objectValue': {
      const wantArray = type.startsWith('array');
      let v = value;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v);
        } catch {
          return lenient ? value : fail(wantArray ? 'array' : 'object');
        }
      }
      if (wantArray ? !Array.isArray(v) : v === null || typeof v !== 'object' || Array.isArray(v)) {
        return lenient ? value : fail(wantArray ? 'array' : 'object');
      }
      return v;
    }
    default:
      return value;
  }
}

function baseJson(ctx: NodeContext, item: Item, i: number): Record<string, unknown> {
  const v = ctx.node.typeVersion;
  let include: string;
  if (v >= 3.3) {
    include = ctx.param('includeOtherFields', i, false) ? ctx.param('include', i, 'all') : 'none';
  } else {
    include = ctx.param('include', i, 'all');
  }
  switch (include) {
    case 'all':
      return clone(item.json);
    case 'none':
      return {};
    case 'selected': {
      const out = dict<unknown>();
      for (const f of fieldList(ctx.param('includeFields', i, ''))) {
        const value = getField(item.json, f);
        if (value !== undefined) out[f] = clone(value);
      }
      return out;
    }
    case 'except': {
      const out = clone(item.json);
      for (const f of fieldList(ctx.param('excludeFields', i, ''))) delete out[f];
      return out;
    }
    default:
      throw new NodeError(`include "${include}" is not supported`);
  }
}

export const setNode = defineNode({
  name: 'set',
  versions: [1, 2, 3, 3.1, 3.2, 3.3, 3.4],
  async execute(ctx) {
    const v = ctx.node.typeVersion;
    const out = await perItem(ctx, (item, i) => {
      const dotted = ctx.param('options.dotNotation', i, true) !== false;
      const lenient = Boolean(ctx.param<unknown>('options.ignoreConversionErrors', i, false));
      let json: Record<string, unknown>;
      if (v < 3) {
        json = ctx.param('keepOnlySet', i, false) ? {} : clone(item.json);
        const values = ctx.param<Record<string, { name?: string; value: unknown }[]>>(
          'values',
          i,
          {},
        );
        for (const kind of ['boolean', 'number', 'string']) {
          for (const entry of values[kind] ?? []) {
            const value =
              kind === 'boolean'
                ? Boolean(entry.value)
                : kind === 'number'
                  ? Number(entry.value ?? 0)
                  : String((entry.value as string | undefined) ?? '');
            // A value n8n wrote without a name has the name field's default.
            setField(json, entry.name ?? 'propertyName', value, dotted);
          }
        }
      } else if (ctx.param('mode', i, 'manual') === 'raw') {
        json = baseJson(ctx, item, i);
        const raw = ctx.param<unknown>('jsonOutput', i, '{}');
        let parsed: unknown = raw;
        if (typeof raw === 'string') {
          try {
            parsed = JSON.parse(raw);
          } catch (error) {
            throw new NodeError(`'JSON Output' in item ${i} does not contain a valid JSON object`, {
              cause: error,
            });
          }
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new NodeError(`'JSON Output' in item ${i} does not contain a valid JSON object`);
        }
        for (const [k, value] of Object.entries(parsed)) setField(json, k, value, dotted);
      } else {
        json = baseJson(ctx, item, i);
        if (v >= 3.3) {
          const list = ctx.param<{ name: string; value: unknown; type?: string }[]>(
            'assignments.assignments',
            i,
            [],
          );
          for (const a of list)
            setField(json, a.name, convert(a.value, a.type ?? 'string', a.name, lenient), dotted);
        } else {
          const list = ctx.param<Record<string, unknown>[]>('fields.values', i, []);
          for (const f of list) {
            const type = text(f.type, 'stringValue');
            setField(json, String(f.name), convert(f[type], type, String(f.name), lenient), dotted);
          }
        }
      }
      const keepBinary = v < 3 ? true : ctx.param('options.includeBinary', i, v >= 3.4) !== false;
      return { json, ...(keepBinary && item.binary ? { binary: item.binary } : {}) };
    });
    return [out];
  },
});
