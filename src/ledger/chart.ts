import { newId } from '../kernel/index.ts';
import type { ledgerAccounts } from './ledger.schema.ts';
import type { AccountType, CashFlowClass } from './ledger.types.ts';

/** One account of the template chart; `parent` names the code of its parent account. */
export interface ChartAccount {
  code: string;
  name: string;
  type: AccountType;
  parent?: string;
  /** Set on accounts that must never go below zero on their normal side. */
  creditsMustNotExceedDebits?: boolean;
  /** Cash or a cash equivalent (the cash-flow statement's accounts). */
  cash?: boolean;
  /** Where cash moving against this account is reported (default `operating`). */
  cashFlow?: CashFlowClass;
}

/**
 * The chart every new entity starts with, in its base currency. Codes follow the common
 * small-business layout: 1xxx assets, 2xxx liabilities, 3xxx equity, 4xxx revenue, 5xxx cost of
 * sales and 6xxx operating expenses. Parents come before their children.
 *
 * Foreign-exchange differences go to one expense-type account (6900): a gain is a credit to it.
 * Intercompany accounts (1300, 2100) are where transfers between entities will land, so that
 * consolidation can eliminate them.
 */
export const CHART_TEMPLATE: readonly ChartAccount[] = [
  // Cash on hand cannot be negative: spending more than is there is refused.
  { code: '1000', name: 'Cash', type: 'asset', creditsMustNotExceedDebits: true, cash: true },
  { code: '1100', name: 'Bank accounts', type: 'asset', cash: true },
  { code: '1200', name: 'Accounts receivable', type: 'asset' },
  { code: '1300', name: 'Intercompany receivable', type: 'asset', cashFlow: 'investing' },
  { code: '1400', name: 'Prepaid expenses', type: 'asset' },
  { code: '2000', name: 'Accounts payable', type: 'liability' },
  { code: '2100', name: 'Intercompany payable', type: 'liability', cashFlow: 'financing' },
  { code: '2200', name: 'Loans payable', type: 'liability', cashFlow: 'financing' },
  { code: '2300', name: 'Taxes payable', type: 'liability' },
  { code: '3000', name: 'Share capital', type: 'equity', cashFlow: 'financing' },
  { code: '3100', name: 'Retained earnings', type: 'equity', cashFlow: 'financing' },
  { code: '4000', name: 'Revenue', type: 'revenue' },
  { code: '4100', name: 'Service revenue', type: 'revenue', parent: '4000' },
  { code: '4200', name: 'Product revenue', type: 'revenue', parent: '4000' },
  { code: '5000', name: 'Cost of sales', type: 'expense' },
  { code: '6000', name: 'Operating expenses', type: 'expense' },
  { code: '6100', name: 'Salaries and wages', type: 'expense', parent: '6000' },
  { code: '6200', name: 'Rent', type: 'expense', parent: '6000' },
  { code: '6300', name: 'Software and hosting', type: 'expense', parent: '6000' },
  { code: '6400', name: 'Marketing', type: 'expense', parent: '6000' },
  { code: '6500', name: 'Professional fees', type: 'expense', parent: '6000' },
  { code: '6600', name: 'Bank fees', type: 'expense', parent: '6000' },
  { code: '6900', name: 'Foreign exchange gain/loss', type: 'expense' },
];

type AccountRow = typeof ledgerAccounts.$inferInsert;

/** The template's accounts as rows for one entity, parents resolved to the new ids. */
export function chartRows(
  entity: { id: string; orgId: string; baseCurrency: string },
  createdAt: Date,
  template: readonly ChartAccount[] = CHART_TEMPLATE,
): AccountRow[] {
  const idByCode = new Map<string, string>();
  return template.map((account) => {
    const id = newId();
    idByCode.set(account.code, id);
    const parentAccountId = account.parent === undefined ? null : idByCode.get(account.parent);
    if (parentAccountId === undefined) {
      throw new Error(`Chart template: ${account.code} names parent ${account.parent} before it`);
    }
    return {
      id,
      orgId: entity.orgId,
      entityId: entity.id,
      code: account.code,
      name: account.name,
      type: account.type,
      currency: entity.baseCurrency,
      parentAccountId,
      creditsMustNotExceedDebits: account.creditsMustNotExceedDebits ?? false,
      cash: account.cash ?? false,
      cashFlow: account.cashFlow ?? 'operating',
      createdAt,
    };
  });
}
