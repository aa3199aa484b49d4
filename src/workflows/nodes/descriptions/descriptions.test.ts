import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../../model/parameters.ts';
import { createNodeRegistry, STANDARD_NODE_TYPES } from '../registry.ts';

// Defaults as n8n's node descriptions state them for each version (nodes.json of n8n-nodes-base).
const registry = createNodeRegistry();
const resolve = (type: string, version: number, parameters: Record<string, unknown> = {}) => {
  const resolved = registry.resolve(`n8n-nodes-base.${type}`, version);
  if (!resolved?.description) throw new Error(`${type} v${version} is not described`);
  return resolveParameters(resolved.description, parameters, resolved.runsAs);
};

describe('the native node descriptions', () => {
  it('resolve an empty node and every allowed value of every option at every version', () => {
    let count = 0;
    for (const t of STANDARD_NODE_TYPES) {
      for (const version of t.versions) {
        const description = t.descriptions!.find((d) => d.versions.includes(version))!;
        expect(() => resolveParameters(description, {}, version)).not.toThrow();
        for (const p of description.params) {
          for (const value of p.options ?? []) {
            resolveParameters(description, { [p.name]: value }, version);
            count++;
          }
        }
      }
    }
    expect(count).toBeGreaterThan(500);
  });

  it('HTTP Request 4.2 (and 4.5, run as 4.2): GET, no authentication, nothing sent', () => {
    const expected = {
      method: 'GET',
      url: 'https://example.com',
      authentication: 'none',
      provideSslCertificates: false,
      sendQuery: false,
      sendHeaders: false,
      sendBody: false,
      options: {},
    };
    expect(resolve('httpRequest', 4.2, { url: 'https://example.com' })).toEqual(expected);
    expect(resolve('httpRequest', 4.5, { url: 'https://example.com' })).toEqual(expected);
    expect(resolve('httpRequest', 4.2, { sendBody: true })).toMatchObject({
      contentType: 'json',
      specifyBody: 'keypair',
      bodyParameters: { parameters: [{ name: '', value: '' }] },
    });
  });

  it('HTTP Request 1 and 2: requestMethod GET, JSON answers', () => {
    expect(resolve('httpRequest', 1)).toMatchObject({
      requestMethod: 'GET',
      responseFormat: 'json',
      jsonParameters: false,
      headerParametersUi: {},
    });
  });

  it('Set: keepOnlySet in 1-2, include "all" in 3-3.2, includeOtherFields false from 3.3', () => {
    expect(resolve('set', 2)).toEqual({ keepOnlySet: false, values: {}, options: {} });
    expect(resolve('set', 3.2)).toMatchObject({ mode: 'manual', include: 'all', fields: {} });
    expect(resolve('set', 3.4)).toEqual({
      mode: 'manual',
      duplicateItem: false,
      assignments: {},
      includeOtherFields: false,
      options: {},
    });
    expect(resolve('set', 3.4, { includeOtherFields: true })).toMatchObject({ include: 'all' });
  });

  it('Webhook, Wait and Split in Batches take the defaults of their version', () => {
    expect(resolve('webhook', 2)).toEqual({
      multipleMethods: false,
      httpMethod: 'GET',
      path: '',
      authentication: 'none',
      responseMode: 'onReceived',
      options: {},
    });
    expect(resolve('wait', 1)).toMatchObject({ amount: 1, unit: 'hours' });
    expect(resolve('wait', 1.1)).toMatchObject({ amount: 5, unit: 'seconds' });
    expect(resolve('splitInBatches', 2)).toEqual({ batchSize: 10, options: {} });
    expect(resolve('splitInBatches', 3)).toEqual({ batchSize: 1, options: {} });
  });

  it('Merge: append in every version, chooseBranch per version', () => {
    expect(resolve('merge', 1)).toEqual({ mode: 'append' });
    expect(resolve('merge', 2.1, { mode: 'chooseBranch' })).toEqual({
      mode: 'chooseBranch',
      chooseBranchMode: 'waitForBoth',
      output: 'input1',
    });
    expect(resolve('merge', 3, { mode: 'chooseBranch' })).toEqual({
      mode: 'chooseBranch',
      numberInputs: 2,
      chooseBranchMode: 'waitForAll',
      output: 'specifiedInput',
      useDataOfInput: 1,
    });
  });

  it('Date & Time: format with moment tokens in 1, getCurrentDate in 2', () => {
    expect(resolve('dateTime', 1)).toEqual({
      action: 'format',
      value: '',
      dataPropertyName: 'data',
      custom: false,
      toFormat: 'MM/DD/YYYY',
      options: {},
    });
    expect(resolve('dateTime', 2)).toEqual({
      operation: 'getCurrentDate',
      includeTime: true,
      outputFieldName: 'currentDate',
      options: {},
    });
  });
});
