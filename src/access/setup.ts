import type { Logger } from '../kernel/index.ts';
import { UserError } from '../kernel/index.ts';
import { hashToken, humanCode, sameHash } from './tokens.ts';
import type { UsersService } from './users.service.ts';

/**
 * First run. A fresh installation has no administrator, so it must not be open: the server
 * prints a one-time setup token in its log, and only whoever can read that log (the person who
 * started it) can create the first administrator, on the web root or with `iza user create-admin`.
 */
export function createSetup(deps: { users: UsersService; log: Logger }) {
  let tokenHash: string | undefined;
  return {
    needed: () => deps.users.setupNeeded(),

    /** Issues (and logs) a new one-time token when setup is needed; returns it. */
    async issueToken(publicUrl: string): Promise<string | undefined> {
      if (!(await deps.users.setupNeeded())) return undefined;
      const token = humanCode(4, 5);
      tokenHash = hashToken(token);
      deps.log.warn(
        { setupUrl: publicUrl, setupToken: token },
        `IZA OS has no administrator yet. Open ${publicUrl}/ and enter the one-time setup token ${token}, or run: iza user create-admin`,
      );
      return token;
    },

    async complete(input: {
      token: string;
      organisation: string;
      email: string;
      name: string;
      password: string;
    }) {
      if (!tokenHash || !sameHash(hashToken(input.token.trim()), tokenHash)) {
        throw new UserError(
          'invalid_setup_token',
          'The setup token is not valid: use the one printed in the server log at start-up',
          { status: 403 },
        );
      }
      const created = await deps.users.createAdmin({ ...input, onlyIfFirst: true });
      tokenHash = undefined;
      return created;
    },
  };
}

export type Setup = ReturnType<typeof createSetup>;
