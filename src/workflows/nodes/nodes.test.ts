import { describe, expect, it } from 'vitest';
import { runNode } from '../engine/test-helpers.test-support.ts';
import { htmlToMarkdown } from './transform.node.ts';

describe('Set', () => {
  it('v1 sets typed values, dot notation, keepOnlySet', async () => {
    const r = await runNode(
      'set',
      1,
      {
        values: {
          number: [{ name: 'n', value: 3 }],
          string: [{ name: 'a.b', value: '={{ $json.x }}' }],
        },
      },
      [{ x: 'y' }],
    );
    expect(r.outputs[0]).toEqual([{ x: 'y', n: 3, a: { b: 'y' } }]);
    const only = await runNode(
      'set',
      2,
      { keepOnlySet: true, values: { boolean: [{ name: 'ok', value: true }] } },
      [{ x: 1 }],
    );
    expect(only.outputs[0]).toEqual([{ ok: true }]);
  });

  it('v3.0-3.2 fields.values with include modes', async () => {
    const fields = {
      values: [{ name: 'count', type: 'numberValue', numberValue: '={{ $json.c }}' }],
    };
    expect((await runNode('set', 3.2, { fields }, [{ c: 5, z: 1 }])).outputs[0]).toEqual([
      { c: 5, z: 1, count: 5 },
    ]);
    expect((await runNode('set', 3, { fields, include: 'none' }, [{ c: 5 }])).outputs[0]).toEqual([
      { count: 5 },
    ]);
    expect(
      (
        await runNode('set', 3.1, { fields, include: 'selected', includeFields: 'z' }, [
          { c: 5, z: 1 },
        ])
      ).outputs[0],
    ).toEqual([{ z: 1, count: 5 }]);
  });

  it('v3.3+ assignments: only assigned fields unless includeOtherFields', async () => {
    const assignments = {
      assignments: [
        { name: 'num', value: '={{ $json.s }}', type: 'number' },
        { name: 'flag', value: 'true', type: 'boolean' },
        { name: 'obj', value: '{"k":1}', type: 'object' },
      ],
    };
    expect((await runNode('set', 3.4, { assignments }, [{ s: '12' }])).outputs[0]).toEqual([
      { num: 12, flag: true, obj: { k: 1 } },
    ]);
    const all = await runNode('set', 3.3, { assignments, includeOtherFields: true }, [{ s: '1' }]);
    expect(all.outputs[0]).toEqual([{ s: '1', num: 1, flag: true, obj: { k: 1 } }]);
    const bad = await runNode('set', 3.4, {
      assignments: { assignments: [{ name: 'n', value: 'abc', type: 'number' }] },
    });
    expect(bad.error).toMatch(/'n' expects a number/);
  });

  it('raw mode parses jsonOutput', async () => {
    const r = await runNode(
      'set',
      3.4,
      { mode: 'raw', jsonOutput: '={ "id": {{ $json.id }}, "tags": ["a"] }' },
      [{ id: 7 }],
    );
    expect(r.outputs[0]).toEqual([{ id: 7, tags: ['a'] }]);
  });
});

describe('If, Filter, Switch', () => {
  it('If v1 typed conditions with all/any', async () => {
    const params = {
      conditions: {
        string: [{ value1: '={{ $json.name }}', operation: 'startsWith', value2: 'A' }],
        number: [{ value1: '={{ $json.n }}', operation: 'larger', value2: 1 }],
      },
    };
    const r = await runNode('if', 1, params, [
      { name: 'Ann', n: 2 },
      { name: 'Ann', n: 0 },
      { name: 'Bo', n: 5 },
    ]);
    expect(r.outputs).toEqual([
      [{ name: 'Ann', n: 2 }],
      [
        { name: 'Ann', n: 0 },
        { name: 'Bo', n: 5 },
      ],
    ]);
    const any = await runNode('if', 1, { ...params, combineOperation: 'any' }, [
      { name: 'Bo', n: 5 },
      { name: 'Cy', n: 0 },
    ]);
    expect(any.outputs).toEqual([[{ name: 'Bo', n: 5 }], [{ name: 'Cy', n: 0 }]]);
  });

  it('If v2 filter operators, case-insensitive option and strict types', async () => {
    const cond = (operator: Record<string, unknown>, rightValue: unknown, options = {}) => ({
      conditions: {
        options,
        combinator: 'and',
        conditions: [{ leftValue: '={{ $json.v }}', rightValue, operator }],
      },
    });
    const check = async (c: Record<string, unknown>, v: unknown) =>
      (await runNode('if', 2.2, c, [{ v }])).outputs[0]!.length === 1;
    expect(await check(cond({ type: 'string', operation: 'contains' }, 'ell'), 'hello')).toBe(true);
    expect(
      await check(
        cond({ type: 'string', operation: 'equals' }, 'HELLO', { caseSensitive: false }),
        'hello',
      ),
    ).toBe(true);
    expect(await check(cond({ type: 'string', operation: 'regex' }, '^h.*o$'), 'hello')).toBe(true);
    expect(await check(cond({ type: 'number', operation: 'gte' }, 3), 3)).toBe(true);
    expect(
      await check(
        cond({ type: 'dateTime', operation: 'after' }, '2026-01-01'),
        '2026-02-01T00:00:00Z',
      ),
    ).toBe(true);
    // As n8n's editor writes them: array lengths compare with a number, single-value
    // operators have no right value to check.
    expect(
      await check(cond({ type: 'array', operation: 'lengthGt', rightType: 'number' }, 1), [1, 2]),
    ).toBe(true);
    expect(
      await check(cond({ type: 'string', operation: 'notEmpty', singleValue: true }, ''), ''),
    ).toBe(false);
    expect(
      await check(cond({ type: 'boolean', operation: 'true', singleValue: true }, ''), true),
    ).toBe(true);
    const strict = await runNode('if', 2, cond({ type: 'number', operation: 'equals' }, 1), [
      { v: 'abc' },
    ]);
    expect(strict.error).toMatch(/Wrong type/);
  });

  it('Filter keeps matching items', async () => {
    const conditions = {
      conditions: [
        {
          leftValue: '={{ $json.n }}',
          rightValue: 2,
          operator: { type: 'number', operation: 'lt' },
        },
      ],
    };
    expect((await runNode('filter', 2, { conditions }, [{ n: 1 }, { n: 3 }])).outputs).toEqual([
      [{ n: 1 }],
    ]);
    const v1 = await runNode(
      'filter',
      1,
      { conditions: { string: [{ value1: '={{ $json.s }}', operation: 'isNotEmpty' }] } },
      [{ s: 'a' }, { s: '' }],
    );
    expect(v1.outputs).toEqual([[{ s: 'a' }]]);
  });

  it('Switch v3 rules with fallback output', async () => {
    const rule = (value: string) => ({
      conditions: {
        conditions: [
          {
            leftValue: '={{ $json.t }}',
            rightValue: value,
            operator: { type: 'string', operation: 'equals' },
          },
        ],
      },
    });
    const r = await runNode(
      'switch',
      3.2,
      { rules: { values: [rule('a'), rule('b')] }, options: { fallbackOutput: 'extra' } },
      [{ t: 'b' }, { t: 'a' }, { t: 'z' }],
    );
    expect(r.outputs).toEqual([[{ t: 'a' }], [{ t: 'b' }], [{ t: 'z' }]]);
  });

  it('Switch v1 rules over one value, and expression mode', async () => {
    const r = await runNode(
      'switch',
      1,
      {
        dataType: 'string',
        value1: '={{ $json.t }}',
        rules: { rules: [{ operation: 'equal', value2: 'x', output: 2 }] },
        fallbackOutput: 0,
      },
      [{ t: 'x' }, { t: 'y' }],
    );
    expect(r.outputs).toEqual([[{ t: 'y' }], [], [{ t: 'x' }], []]);
    const e = await runNode(
      'switch',
      3,
      { mode: 'expression', numberOutputs: 2, output: '={{ $json.n % 2 }}' },
      [{ n: 1 }, { n: 2 }],
    );
    expect(e.outputs).toEqual([[{ n: 2 }], [{ n: 1 }]]);
  });
});

describe('item list nodes', () => {
  it('Split Out spreads a list, merging objects and keeping other fields', async () => {
    expect(
      (
        await runNode('splitOut', 1, { fieldToSplitOut: 'rows' }, [
          { id: 1, rows: [{ a: 1 }, { a: 2 }] },
        ])
      ).outputs[0],
    ).toEqual([{ a: 1 }, { a: 2 }]);
    expect(
      (
        await runNode('splitOut', 1, { fieldToSplitOut: 'tags', include: 'allOtherFields' }, [
          { id: 1, tags: ['x', 'y'] },
        ])
      ).outputs[0],
    ).toEqual([
      { id: 1, tags: 'x' },
      { id: 1, tags: 'y' },
    ]);
  });

  it('Aggregate individual fields and all item data', async () => {
    const items = [{ a: 1, b: 'x' }, { a: 2 }];
    expect(
      (
        await runNode(
          'aggregate',
          1,
          {
            fieldsToAggregate: {
              fieldToAggregate: [
                { fieldToAggregate: 'a' },
                { fieldToAggregate: 'b', renameField: true, outputFieldName: 'bs' },
              ],
            },
          },
          items,
        )
      ).outputs[0],
    ).toEqual([{ a: [1, 2], bs: ['x'] }]);
    expect(
      (await runNode('aggregate', 1, { aggregate: 'aggregateAllItemData' }, items)).outputs[0],
    ).toEqual([{ data: items }]);
  });

  it('Sort, Limit, Remove Duplicates, Rename Keys', async () => {
    const items = [
      { n: 2, k: 'b' },
      { n: 1, k: 'a' },
      { n: 2, k: 'b' },
    ];
    expect(
      (
        await runNode(
          'sort',
          1,
          {
            sortFieldsUi: {
              sortField: [{ fieldName: 'n', order: 'descending' }, { fieldName: 'k' }],
            },
          },
          items,
        )
      ).outputs[0],
    ).toEqual([items[0], items[2], items[1]]);
    expect(
      (await runNode('limit', 1, { maxItems: 2, keep: 'lastItems' }, items)).outputs[0],
    ).toEqual([items[1], items[2]]);
    expect((await runNode('removeDuplicates', 1, {}, items)).outputs[0]).toEqual([
      items[0],
      items[1],
    ]);
    expect(
      (
        await runNode(
          'removeDuplicates',
          1.1,
          { compare: 'selectedFields', fieldsToCompare: 'n' },
          items,
        )
      ).outputs[0],
    ).toEqual([items[0], items[1]]);
    expect(
      (
        await runNode('renameKeys', 1, { keys: { key: [{ currentKey: 'k', newKey: 'key' }] } }, [
          { k: 1, z: 2 },
        ])
      ).outputs[0],
    ).toEqual([{ z: 2, key: 1 }]);
  });

  it('Summarize groups and aggregates', async () => {
    const items = [
      { c: 'x', v: 1 },
      { c: 'y', v: 5 },
      { c: 'x', v: 3 },
    ];
    const r = await runNode(
      'summarize',
      1,
      {
        fieldsToSplitBy: 'c',
        fieldsToSummarize: {
          values: [
            { aggregation: 'sum', field: 'v' },
            { aggregation: 'count', field: 'v' },
            { aggregation: 'max', field: 'v' },
          ],
        },
      },
      items,
    );
    expect(r.outputs[0]).toEqual([
      { c: 'x', sum_v: 4, count_v: 2, max_v: 3 },
      { c: 'y', sum_v: 5, count_v: 1, max_v: 5 },
    ]);
  });

  it('Item Lists dispatches to its operations', async () => {
    expect(
      (await runNode('itemLists', 3, { operation: 'limit', maxItems: 1 }, [{ a: 1 }, { a: 2 }]))
        .outputs[0],
    ).toEqual([{ a: 1 }]);
  });
});

describe('Merge', () => {
  it('v3 combine by fields, by position, all combinations; chooseBranch; v1 modes', async () => {
    const { run, wf, json } = await import('../engine/test-helpers.test-support.ts');
    const merge = async (
      typeVersion: number,
      parameters: Record<string, unknown>,
      a: unknown[],
      b: unknown[],
    ) => {
      const w = wf(
        [
          ['Start', 'manualTrigger'],
          [
            'A',
            'code',
            { jsCode: `return ${JSON.stringify(a)}.map(json => ({ json }))` },
            { typeVersion: 2 },
          ],
          [
            'B',
            'code',
            { jsCode: `return ${JSON.stringify(b)}.map(json => ({ json }))` },
            { typeVersion: 2 },
          ],
          ['Merge', 'merge', parameters, { typeVersion }],
        ],
        ['Start>A', 'Start>B', ['A', 0, 'Merge', 0], ['B', 0, 'Merge', 1]],
      );
      const r = await run(w);
      expect(r.error).toBeUndefined();
      return json(r.runData.Merge?.[0]?.data.main[0]);
    };
    const a = [
      { id: 1, x: 'a' },
      { id: 2, x: 'b' },
    ];
    const b = [
      { id: 2, y: 'B' },
      { id: 3, y: 'C' },
    ];
    expect(await merge(3, { mode: 'combine', fieldsToMatchString: 'id' }, a, b)).toEqual([
      { id: 2, x: 'b', y: 'B' },
    ]);
    expect(
      await merge(
        3,
        { mode: 'combine', fieldsToMatchString: 'id', joinMode: 'enrichInput1' },
        a,
        b,
      ),
    ).toEqual([
      { id: 1, x: 'a' },
      { id: 2, x: 'b', y: 'B' },
    ]);
    expect(
      await merge(
        3,
        { mode: 'combine', fieldsToMatchString: 'id', joinMode: 'keepNonMatches' },
        a,
        b,
      ),
    ).toEqual([
      { id: 1, x: 'a' },
      { id: 3, y: 'C' },
    ]);
    expect(
      await merge(
        2.1,
        {
          mode: 'combine',
          combinationMode: 'mergeByFields',
          mergeByFields: { values: [{ field1: 'id', field2: 'id' }] },
          joinMode: 'keepEverything',
        },
        a,
        b,
      ),
    ).toEqual([
      { id: 1, x: 'a' },
      { id: 2, x: 'b', y: 'B' },
      { id: 3, y: 'C' },
    ]);
    expect(
      await merge(3, { mode: 'combine', combineBy: 'combineByPosition' }, a, [{ y: 1 }]),
    ).toEqual([{ id: 1, x: 'a', y: 1 }]);
    expect(
      await merge(
        3,
        { mode: 'combine', combineBy: 'combineAll' },
        [{ a: 1 }, { a: 2 }],
        [{ b: 1 }],
      ),
    ).toEqual([
      { a: 1, b: 1 },
      { a: 2, b: 1 },
    ]);
    expect(await merge(3, { mode: 'chooseBranch', useDataOfInput: 2 }, a, b)).toEqual(b);
    expect(await merge(1, { mode: 'mergeByIndex' }, a, [{ z: 1 }])).toEqual([
      { id: 1, x: 'a', z: 1 },
      { id: 2, x: 'b' },
    ]);
    expect(
      await merge(1, { mode: 'mergeByKey', propertyName1: 'id', propertyName2: 'id' }, a, b),
    ).toEqual([
      { id: 1, x: 'a' },
      { id: 2, x: 'b', y: 'B' },
    ]);
    expect(await merge(1, { mode: 'passThrough', output: 'input2' }, a, b)).toEqual(b);
    expect(
      await merge(1, { mode: 'removeKeyMatches', propertyName1: 'id', propertyName2: 'id' }, a, b),
    ).toEqual([{ id: 1, x: 'a' }]);
  });
});

describe('Compare Datasets', () => {
  it('routes A-only, same, different and B-only items', async () => {
    const { run, wf } = await import('../engine/test-helpers.test-support.ts');
    const code = (list: unknown[]) => ({
      jsCode: `return ${JSON.stringify(list)}.map(json => ({ json }))`,
    });
    const compare = async (parameters: Record<string, unknown>) => {
      const w = wf(
        [
          ['Start', 'manualTrigger'],
          [
            'A',
            'code',
            code([
              { id: 1, v: 'x' },
              { id: 2, v: 'y' },
              { id: 3, v: 'z' },
            ]),
            { typeVersion: 2 },
          ],
          [
            'B',
            'code',
            code([
              { id: 2, v: 'y' },
              { id: 3, v: 'Z' },
              { id: 4, v: 'w' },
            ]),
            { typeVersion: 2 },
          ],
          [
            'Compare',
            'compareDatasets',
            { mergeByFields: { values: [{ field1: 'id', field2: 'id' }] }, ...parameters },
            { typeVersion: 2.3 },
          ],
        ],
        ['Start>A', 'Start>B', ['A', 0, 'Compare', 0], ['B', 0, 'Compare', 1]],
      );
      const r = await run(w);
      return r.runData.Compare?.[0]?.data.main.map((o) => o.map((i) => i.json));
    };
    expect(await compare({ resolve: 'preferInput2' })).toEqual([
      [{ id: 1, v: 'x' }],
      [{ id: 2, v: 'y' }],
      [{ id: 3, v: 'Z' }],
      [{ id: 4, v: 'w' }],
    ]);
    expect((await compare({ resolve: 'includeBoth' }))?.[2]).toEqual([
      { keys: { id: 3 }, same: { id: 3 }, different: { v: { inputA: 'z', inputB: 'Z' } } },
    ]);
  });
});

describe('conversion nodes', () => {
  it('Date & Time v2 formats and adds; v1 formats', async () => {
    const r = await runNode(
      'dateTime',
      2,
      {
        operation: 'formatDate',
        date: '={{ $json.d }}',
        format: 'custom',
        customFormat: 'dd/MM/yyyy',
      },
      [{ d: '2026-05-06T07:08:09Z' }],
    );
    expect(r.outputs[0]).toEqual([{ formattedDate: '06/05/2026' }]);
    const add = await runNode('dateTime', 2, {
      operation: 'addToDate',
      magnitude: '2026-01-31T00:00:00Z',
      timeUnit: 'months',
      duration: 1,
    });
    expect(add.outputs[0]).toEqual([{ newDate: '2026-02-28T00:00:00.000Z' }]);
    const now = await runNode('dateTime', 2, { operation: 'getCurrentDate' });
    expect(now.outputs[0]).toEqual([{ currentDate: '2026-03-04T05:06:07.000Z' }]);
    const v1 = await runNode('dateTime', 1, {
      value: '2026-05-06T07:08:09Z',
      custom: true,
      toFormat: 'YYYY',
      dataPropertyName: 'y',
    });
    expect(v1.outputs[0]).toEqual([{ y: '2026' }]);
  });

  it('Crypto hashes and signs', async () => {
    expect((await runNode('crypto', 1, { type: 'SHA256', value: 'abc' })).outputs[0]).toEqual([
      { data: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
    ]);
    expect(
      (
        await runNode('crypto', 1, {
          action: 'hmac',
          type: 'MD5',
          value: 'abc',
          secret: 'k',
          dataPropertyName: 'h',
        })
      ).outputs[0],
    ).toEqual([{ h: '75972c9c6569f2f407752ddb02ac79de' }]);
  });

  it('HTML extracts with CSS selectors', async () => {
    const html = '<div><h1> Title </h1><a href="/x">one</a><a href="/y">two</a></div>';
    const r = await runNode(
      'html',
      1.2,
      {
        operation: 'extractHtmlContent',
        dataPropertyName: 'page',
        extractionValues: {
          values: [
            { key: 'title', cssSelector: 'h1' },
            {
              key: 'links',
              cssSelector: 'a',
              returnValue: 'attribute',
              attribute: 'href',
              returnArray: true,
            },
          ],
        },
      },
      [{ page: html }],
    );
    expect(r.outputs[0]).toEqual([{ title: 'Title', links: ['/x', '/y'] }]);
  });

  it('Markdown converts both ways', async () => {
    const r = await runNode('markdown', 1, {
      mode: 'markdownToHtml',
      markdown: '# Hi\n\n**bold**',
    });
    expect(r.outputs[0]).toEqual([{ data: '<h1>Hi</h1>\n<p><strong>bold</strong></p>\n' }]);
    expect(htmlToMarkdown('<h2>T</h2><p>a <b>b</b> <a href="u">l</a></p><ul><li>x</li></ul>')).toBe(
      '## T\n\na **b** [l](u)\n\n- x',
    );
  });

  it('XML to JSON and back', async () => {
    const r = await runNode('xml', 1, {}, [{ data: '<root><a id="1">x</a></root>' }]);
    expect(r.outputs[0]).toEqual([
      { data: '<root><a id="1">x</a></root>', root: { a: { id: '1', _: 'x' } } },
    ]);
    const back = await runNode('xml', 1, { mode: 'jsonToxml' }, [{ root: { a: 'x' } }]);
    expect(String((back.outputs[0]![0] as { data: string }).data)).toContain('<a>x</a>');
  });
});

describe('training', () => {
  it('Customer Datastore returns its fixed people', async () => {
    const one = await runNode('n8nTrainingCustomerDatastore', 1, {});
    expect(one.outputs[0]).toEqual([expect.objectContaining({ name: 'Jay Gatsby' })]);
    const all = await runNode('n8nTrainingCustomerDatastore', 1, {
      operation: 'getAllPeople',
      returnAll: true,
    });
    expect(all.outputs[0]).toHaveLength(5);
    const some = await runNode('n8nTrainingCustomerDatastore', 1, {
      operation: 'getAllPeople',
      limit: 2,
    });
    expect((some.outputs[0] as { name: string }[]).map((p) => p.name)).toEqual([
      'Jay Gatsby',
      'José Arcadio Buendía',
    ]);
  });
});

describe('triggers and webhooks', () => {
  it('Respond to Webhook answers with text, json or all items', async () => {
    const { run, wf } = await import('../engine/test-helpers.test-support.ts');
    const respond = (parameters: Record<string, unknown>) =>
      run(
        wf(
          [
            ['Hook', 'webhook', { responseMode: 'responseNode' }],
            ['Respond', 'respondToWebhook', parameters, { typeVersion: 1.1 }],
          ],
          ['Hook>Respond'],
        ),
        {
          triggerItems: [{ json: { body: { a: 1 } } }],
        },
      );
    expect(
      (
        await respond({
          respondWith: 'text',
          responseBody: '=got {{ $json.body.a }}',
          options: { responseCode: 201 },
        })
      ).response,
    ).toEqual({
      status: 201,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'got 1',
      bodyKind: 'text',
    });
    expect(
      (await respond({ respondWith: 'json', responseBody: '={{ { ok: $json.body.a } }}' })).response
        ?.body,
    ).toEqual({ ok: 1 });
    expect((await respond({ respondWith: 'allIncomingItems' })).response?.body).toEqual([
      { body: { a: 1 } },
    ]);
  });

  it('shapes the webhook answer per response mode', async () => {
    const { webhookAnswer } = await import('./trigger.node.ts');
    const hook = (parameters: Record<string, unknown>) => ({
      name: 'W',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      parameters,
    });
    const result = { status: 'success', lastNodeOutput: [{ json: { a: 1 } }, { json: { a: 2 } }] };
    expect(webhookAnswer(hook({}), result)?.body).toEqual({ message: 'Workflow was started' });
    expect(webhookAnswer(hook({ responseMode: 'lastNode' }), result)?.body).toEqual({ a: 1 });
    expect(
      webhookAnswer(
        hook({ responseMode: 'lastNode', responseData: 'allEntries', responseCode: 201 }),
        result,
      ),
    ).toMatchObject({ status: 201, body: [{ a: 1 }, { a: 2 }] });
    expect(
      webhookAnswer(hook({ responseMode: 'lastNode' }), {
        status: 'error',
        lastNodeOutput: [],
        error: { message: 'x' },
      })?.status,
    ).toBe(500);
    expect(webhookAnswer(hook({ responseMode: 'responseNode' }), result)).toBeUndefined();
  });

  it('computes schedules with croner', async () => {
    const { nextRuns, triggerSchedule } = await import('./trigger.node.ts');
    const node = (type: string, parameters: Record<string, unknown>) => ({
      name: 'T',
      type: `n8n-nodes-base.${type}`,
      typeVersion: 1.2,
      position: [0, 0],
      parameters,
    });
    const from = new Date('2026-01-01T10:30:00Z');
    expect(
      nextRuns(
        node('scheduleTrigger', {
          rule: { interval: [{ field: 'hours', hoursInterval: 2, triggerAtMinute: 15 }] },
        }),
        from,
        2,
      ).map((d) => d.toISOString()),
    ).toEqual(['2026-01-01T12:15:00.000Z', '2026-01-01T14:15:00.000Z']);
    expect(
      nextRuns(
        node('scheduleTrigger', {
          rule: { interval: [{ field: 'cronExpression', expression: '0 9 * * 1' }] },
        }),
        from,
        1,
      )[0]?.toISOString(),
    ).toBe('2026-01-05T09:00:00.000Z');
    expect(
      nextRuns(
        node('cron', { triggerTimes: { item: [{ mode: 'everyDay', hour: 8, minute: 5 }] } }),
        from,
        1,
      )[0]?.toISOString(),
    ).toBe('2026-01-02T08:05:00.000Z');
    expect(triggerSchedule(node('interval', { interval: 5, unit: 'minutes' }))).toEqual({
      kind: 'every',
      ms: 300_000,
    });
  });

  it("a schedule trigger emits n8n's time fields", async () => {
    const r = await runNode('scheduleTrigger', 1.2, {}, []);
    expect(r.outputs[0]?.[0]).toMatchObject({
      timestamp: '2026-03-04T05:06:07.000Z',
      Year: '2026',
      Month: 'March',
      Hour: '05',
    });
  });
});
