import { type Command } from 'commander';
import type { AuditChainReport, AuditVerifyReport } from '../access/audit.service.ts';
import type { Config } from '../kernel/essentials.ts';
import { withLocalKernel } from './local.ts';
import { configFrom, dataDirOption, jsonOption, type CommonFlags } from './options.ts';
import { emit } from './output.ts';
import { callServer, findRunningServer } from './remote.ts';

type AuditFlags = CommonFlags;

/** `iza audit verify`: recomputes every hash chain; exits with 1 when one is broken. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('recompute every audit chain and report the first altered or missing entry')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: AuditFlags) => {
      const config = configFrom(flags);
      const server = findRunningServer(config);
      const report = server
        ? await callServer<AuditVerifyReport>(server, 'GET', '/api/v1/system/audit/verify')
        : await verifyDirectly(config);
      emit(report, flags.json ?? false, renderReport);
      if (!report.ok) process.exitCode = 1;
    });
}

async function verifyDirectly(config: Config): Promise<AuditVerifyReport> {
  const { createAuditLog } = await import('../access/audit.service.ts');
  return withLocalKernel(config, 'iza audit verify', { kernelOnly: true }, (kernel) =>
    createAuditLog({ db: kernel.db, clock: kernel.clock }).verify(),
  );
}

function renderReport(report: AuditVerifyReport): string {
  if (report.chains.length === 0) return 'The audit log is empty.';
  const width = Math.max(...report.chains.map((c) => c.chain.length));
  return report.chains.map((chain) => renderChain(chain, width)).join('\n');
}

function renderChain(chain: AuditChainReport, width: number): string {
  const name = chain.chain.padEnd(width);
  const rows = `${chain.rows} row${chain.rows === 1 ? '' : 's'}`;
  const broken = chain.firstBroken;
  if (!broken) return `${name}  ok      ${rows}`;
  const entry = broken.id ? ` (entry ${broken.id})` : '';
  return `${name}  BROKEN  ${rows}, first broken at seq ${broken.seq}${entry}: ${broken.reason}`;
}
