import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../nodes/registry.ts';
import { exportWorkflow } from './export.ts';
import { importWorkflow } from './import.ts';

const registry = createNodeRegistry();
const opts = { isSupported: registry.isSupported };
const node = (name: string, type = 'n8n-nodes-base.noOp', extra: Record<string, unknown> = {}) => ({
  id: name,
  name,
  type,
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
  ...extra,
});

describe('importWorkflow', () => {
  it('imports a supported workflow and exports it back unchanged', () => {
    const text = readFileSync(
      new URL('../../../test/fixtures/workflows/wf-respond.json', import.meta.url),
      'utf8',
    );
    const report = importWorkflow(text, opts);
    expect(report.status).toBe('imported');
    if (report.status !== 'imported') return;
    expect(exportWorkflow(report.workflow)).toEqual(JSON.parse(text));
  });

  it('keeps node settings and fields it does not model', () => {
    const wf = {
      nodes: [
        node('A', 'n8n-nodes-base.set', {
          typeVersion: 3.4,
          retryOnFail: true,
          maxTries: 4,
          onError: 'continueErrorOutput',
          notes: 'n',
          custom: { x: 1 },
        }),
      ],
      connections: {},
      settings: { executionOrder: 'v1', saveManualExecutions: true },
      pinData: { A: [{ json: { a: 1 } }] },
      meta: { instanceId: 'x' },
    };
    const report = importWorkflow(JSON.stringify(wf), opts);
    expect(report.status).toBe('imported');
    if (report.status === 'imported') expect(exportWorkflow(report.workflow)).toEqual(wf);
  });

  it('lists unsupported node types with their versions and nodes', () => {
    const report = importWorkflow(
      {
        nodes: [
          node('Sheet', 'n8n-nodes-base.googleSheets', { typeVersion: 4 }),
          node('Set', 'n8n-nodes-base.set', { typeVersion: 9 }),
        ],
        connections: {},
      },
      opts,
    );
    expect(report).toMatchObject({
      status: 'imported_unsupported',
      unsupported: [
        { type: 'n8n-nodes-base.googleSheets', typeVersions: [4], nodes: ['Sheet'] },
        { type: 'n8n-nodes-base.set', typeVersions: [9], nodes: ['Set'] },
      ],
    });
  });

  it.each([
    ['{"nodes": [', 'malformed_json', /malformed JSON at line 1, column 12/],
    ['{\n  "nodes": [],\n  oops\n}', 'malformed_json', /line 3, column 3/],
    ['[]', 'not_an_object', /this is an array/],
    ['null', 'not_an_object', /this is null/],
    ['"text"', 'not_an_object', /this is string/],
    ['{}', 'missing_nodes', /no "nodes" field \(top-level keys: none\)/],
    ['{"nodes": "["}', 'invalid_nodes', /"nodes" must be an array, it is string/],
    ['{"nodes": [{"name": "A"}]}', 'invalid_node', /nodes\[0\] \("A"\)\.type/],
    ['{"nodes": [{"name": "A", "type": "x", "typeVersion": "1"}]}', 'invalid_node', /typeVersion/],
    [
      JSON.stringify({
        nodes: [node('A')],
        connections: { A: { main: [[{ node: 'A', type: 'main', index: -1 }]] } },
      }),
      'invalid_connections',
      /connections\.A\.main\[0\]\[0\]\.index/,
    ],
    [
      JSON.stringify({ nodes: [node('A')], connections: {}, settings: { executionOrder: 'v9' } }),
      'invalid_settings',
      /settings\.executionOrder/,
    ],
  ])('refuses %s with a precise reason', (input, code, reason) => {
    const report = importWorkflow(input, opts);
    expect(report.status).toBe('refused');
    if (report.status === 'refused') {
      expect(report.code).toBe(code);
      expect(report.reason).toMatch(reason);
    }
  });

  it('opens what n8n opens: dangling connections dropped, duplicate names renamed, warned', () => {
    const report = importWorkflow(
      JSON.stringify({
        nodes: [node('A'), node('B'), node('A'), node('A1')],
        connections: {
          A: {
            main: [
              [
                { node: 'B', type: 'main', index: 0 },
                { node: 'Gone', type: 'main', index: 0 },
              ],
            ],
          },
          Missing: { main: [[{ node: 'B', type: 'main', index: 0 }]] },
        },
      }),
      opts,
    );
    expect(report.status).toBe('imported');
    if (report.status !== 'imported') return;
    expect(report.workflow.nodes.map((n) => n.name)).toEqual(['A', 'B', 'A2', 'A1']);
    expect(report.workflow.connections).toEqual({
      A: { main: [[{ node: 'B', type: 'main', index: 0 }]] },
    });
    expect(report.warnings).toEqual([
      'two nodes are named "A": the second is renamed "A2"',
      '"A" main output 0 connects to "Gone", which is not a node of the workflow: the connection is ignored',
      'connections from "Missing", which is not a node of the workflow, are ignored',
    ]);
  });

  it('reads null fields as absent and a connection without an index as index 0', () => {
    const text = JSON.stringify({
      id: null,
      name: 'Nulls',
      settings: null,
      pinData: null,
      nodes: [
        node('A', 'n8n-nodes-base.noOp', { credentials: null, webhookId: null, notes: null }),
        { ...node('B'), id: null, parameters: null, position: null },
      ],
      connections: { A: { main: [[{ node: 'B', type: 'main' }]] } },
    });
    const report = importWorkflow(text, opts);
    expect(report.status).toBe('imported');
    if (report.status !== 'imported') return;
    expect(report.workflow.nodes[1]).toMatchObject({ name: 'B', parameters: {}, position: [0, 0] });
    expect(report.workflow.nodes[0]!.credentials).toBeUndefined();
    expect(report.workflow.connections.A!.main![0]).toEqual([
      { node: 'B', type: 'main', index: 0 },
    ]);
    expect(report.warnings).toEqual([
      'a connection from "A" to "B" has no input index: index 0 is used',
    ]);
    // The input itself is left as it was.
    expect(JSON.parse(text).nodes[0].credentials).toBeNull();
  });

  it('runs a minor version newer than it knows as the nearest earlier one, with a warning', () => {
    const report = importWorkflow(
      {
        nodes: [
          node('Fetch', 'n8n-nodes-base.httpRequest', { typeVersion: 4.5 }),
          node('Check', 'n8n-nodes-base.if', { typeVersion: 2.4 }),
          node('Also', 'n8n-nodes-base.httpRequest', { typeVersion: 4.5 }),
          node('Known', 'n8n-nodes-base.httpRequest', { typeVersion: 4.2 }),
          node('Hash', 'n8n-nodes-base.crypto', { typeVersion: 2 }),
        ],
        connections: {},
      },
      { resolve: registry.resolve },
    );
    expect(report.status).toBe('imported_unsupported');
    if (report.status !== 'imported_unsupported') return;
    // A new major version is another node: not guessed.
    expect(report.unsupported).toEqual([
      { type: 'n8n-nodes-base.crypto', typeVersions: [2], nodes: ['Hash'] },
    ]);
    expect(report.warnings).toEqual([
      'n8n-nodes-base.httpRequest v4.5 is newer than this build knows: runs as v4.2 ("Fetch", "Also")',
      'n8n-nodes-base.if v2.4 is newer than this build knows: runs as v2.3 ("Check")',
    ]);
  });

  it('warns of a parameter whose value is not one its options allow, and imports the node', () => {
    const report = importWorkflow(
      {
        nodes: [
          node('Join', 'n8n-nodes-base.merge', {
            typeVersion: 3,
            parameters: { mode: 'zip', numberInputs: 2 },
          }),
          node('Dates', 'n8n-nodes-base.dateTime', {
            typeVersion: 2,
            // `part` is not shown for formatDate, so n8n never reads it.
            parameters: { operation: 'formatDate', format: 'ddd', part: 'nope' },
          }),
          node('Later', 'n8n-nodes-base.dateTime', {
            typeVersion: 2,
            // A value set by an expression is known only at run time.
            parameters: { operation: 'formatDate', format: '={{ $json.format }}' },
          }),
          node('Same', 'n8n-nodes-base.set', { typeVersion: 3.5, parameters: { mode: 'json' } }),
          node('Fine', 'n8n-nodes-base.set', { typeVersion: 3.4, parameters: { mode: 'raw' } }),
        ],
        connections: {},
      },
      { resolve: registry.resolve },
    );
    expect(report.status).toBe('imported');
    if (report.status !== 'imported') return;
    expect(report.warnings).toEqual([
      '"Join" (n8n-nodes-base.merge v3): parameter "mode" is "zip", which is not one of its values ("append", "combine", "combineBySql", "chooseBranch")',
      '"Dates" (n8n-nodes-base.dateTime v2): parameter "format" is "ddd", which is not one of its values ("custom", "MM/dd/yyyy", "yyyy/MM/dd", "MMMM dd yyyy", "MM-dd-yyyy", "yyyy-MM-dd", "X", "x")',
      '"Same" (n8n-nodes-base.set v3.5): parameter "mode" is "json", which is not one of its values ("manual", "raw")',
      'n8n-nodes-base.set v3.5 is newer than this build knows: runs as v3.4 ("Same")',
    ]);
  });

  it('never throws, whatever the parameters of a described node', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('merge', 'set', 'httpRequest', 'dateTime', 'itemLists', 'webhook'),
        fc.dictionary(
          fc.constantFrom('mode', 'operation', 'include', 'sendBody', 'options', 'x'),
          fc.jsonValue(),
        ),
        (type, parameters) => {
          const report = importWorkflow(
            { nodes: [node('N', `n8n-nodes-base.${type}`, { typeVersion: 3, parameters })] },
            { resolve: registry.resolve },
          );
          expect(report.status).not.toBe('refused');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue(), fc.anything()), (input) => {
        const report = importWorkflow(input, opts);
        expect(['imported', 'imported_unsupported', 'refused']).toContain(report.status);
      }),
      { numRuns: 500 },
    );
  });
});
