#!/usr/bin/env node
// The `iza` command. IZA OS runs its TypeScript sources directly on Node.js 22.18+ (type
// stripping); on an older Node.js this installs Node 24 from the npm registry into a cache
// folder (scripts/ensure-node.sh) and runs itself again with it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const script = fileURLToPath(new URL('../scripts/ensure-node.sh', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync('bash', [script, 'node', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

// isolated-vm (workflow expressions and Code nodes) needs V8's startup snapshot off on Node 20+:
// run again with --no-node-snapshot, in place (same pid) where Node can, else as a child.
const args = [
  '--no-node-snapshot',
  ...process.execArgv,
  fileURLToPath(import.meta.url),
  ...process.argv.slice(2),
];
if (!process.execArgv.includes('--no-node-snapshot') && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...args], process.env);
}
if (!process.execArgv.includes('--no-node-snapshot')) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
} else {
  const { main } = await import('../src/cli/main.ts');
  await main(process.argv);
}
