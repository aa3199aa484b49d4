import type { PromptMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ErrorCodes, UserError, isUuid } from '../kernel/index.ts';
import type { LedgerService } from '../ledger/index.ts';
import type { McpPrompt } from './mcp.tools.ts';

/** How many entities a portfolio review names in its prompt; the tools give the rest. */
const REVIEW_ENTITY_LIMIT = 100;

const user = (text: string): PromptMessage => ({ role: 'user', content: { type: 'text', text } });

/** Prompts that put the ledger tools to work on the studio's recurring finance chores. */
export function ledgerPrompts(ledger: LedgerService): McpPrompt[] {
  return [
    {
      name: 'weekly_portfolio_review',
      title: 'Weekly portfolio review',
      description:
        "Reviews every entity's books for the week: cash, revenue, expenses, pending holds, and what needs attention",
      permission: 'read',
      args: {
        weekEnding: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
          .optional()
          .describe('The last day of the week under review (default: today)'),
      },
      messages: async ({ weekEnding }, { orgId }) => {
        const entities = await ledger.listEntities(orgId);
        const day = weekEnding ?? new Date().toISOString().slice(0, 10);
        const listed = entities
          .slice(0, REVIEW_ENTITY_LIMIT)
          .map((e) => `- ${e.code}: ${e.name} (${e.kind}, ${e.baseCurrency}, id ${e.id})`);
        if (entities.length > REVIEW_ENTITY_LIMIT) {
          listed.push(
            `- ... and ${entities.length - REVIEW_ENTITY_LIMIT} more (ledger_list_entities)`,
          );
        }
        return [
          user(
            [
              `Prepare the weekly portfolio review of the studio for the week ending ${day}.`,
              '',
              entities.length === 0
                ? 'The ledger has no entities yet: say so, and stop.'
                : `The ledger holds ${entities.length} entities:\n${listed.join('\n')}`,
              '',
              'For each entity, call ledger_list_accounts and report, in its base currency:',
              '1. cash and bank (accounts 1000-1099), and whether any is close to zero;',
              '2. revenue (4xxx) and expenses (5xxx-6xxx) posted so far, and the result;',
              '3. pending holds (debitsPending/creditsPending not zero) that need posting or voiding;',
              '4. intercompany balances (1300 receivable, 2100 payable) that should net out across entities.',
              '',
              'Amounts are strings of minor units: divide by 100 for currencies with cents.',
              'Use ledger_list_postings on an account when a figure needs explaining.',
              'End with a short table of entities by cash, then the three actions that matter most.',
              'Do not create or reverse transfers during the review.',
            ].join('\n'),
          ),
        ];
      },
    },
    {
      name: 'reconcile_account',
      title: 'Reconcile an account',
      description:
        "Compares an account's ledger balance with a bank or processor statement and explains the difference",
      permission: 'read',
      args: {
        accountId: z.string().describe('The ledger account to reconcile (its id)'),
        statementBalance: z
          .string()
          .regex(/^-?\d{1,19}$/, 'must be a whole number of minor units')
          .describe(
            'The closing balance on the statement, in minor units (e.g. 123456 for 1234.56)',
          ),
        statementDate: z.string().optional().describe('The statement date, YYYY-MM-DD'),
      },
      messages: async ({ accountId, statementBalance, statementDate }, { orgId }) => {
        if (accountId === undefined || !isUuid(accountId)) {
          throw new UserError(ErrorCodes.validationFailed, 'accountId must be an account id');
        }
        const account = await ledger.getAccount(orgId, accountId);
        const statement = BigInt(statementBalance ?? '0');
        const difference = account.balance - statement;
        return [
          user(
            [
              `Reconcile ledger account ${account.code} "${account.name}" (id ${account.id}, ${account.currency})` +
                (statementDate
                  ? ` with the statement of ${statementDate}.`
                  : ' with its statement.'),
              '',
              `Ledger balance: ${account.balance} minor units (posted); pending: ${account.debitsPending} debits, ${account.creditsPending} credits.`,
              `Statement balance: ${statement} minor units.`,
              `Difference (ledger - statement): ${difference} minor units.`,
              '',
              difference === 0n
                ? 'The balances agree: confirm it, and list any pending holds that the statement may not show yet.'
                : 'Find the difference: page through ledger_list_postings for this account (newest pages last), ' +
                  'look for postings missing from the statement, duplicates, wrong amounts and holds not yet settled, ' +
                  'and check suspicious transfers with ledger_get_transfer.',
              '',
              'Propose corrections as transfers (new UUIDs as ids) or reversals (ledger_reverse_transfer), ' +
                'but book nothing until the user confirms each one.',
            ].join('\n'),
          ),
        ];
      },
    },
  ];
}
