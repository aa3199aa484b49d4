import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/kernel/index.ts';
import { ORG_HEADER } from '../../src/server/index.ts';
import { createAccessWorld, LOCAL_TOKEN, PASSWORD, type AccessWorld } from '../helpers/access.ts';
import { storages } from '../helpers/storage.ts';

const LEDGER = '/api/v1/ledger';

/**
 * Transfer approvals over HTTP: two organisations, every role, API keys (limited to a venture or
 * not), the local administrator. What the roles may do is checked at the door (the route's
 * permission) and again by the service (the policy's role, separation of duties, people only).
 */
describe.each(storages)(
  'transfer approvals over HTTP on $name',
  { timeout: 120_000 },
  (storage) => {
    let w: AccessWorld;
    let drop: () => Promise<void>;
    const auth: Record<string, string> = {};
    let cash = '';
    let rent = '';
    let otherCash = '';
    let otherRent = '';

    beforeAll(async () => {
      const created = await storage.create();
      drop = created.drop;
      w = await createAccessWorld(created.target);
      for (const caller of w.callers)
        if (caller.authorization) auth[caller.name] = caller.authorization;
      // a second administrator, to approve what the first asks for
      await w.access.users.addMember(
        w.orgA,
        { email: 'admin2@alpha.test', name: 'Abe Admin', password: PASSWORD, role: 'admin' },
        'system',
      );
      auth['second admin'] = `Bearer ${(await w.login('admin2@alpha.test')).accessToken}`;
      // API keys the first administrator made: one for all of the organisation, one for a venture
      const key = async (role: 'admin' | 'editor', ventureIds?: string[]) =>
        (
          await w.access.apiKeys.create(
            w.orgA,
            {
              name: `${role} key${ventureIds ? ' for a venture' : ''}`,
              role,
              ...(ventureIds ? { ventureIds } : {}),
            },
            { role: 'admin', userId: w.users.admin },
          )
        ).key;
      auth['admin key'] = `Bearer ${await key('admin')}`;
      auth['editor key'] = `Bearer ${await key('editor')}`;
      auth['venture key'] = `Bearer ${await key('editor', [newId()])}`;

      const books = async (who: string) => {
        const res = await call(who, 'POST', `${LEDGER}/entities`, {
          code: 'ACME',
          name: 'Acme Ventures',
          kind: 'venture',
          baseCurrency: 'EUR',
        });
        expect(res.statusCode, res.body).toBe(201);
        const accounts = res.json().data.accounts as { id: string; code: string }[];
        const code = (c: string) => accounts.find((a) => a.code === c)!.id;
        const fund = await call(who, 'PUT', `${LEDGER}/transfers/${newId()}`, {
          debitAccountId: code('1000'),
          creditAccountId: code('3000'),
          amount: '500000',
          currency: 'EUR',
        });
        expect(fund.statusCode, fund.body).toBe(200);
        return { cash: code('1000'), rent: code('6200') };
      };
      ({ cash, rent } = await books('admin'));
      ({ cash: otherCash, rent: otherRent } = await books('admin of another organisation'));
    });
    afterAll(async () => {
      await w?.close();
      await drop?.();
    });

    const call = (
      who: string,
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      payload?: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) =>
      w.inject({
        method,
        url,
        headers: { ...(auth[who] ? { authorization: auth[who] } : {}), ...headers },
        ...(payload ? { payload } : {}),
      });

    const ask = (who: string, amount: string, id = newId(), accounts = { cash, rent }) =>
      call(who, 'PUT', `${LEDGER}/transfers/${id}`, {
        debitAccountId: accounts.rent,
        creditAccountId: accounts.cash,
        amount,
        currency: 'EUR',
        description: 'Office rent',
      });
    const balance = async (who: string, id: string) =>
      (await call(who, 'GET', `${LEDGER}/accounts/${id}`)).json().data.balance as string;

    it('lets administrators alone set policies, and everyone read them', async () => {
      const body = { thresholdAmount: '100000', thresholdCurrency: 'EUR', description: 'Large' };
      for (const who of [
        'editor',
        'viewer',
        'bot user',
        'bot API key',
        'editor key',
        'anonymous',
      ]) {
        const res = await call(who, 'POST', `${LEDGER}/approval-policies`, body);
        expect(res.statusCode, who).toBe(who === 'anonymous' ? 401 : 403);
      }
      const bad = await call('admin', 'POST', `${LEDGER}/approval-policies`, {
        ...body,
        thresholdAmount: 10.5,
      });
      expect(bad.statusCode).toBe(400);
      const created = await call('admin', 'POST', `${LEDGER}/approval-policies`, body);
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().data).toMatchObject({
        thresholdAmount: '100000',
        approvalsRequired: 1,
        approverRole: 'admin',
        createdBy: `user:${w.users.admin}`,
      });
      for (const who of ['viewer', 'editor', 'bot user']) {
        const res = await call(who, 'GET', `${LEDGER}/approval-policies`);
        expect(res.statusCode, who).toBe(200);
        expect(res.json().data).toHaveLength(1);
      }
      // the other organisation sees none, and cannot remove it
      const other = await call(
        'admin of another organisation',
        'GET',
        `${LEDGER}/approval-policies`,
      );
      expect(other.json().data).toEqual([]);
      const id = created.json().data.id as string;
      const removed = await call(
        'admin of another organisation',
        'DELETE',
        `${LEDGER}/approval-policies/${id}`,
      );
      expect(removed.statusCode).toBe(404);
      // its transfers are not caught by A's policy
      expect(
        (
          await ask('admin of another organisation', '200000', newId(), {
            cash: otherCash,
            rent: otherRent,
          })
        ).statusCode,
      ).toBe(200);
    });

    it('holds a transfer asked for by an editor (202) until another person approves it', async () => {
      const viewerTry = await ask('viewer', '100000');
      expect(viewerTry.statusCode).toBe(403);
      const botTry = await ask('bot API key', '100000');
      expect(botTry.statusCode).toBe(403);

      const id = newId();
      const asked = await ask('editor', '150000', id);
      expect(asked.statusCode, asked.body).toBe(202);
      expect(asked.json().data).toMatchObject({
        id,
        result: 'awaiting_approval',
        request: {
          id,
          status: 'awaiting_approval',
          amount: '150000',
          requestedBy: `user:${w.users.editor}`,
          policies: [{ approvalsRequired: 1, approvalsGiven: 0, approverRole: 'admin' }],
        },
      });
      expect(await balance('admin', cash)).toBe('500000');
      const again = await ask('editor', '150000', id);
      expect(again.statusCode).toBe(202);

      // who may not approve, and why
      for (const [who, status, code] of [
        ['anonymous', 401, undefined],
        ['viewer', 403, 'forbidden'],
        ['bot user', 403, 'forbidden'],
        ['bot API key', 403, 'forbidden'],
        ['editor', 403, 'transfer_approval_own_request'],
        ['admin key', 403, 'transfer_approval_needs_person'],
        ['venture key', 403, 'venture_scope'],
        ['admin of another organisation', 404, 'not_found'],
      ] as const) {
        const res = await call(who, 'POST', `${LEDGER}/transfer-requests/${id}/approve`, {});
        expect(res.statusCode, `${who}: ${res.body}`).toBe(status);
        if (code) expect(res.json().error.code, who).toBe(code);
        const seen = await call(who, 'GET', `${LEDGER}/transfer-requests/${id}`);
        expect(seen.statusCode, who).toBe(
          who === 'anonymous'
            ? 401
            : who === 'venture key'
              ? 403
              : who.includes('another')
                ? 404
                : 200,
        );
      }
      const rejectWithout = await call(
        'admin',
        'POST',
        `${LEDGER}/transfer-requests/${id}/reject`,
        {
          reason: '',
        },
      );
      expect(rejectWithout.statusCode).toBe(400);

      const approved = await call('admin', 'POST', `${LEDGER}/transfer-requests/${id}/approve`, {
        note: 'lease checked',
      });
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json().data).toMatchObject({
        status: 'posted',
        postedTransferId: id,
        approvals: [{ approver: `user:${w.users.admin}`, role: 'admin', note: 'lease checked' }],
      });
      expect(await balance('admin', cash)).toBe('350000');
      const transfer = await call('viewer', 'GET', `${LEDGER}/transfers/${id}`);
      expect(transfer.json().data).toMatchObject({ status: 'posted', amount: '150000' });
      const list = await call('viewer', 'GET', `${LEDGER}/transfer-requests?status=posted`);
      expect(list.json().data.requests.map((r: { id: string }) => r.id)).toContain(id);
      const otherList = await call(
        'admin of another organisation',
        'GET',
        `${LEDGER}/transfer-requests?status=posted`,
      );
      expect(otherList.json().data.requests).toEqual([]);
    });

    it("keeps a key's creator from approving what the key asked for", async () => {
      const id = newId();
      const asked = await ask('editor key', '100000', id);
      expect(asked.statusCode, asked.body).toBe(202);
      expect(asked.json().data.request).toMatchObject({
        requestedBy: expect.stringMatching(/^apikey:/),
        requestedFor: `user:${w.users.admin}`,
      });
      const own = await call('admin', 'POST', `${LEDGER}/transfer-requests/${id}/approve`, {});
      expect(own.statusCode).toBe(403);
      expect(own.json().error.code).toBe('transfer_approval_own_request');
      const other = await call(
        'second admin',
        'POST',
        `${LEDGER}/transfer-requests/${id}/approve`,
        {},
      );
      expect(other.statusCode, other.body).toBe(200);
      expect(other.json().data.status).toBe('posted');
    });

    it('lets the local administrator approve, and refuses batches a policy catches', async () => {
      const id = newId();
      expect((await ask('admin', '100000', id)).statusCode).toBe(202);
      const local = await call(
        'local',
        'POST',
        `${LEDGER}/transfer-requests/${id}/approve`,
        {},
        { authorization: `Bearer ${LOCAL_TOKEN}`, [ORG_HEADER]: 'alpha-studio' },
      );
      expect(local.statusCode, local.body).toBe(200);
      expect(local.json().data.approvals[0].approver).toBe('local');

      const small = { debitAccountId: rent, creditAccountId: cash, amount: '100', currency: 'EUR' };
      const batch = await call('editor', 'POST', `${LEDGER}/transfers`, {
        transfers: [
          { id: newId(), ...small },
          { id: newId(), ...small, amount: '100000' },
        ],
      });
      expect(batch.statusCode).toBe(409);
      expect(batch.json().error).toMatchObject({
        code: 'ledger_approval_required',
        details: { transfers: [{ index: 1 }] },
      });
      const fine = await call('editor', 'POST', `${LEDGER}/transfers`, {
        transfers: [{ id: newId(), ...small }],
      });
      expect(fine.statusCode).toBe(200);
    });

    it('holds a reversal a policy catches until approved; one reversed already gets the ledger answer', async () => {
      const original = newId();
      expect((await ask('editor', '110000', original)).statusCode).toBe(202);
      const first = await call(
        'admin',
        'POST',
        `${LEDGER}/transfer-requests/${original}/approve`,
        {},
      );
      expect(first.statusCode, first.body).toBe(200);
      const before = BigInt(await balance('admin', cash));
      const reversal = newId();
      const reverse = (who: string, id = reversal, description = 'Rent paid twice') =>
        call(who, 'POST', `${LEDGER}/transfers/${original}/reverse`, { id, description });

      expect((await reverse('viewer')).statusCode).toBe(403);
      expect((await reverse('admin of another organisation')).statusCode).toBe(404);
      const asked = await reverse('editor');
      expect(asked.statusCode, asked.body).toBe(202);
      expect(asked.json().data).toMatchObject({
        id: reversal,
        result: 'awaiting_approval',
        request: {
          status: 'awaiting_approval',
          amount: '110000',
          debitAccountId: cash,
          creditAccountId: rent,
          transfer: { id: reversal, reversesId: original, description: 'Rent paid twice' },
        },
      });
      expect(BigInt(await balance('admin', cash))).toBe(before);
      expect((await reverse('editor')).statusCode).toBe(202);
      const changed = await reverse('editor', reversal, 'Something else');
      expect(changed.statusCode).toBe(409);
      expect(changed.json().error.code).toBe('transfer_request_conflict');
      const own = await call(
        'editor',
        'POST',
        `${LEDGER}/transfer-requests/${reversal}/approve`,
        {},
      );
      expect(own.statusCode).toBe(403);

      const approved = await call(
        'admin',
        'POST',
        `${LEDGER}/transfer-requests/${reversal}/approve`,
        {},
      );
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json().data).toMatchObject({ status: 'posted', postedTransferId: reversal });
      expect(BigInt(await balance('admin', cash))).toBe(before + 110000n);
      const posted = await call('viewer', 'GET', `${LEDGER}/transfers/${reversal}`);
      expect(posted.json().data).toMatchObject({ status: 'posted', reversesId: original });
      // asked again once posted: the ledger's answer; a second reversal: the ledger's refusal
      const replay = await reverse('editor');
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json().data.result).toBe('exists');
      const twice = await reverse('editor', newId());
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error.code).toBe('transfer_already_reversed');

      // a reversal under the threshold posts at once
      const small = newId();
      expect((await ask('editor', '500', small)).statusCode).toBe(200);
      const undo = await call('editor', 'POST', `${LEDGER}/transfers/${small}/reverse`, {
        id: newId(),
      });
      expect(undo.statusCode, undo.body).toBe(200);
      expect(undo.json().data.transfer).toMatchObject({ reversesId: small, amount: '500' });
    });

    it('holds both legs of an intercompany transfer a policy catches as one request', async () => {
      const acme = (await call('admin', 'GET', `${LEDGER}/accounts/${cash}`)).json().data
        .entityId as string;
      const beta = await call('admin', 'POST', `${LEDGER}/entities`, {
        code: 'BETA',
        name: 'Beta Ventures',
        kind: 'venture',
        baseCurrency: 'EUR',
      });
      expect(beta.statusCode, beta.body).toBe(201);
      const betaId = beta.json().data.id as string;
      const betaCash = (beta.json().data.accounts as { id: string; code: string }[]).find(
        (a) => a.code === '1000',
      )!.id;
      const before = BigInt(await balance('admin', cash));
      const id = newId();
      const body = {
        id,
        kind: 'loan',
        fromEntityId: acme,
        toEntityId: betaId,
        amount: '120000',
        currency: 'EUR',
        fromAccountId: cash,
        toAccountId: betaCash,
      };
      const lend = (who: string, payload: Record<string, unknown> = body) =>
        call(who, 'POST', `${LEDGER}/intercompany-transfers`, payload);

      expect((await lend('viewer')).statusCode).toBe(403);
      const asked = await lend('editor');
      expect(asked.statusCode, asked.body).toBe(202);
      const request = asked.json().data.request;
      expect(request).toMatchObject({
        id,
        status: 'awaiting_approval',
        entityId: acme,
        amount: '120000',
        creditAccountId: cash,
        linked: [{ entityId: betaId, amount: '120000', currency: 'EUR', debitAccountId: betaCash }],
      });
      expect(BigInt(await balance('admin', cash))).toBe(before);
      expect(await balance('admin', betaCash)).toBe('0');
      // asked again: the same request; with another amount: a conflict
      const again = await lend('editor');
      expect(again.statusCode, again.body).toBe(202);
      expect(again.json().data.request.linked).toEqual(request.linked);
      const other = await lend('editor', { ...body, amount: '130000' });
      expect(other.statusCode).toBe(409);
      expect(other.json().error.code).toBe('transfer_request_conflict');
      const elsewhere = await call(
        'admin of another organisation',
        'GET',
        `${LEDGER}/transfer-requests/${id}`,
      );
      expect(elsewhere.statusCode).toBe(404);

      const approved = await call('admin', 'POST', `${LEDGER}/transfer-requests/${id}/approve`, {});
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json().data.status).toBe('posted');
      expect(BigInt(await balance('admin', cash))).toBe(before - 120000n);
      expect(await balance('admin', betaCash)).toBe('120000');
      const legs = await call(
        'viewer',
        'GET',
        `${LEDGER}/transfers?ids=${id},${request.linked[0].id}`,
      );
      expect(legs.json().data.map((t: { status: string }) => t.status)).toEqual([
        'posted',
        'posted',
      ]);
      const replay = await lend('editor');
      expect(replay.statusCode, replay.body).toBe(200);
      expect(replay.json().data.result).toBe('exists');

      // a policy on the second entity alone catches the pair through its leg
      const policy = await call('admin', 'POST', `${LEDGER}/approval-policies`, {
        entityId: betaId,
        thresholdAmount: '1000',
        thresholdCurrency: 'EUR',
      });
      expect(policy.statusCode, policy.body).toBe(201);
      const small = { ...body, id: newId(), amount: '5000' };
      const caught = await lend('editor', small);
      expect(caught.statusCode, caught.body).toBe(202);
      expect(caught.json().data.request.policies).toEqual([
        expect.objectContaining({ policyId: policy.json().data.id, entityId: betaId }),
      ]);
      const removed = await call(
        'admin',
        'DELETE',
        `${LEDGER}/approval-policies/${policy.json().data.id as string}`,
      );
      expect(removed.statusCode).toBeLessThan(300);
      // under every threshold: booked at once
      const booked = await lend('editor', { ...body, id: newId(), amount: '700' });
      expect(booked.statusCode, booked.body).toBe(200);
      expect(booked.json().data.result).toBe('ok');
    });

    it('rejects with a reason, and documents every route', async () => {
      const id = newId();
      expect((await ask('editor', '120000', id)).statusCode).toBe(202);
      const rejected = await call(
        'second admin',
        'POST',
        `${LEDGER}/transfer-requests/${id}/reject`,
        {
          reason: 'Not budgeted',
        },
      );
      expect(rejected.statusCode, rejected.body).toBe(200);
      expect(rejected.json().data).toMatchObject({
        status: 'rejected',
        rejectionReason: 'Not budgeted',
      });
      expect((await ask('editor', '120000', id)).statusCode).toBe(409);

      const docs = (await w.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const path of [
        '/api/v1/ledger/approval-policies',
        '/api/v1/ledger/approval-policies/{id}',
        '/api/v1/ledger/transfer-requests',
        '/api/v1/ledger/transfer-requests/{id}',
        '/api/v1/ledger/transfer-requests/{id}/approve',
        '/api/v1/ledger/transfer-requests/{id}/reject',
      ]) {
        expect(docs.paths[path], path).toBeDefined();
      }
      expect(docs.paths['/api/v1/ledger/transfers/{id}'].put.responses['202']).toBeDefined();
      for (const path of [
        '/api/v1/ledger/transfers/{id}/reverse',
        '/api/v1/ledger/intercompany-transfers',
      ]) {
        expect(docs.paths[path].post.responses['202'], path).toBeDefined();
      }
    });
  },
);
