import { ConfigError, IzaError } from '../kernel/essentials.ts';
import { buildCli } from './commands.ts';

/** The `iza` command. Errors print one clear line (no stack) unless they are bugs. */
export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildCli(argv)).parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`iza: ${error.message}\n`);
    } else if (error instanceof IzaError && error.kind !== 'unexpected') {
      process.stderr.write(`iza: ${error.message}\n`);
    } else {
      process.stderr.write(`iza: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    }
    process.exitCode = 1;
  }
}
