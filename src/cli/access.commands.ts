import type { Command } from 'commander';
import { Option } from 'commander';
import type { Role } from '../access/index.ts';
import { ROLES } from '../access/index.ts';
import type { ApiKeyDto } from '../access/apikeys.service.ts';
import type { MemberDto, OrganisationDto } from '../access/users.service.ts';
import { ErrorCodes, UserError } from '../kernel/essentials.ts';
import { viaServerOrLocally, readSecret } from './local.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { emit, keyValues, table } from './output.ts';

/** `iza user ...` and `iza apikey ...`. */
export function registerAccessCommands(program: Command): void {
  const user = program.command('user').description('people and their roles');

  user
    .command('create-admin')
    .description(
      'create an administrator (the first one on a fresh installation), in a new or existing organisation',
    )
    .requiredOption(
      '--org <name>',
      'organisation: the name of a new one, or the slug of an existing one',
    )
    .requiredOption('--email <email>', 'e-mail address (the sign-in name)')
    .requiredOption('--name <name>', 'full name')
    .option('--password-stdin', 'read the password from standard input (else it is asked for)')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      async (flags: {
        org: string;
        email: string;
        name: string;
        dataDir?: string;
        json?: boolean;
      }) => {
        const config = configFrom(flags);
        const password = await readSecret('Password (12 characters or more)');
        const input = { organisation: flags.org, email: flags.email, name: flags.name, password };
        const created = await viaServerOrLocally(
          config,
          'iza user create-admin',
          (server, call) =>
            call<{ organisation: OrganisationDto; user: MemberDto }>(
              server,
              'POST',
              '/api/v1/system/admins',
              input,
            ),
          ({ access }) => access.users.createAdmin(input),
          { creates: true, quiet: flags.json ?? false },
        );
        emit(created, flags.json ?? false, (c) =>
          keyValues([
            ['administrator', `${c.user.name} <${c.user.email}>`],
            ['user id', c.user.id],
            ['organisation', `${c.organisation.name} (${c.organisation.slug})`],
          ]),
        );
      },
    );

  user
    .command('list')
    .description('every user of every organisation')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      const config = configFrom(flags);
      const users = await viaServerOrLocally(
        config,
        'iza user list',
        (server, call) =>
          call<(MemberDto & { organisation: string })[]>(server, 'GET', '/api/v1/system/users'),
        ({ access }) => access.users.listAllUsers(),
      );
      emit(users, flags.json ?? false, (rows) =>
        rows.length === 0
          ? 'No users yet: create the first administrator with iza user create-admin.'
          : table(
              ['organisation', 'email', 'name', 'role', 'status', 'id'],
              rows.map((u) => [u.organisation, u.email, u.name, u.role, u.status, u.id]),
            ),
      );
    });

  user
    .command('erase <userId>')
    .description('erase a person (GDPR/CCPA): personal data anonymised, audit entries redacted')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (userId: string, flags: { dataDir?: string; json?: boolean }) => {
      const config = configFrom(flags);
      const result = await viaServerOrLocally(
        config,
        'iza user erase',
        (server, call) =>
          call<{ redactedAuditEntries: number; outcome: string }>(
            server,
            'POST',
            `/api/v1/system/users/${encodeURIComponent(userId)}/erase`,
          ),
        ({ access }) => access.gdpr.eraseUser(null, userId),
      );
      emit(
        result,
        flags.json ?? false,
        (r) => `Erased. ${r.redactedAuditEntries} audit entries redacted.`,
      );
    });

  for (const [verb, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    user
      .command(`${verb} <userId>`)
      .description(
        verb === 'disable'
          ? 'disable an account in every organisation (organisations disable their own memberships in Settings)'
          : 'enable an account disabled with iza user disable',
      )
      .addOption(dataDirOption())
      .addOption(jsonOption())
      .action(async (userId: string, flags: { dataDir?: string; json?: boolean }) => {
        const config = configFrom(flags);
        const result = await viaServerOrLocally(
          config,
          `iza user ${verb}`,
          (server, call) =>
            call<{ ok: true }>(
              server,
              'PATCH',
              `/api/v1/system/users/${encodeURIComponent(userId)}`,
              { status },
            ),
          async ({ access }) => {
            await access.users.setAccountStatus(userId, status);
            return { ok: true as const };
          },
        );
        emit(result, flags.json ?? false, () => `Account ${userId} is now ${status}.`);
      });
  }

  const apikey = program.command('apikey').description('API keys for bots and scripts');

  apikey
    .command('create')
    .description('create an API key; the key is printed once')
    .requiredOption('--org <slug>', 'organisation slug or id')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .addOption(new Option('--role <role>', 'role of the key').choices([...ROLES]).default('bot'))
    .option('--expires <date>', 'expiry, as an ISO date or date-time')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(
      async (flags: {
        org: string;
        name: string;
        role: Role;
        expires?: string;
        dataDir?: string;
        json?: boolean;
      }) => {
        const config = configFrom(flags);
        const expiresAt = flags.expires ? new Date(flags.expires) : undefined;
        if (expiresAt && Number.isNaN(expiresAt.getTime()))
          throw new UserError(ErrorCodes.badRequest, `--expires: not a date: ${flags.expires}`);
        const body = {
          name: flags.name,
          role: flags.role,
          ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
        };
        const created = await viaServerOrLocally(
          config,
          'iza apikey create',
          (server, call) =>
            call<ApiKeyDto & { key: string }>(
              server,
              'POST',
              `/api/v1/system/orgs/${encodeURIComponent(flags.org)}/api-keys`,
              body,
            ),
          async ({ access }) => {
            const org = await access.users.findOrganisation(flags.org);
            if (!org) throw new UserError(ErrorCodes.badRequest, `No organisation "${flags.org}"`);
            return access.apiKeys.create(
              org.id,
              { ...body, expiresAt },
              { role: 'system', userId: null },
            );
          },
        );
        emit(created, flags.json ?? false, (k) =>
          [
            keyValues([
              ['name', k.name],
              ['role', k.role],
              ['id', k.id],
              ['expires', k.expiresAt ?? 'never'],
            ]),
            '',
            'The key (shown this once; store it now):',
            k.key,
          ].join('\n'),
        );
      },
    );

  apikey
    .command('list')
    .description("an organisation's API keys")
    .requiredOption('--org <slug>', 'organisation slug or id')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: { org: string; dataDir?: string; json?: boolean }) => {
      const config = configFrom(flags);
      const keys = await viaServerOrLocally(
        config,
        'iza apikey list',
        (server, call) =>
          call<ApiKeyDto[]>(
            server,
            'GET',
            `/api/v1/system/orgs/${encodeURIComponent(flags.org)}/api-keys`,
          ),
        async ({ access }) => {
          const org = await access.users.findOrganisation(flags.org);
          if (!org) throw new UserError(ErrorCodes.badRequest, `No organisation "${flags.org}"`);
          return access.apiKeys.list(org.id);
        },
      );
      emit(keys, flags.json ?? false, (rows) =>
        table(
          ['name', 'role', 'prefix', 'created', 'expires', 'last used', 'revoked', 'id'],
          rows.map((k) => [
            k.name,
            k.role,
            k.prefix,
            k.createdAt,
            k.expiresAt ?? '',
            k.lastUsedAt ?? '',
            k.revokedAt ?? '',
            k.id,
          ]),
        ),
      );
    });

  apikey
    .command('revoke <id>')
    .description('revoke an API key at once')
    .requiredOption('--org <slug>', 'organisation slug or id')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (id: string, flags: { org: string; dataDir?: string; json?: boolean }) => {
      const config = configFrom(flags);
      const key = await viaServerOrLocally(
        config,
        'iza apikey revoke',
        (server, call) =>
          call<ApiKeyDto>(
            server,
            'DELETE',
            `/api/v1/system/orgs/${encodeURIComponent(flags.org)}/api-keys/${encodeURIComponent(id)}`,
          ),
        async ({ access }) => {
          const org = await access.users.findOrganisation(flags.org);
          if (!org) throw new UserError(ErrorCodes.badRequest, `No organisation "${flags.org}"`);
          return access.apiKeys.revoke(org.id, id);
        },
      );
      emit(
        key,
        flags.json ?? false,
        (k) => `Revoked ${k.name} (${k.prefix}) at ${k.revokedAt ?? ''}.`,
      );
    });
}
