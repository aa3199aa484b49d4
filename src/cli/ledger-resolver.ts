import { ErrorCodes, UserError, isUuid } from '../kernel/index.ts';
import type { AccountJson, EntityJson, LedgerClient } from './ledger-client.ts';

/**
 * Finds entities by id or code and accounts by id or `<entity code>:<account code>` (`ACME:1100`),
 * asking the ledger once per entity and remembering the answers for the rest of the command.
 */
export function createResolver(ledger: LedgerClient) {
  let entities: Promise<EntityJson[]> | undefined;
  const accountsOf = new Map<string, Promise<AccountJson[]>>();
  const byId = new Map<string, Promise<AccountJson>>();
  const allEntities = () => (entities ??= ledger.listEntities());
  const accountsOfEntity = (entityId: string) => {
    let found = accountsOf.get(entityId);
    if (!found) accountsOf.set(entityId, (found = ledger.listAccounts(entityId)));
    return found;
  };

  async function entity(ref: string): Promise<EntityJson> {
    const all = await allEntities();
    const found = isUuid(ref)
      ? all.find((e) => e.id === ref.toLowerCase())
      : (all.find((e) => e.code === ref) ??
        onlyMatch(all.filter((e) => e.code.toLowerCase() === ref.toLowerCase())));
    if (!found) {
      throw new UserError(ErrorCodes.notFound, `No entity "${ref}" (give its id or code)`, {
        status: 404,
      });
    }
    return found;
  }

  async function account(ref: string): Promise<AccountJson> {
    if (isUuid(ref)) {
      const key = ref.toLowerCase();
      let found = byId.get(key);
      if (!found) byId.set(key, (found = ledger.getAccount(key)));
      return found;
    }
    const colon = ref.lastIndexOf(':');
    if (colon <= 0 || colon === ref.length - 1) {
      throw new UserError(
        ErrorCodes.validationFailed,
        `Account "${ref}": give its id or <entity code>:<account code>, e.g. ACME:1100`,
      );
    }
    const owner = await entity(ref.slice(0, colon));
    const code = ref.slice(colon + 1);
    const found = (await accountsOfEntity(owner.id)).find((a) => a.code === code);
    if (!found) {
      throw new UserError(ErrorCodes.notFound, `Entity ${owner.code} has no account ${code}`, {
        status: 404,
      });
    }
    return found;
  }

  /** `ACME:1100` for an account id, or the id itself when it cannot be found. */
  async function label(accountId: string | null): Promise<string> {
    if (accountId === null) return '';
    try {
      const found = await account(accountId);
      const owner = (await allEntities()).find((e) => e.id === found.entityId);
      return `${owner?.code ?? found.entityId}:${found.code}`;
    } catch {
      return accountId;
    }
  }

  return { entity, account, label, entities: allEntities };
}

export type Resolver = ReturnType<typeof createResolver>;

function onlyMatch<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
