#!/usr/bin/env node
// The `iza` command. IZA OS runs its TypeScript sources directly on Node.js 22.18+ (type
// stripping); on an older Node.js this installs Node 24 from the npm registry into a cache
// folder (scripts/ensure-node.sh) and runs itself again with it, passing signals on.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `command args` as a child that gets our signals, and ends as it ends. */
function runChild(command, args) {
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}

const [major, minor] = process.versions.node.split('.').map(Number);
const self = fileURLToPath(import.meta.url);
if (major < 22 || (major === 22 && minor < 18)) {
  const script = fileURLToPath(new URL('../scripts/ensure-node.sh', import.meta.url));
  // ensure-node.sh ends with `exec`: the child is the new Node.js itself.
  runChild('bash', [script, 'node', self, ...process.argv.slice(2)]);
} else if (
  needsNoSnapshot(process.argv.slice(2)) &&
  !process.execArgv.includes('--no-node-snapshot')
) {
  // isolated-vm (workflow expressions and Code nodes) needs V8's startup snapshot off. Node
  // starts about 0.15 s slower without it, so only the commands that always run workflows in
  // this process turn it off here; the others do so (src/cli/node-flags.ts) only when they open
  // the database themselves. In place (same pid, so signals reach the server) where Node can.
  const args = ['--no-node-snapshot', ...process.execArgv, self, ...process.argv.slice(2)];
  if (typeof process.execve === 'function') {
    process.execve(process.execPath, [process.execPath, ...args], process.env);
  }
  runChild(process.execPath, args);
} else {
  const { main } = await import('../src/cli/main.ts');
  await main(process.argv);
}

function needsNoSnapshot(args) {
  const command = args.find((a) => !a.startsWith('-'));
  return command === 'start' || command === 'worker' || command === 'mcp';
}
