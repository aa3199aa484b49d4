import type { Access } from '../access/index.ts';
import { ErrorCodes, UserError } from '../kernel/essentials.ts';
import type { callServer, RemoteServer } from './remote.ts';

/** The only organisation of the running server's installation (for `--org` left out). */
export async function onlyOrganisation(
  server: RemoteServer,
  call: typeof callServer,
): Promise<string> {
  const users = await call<{ organisation: string }[]>(server, 'GET', '/api/v1/system/users');
  return pickOnly(users.map((u) => u.organisation));
}

/** The id of the organisation `org` (slug or id; default: the only one) on the database. */
export async function localOrganisation(access: Access, org: string | undefined): Promise<string> {
  const slug = org ?? pickOnly((await access.users.listAllUsers()).map((u) => u.organisation));
  const found = await access.users.findOrganisation(slug);
  if (!found)
    throw new UserError(ErrorCodes.notFound, `No organisation "${slug}"`, { status: 404 });
  return found.id;
}

function pickOnly(organisations: string[]): string {
  const distinct = [...new Set(organisations)];
  if (distinct.length === 1) return distinct[0]!;
  throw new UserError(
    ErrorCodes.badRequest,
    distinct.length === 0
      ? 'No organisation yet: create one with iza user create-admin'
      : `Several organisations (${distinct.join(', ')}): choose one with --org <slug>`,
  );
}
