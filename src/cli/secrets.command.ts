import { type Command } from 'commander';
import type { KeyRotation } from '../kernel/crypto/index.ts';
import { UserError, type Config } from '../kernel/essentials.ts';
import { withLocalKernel } from './local.ts';
import { configFrom, dataDirOption, jsonOption } from './options.ts';
import { emit, keyValues } from './output.ts';
import { findRunningServer } from './remote.ts';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

type RotationReport = KeyRotation & { keyFile: string };

/** `iza secrets ...`: operator commands over the vault that seals secrets at rest. */
export function registerSecretsCommand(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('secrets sealed at rest (provider keys, workflow credentials, TOTP secrets)');

  secrets
    .command('rotate-key')
    .description(
      'replace the key in the key file and re-seal every stored secret with it; stop the server ' +
        '(and, on PostgreSQL, every server and worker using the database) first',
    )
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: Flags) => {
      const config = configFrom(flags);
      const report = await rotateDirectly(config);
      emit(report, flags.json ?? false, render);
    });
}

async function rotateDirectly(config: Config): Promise<RotationReport> {
  // Unlike `migrate` or `status`, this cannot be asked of a running server: it holds the keyring
  // in memory and would go on sealing with the key being retired.
  const server = findRunningServer(config);
  if (server) {
    throw new UserError(
      'server_running',
      `A server (${server.url}) holds ${config.dataDir}: stop it first, then run the rotation ` +
        'again. Rotation rewrites every sealed value and the key file the server has loaded.',
      { status: 409 },
    );
  }
  // Before the database is opened (and migrated): an environment key cannot be rotated at all.
  const [{ KeyRotationUnavailableError, openVault }, { rotateVaultKey }] = await Promise.all([
    import('../kernel/crypto/index.ts'),
    import('../access/secrets.service.ts'),
  ]);
  if (config.masterKey !== undefined) throw new KeyRotationUnavailableError(config.masterKeyFile);

  return withLocalKernel(config, 'iza secrets rotate-key', { kernelOnly: true }, async (kernel) => {
    const vault = openVault({ keyFile: config.masterKeyFile, clock: kernel.clock });
    const rotation = await rotateVaultKey({ db: kernel.db, vault });
    return { ...rotation, keyFile: config.masterKeyFile };
  });
}

function render(report: RotationReport): string {
  return [
    keyValues([
      ['old key', report.oldKid],
      ['new key', report.newKid],
      ['re-sealed', `${report.reencrypted} value(s)`],
      ['retired', report.retired.join(', ')],
      ['key file', report.keyFile],
    ]),
    '',
    `Back up ${report.keyFile} now. Database backups taken before this rotation need the old key,`,
    'which is no longer in the file: keep the previous backup of the key file beside them.',
  ].join('\n');
}
