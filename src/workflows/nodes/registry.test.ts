import { describe, expect, it } from 'vitest';
import { json, run, wf } from '../engine/test-helpers.test-support.ts';
import { createNodeRegistry, STANDARD_NODE_TYPES, supportedTypes } from './registry.ts';

describe('the node registry', () => {
  const registry = createNodeRegistry();

  it('runs a known version as itself and a newer minor one as the nearest earlier one', () => {
    expect(registry.resolve('n8n-nodes-base.httpRequest', 4.2)?.runsAs).toBe(4.2);
    expect(registry.resolve('n8n-nodes-base.httpRequest', 4.5)?.runsAs).toBe(4.2);
    expect(registry.resolve('n8n-nodes-base.httpRequest', 4.15)?.runsAs).toBe(4.1);
    expect(registry.resolve('n8n-nodes-base.switch', 3.5)?.runsAs).toBe(3.4);
    expect(registry.get('n8n-nodes-base.set', 3.5)?.type).toBe('n8n-nodes-base.set');
    expect(registry.isSupported('n8n-nodes-base.scheduleTrigger', 1.4)).toBe(true);
  });

  it('does not guess a new major version, a version before its major, or an unknown type', () => {
    expect(registry.resolve('n8n-nodes-base.crypto', 2)).toBeUndefined();
    expect(registry.resolve('n8n-nodes-base.httpRequest', 5)).toBeUndefined();
    expect(registry.resolve('n8n-nodes-base.set', 0.5)).toBeUndefined();
    expect(registry.resolve('n8n-nodes-base.googleSheets', 4)).toBeUndefined();
    expect(registry.isSupported('n8n-nodes-base.crypto', 2)).toBe(false);
  });

  it('describes the parameters of every native type at every version it implements', () => {
    const missing = STANDARD_NODE_TYPES.flatMap((t) =>
      t.versions
        .filter((v) => t.descriptions?.filter((d) => d.versions.includes(v)).length !== 1)
        .map((v) => `${t.type} v${v}`),
    );
    expect(missing).toEqual([]);
    for (const t of STANDARD_NODE_TYPES) {
      for (const v of t.versions) expect(registry.resolve(t.type, v)?.description).toBeDefined();
    }
  });

  it('gives a newer minor version the description of the version it runs as', () => {
    const resolved = registry.resolve('n8n-nodes-base.set', 3.5);
    expect(resolved?.runsAs).toBe(3.4);
    expect(resolved?.description?.versions).toContain(3.4);
  });

  it('lists every type with the versions it implements', () => {
    const set = supportedTypes().find((t) => t.type === 'n8n-nodes-base.set');
    expect(set?.versions).toContain(3.4);
    expect(set?.versions).not.toContain(3.5);
  });

  it('executes a workflow of newer minor versions with the nearest known behaviour', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        [
          'Set',
          'set',
          {
            mode: 'manual',
            assignments: {
              assignments: [{ id: '1', name: 'total', value: '={{ 2 + 3 }}', type: 'number' }],
            },
            options: {},
          },
          { typeVersion: 3.5 },
        ],
        [
          'If',
          'if',
          {
            conditions: {
              options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
              combinator: 'and',
              conditions: [
                {
                  leftValue: '={{ $json.total }}',
                  rightValue: 4,
                  operator: { type: 'number', operation: 'gt' },
                },
              ],
            },
            options: {},
          },
          { typeVersion: 2.3 },
        ],
      ],
      ['Start>Set', 'Set>If'],
    );
    const result = await run(w);
    expect(result.status).toBe('success');
    expect(json(result.runData.If?.[0]?.data.main[0] ?? [])).toEqual([{ total: 5 }]);
    expect(json(result.runData.If?.[0]?.data.main[1] ?? [])).toEqual([]);
  });
});
