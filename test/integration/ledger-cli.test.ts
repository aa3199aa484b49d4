import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/kernel.ts';
import { runIza, spawnIza, trackProcesses, waitForServer } from '../helpers/process.ts';

const PASSWORD = 'a long enough password\n';

/** The JSON an `iza ... --json` run printed, with the run's output in the failure message. */
function json(run: { code: number | null; output: string }): ReturnType<typeof JSON.parse> {
  expect(run.code, run.output).toBe(0);
  return JSON.parse(run.output);
}

describe('iza ledger', { timeout: 300_000 }, () => {
  const tracked = trackProcesses();
  afterEach(() => tracked.cleanup());

  it('books on the database directly, and through a running server that holds it', async () => {
    const d = tracked.dir(tempDir('iza-ledger-cli-'));
    const dir = ['--data-dir', d.path];
    const ledger = (...args: string[]) => runIza(['ledger', ...args, ...dir]);

    const admin = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'Omega Studio',
        '--email',
        'o@omega.test',
        '--name',
        'Olu',
        '--password-stdin',
        ...dir,
      ],
      {},
      PASSWORD,
    );
    expect(admin.code, admin.output).toBe(0);

    // --- no server: the commands open the database themselves ---------------------------------
    const entity = json(
      await ledger(
        'entity',
        'create',
        '--code',
        'ACME',
        '--name',
        'Acme GmbH',
        '--kind',
        'venture',
        '--currency',
        'EUR',
        '--json',
      ),
    );
    expect(entity).toMatchObject({ code: 'ACME', baseCurrency: 'EUR' });
    expect(entity.accounts.map((a: { code: string }) => a.code)).toContain('1100');

    // more decimals than the currency has: refused before anything is booked
    const bad = await ledger(
      'transfer',
      'create',
      '--debit',
      'ACME:1100',
      '--credit',
      'ACME:3000',
      '--amount',
      '12.345',
      '--currency',
      'EUR',
    );
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('--amount "12.345": EUR has 2 decimals');
    expect(bad.output).toContain('(amount_invalid)');

    const booked = json(
      await ledger(
        'transfer',
        'create',
        '--debit',
        'ACME:1100',
        '--credit',
        'ACME:3000',
        '--amount',
        '12.50',
        '--description',
        'capital',
        '--json',
      ),
    );
    expect(booked).toMatchObject({ index: 0, result: 'ok' });

    const csv = await ledger('account', 'list', '--entity', 'ACME', '--csv');
    expect(csv.code, csv.output).toBe(0);
    const lines = csv.output.trim().split('\n');
    expect(lines[0]).toMatch(/^id,entity,code,name,type,currency,balance,/);
    expect(lines.find((l) => l.includes(',1100,'))).toMatch(
      /,ACME,1100,Bank accounts,asset,EUR,12\.50,12\.50,0\.00,0\.00,0\.00,/,
    );

    // --- a server holds the folder: the same commands go through its API ---------------------
    const server = tracked.process(spawnIza(['start', '--port', '0', ...dir]));
    await waitForServer(d.path, server);

    const list = await ledger('account', 'list', '--entity', 'ACME');
    expect(list.code, list.output).toBe(0);
    expect(list.output).toMatch(/ACME:1100\s*│ Bank accounts\s*│ asset\s*│ 12\.50 EUR/);

    const accounts = json(await ledger('account', 'list', '--entity', 'ACME', '--json'));
    expect(accounts.find((a: { code: string }) => a.code === '1100')).toMatchObject({
      balance: '1250',
      currency: 'EUR',
    });

    // two-phase: two holds from a JSON file (ids chosen here), then post 80 of 100 and void 7
    const holds = join(d.path, 'holds.json');
    const [big, small] = [randomUUID(), randomUUID()];
    writeFileSync(
      holds,
      JSON.stringify([
        {
          id: big,
          kind: 'pending',
          debit: 'ACME:1100',
          credit: 'ACME:3000',
          amount: '100',
          timeout: 3600,
        },
        { id: small, kind: 'pending', debit: 'ACME:1100', credit: 'ACME:3000', amount: '7.00' },
      ]),
    );
    expect(json(await ledger('transfer', 'import', holds, '--json'))).toEqual([
      { row: 1, id: big, result: 'ok' },
      { row: 2, id: small, result: 'ok' },
    ]);
    const post = await ledger('transfer', 'post', big, '--amount', '80');
    expect(post.code, post.output).toBe(0);
    expect(post.output).toMatch(/result\s+ok/);
    expect(post.output).toMatch(/amount\s+80\.00 EUR/);
    const voided = await ledger('transfer', 'void', small);
    expect(voided.code, voided.output).toBe(0);
    expect(voided.output).toMatch(/result\s+ok/);

    // a CSV batch: the bad row is reported on its own, the others are booked
    const file = join(d.path, 'batch.csv');
    writeFileSync(
      file,
      [
        'debit,credit,amount,description',
        'ACME:1100,ACME:3000,1.25,"rent, March"',
        'ACME:1100,ACME:9999,2.00,no such account',
        'ACME:1100,ACME:3000,0.25,',
      ].join('\n'),
    );
    const imported = await ledger('transfer', 'import', file);
    expect(imported.code).toBe(1);
    expect(imported.output).toContain('Entity ACME has no account 9999');
    expect(imported.output).toContain('3 rows: 2 applied or already there, 1 not applied.');
    expect(imported.output).toContain('1 of 3 rows were not applied (import_incomplete)');

    const bank = json(await ledger('account', 'show', 'ACME:1100', '--json'));
    // 12.50 + 80 + 1.25 + 0.25, nothing pending
    expect(bank).toMatchObject({ balance: '9400', debitsPending: '0', creditsPending: '0' });

    // one transfer refused: the API's 400 names why, and the command fails
    const same = await ledger(
      'transfer',
      'create',
      '--debit',
      'ACME:1100',
      '--credit',
      'ACME:1100',
      '--amount',
      '1',
    );
    expect(same.code).toBe(1);
    expect(same.output).toContain('(accounts_must_be_different)');
    // the journal of the bank account, by accounting date, a page at a time
    const page = json(
      await ledger('transfer', 'list', '--account', 'ACME:1100', '--limit', '2', '--json'),
    );
    expect(page.transfers.map((t: { id: string }) => t.id)[0]).toBe(booked.id);
    expect(page.next).not.toBeNull();
    const table = await ledger('transfer', 'list', '--entity', 'ACME', '--from', '2000-01-01');
    expect(table.code, table.output).toBe(0);
    expect(table.output).toMatch(/12\.50 EUR\s*│ ACME:1100\s*│ ACME:3000\s*│ capital/);
    // nothing held in another currency: nothing to revalue
    const revalued = json(await ledger('entity', 'revalue', 'ACME', '--json'));
    expect(revalued).toMatchObject({ currency: 'EUR', lines: [], posted: 0 });

    // the commands act as the local administrator within the organisation: no keys were made
    const keys = json(await runIza(['apikey', 'list', '--org', 'omega-studio', '--json', ...dir]));
    expect(keys).toEqual([]);
  });

  it('holds transfers for approval: policies, requests, approve through the server', async () => {
    const d = tracked.dir(tempDir('iza-ledger-approvals-'));
    const dir = ['--data-dir', d.path];
    const ledger = (...args: string[]) => runIza(['ledger', ...args, ...dir]);
    const admin = await runIza(
      [
        'user',
        'create-admin',
        '--org',
        'Omega Studio',
        '--email',
        'o@omega.test',
        '--name',
        'Olu',
        '--password-stdin',
        ...dir,
      ],
      {},
      PASSWORD,
    );
    expect(admin.code, admin.output).toBe(0);
    json(
      await ledger(
        'entity',
        'create',
        '--code',
        'ACME',
        '--name',
        'Acme GmbH',
        '--kind',
        'venture',
        '--currency',
        'EUR',
        '--json',
      ),
    );
    const policy = json(
      await ledger(
        'approvals',
        'policy',
        'add',
        '--threshold',
        '1000',
        '--currency',
        'EUR',
        '--description',
        'Large payments',
        '--json',
      ),
    );
    expect(policy).toMatchObject({ thresholdAmount: '100000', approverRole: 'admin' });
    const policies = await ledger('approvals', 'policy', 'list');
    expect(policies.output).toMatch(/1,?000\.00 EUR.*every.*Large payments/);

    // below the threshold it posts; at it, it waits (the command succeeds and says so)
    const transfer = (amount: string) =>
      ledger(
        'transfer',
        'create',
        '--debit',
        'ACME:1100',
        '--credit',
        'ACME:3000',
        '--amount',
        amount,
      );
    expect((await transfer('999.99')).code).toBe(0);
    const held = await transfer('1000');
    expect(held.code, held.output).toBe(0);
    expect(held.output).toContain('awaiting_approval');
    expect(held.output).toContain('iza ledger approvals approve');
    const waiting = json(await ledger('approvals', 'list', '--json'));
    expect(waiting.requests).toHaveLength(1);
    const mine = waiting.requests[0].id as string;
    // the local administrator asked for it: someone else must approve it; withdrawing is fine
    const own = await ledger('approvals', 'approve', mine);
    expect(own.code).toBe(1);
    expect(own.output).toContain('(transfer_approval_own_request)');
    const noReason = await ledger('approvals', 'reject', mine);
    expect(noReason.code).toBe(1);
    const withdrawn = json(await ledger('approvals', 'reject', mine, '--reason', 'typo', '--json'));
    expect(withdrawn).toMatchObject({ status: 'rejected', rejectionReason: 'typo' });

    // an editor's API key asks through the server; the local administrator approves it there
    const key = json(
      await runIza([
        'apikey',
        'create',
        '--org',
        'omega-studio',
        '--name',
        'books',
        '--role',
        'editor',
        '--json',
        ...dir,
      ]),
    );
    const accounts = json(await ledger('account', 'list', '--entity', 'ACME', '--json')) as {
      id: string;
      code: string;
    }[];
    const id = (code: string) => accounts.find((a) => a.code === code)!.id;
    const server = tracked.process(spawnIza(['start', '--port', '0', ...dir]));
    const url = await waitForServer(d.path, server);
    const requestId = randomUUID();
    const asked = await fetch(`${url}/api/v1/ledger/transfers/${requestId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        debitAccountId: id('1100'),
        creditAccountId: id('3000'),
        amount: '250000',
        currency: 'EUR',
      }),
    });
    expect(asked.status).toBe(202);
    const shown = await ledger('approvals', 'show', requestId);
    expect(shown.code, shown.output).toBe(0);
    expect(shown.output).toMatch(/2,?500\.00 EUR/);
    expect(shown.output).toContain('0 of 1 (admin)');
    const approved = json(
      await ledger('approvals', 'approve', requestId, '--note', 'checked', '--json'),
    );
    expect(approved).toMatchObject({ status: 'posted', postedTransferId: requestId });
    const posted = json(await ledger('transfer', 'show', requestId, '--json'));
    expect(posted).toMatchObject({ status: 'posted', amount: '250000' });
    const removed = await ledger('approvals', 'policy', 'remove', policy.id);
    expect(removed.code, removed.output).toBe(0);
    expect((await transfer('5000')).output).toContain('ok');
  });
});
