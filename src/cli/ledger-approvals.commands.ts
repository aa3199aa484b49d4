import { Command, Option } from 'commander';
import { APPROVER_ROLES, TRANSFER_REQUEST_STATUSES } from '../ledger/index.ts';
import type { ApproverRole, TransferRequestStatus } from '../ledger/index.ts';
import { act, common, inLedger, wholeNumber, type Flags } from './ledger-actions.ts';
import type { ApprovalPolicyJson, TransferRequestJson } from './ledger-client.ts';
import { money, toMinor } from './ledger-format.ts';
import type { Resolver } from './ledger-resolver.ts';
import { emit, keyValues, table } from './output.ts';

/**
 * `iza ledger approvals ...`: transfers waiting for approval (list, show, approve, reject) and
 * the approval policies that make them wait. On this machine the command acts as the local
 * administrator: it may approve what someone else asked for, not what it asked for itself.
 */

const EXAMPLES = `
Examples:
  iza ledger approvals policy add --threshold 10000 --currency EUR --approvals 2
  iza ledger approvals list
  iza ledger approvals approve <request id> --note "invoice 2026-114 checked"
  iza ledger approvals reject <request id> --reason "duplicate of last week's payment"`;

export function approvalsCommand(): Command {
  const approvals = new Command('approvals')
    .description('transfers waiting for approval, and the policies that make them wait')
    .addHelpText('after', EXAMPLES);

  common(
    approvals
      .command('list')
      .description('transfer requests, oldest first (default: those awaiting approval)')
      .addOption(
        new Option('--status <status>', 'which requests')
          .choices(TRANSFER_REQUEST_STATUSES)
          .default('awaiting_approval'),
      )
      .option('--entity <entity>', "only this entity's (id or code)")
      .option('--limit <n>', 'at most this many (1 to 500, default 100)', wholeNumber)
      .option('--after <cursor>', 'the next page (printed under the previous one)'),
  ).action(
    act(
      async (
        flags: Flags & {
          status: TransferRequestStatus;
          entity?: string;
          limit?: number;
          after?: string;
        },
      ) => {
        const [page, text] = await inLedger(flags, 'approvals list', async (ledger, resolve) => {
          const page = await ledger.listTransferRequests({
            status: flags.status,
            ...(flags.entity === undefined
              ? {}
              : { entityId: (await resolve.entity(flags.entity)).id }),
            ...(flags.limit === undefined ? {} : { limit: flags.limit }),
            ...(flags.after === undefined ? {} : { after: flags.after }),
          });
          return [page, await requestTable(page.requests, resolve, page.next)] as const;
        });
        emit(page, flags.json ?? false, () => text);
      },
    ),
  );

  common(
    approvals
      .command('show <id>')
      .description('one transfer request: the transfer, its policies, its approvals'),
  ).action(
    act(async (id: string, flags: Flags) => {
      const [found, text] = await inLedger(flags, 'approvals show', async (ledger, resolve) => {
        const request = await ledger.getTransferRequest(id);
        return [request, await requestDetails(request, resolve)] as const;
      });
      emit(found, flags.json ?? false, () => text);
    }),
  );

  common(
    approvals
      .command('approve <id>')
      .description('approve a transfer request; the last approval needed posts the transfer')
      .option('--note <text>', 'why, for the record (up to 500 characters)'),
  ).action(
    act(async (id: string, flags: Flags & { note?: string }) => {
      const [done, text] = await inLedger(flags, 'approvals approve', async (ledger, resolve) => {
        const request = await ledger.approveTransferRequest(
          id,
          flags.note === undefined ? {} : { note: flags.note },
        );
        return [request, await requestDetails(request, resolve)] as const;
      });
      emit(done, flags.json ?? false, () => text);
    }),
  );

  common(
    approvals
      .command('reject <id>')
      .description('reject a transfer request: it never posts')
      .requiredOption('--reason <text>', 'why (required, up to 500 characters)'),
  ).action(
    act(async (id: string, flags: Flags & { reason: string }) => {
      const [done, text] = await inLedger(flags, 'approvals reject', async (ledger, resolve) => {
        const request = await ledger.rejectTransferRequest(id, { reason: flags.reason });
        return [request, await requestDetails(request, resolve)] as const;
      });
      emit(done, flags.json ?? false, () => text);
    }),
  );

  approvals.addCommand(policyCommand());
  return approvals;
}

function policyCommand(): Command {
  const policy = new Command('policy').description(
    'approval policies: transfers at or above a threshold wait for approval',
  );

  common(policy.command('list').description('the policies in force')).action(
    act(async (flags: Flags) => {
      const [policies, text] = await inLedger(flags, 'approvals policy list', async (ledger, r) => {
        const policies = await ledger.listApprovalPolicies();
        return [policies, await policyTable(policies, r)] as const;
      });
      emit(policies, flags.json ?? false, () => text);
    }),
  );

  common(
    policy
      .command('add')
      .description('add a policy (administrators)')
      .requiredOption('--threshold <amount>', 'in major units: transfers of this or more wait')
      .requiredOption('--currency <code>', "the threshold's currency (ISO 4217)")
      .option(
        '--only-currency',
        "only transfers in --currency (default: every currency, converted at the day's rate)",
      )
      .option('--entity <entity>', "only this entity's transfers (id or code)")
      .option('--approvals <n>', 'approvals needed, 1 to 10 (default 1)', wholeNumber)
      .addOption(
        new Option('--role <role>', 'who may approve: this role or a stronger one')
          .choices(APPROVER_ROLES)
          .default('admin'),
      )
      .option('--description <text>', 'what it is for (up to 200 characters)'),
  ).action(
    act(
      async (
        flags: Flags & {
          threshold: string;
          currency: string;
          onlyCurrency?: boolean;
          entity?: string;
          approvals?: number;
          role: ApproverRole;
          description?: string;
        },
      ) => {
        const currency = flags.currency.toUpperCase();
        const threshold = toMinor(flags.threshold, currency, '--threshold');
        const [created, text] = await inLedger(flags, 'approvals policy add', async (ledger, r) => {
          const created = await ledger.createApprovalPolicy({
            thresholdAmount: threshold.toString(),
            thresholdCurrency: currency,
            approverRole: flags.role,
            ...(flags.onlyCurrency ? { currency } : {}),
            ...(flags.entity === undefined ? {} : { entityId: (await r.entity(flags.entity)).id }),
            ...(flags.approvals === undefined ? {} : { approvalsRequired: flags.approvals }),
            ...(flags.description === undefined ? {} : { description: flags.description }),
          });
          return [created, await policyTable([created], r)] as const;
        });
        emit(created, flags.json ?? false, () => text);
      },
    ),
  );

  common(
    policy
      .command('remove <id>')
      .description('remove a policy: requests it caught still wait for its approvals'),
  ).action(
    act(async (id: string, flags: Flags) => {
      const removed = await inLedger(flags, 'approvals policy remove', (ledger) =>
        ledger.removeApprovalPolicy(id),
      );
      emit(removed, flags.json ?? false, (p) => `Removed policy ${p.id}.`);
    }),
  );
  return policy;
}

/** How many approvals a request has of those its policies need, e.g. "1 of 2". */
function progress(request: TransferRequestJson): string {
  return request.policies
    .map((p) => `${p.approvalsGiven} of ${p.approvalsRequired} (${p.approverRole})`)
    .join(', ');
}

async function requestTable(
  requests: TransferRequestJson[],
  resolve: Resolver,
  next: string | null,
): Promise<string> {
  if (requests.length === 0) return 'No transfer requests.';
  const rows: string[][] = [];
  for (const r of requests) {
    rows.push([
      r.id,
      r.status,
      money(r.amount, r.currency),
      await resolve.label(r.debitAccountId),
      await resolve.label(r.creditAccountId),
      r.requestedBy,
      progress(r),
      r.requestedAt,
    ]);
  }
  const text = table(
    ['request', 'status', 'amount', 'debit', 'credit', 'asked by', 'approvals', 'asked at'],
    rows,
  );
  return next ? `${text}\nNext page: --after ${next}` : text;
}

async function requestDetails(r: TransferRequestJson, resolve: Resolver): Promise<string> {
  const pairs: [string, string][] = [
    ['request', r.id],
    ['status', r.status],
    ['amount', money(r.amount, r.currency)],
    ['debit', await resolve.label(r.debitAccountId)],
    ['credit', await resolve.label(r.creditAccountId)],
    ['kind', r.transfer.kind],
    ['effective at', r.transfer.effectiveAt ?? 'when it posts'],
    ['description', r.transfer.description ?? ''],
    [
      'asked by',
      r.requestedBy === r.requestedFor ? r.requestedBy : `${r.requestedBy} for ${r.requestedFor}`,
    ],
    ['asked at', r.requestedAt],
    ['approvals', progress(r)],
    ...r.approvals.map((a): [string, string] => [
      'approved by',
      `${a.approver} (${a.role}) at ${a.createdAt}${a.note ? `: ${a.note}` : ''}`,
    ]),
  ];
  if (r.postedTransferId) pairs.push(['posted transfer', r.postedTransferId]);
  if (r.rejectionReason) pairs.push(['rejected', `by ${r.rejectedBy ?? ''}: ${r.rejectionReason}`]);
  if (r.lastFailure && r.status === 'awaiting_approval') {
    pairs.push(['could not post', r.lastFailure.message]);
  }
  return keyValues(pairs);
}

async function policyTable(policies: ApprovalPolicyJson[], resolve: Resolver): Promise<string> {
  if (policies.length === 0) return 'No approval policies: every transfer posts at once.';
  const entities = await resolve.entities();
  return table(
    ['policy', 'from', 'entity', 'currency', 'approvals', 'role', 'description'],
    policies.map((p) => [
      p.id,
      money(p.thresholdAmount, p.thresholdCurrency),
      p.entityId === null
        ? 'every'
        : (entities.find((e) => e.id === p.entityId)?.code ?? p.entityId),
      p.currency ?? 'every (converted)',
      p.approvalsRequired,
      p.approverRole,
      p.description ?? '',
    ]),
  );
}
