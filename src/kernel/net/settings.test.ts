import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

describe('outbound settings', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'iza-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('defaults to no exception and 32 MiB / 1 MiB answers', () => {
    const { outbound, workflows } = loadConfig({ env: {}, cwd });
    expect(outbound).toEqual({
      allowPrivate: [],
      maxResponseBytes: 32 * 1024 * 1024,
      agentMaxResponseBytes: 1024 * 1024,
    });
    expect(workflows.allowPrivateNetworks).toEqual([]);
  });

  it('takes one allow-list; the workflows variable is an alias whose entries join it', () => {
    const config = loadConfig({
      env: {
        IZA_OUTBOUND_ALLOW_PRIVATE: '10.0.0.0/8, metadata.internal',
        IZA_WORKFLOWS_ALLOW_PRIVATE_NETWORKS: '127.0.0.1,10.0.0.0/8',
        IZA_OUTBOUND_MAX_RESPONSE_BYTES: '2048',
        IZA_OUTBOUND_AGENT_MAX_RESPONSE_BYTES: '4096',
      },
      cwd,
    });
    const expected = ['10.0.0.0/8', 'metadata.internal', '127.0.0.1'];
    expect(config.outbound.allowPrivate).toEqual(expected);
    expect(config.workflows.allowPrivateNetworks).toEqual(expected);
    expect(config.outbound.maxResponseBytes).toBe(2048);
    expect(config.outbound.agentMaxResponseBytes).toBe(4096);
  });

  it('refuses an entry that is not a host, an address or a range, naming it', () => {
    try {
      loadConfig({ env: { IZA_OUTBOUND_ALLOW_PRIVATE: '10.0.0.0/40,http://x/' }, cwd });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/IZA_OUTBOUND_ALLOW_PRIVATE: "10\.0\.0\.0\/40" is not a CIDR range/);
      expect(problems).toMatch(/"http:\/\/x\/" is not a CIDR range/);
    }
  });
});
