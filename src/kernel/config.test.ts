import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'iza-config-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const problemsOf = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  };

  it('has a default for every key, with the data folder resolved against the working folder', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe(join(cwd, '.iza'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.rateLimit).toEqual({ max: 600, windowMs: 60_000 });
    expect(config.jobs.enabled).toBe(true);
    expect(config.configFile).toBeUndefined();
  });

  it('reads the environment, converting numbers and booleans', () => {
    const config = loadConfig({
      env: {
        IZA_PORT: '8080',
        IZA_JOBS_ENABLED: 'false',
        IZA_RATE_LIMIT_MAX: '5',
        IZA_DATA_DIR: '/srv/iza',
      },
      cwd,
    });
    expect(config.port).toBe(8080);
    expect(config.jobs.enabled).toBe(false);
    expect(config.rateLimit.max).toBe(5);
    expect(config.dataDir).toBe('/srv/iza');
  });

  it("puts the workflows' files in the data folder unless a folder is set", () => {
    const byDefault = loadConfig({ env: { IZA_DATA_DIR: 'state' }, cwd });
    expect(byDefault.workflows.filesDir).toBe(join(cwd, 'state', 'files'));
    expect(byDefault.workflows.maxFileBytes).toBe(32 * 1024 * 1024);
    const set = loadConfig({
      env: { IZA_WORKFLOWS_FILES_DIR: 'shared/files', IZA_WORKFLOWS_MAX_FILE_BYTES: '2048' },
      cwd,
    });
    expect(set.workflows.filesDir).toBe(join(cwd, 'shared', 'files'));
    expect(set.workflows.maxFileBytes).toBe(2048);
  });

  it('keeps Execute Command off unless an administrator sets it to run sandboxed', () => {
    const byDefault = loadConfig({ env: {}, cwd }).workflows;
    expect(byDefault.executeCommand).toBe('off');
    expect(byDefault.commandNetwork).toBe(false);
    const on = loadConfig({
      env: { IZA_WORKFLOWS_EXECUTE_COMMAND: 'sandbox', IZA_WORKFLOWS_COMMAND_TIMEOUT_MS: '5000' },
      cwd,
    }).workflows;
    expect(on).toMatchObject({ executeCommand: 'sandbox', commandTimeoutMs: 5000 });
    const [bad] = problemsOf(() =>
      loadConfig({ env: { IZA_WORKFLOWS_EXECUTE_COMMAND: 'host' }, cwd }),
    );
    expect(bad).toMatch(/^IZA_WORKFLOWS_EXECUTE_COMMAND: .*"sandbox".*\(got "host"\)$/);
  });

  it('names the environment variable and what is allowed when a value is bad', () => {
    const problems = problemsOf(() => loadConfig({ env: { IZA_PORT: 'abc' }, cwd }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^IZA_PORT: .*number.*\(got "abc"\)$/);

    const [range] = problemsOf(() => loadConfig({ env: { IZA_PORT: '70000' }, cwd }));
    expect(range).toMatch(/^IZA_PORT: .*65535/);

    const [level] = problemsOf(() => loadConfig({ env: { IZA_LOG_LEVEL: 'loud' }, cwd }));
    expect(level).toMatch(/^IZA_LOG_LEVEL: .*"info".*\(got "loud"\)$/);

    const [url] = problemsOf(() => loadConfig({ env: { DATABASE_URL: 'mysql://x' }, cwd }));
    expect(url).toMatch(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('reports every bad key at once', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { IZA_PORT: '-1', IZA_JOBS_ENABLED: 'maybe' }, cwd }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['IZA_JOBS_ENABLED', 'IZA_PORT']);
  });

  it('reads iza.config.json, and the environment wins over it', () => {
    writeFileSync(
      join(cwd, 'iza.config.json'),
      JSON.stringify({ port: 4000, logLevel: 'debug', jobs: { pollingIntervalSeconds: 5 } }),
    );
    const config = loadConfig({ env: { IZA_PORT: '4001' }, cwd });
    expect(config.port).toBe(4001);
    expect(config.logLevel).toBe('debug');
    expect(config.jobs.pollingIntervalSeconds).toBe(5);
    expect(config.configFile).toBe(join(cwd, 'iza.config.json'));
  });

  it('names the file and the key for a bad value in the file', () => {
    writeFileSync(join(cwd, 'iza.config.json'), JSON.stringify({ rateLimit: { max: 0 } }));
    const [problem] = problemsOf(() => loadConfig({ env: {}, cwd }));
    expect(problem).toMatch(/^iza\.config\.json: rateLimit\.max: .*>=1.*\(got 0\)$/);
  });

  it('refuses unknown keys in the file, listing the allowed ones', () => {
    writeFileSync(
      join(cwd, 'iza.config.json'),
      JSON.stringify({ prot: 1, jobs: { enabeld: true } }),
    );
    const problems = problemsOf(() => loadConfig({ env: {}, cwd }));
    expect(problems).toContainEqual(
      expect.stringMatching(/unknown key "prot" \(allowed: .*port.*\)/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /unknown key "jobs\.enabeld" \(allowed: enabled, pollingIntervalSeconds\)/,
      ),
    );
  });

  it('says when the file is not JSON, or IZA_CONFIG names a missing file', () => {
    writeFileSync(join(cwd, 'iza.config.json'), '{ port: 1 ');
    expect(problemsOf(() => loadConfig({ env: {}, cwd }))[0]).toMatch(
      /^iza\.config\.json: is not valid JSON/,
    );
    expect(problemsOf(() => loadConfig({ env: { IZA_CONFIG: 'nope.json' }, cwd }))[0]).toMatch(
      /^nope\.json: cannot be read/,
    );
  });

  it('lets command-line flags win, and names the flag when bad', () => {
    const config = loadConfig({
      env: { IZA_PORT: '4000' },
      cwd,
      overrides: { '--port': { path: ['port'], value: '5000' } },
    });
    expect(config.port).toBe(5000);
    const [problem] = problemsOf(() =>
      loadConfig({ env: {}, cwd, overrides: { '--port': { path: ['port'], value: 'x' } } }),
    );
    expect(problem).toMatch(/^--port: /);
  });

  it('reads agent settings: folder resolved, integer prices from the file only', () => {
    writeFileSync(
      join(cwd, 'iza.config.json'),
      JSON.stringify({
        agents: { prices: { 'gpt-4o-mini': { input: 15, output: 60, currency: 'USD' } } },
      }),
    );
    const config = loadConfig({
      env: { IZA_AGENTS_FOLDER: 'agents', IZA_AGENTS_BREAKER_FAILURES: '3' },
      cwd,
    });
    expect(config.agents).toMatchObject({
      folder: join(cwd, 'agents'),
      breakerFailures: 3,
      leaseMs: 30_000,
      prices: { 'gpt-4o-mini': { input: 15, output: 60, currency: 'USD' } },
    });
    writeFileSync(
      join(cwd, 'iza.config.json'),
      JSON.stringify({ agents: { prices: { m: { input: 0.15, output: 1, currency: 'USD' } } } }),
    );
    const [price] = problemsOf(() => loadConfig({ env: {}, cwd }));
    expect(price).toMatch(/agents\.prices\.m\.input: .*expected int.*\(got 0\.15\)/);
  });
});
