import { describe, expect, it } from 'vitest';
import { run, runNode, testEngine, wf } from '../engine/test-helpers.test-support.ts';

describe('Code node', () => {
  it('runOnceForAllItems: $input.all(), plain objects wrapped as items', async () => {
    const r = await runNode(
      'code',
      2,
      { jsCode: 'return $input.all().map((i) => ({ doubled: i.json.n * 2 }));' },
      [{ n: 1 }, { n: 2 }],
    );
    expect(r.outputs[0]).toEqual([{ doubled: 2 }, { doubled: 4 }]);
  });

  it("has Node's Buffer, as n8n's Code node does", async () => {
    const r = await runNode(
      'code',
      2,
      {
        jsCode: `const text = Buffer.from($input.first().json.b64, 'base64').toString('utf8');
return [{ json: {
  text,
  hex: Buffer.from(text).toString('hex'),
  length: Buffer.byteLength('été'),
  isBuffer: Buffer.isBuffer(Buffer.alloc(2)),
  joined: Buffer.concat([Buffer.from('a'), Buffer.from('b')]).toString(),
} }];`,
      },
      [{ b64: Buffer.from('héllo').toString('base64') }],
    );
    expect(r.error).toBeUndefined();
    expect(r.outputs[0]).toEqual([
      {
        text: 'héllo',
        hex: Buffer.from('héllo').toString('hex'),
        length: 5,
        isBuffer: true,
        joined: 'ab',
      },
    ]);
  });

  it('runOnceForEachItem: $json per item, item pairing kept', async () => {
    const r = await runNode(
      'code',
      2,
      { mode: 'runOnceForEachItem', jsCode: 'return { json: { ...$json, i: $itemIndex } };' },
      [{ a: 1 }, { a: 2 }],
    );
    expect(r.outputs[0]).toEqual([
      { a: 1, i: 0 },
      { a: 2, i: 1 },
    ]);
    expect(r.items[0]!.map((i) => (i as { pairedItem?: unknown }).pairedItem)).toEqual([
      { item: 0 },
      { item: 1 },
    ]);
  });

  it('sees other nodes, Luxon, $jmespath and static data; awaits', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        [
          'Code',
          'code',
          {
            jsCode: [
              "const start = $('Start').first().json;",
              'const s = $getWorkflowStaticData("global"); s.count = (s.count || 0) + 1;',
              'await new Promise((r) => r());',
              "return [{ json: { v: start.v, year: $now.year, picked: $jmespath(start, 'v'), count: s.count, d: DateTime.fromISO('2026-01-01').toISODate() } }];",
            ].join('\n'),
          },
          { typeVersion: 2 },
        ],
      ],
      ['Start>Code'],
    );
    const r = await run(w, { triggerItems: [{ json: { v: 9 } }] });
    expect(r.error).toBeUndefined();
    expect(r.lastNodeOutput.map((i) => i.json)).toEqual([
      { v: 9, year: 2026, picked: 9, count: 1, d: '2026-01-01' },
    ]);
    expect(r.state.staticData).toEqual({ count: 1 });
  });

  it('lets the code redeclare the names it is given (items, item)', async () => {
    const r = await runNode(
      'code',
      2,
      { jsCode: 'const items = $input.all();\nlet item = items[0];\nreturn [item];' },
      [{ a: 1 }, { a: 2 }],
    );
    expect(r.outputs[0]).toEqual([{ a: 1 }]);
  });

  it('Function and Function Item (legacy) nodes', async () => {
    const f = await runNode(
      'function',
      1,
      { functionCode: 'for (const item of items) item.json.x = 1;\nreturn items;' },
      [{ a: 1 }],
    );
    expect(f.outputs[0]).toEqual([{ a: 1, x: 1 }]);
    const fi = await runNode(
      'functionItem',
      1,
      { functionCode: 'item.y = item.a + 1;\nreturn item;' },
      [{ a: 1 }, { a: 5 }],
    );
    expect(fi.outputs[0]).toEqual([
      { a: 1, y: 2 },
      { a: 5, y: 6 },
    ]);
  });

  it('reports bad return values and thrown errors clearly', async () => {
    expect((await runNode('code', 2, { jsCode: 'return 5;' })).error).toMatch(
      /doesn't return items properly/,
    );
    expect((await runNode('code', 2, { jsCode: "throw new Error('custom failure')" })).error).toBe(
      'custom failure',
    );
    expect((await runNode('code', 2, { jsCode: 'return process.env' })).error).toMatch(
      /process is not defined/,
    );
    expect((await runNode('code', 2, { jsCode: "return require('fs')" })).error).toMatch(
      /require\("fs"\) is not available/,
    );
  });

  it('refuses Python with a clear reason', async () => {
    const r = await runNode('code', 2, { language: 'python', pythonCode: 'return items' });
    expect(r.error).toMatch(/python is not supported/);
  });

  it('stops a runaway node at its time limit while another execution completes', async () => {
    const deps = testEngine({ code: { timeoutMs: 300 } });
    const runaway = wf(
      [
        ['Start', 'manualTrigger'],
        ['Loop', 'code', { jsCode: 'while (true) {}' }, { typeVersion: 2 }],
      ],
      ['Start>Loop'],
    );
    const normal = wf(
      [
        ['Start', 'manualTrigger'],
        ['Ok', 'code', { jsCode: 'return [{ json: { fine: true } }]' }, { typeVersion: 2 }],
      ],
      ['Start>Ok'],
    );
    const started = Date.now();
    const slow = run(runaway, {}, deps);
    const fast = run(normal, {}, deps);
    const fastResult = await fast;
    expect(fastResult.status).toBe('success');
    expect(fastResult.lastNodeOutput.map((i) => i.json)).toEqual([{ fine: true }]);
    const slowResult = await slow;
    expect(slowResult.status).toBe('error');
    expect(slowResult.error?.message).toMatch(/ran longer than 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops an async loop that never blocks', async () => {
    const deps = testEngine({ code: { timeoutMs: 200 } });
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Loop', 'code', { jsCode: 'for (;;) { await null; }' }, { typeVersion: 2 }],
      ],
      ['Start>Loop'],
    );
    const r = await run(w, {}, deps);
    expect(r.status).toBe('error');
    expect(r.error?.message).toMatch(/ran longer than 200 ms/);
  });

  it('has no WebAssembly, shared memory or Atomics: memory outside the limit is out of reach', async () => {
    // A WebAssembly memory is reserved outside the isolate's heap limit: 1 GiB with 64 MB set.
    const r = await runNode('code', 2, {
      jsCode: [
        'const out = { wasm: typeof WebAssembly, shared: typeof SharedArrayBuffer, atomics: typeof Atomics };',
        'try { out.memory = new WebAssembly.Memory({ initial: 16384 }).buffer.byteLength } catch (e) { out.memory = e.name }',
        'return [{ json: out }];',
      ].join('\n'),
    });
    expect(r.outputs[0]).toEqual([
      { wasm: 'undefined', shared: 'undefined', atomics: 'undefined', memory: 'ReferenceError' },
    ]);
  });
});
