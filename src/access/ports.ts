import type { AuditLog } from './audit.service.ts';

/**
 * What the access services need from the audit log and the vault, as narrow interfaces: the
 * services are wired with the real ones (`createAuditLog`, `openVault`) in `createAccess`.
 */
/** The part of the audit log the access services use. */
export type AuditRecorder = Pick<AuditLog, 'record' | 'redact'>;

export interface Sealer {
  seal(plaintext: string, aad?: string): string;
  open(sealed: string, aad?: string): string;
}
