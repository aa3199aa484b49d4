import type { Role } from './permissions.ts';

/** Who is calling, as established by authentication. */
export interface Principal {
  kind: 'user' | 'apikey' | 'system';
  /** The organisation every query of this request is scoped to; null only for `system`. */
  orgId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  /** `system` is the local administrator (the CLI on the server's machine). */
  role: Role | 'system';
  sessionId: string | null;
  /** How the credential arrived; cookie sessions must present a CSRF token on writes. */
  via: 'cookie' | 'bearer' | 'apikey' | 'local';
  /** An API key limited to some ventures; null for no limit. */
  ventureIds: string[] | null;
  /** The organisation requires MFA for admins and this admin has not enrolled yet. */
  mfaEnrolmentRequired: boolean;
}

export const SYSTEM_PRINCIPAL: Principal = {
  kind: 'system',
  orgId: null,
  userId: null,
  apiKeyId: null,
  role: 'system',
  sessionId: null,
  via: 'local',
  ventureIds: null,
  mfaEnrolmentRequired: false,
};
