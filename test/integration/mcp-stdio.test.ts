import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import type { StorageTarget } from '../../src/kernel/index.ts';
import { createLedgerService } from '../../src/ledger/index.ts';
import { createTestKernel, tempDir } from '../helpers/kernel.ts';
import { IZA_BIN, runIza, spawnIza, trackProcesses, waitForServer } from '../helpers/process.ts';
import { postgresStorage, type TestStorage } from '../helpers/storage.ts';

const ECHO = fileURLToPath(new URL('../fixtures/mcp-echo-server.ts', import.meta.url));

const cases: { name: string; storage: 'pglite' | TestStorage }[] = [
  { name: 'pglite', storage: 'pglite' },
  ...(postgresStorage ? [{ name: 'postgres', storage: postgresStorage }] : []),
];

/** `iza mcp` as a real process, driven by the SDK's stdio client. */
describe.each(cases)('iza mcp over stdio on $name', { timeout: 180_000 }, ({ storage }) => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());
  const clients: Client[] = [];
  let env: Record<string, string>;
  let target: StorageTarget;
  let drop: () => Promise<void>;
  let dataDir: string;
  let orgId: string;
  const keys: Record<'editor' | 'viewer', { id: string; key: string }> = {} as never;
  let cash: string;
  let revenue: string;

  /** Opens the database in this process (the child must not be running on PGlite files). */
  const withAccess = async <T>(
    work: (access: ReturnType<typeof createAccess>) => Promise<T>,
  ): Promise<T> => {
    const kernel = await createTestKernel({ target, env, workJobs: false });
    try {
      return await work(createAccess(kernel));
    } finally {
      await kernel.close();
    }
  };

  const connect = async (key: string) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [IZA_BIN, 'mcp'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...env,
        IZA_API_KEY: key,
        IZA_LOG_LEVEL: 'warn',
      },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'iza-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

  beforeAll(async () => {
    const dir = tempDir('iza-mcp-');
    dataDir = dir.path;
    const masterKey = randomBytes(32).toString('base64');
    if (storage === 'pglite') {
      target = { kind: 'pglite', dataDir };
      env = { IZA_DATA_DIR: dataDir, IZA_MASTER_KEY: masterKey };
      drop = async () => dir.remove();
    } else {
      const created = await storage.create();
      target = created.target;
      const url = target.kind === 'postgres' ? target.url : '';
      env = { IZA_DATA_DIR: dataDir, IZA_MASTER_KEY: masterKey, DATABASE_URL: url };
      drop = async () => {
        dir.remove();
        await created.drop();
      };
    }
    await withAccess(async (access) => {
      const admin = await access.users.createAdmin({
        organisation: 'Omega Studio',
        email: 'o@omega.test',
        name: 'Olu',
        password: 'a long enough password',
      });
      orgId = admin.organisation.id;
      for (const role of ['editor', 'viewer'] as const) {
        const k = await access.apiKeys.create(
          orgId,
          { name: role, role },
          { role: 'system', userId: null },
        );
        keys[role] = { id: k.id, key: k.key };
      }
    });
    const kernel = await createTestKernel({ target, env, workJobs: false });
    try {
      const ledger = createLedgerService({
        db: kernel.db,
        clock: kernel.clock,
        audit: createAccess(kernel).audit,
      });
      const { accounts } = await ledger.createEntity(orgId, {
        code: 'OMG',
        name: 'Omega Apps',
        kind: 'venture',
        baseCurrency: 'USD',
      });
      cash = accounts.find((a) => a.code === '1000')!.id;
      revenue = accounts.find((a) => a.code === '4000')!.id;
    } finally {
      await kernel.close();
    }
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await drop?.();
  });

  it('lists and calls the tools as the API key, refuses writes to a viewer', async () => {
    const editor = await connect(keys.editor.key);
    const { tools } = await editor.listTools();
    expect(tools).toHaveLength(19);
    expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
    const entities = await call(editor, 'ledger_list_entities');
    expect(entities.structuredContent).toMatchObject({ entities: [{ code: 'OMG' }] });

    const id = randomUUID();
    const booked = await call(editor, 'ledger_create_transfers', {
      transfers: [
        { id, debitAccountId: cash, creditAccountId: revenue, amount: '700', currency: 'USD' },
      ],
    });
    expect(booked.structuredContent).toEqual({ results: [{ id, index: 0, result: 'ok' }] });
    const bad = await call(editor, 'ledger_get_account_balance', { accountId: 42 });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/accountId/);
    const admin = await call(editor, 'audit_verify');
    expect(text(admin)).toMatch(/forbidden/);
    await editor.close();

    if (storage !== 'pglite') {
      // on a server, two processes share the database: a viewer may run beside the editor
      const viewer = await connect(keys.viewer.key);
      const refused = await call(viewer, 'ledger_create_transfers', {
        transfers: [
          {
            id: randomUUID(),
            debitAccountId: cash,
            creditAccountId: revenue,
            amount: '1',
            currency: 'USD',
          },
        ],
      });
      expect(text(refused)).toMatch(/"code":"forbidden"/);
      await viewer.close();
    } else {
      // PGlite files belong to one process: wait for the editor's to exit
      await new Promise((r) => setTimeout(r, 200));
      const viewer = await connect(keys.viewer.key);
      const refused = await call(viewer, 'ledger_reverse_transfer', {
        id,
        reversalId: randomUUID(),
      });
      expect(text(refused)).toMatch(/"code":"forbidden"/);
      const balance = await call(viewer, 'ledger_get_account_balance', { accountId: cash });
      expect(balance.structuredContent).toMatchObject({ balance: '700' });
      await viewer.close();
    }
    await new Promise((r) => setTimeout(r, 200));

    // the write is audited as the editor's API key
    const entries = await withAccess((access) =>
      access.audit.list(orgId, { action: 'ledger.transfers.create' }),
    );
    expect(entries.entries).toEqual([
      expect.objectContaining({ actorType: 'apikey', actorId: keys.editor.id }),
    ]);
  });

  it('refuses to start without a valid API key', async () => {
    const missing = await runIza(['mcp'], { ...env }, '');
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/Set IZA_API_KEY/);
    const wrong = await runIza(['mcp'], { ...env, IZA_API_KEY: 'iza_key_abcdefgh_nothing' }, '');
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/unknown, revoked or expired/);
  });

  it.runIf(storage === 'pglite')(
    'relays to a running server that holds the data folder; iza mcp servers add, list, remove',
    { timeout: 240_000 },
    async () => {
      // without a server: on the database directly
      const add = await runIza(
        [
          'mcp',
          'servers',
          'add',
          'echo',
          '--org',
          'omega-studio',
          '--command',
          process.execPath,
          '--arg',
          ECHO,
          '--disabled',
          '--json',
        ],
        env,
      );
      expect(add.code, add.output).toBe(0);
      const added = JSON.parse(add.output);
      expect(added).toMatchObject({ name: 'echo', transport: 'stdio', status: 'disabled' });

      const server = tracked.process(spawnIza(['start', '--port', '0'], env));
      await waitForServer(dataDir, server);

      // the viewer's refusal is the same over the relay as over HTTP (mcp-http.test.ts)
      const editor = await connect(keys.editor.key);
      expect((await editor.listTools()).tools).toHaveLength(19);
      const result = await call(editor, 'ledger_get_account_balance', { accountId: cash });
      expect(result.structuredContent).toMatchObject({ currency: 'USD' });
      await editor.close();

      // with the server: through its API
      const listed = await runIza(
        ['mcp', 'servers', 'list', '--org', 'omega-studio', '--json'],
        env,
      );
      expect(JSON.parse(listed.output)).toEqual([
        expect.objectContaining({ id: added.id, status: 'disabled' }),
      ]);
      const removed = await runIza(
        ['mcp', 'servers', 'remove', added.id, '--org', 'omega-studio'],
        env,
      );
      expect(removed.code, removed.output).toBe(0);
      expect(removed.output).toContain('Removed echo');
    },
  );
});
