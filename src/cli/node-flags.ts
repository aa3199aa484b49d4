import { spawnSync } from 'node:child_process';

/**
 * isolated-vm (workflow expressions and Code nodes) needs V8's startup snapshot off. Starting
 * Node without the snapshot costs about 0.15 s, so `bin/iza.mjs` turns it off only for the
 * commands that always run workflows in this process (`start`, `worker`); the others call this
 * just before they open the database themselves (no server holds the data folder), which runs
 * the same command again with the flag, in place (same pid) where Node can.
 *
 * Call it before reading standard input or writing anything: the command starts over.
 */
export function runWithoutSnapshot(): void {
  if (process.execArgv.includes('--no-node-snapshot')) return;
  const args = ['--no-node-snapshot', ...process.execArgv, ...process.argv.slice(1)];
  if (typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...args]);
  }
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
