import { describe, expect, it } from 'vitest';
import type { ErrorWorkflowPayload, ExecutionState } from './engine.types.ts';
import { json, run, testEngine, wf } from './test-helpers.test-support.ts';

const setV34 = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  assignments: {
    // `name:type` picks the assignment's type; otherwise it follows the literal's type.
    assignments: Object.entries(fields).map(([key, value]) => {
      const [name, type] = key.split(':');
      return { name, value, type: type ?? (typeof value === 'number' ? 'number' : 'string') };
    }),
  },
  includeOtherFields: true,
  ...extra,
});

function orderOf(workflow: Parameters<typeof run>[0]) {
  const order: string[] = [];
  return run(workflow, { observer: { nodeStarted: (n) => order.push(n) } }).then((r) => ({
    r,
    order,
  }));
}

describe('execution order', () => {
  // Trigger feeds B (listed first, lower on the canvas) and A (on top); A feeds A2.
  const build = (executionOrder?: string) => {
    const w = wf(
      [
        ['Trigger', 'manualTrigger'],
        ['A', 'noOp', {}, { position: [200, 0] }],
        ['B', 'noOp', {}, { position: [200, 300] }],
        ['A2', 'noOp', {}, { position: [400, 0] }],
      ],
      ['Trigger>B', 'Trigger>A', 'A>A2'],
      executionOrder ? { executionOrder } : {},
    );
    return w;
  };

  it('v1 runs depth first, children from the top of the canvas down', async () => {
    const { order } = await orderOf(build('v1'));
    expect(order).toEqual(['Trigger', 'A', 'A2', 'B']);
  });

  it('legacy (no executionOrder) runs breadth first in connection order', async () => {
    const { order } = await orderOf(build());
    expect(order).toEqual(['Trigger', 'B', 'A', 'A2']);
  });
});

describe('triggers', () => {
  it('starts from the given trigger of a workflow with several', async () => {
    const w = wf(
      [
        ['Manual', 'manualTrigger'],
        ['Hook', 'webhook', { path: 'x' }],
        ['FromManual', 'noOp'],
        ['FromHook', 'noOp'],
      ],
      ['Manual>FromManual', 'Hook>FromHook'],
    );
    const byDefault = await run(w);
    expect(Object.keys(byDefault.runData)).toEqual(['Manual', 'FromManual']);
    const fromHook = await run(w, { startNode: 'Hook', triggerItems: [{ json: { body: 1 } }] });
    expect(Object.keys(fromHook.runData)).toEqual(['Hook', 'FromHook']);
    expect(json(fromHook.lastNodeOutput)).toEqual([{ body: 1 }]);
  });

  it('a Merge that needs every input (chooseBranch) does not run when one never arrives', async () => {
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          [
            'If',
            'if',
            {
              conditions: {
                conditions: [{ leftValue: true, operator: { type: 'boolean', operation: 'true' } }],
              },
            },
            { typeVersion: 2 },
          ],
          ['Merge', 'merge', { mode: 'chooseBranch' }, { typeVersion: 3 }],
        ],
        [
          ['Start', 0, 'If', 0],
          ['If', 0, 'Merge', 0],
          ['If', 1, 'Merge', 1],
        ],
      ),
    );
    expect(r.status).toBe('success');
    expect(r.runData.Merge).toBeUndefined();
  });
});

describe('legacy multi-input semantics', () => {
  const ifMerge = (executionOrder?: string) =>
    wf(
      [
        ['Start', 'manualTrigger'],
        ['If', 'if', { conditions: { boolean: [{ value1: true, value2: true }] } }],
        ['Yes', 'set', { values: { string: [{ name: 'branch', value: 'yes' }] } }],
        ['No', 'set', { values: { string: [{ name: 'branch', value: 'no' }] } }],
        ['Merge', 'merge', {}, { typeVersion: 2.1 }],
      ],
      [
        ['Start', 0, 'If', 0],
        ['If', 0, 'Yes', 0],
        ['If', 1, 'No', 0],
        ['Yes', 0, 'Merge', 0],
        ['No', 0, 'Merge', 1],
      ],
      executionOrder ? { executionOrder } : {},
    );

  it('legacy runs the idle branch feeding a Merge with one empty item', async () => {
    const r = await run(ifMerge(), { triggerItems: [{ json: { a: 1 } }] });
    expect(json(r.runData.No?.[0]?.data.main[0])).toEqual([{ branch: 'no' }]);
    expect(json(r.runData.Merge?.[0]?.data.main[0])).toEqual([
      { a: 1, branch: 'yes' },
      { branch: 'no' },
    ]);
  });

  it('v1 leaves the idle branch alone and runs the Merge with the data it has', async () => {
    const r = await run(ifMerge('v1'), { triggerItems: [{ json: { a: 1 } }] });
    expect(r.runData.No).toBeUndefined();
    expect(json(r.runData.Merge?.[0]?.data.main[0])).toEqual([{ a: 1, branch: 'yes' }]);
  });
});

describe('items and branches', () => {
  it('runs a linear workflow with expressions', async () => {
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          [
            'Set',
            'set',
            setV34({ greeting: '=hi {{ $json.name }}', 'n:number': '={{ 2 * 21 }}' }),
            { typeVersion: 3.4 },
          ],
        ],
        ['Start>Set'],
      ),
      { triggerItems: [{ json: { name: 'Ann' } }, { json: { name: 'Bo' } }] },
    );
    expect(r.status).toBe('success');
    expect(json(r.runData.Set?.[0]?.data.main[0])).toEqual([
      { name: 'Ann', greeting: 'hi Ann', n: 42 },
      { name: 'Bo', greeting: 'hi Bo', n: 42 },
    ]);
  });

  it('routes If branches and a Merge waits for both inputs', async () => {
    const conditions = {
      conditions: {
        options: { caseSensitive: true, typeValidation: 'strict' },
        combinator: 'and',
        conditions: [
          {
            leftValue: '={{ $json.n }}',
            rightValue: 2,
            operator: { type: 'number', operation: 'gt' },
          },
        ],
      },
    };
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['If', 'if', conditions, { typeVersion: 2.2 }],
          ['Big', 'set', setV34({ size: 'big' }), { typeVersion: 3.4 }],
          ['Small', 'set', setV34({ size: 'small' }), { typeVersion: 3.4 }],
          ['Merge', 'merge', {}, { typeVersion: 3 }],
        ],
        [
          'Start>If',
          ['If', 0, 'Big', 0],
          ['If', 1, 'Small', 0],
          ['Big', 0, 'Merge', 0],
          ['Small', 0, 'Merge', 1],
        ],
      ),
      { triggerItems: [1, 2, 3, 4].map((n) => ({ json: { n } })) },
    );
    expect(r.status).toBe('success');
    expect(r.runData.Merge).toHaveLength(1);
    expect(json(r.runData.Merge?.[0]?.data.main[0])).toEqual([
      { n: 3, size: 'big' },
      { n: 4, size: 'big' },
      { n: 1, size: 'small' },
      { n: 2, size: 'small' },
    ]);
  });

  it('a Merge with one branch never reached runs with what it has (v1)', async () => {
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          [
            'If',
            'if',
            {
              conditions: {
                conditions: [{ leftValue: true, operator: { type: 'boolean', operation: 'true' } }],
              },
            },
            { typeVersion: 2 },
          ],
          ['Merge', 'merge', {}, { typeVersion: 3 }],
        ],
        [
          ['Start', 0, 'If', 0],
          ['If', 0, 'Merge', 0],
          ['If', 1, 'Merge', 1],
        ],
      ),
    );
    expect(r.runData.Merge).toHaveLength(1);
    expect(json(r.lastNodeOutput)).toEqual([{}]);
  });

  it('resolves $("Node").item through item pairing', async () => {
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['Split', 'splitOut', { fieldToSplitOut: 'list' }],
          ['Pass', 'noOp'],
          [
            'Set',
            'set',
            setV34(
              { origin: "={{ $('Start').item.json.id }}", v: '={{ $json.list }}' },
              { includeOtherFields: false },
            ),
            { typeVersion: 3.4 },
          ],
        ],
        ['Start>Split', 'Split>Pass', 'Pass>Set'],
      ),
      { triggerItems: [{ json: { id: 'a', list: [1, 2] } }, { json: { id: 'b', list: [3] } }] },
    );
    expect(json(r.lastNodeOutput)).toEqual([
      { origin: 'a', v: '1' },
      { origin: 'a', v: '2' },
      { origin: 'b', v: '3' },
    ]);
  });
});

describe('node settings', () => {
  const failing = (extra: Record<string, unknown>) =>
    wf(
      [
        ['Start', 'manualTrigger'],
        ['Fail', 'stopAndError', { errorMessage: 'boom' }, extra],
        ['After', 'noOp'],
        ['OnError', 'noOp'],
      ],
      ['Start>Fail', ['Fail', 0, 'After', 0], ['Fail', 1, 'OnError', 0]],
    );

  it('retries with waitBetweenTries through the injected sleep, then fails', async () => {
    const deps = testEngine();
    const r = await run(
      failing({ retryOnFail: true, maxTries: 3, waitBetweenTries: 100 }),
      {},
      deps,
    );
    expect(r.status).toBe('error');
    expect(r.error?.message).toBe('boom');
    expect(r.runData.Fail?.[0]?.tries).toBe(3);
    expect(deps.slept).toEqual([100, 100]);
    expect(r.runData.After).toBeUndefined();
  });

  it('continueErrorOutput sends the items to the error output', async () => {
    const r = await run(failing({ onError: 'continueErrorOutput' }), {
      triggerItems: [{ json: { a: 1 } }],
    });
    expect(r.status).toBe('success');
    expect(r.runData.After).toBeUndefined();
    expect(json(r.runData.OnError?.[0]?.data.main[0])).toEqual([{ a: 1, error: 'boom' }]);
  });

  it('continueRegularOutput and legacy continueOnFail pass the error as an item', async () => {
    for (const extra of [{ onError: 'continueRegularOutput' }, { continueOnFail: true }]) {
      const r = await run(failing(extra));
      expect(r.status).toBe('success');
      expect(json(r.runData.After?.[0]?.data.main[0])).toEqual([{ error: 'boom' }]);
    }
  });

  it('executeOnce runs with the first item only', async () => {
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['Set', 'set', setV34({ x: 1 }), { typeVersion: 3.4, executeOnce: true }],
        ],
        ['Start>Set'],
      ),
      { triggerItems: [{ json: { i: 0 } }, { json: { i: 1 } }] },
    );
    expect(json(r.lastNodeOutput)).toEqual([{ i: 0, x: 1 }]);
  });

  it('alwaysOutputData emits one empty item when a node outputs nothing', async () => {
    const filter = {
      conditions: {
        conditions: [{ leftValue: false, operator: { type: 'boolean', operation: 'true' } }],
      },
    };
    const without = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['F', 'filter', filter, { typeVersion: 2 }],
          ['Next', 'noOp'],
        ],
        ['Start>F', 'F>Next'],
      ),
    );
    expect(without.runData.Next).toBeUndefined();
    const withIt = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['F', 'filter', filter, { typeVersion: 2, alwaysOutputData: true }],
          ['Next', 'noOp'],
        ],
        ['Start>F', 'F>Next'],
      ),
    );
    expect(json(withIt.runData.Next?.[0]?.data.main[0])).toEqual([{}]);
  });

  it('a disabled node passes its input through', async () => {
    const r = await run(
      wf(
        [
          ['Start', 'manualTrigger'],
          ['Fail', 'stopAndError', {}, { disabled: true }],
          ['Next', 'noOp'],
        ],
        ['Start>Fail', 'Fail>Next'],
      ),
      { triggerItems: [{ json: { a: 1 } }] },
    );
    expect(r.status).toBe('success');
    expect(json(r.lastNodeOutput)).toEqual([{ a: 1 }]);
  });

  it('pinned data replaces a node in manual mode only', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Fail', 'stopAndError'],
        ['Next', 'noOp'],
      ],
      ['Start>Fail', 'Fail>Next'],
    );
    w.pinData = { Fail: [{ json: { pinned: true } }] };
    const manual = await run(w, { mode: 'manual' });
    expect(json(manual.lastNodeOutput)).toEqual([{ pinned: true }]);
    const production = await run(w, { mode: 'trigger' });
    expect(production.status).toBe('error');
  });
});

describe('durability and hooks', () => {
  const chain = wf(
    [
      ['Start', 'manualTrigger'],
      ['One', 'set', setV34({ one: 1 }), { typeVersion: 3.4 }],
      [
        'Two',
        'set',
        setV34({ 'two:number': "={{ $('One').item.json.one + 1 }}" }),
        { typeVersion: 3.4 },
      ],
      ['Three', 'set', setV34({ three: 3 }), { typeVersion: 3.4 }],
    ],
    ['Start>One', 'One>Two', 'Two>Three'],
  );

  it('resumes from a snapshot taken after a finished node, without re-running it', async () => {
    let snapshot: ExecutionState | undefined;
    const full = await run(chain, {
      observer: {
        nodeFinished: (node, _t, snap) =>
          node === 'Two'
            ? (snapshot = JSON.parse(JSON.stringify(snap())) as ExecutionState)
            : undefined,
      },
    });
    expect(snapshot?.stack.map((s) => s.node)).toEqual(['Three']);
    const started: string[] = [];
    const resumed = await run(chain, {
      resumeFrom: snapshot!,
      observer: { nodeStarted: (n) => started.push(n) },
    });
    expect(started).toEqual(['Three']);
    expect(resumed.status).toBe('success');
    expect(json(resumed.lastNodeOutput)).toEqual(json(full.lastNodeOutput));
    expect(json(resumed.lastNodeOutput)).toEqual([{ one: 1, two: 2, three: 3 }]);
  });

  it('a long Wait suspends as waiting and passes its items on resume', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        [
          'Wait',
          'wait',
          { resume: 'timeInterval', amount: 2, unit: 'hours' },
          { typeVersion: 1.1 },
        ],
        ['Next', 'noOp'],
      ],
      ['Start>Wait', 'Wait>Next'],
    );
    const first = await run(w, { triggerItems: [{ json: { a: 1 } }] });
    expect(first.status).toBe('waiting');
    expect(first.waitUntil?.toISOString()).toBe('2026-03-04T07:06:07.000Z');
    const second = await run(w, { resumeFrom: first.state });
    expect(second.status).toBe('success');
    expect(json(second.lastNodeOutput)).toEqual([{ a: 1 }]);
  });

  it('stops between nodes once settings.executionTimeout has passed', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Wait', 'wait', { amount: 30, unit: 'seconds' }, { typeVersion: 1.1 }],
        ['Next', 'noOp'],
      ],
      ['Start>Wait', 'Wait>Next'],
      { executionOrder: 'v1', executionTimeout: 10 },
    );
    const r = await run(w);
    expect(r.status).toBe('error');
    expect(r.error?.message).toBe('the execution ran longer than its 10 s timeout');
    expect(r.runData.Next).toBeUndefined();
  });

  it('a short Wait sleeps through the injected sleep', async () => {
    const deps = testEngine();
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Wait', 'wait', { amount: 3, unit: 'seconds' }, { typeVersion: 1.1 }],
      ],
      ['Start>Wait'],
    );
    const r = await run(w, {}, deps);
    expect(r.status).toBe('success');
    expect(deps.slept).toEqual([3000]);
  });

  it('reports a failure in the shape an Error Trigger workflow receives', async () => {
    const payloads: [ErrorWorkflowPayload, string | undefined][] = [];
    const deps = testEngine({ onWorkflowError: (p, id) => payloads.push([p, id]) });
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Fail', 'stopAndError', { errorMessage: 'nope' }],
      ],
      ['Start>Fail'],
      { executionOrder: 'v1', errorWorkflow: 'wf-errors' },
    );
    const r = await run(w, { executionId: 'exec-1', mode: 'trigger' }, deps);
    expect(r.status).toBe('error');
    expect(payloads).toHaveLength(1);
    const [payload, errorWorkflowId] = payloads[0]!;
    expect(errorWorkflowId).toBe('wf-errors');
    expect(payload.execution).toMatchObject({
      id: 'exec-1',
      lastNodeExecuted: 'Fail',
      mode: 'trigger',
      error: { message: 'nope', node: 'Fail' },
    });
    expect(payload.workflow).toEqual({ id: 'wf1', name: 'test' });
    // The error workflow's trigger emits that payload as its item.
    const handler = wf(
      [
        ['Error Trigger', 'errorTrigger'],
        [
          'Log',
          'set',
          setV34({ failed: '={{ $json.execution.lastNodeExecuted }}' }),
          { typeVersion: 3.4 },
        ],
      ],
      ['Error Trigger>Log'],
    );
    const handled = await run(handler, {
      triggerItems: [{ json: payload as never }],
      mode: 'error',
    });
    expect(json(handled.lastNodeOutput)[0]).toMatchObject({ failed: 'Fail' });
  });

  it('runs a sub-workflow through the injected loader', async () => {
    const sub = wf(
      [
        ['In', 'executeWorkflowTrigger'],
        ['Double', 'set', setV34({ 'doubled:number': '={{ $json.n * 2 }}' }), { typeVersion: 3.4 }],
      ],
      ['In>Double'],
    );
    const deps = testEngine({
      loadWorkflow: async (ref) => (expect(ref).toMatchObject({ workflowId: 'sub' }), sub),
    });
    const main = wf(
      [
        ['Start', 'manualTrigger'],
        ['Call', 'executeWorkflow', { workflowId: 'sub' }],
      ],
      ['Start>Call'],
    );
    const r = await run(main, { triggerItems: [{ json: { n: 2 } }, { json: { n: 5 } }] }, deps);
    expect(json(r.lastNodeOutput)).toEqual([
      { n: 2, doubled: 4 },
      { n: 5, doubled: 10 },
    ]);
  });

  it('answers a webhook with Respond to Webhook (the benchmark workflow)', async () => {
    const { readFileSync } = await import('node:fs');
    const { importWorkflow } = await import('../model/import.ts');
    const report = importWorkflow(
      readFileSync(
        new URL('../../../test/fixtures/workflows/wf-respond.json', import.meta.url),
        'utf8',
      ),
    );
    expect(report.status).toBe('imported');
    if (report.status !== 'imported') return;
    const r = await run(report.workflow, {
      mode: 'webhook',
      usePinnedData: false,
      triggerItems: [{ json: { headers: {}, params: {}, query: { name: 'Zoe' }, body: {} } }],
    });
    expect(r.status).toBe('success');
    expect(r.response?.status).toBe(200);
    expect(r.response?.body).toMatchObject({
      ok: true,
      msg: 'hello Zoe',
      ts: Date.parse('2026-03-04T05:06:07.000Z'),
    });
  });
});

describe('webhook response modes', () => {
  it('lastNode mode answers with the last node output (wf-lastnode.json)', async () => {
    const { readFileSync } = await import('node:fs');
    const { importWorkflow } = await import('../model/import.ts');
    const { webhookSettings } = await import('../nodes/trigger.node.ts');
    const report = importWorkflow(
      readFileSync(
        new URL('../../../test/fixtures/workflows/wf-lastnode.json', import.meta.url),
        'utf8',
      ),
    );
    if (report.status !== 'imported') throw new Error(report.status);
    const hook = report.workflow.nodes.find((n) => n.name === 'Webhook')!;
    expect(webhookSettings(hook)).toMatchObject({
      method: 'GET',
      path: 'bench-lastnode',
      responseMode: 'lastNode',
    });
    const r = await run(report.workflow, {
      mode: 'webhook',
      triggerItems: [{ json: { query: {} } }],
    });
    expect(r.response).toBeUndefined();
    expect(json(r.lastNodeOutput)).toEqual([{ ok: true, msg: 'hello world' }]);
  });
});

describe('loops', () => {
  it('splitInBatches v3 loops until done, then emits every processed item', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Loop', 'splitInBatches', { batchSize: 2 }, { typeVersion: 3 }],
        ['Work', 'set', setV34({ seen: true }), { typeVersion: 3.4 }],
        ['Done', 'noOp'],
      ],
      ['Start>Loop', ['Loop', 1, 'Work', 0], ['Work', 0, 'Loop', 0], ['Loop', 0, 'Done', 0]],
    );
    const r = await run(w, { triggerItems: [1, 2, 3, 4, 5].map((n) => ({ json: { n } })) });
    expect(r.status).toBe('success');
    expect(r.runData.Work).toHaveLength(3);
    expect(json(r.runData.Done?.[0]?.data.main[0])).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ n, seen: 'true' })),
    );
  });

  it('splitInBatches v1 stops the branch when no items are left', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['Batch', 'splitInBatches', { batchSize: 2 }],
        ['Work', 'noOp'],
      ],
      ['Start>Batch', 'Batch>Work', 'Work>Batch'],
    );
    const r = await run(w, { triggerItems: [1, 2, 3].map((n) => ({ json: { n } })) });
    expect(r.status).toBe('success');
    expect(r.runData.Work?.map((t) => json(t.data.main[0]))).toEqual([
      [{ n: 1 }, { n: 2 }],
      [{ n: 3 }],
    ]);
  });

  it('splitInBatches v1 loops on an If reading $node["…"].context["noItemsLeft"], as n8n', async () => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['SplitInBatches', 'splitInBatches', { batchSize: 2 }],
        [
          'Work',
          'set',
          {
            values: {
              number: [
                { name: 'run', value: '={{ $node["SplitInBatches"].context["currentRunIndex"] }}' },
              ],
            },
          },
        ],
        [
          'More?',
          'if',
          {
            conditions: {
              boolean: [
                { value1: '={{ $node["SplitInBatches"].context["noItemsLeft"] }}', value2: true },
              ],
            },
          },
        ],
        ['Done', 'noOp'],
      ],
      [
        'Start>SplitInBatches',
        'SplitInBatches>Work',
        'Work>More?',
        ['More?', 0, 'Done', 0],
        ['More?', 1, 'SplitInBatches', 0],
      ],
    );
    const r = await run(w, { triggerItems: [1, 2, 3, 4, 5].map((n) => ({ json: { n } })) });
    expect(r.status).toBe('success');
    expect(r.runData.Work?.map((t) => json(t.data.main[0]))).toEqual([
      [
        { n: 1, run: 0 },
        { n: 2, run: 0 },
      ],
      [
        { n: 3, run: 1 },
        { n: 4, run: 1 },
      ],
      [{ n: 5, run: 2 }],
    ]);
    expect(r.runData.Done?.map((t) => json(t.data.main[0]))).toEqual([[{ n: 5, run: 2 }]]);
  });
});
