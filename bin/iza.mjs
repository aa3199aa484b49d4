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

const { main } = await import('../src/cli/main.ts');
await main(process.argv);
