import type { DbOrTx } from '../kernel/index.ts';

/**
 * What the access services need from the audit log and the vault, as narrow interfaces: the
 * services are wired with the real ones (`createAuditLog`, `openVault`) in `createAccess`.
 */
export interface AuditRecorder {
  record(
    tx: DbOrTx,
    entry: {
      action: string;
      entityType: string;
      entityId?: string | null;
      before?: unknown;
      after?: unknown;
      orgId?: string | null;
    },
  ): Promise<unknown>;
  redact(
    tx: DbOrTx,
    options: {
      orgId: string | null;
      entityType: string;
      entityId: string;
      transform: (payload: { before: unknown; after: unknown }) => {
        before: unknown;
        after: unknown;
      };
    },
  ): Promise<number>;
}

export interface Sealer {
  seal(plaintext: string, aad?: string): string;
  open(sealed: string, aad?: string): string;
}
