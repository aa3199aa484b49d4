import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccess } from '../../src/access/index.ts';
import { newId } from '../../src/kernel/index.ts';
import { createLedgerService } from '../../src/ledger/index.ts';
import { createTestKernel, tempDir } from '../helpers/kernel.ts';
import { runIza, spawnIza, trackProcesses, waitForServer } from '../helpers/process.ts';

/** Books in a data folder: capital, rent and a sale of an entity ACME (EUR). */
async function seed(dataDir: string): Promise<void> {
  const kernel = await createTestKernel({ target: { kind: 'pglite', dataDir }, workJobs: false });
  try {
    const access = createAccess(kernel);
    const ledger = createLedgerService({ db: kernel.db, clock: kernel.clock, audit: access.audit });
    const { organisation } = await access.users.createAdmin({
      organisation: 'Report Studio',
      email: 'admin@report.test',
      name: 'Admin',
      password: 'a long enough password',
    });
    const orgId = organisation.id;
    const { accounts } = await ledger.createEntity(orgId, {
      code: 'ACME',
      name: 'Acme Ventures',
      kind: 'venture',
      baseCurrency: 'EUR',
    });
    const id = (code: string) => accounts.find((a) => a.code === code)!.id;
    const t = (debit: string, credit: string, amount: bigint, day: string) => ({
      id: newId(),
      debitAccountId: id(debit),
      creditAccountId: id(credit),
      amount,
      currency: 'EUR',
      effectiveAt: new Date(`${day}T12:00:00Z`),
    });
    const results = await ledger.createTransfers(orgId, [
      t('1100', '3000', 1_000_000n, '2026-01-05'),
      t('6200', '1100', 80_000n, '2026-02-01'),
      t('1100', '4100', 250_000n, '2026-02-10'),
    ]);
    expect(results.map((r) => r.result)).toEqual(['ok', 'ok', 'ok']);
  } finally {
    await kernel.close();
  }
}

describe('iza ledger report', { timeout: 180_000 }, () => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());

  it('prints a table, the JSON answer and CSV, on the database and through a server', async () => {
    const d = tracked.dir(tempDir('iza-report-'));
    await seed(d.path);
    const args = ['ledger', 'report', 'balance-sheet', '--entity', 'ACME', '--as-of', '2026-03-31'];
    const dir = ['--data-dir', d.path];

    const shown = await runIza([...args, ...dir]);
    expect(shown.code, shown.output).toBe(0);
    expect(shown.output).toContain('Balance sheet');
    expect(shown.output).toContain('as of 2026-03-31');
    expect(shown.output).toMatch(/Bank accounts\s*│\s*11700\.00/);
    expect(shown.output).toMatch(/Unclosed earnings \(revenue - expenses\)\s*│\s*1700\.00/);
    expect(shown.output).toMatch(/Total liabilities and equity\s*│\s*11700\.00/);

    const json = await runIza([...args, '--json', ...dir]);
    expect(json.code, json.output).toBe(0);
    const local = JSON.parse(json.output) as Record<string, unknown>;
    expect(local).toMatchObject({
      currency: 'EUR',
      assets: { total: '1170000' },
      liabilitiesAndEquity: '1170000',
      equity: { unclosedEarnings: '170000' },
    });

    // a server holds the folder: the same answers through its API (quicker than opening it)
    const server = tracked.process(spawnIza(['start', '--port', '0', ...dir]));
    await waitForServer(d.path, server);
    const remote = await runIza([...args, '--json', ...dir]);
    expect(remote.code, remote.output).toBe(0);
    expect(JSON.parse(remote.output)).toEqual(local);

    const csv = await runIza([...args, '--csv', ...dir]);
    expect(csv.code, csv.output).toBe(0);
    const rows = csv.output.trim().split('\n');
    expect(rows[0]).toBe('section,code,name,type,depth,amount,total,eliminated,currency');
    expect(rows).toContain('assets,1100,Bank accounts,asset,0,11700.00,11700.00,0.00,EUR');
    expect(rows).toContain('summary,,Total liabilities and equity,,0,11700.00,11700.00,,EUR');

    const file = join(d.path, 'cash-flow.csv');
    const exported = await runIza([
      'ledger',
      'report',
      'cash-flow',
      '--entity',
      'ACME',
      '--from',
      '2026-01-01',
      '--to',
      '2026-03-31',
      '--csv',
      file,
      ...dir,
    ]);
    expect(exported.code, exported.output).toBe(0);
    const cashFlow = readFileSync(file, 'utf8');
    expect(cashFlow).toContain('financing,3000,Share capital,equity,10000.00,0.00,10000.00,EUR');
    expect(cashFlow).toContain('summary,,Closing cash,,,,11700.00,EUR');

    const bad = await runIza([...args.slice(0, -1), '2026-02-30', ...dir]);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('asOf');

    const missing = await runIza([...args, '--currency', 'GBP', ...dir]);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/EUR\/GBP/);
  });
});
