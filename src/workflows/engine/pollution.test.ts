import { afterEach, describe, expect, it } from 'vitest';
import { dict } from '../../kernel/dict.ts';
import { importWorkflow } from '../model/import.ts';
import type { Workflow } from '../model/workflow.types.ts';
import type { ExecutionState } from './engine.types.ts';
import { run, wf } from './test-helpers.test-support.ts';

/**
 * `wf()` parses with zod, which drops a `__proto__` key; a stored workflow (or one that got
 * past the importer some other way) can still have it, as JSON parsing keeps it: the engine
 * is given the connections as JSON parsing makes them.
 */
function withJsonConnections(
  workflow: Workflow,
  edges: [string, number, string, number][],
): Workflow {
  const connections = dict<{ main: { node: string; type: string; index: number }[][] }>();
  for (const [from, out, to, input] of edges) {
    const c = connections[from] ?? { main: [] };
    connections[from] = c;
    while (c.main.length <= out) c.main.push([]);
    c.main[out]!.push({ node: to, type: 'main', index: input });
  }
  return {
    ...workflow,
    connections: JSON.parse(JSON.stringify(connections)) as Workflow['connections'],
  };
}

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

const polluted = (): string[] =>
  Object.getOwnPropertyNames(Object.prototype).filter(
    (k) =>
      ![
        'constructor',
        '__defineGetter__',
        '__defineSetter__',
        'hasOwnProperty',
        '__lookupGetter__',
        '__lookupSetter__',
        'isPrototypeOf',
        'propertyIsEnumerable',
        'toString',
        'valueOf',
        '__proto__',
        'toLocaleString',
      ].includes(k),
  );

describe('hostile names', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).length;
  afterEach(() => {
    expect(polluted()).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).length).toBe(before);
  });

  it.each(HOSTILE)(
    'runs a workflow whose nodes are named %s, loops and merges included',
    async (name) => {
      const edges: [string, number, string, number][] = [
        ['Start', 0, name, 0],
        [name, 1, `${name} set`, 0],
        [`${name} set`, 0, name, 0],
        [name, 0, 'Merge', 0],
        ['Start', 0, 'Merge', 1],
      ];
      const nodes: Parameters<typeof wf>[0] = [
        ['Start', 'manualTrigger'],
        [name, 'splitInBatches', { batchSize: 1, options: {} }, { typeVersion: 3 }],
        [`${name} set`, 'set', { values: { string: [{ name: 'seen', value: '={{ $json.n }}' }] } }],
        ['Merge', 'merge', { mode: 'append' }, { typeVersion: 2 }],
      ];
      const w = withJsonConnections(wf(nodes, []), edges);
      const r = await run(w, { triggerItems: [{ json: { n: 1 } }, { json: { n: 2 } }] });
      expect(r.status, r.error?.message).toBe('success');
      expect(Object.keys(r.runData)).toContain(name);
      expect(r.runData[name]!.length).toBe(3);
      expect(r.lastNodeOutput.map((i) => i.json)).toEqual([
        { n: 1, seen: '1' },
        { n: 2, seen: '2' },
        { n: 1 },
        { n: 2 },
      ]);
    },
  );

  it('resumes a state whose maps hold hostile names', async () => {
    const w = withJsonConnections(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['__proto__', 'noOp'],
          ['constructor', 'noOp'],
        ],
        [],
      ),
      [
        ['Start', 0, '__proto__', 0],
        ['__proto__', 0, 'constructor', 0],
      ],
    );
    let resumable: ExecutionState | undefined;
    const first = await run(w, {
      observer: {
        nodeFinished: (node, _task, snapshot) => {
          if (node === '__proto__') {
            resumable = JSON.parse(JSON.stringify(snapshot())) as ExecutionState;
          }
        },
      },
    });
    expect(first.status).toBe('success');
    const resumed = await run(w, { resumeFrom: resumable! });
    expect(resumed.status).toBe('success');
    expect(Object.keys(resumed.runData).sort()).toEqual(
      ['Start', '__proto__', 'constructor'].sort(),
    );
  });

  it('refuses to import a node named __proto__ (its connections could not be read back)', () => {
    const report = importWorkflow(
      '{"nodes":[{"name":"__proto__","type":"n8n-nodes-base.noOp","typeVersion":1,"position":[0,0],"parameters":{}}],"connections":{}}',
    );
    expect(report).toMatchObject({ status: 'refused', code: 'invalid_node' });
  });

  it('keeps static data keys from the Code node as keys', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        [
          'Code',
          'code',
          {
            jsCode:
              "const s = $getWorkflowStaticData('global'); s['__proto__'] = { polluted: true }; s.constructor = 'x'; return [{ json: { ok: true } }];",
          },
          { typeVersion: 2 },
        ],
      ],
      ['Start>Code'],
    );
    const r = await run(w);
    expect(r.status, r.error?.message).toBe('success');
    expect(Object.getPrototypeOf(r.state.staticData)).toBeNull();
    expect(r.state.staticData.polluted).toBeUndefined();
  });
});
