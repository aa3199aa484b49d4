import type { Kernel } from './kernel.ts';
import { migrationStates } from './db/migrate.ts';
import type { QueueDepth } from './jobs.ts';
import { VERSION } from './version.ts';

/** What `iza status` and `GET /api/v1/system/status` report. */
export interface SystemStatus {
  version: string;
  node: string;
  profile: string;
  pid: number;
  storage: { kind: 'pglite' | 'postgres'; location: string };
  events: 'in-process' | 'postgres';
  jobs: { working: boolean; queues: QueueDepth[] };
  migrations: { tag: string; applied: boolean }[];
  configFile: string | null;
}

export async function collectStatus(kernel: Kernel): Promise<SystemStatus> {
  const [migrations, queues] = await Promise.all([
    migrationStates(kernel.database),
    kernel.jobs.depth(),
  ]);
  return {
    version: VERSION,
    node: process.version,
    profile: kernel.config.profile,
    pid: process.pid,
    storage: { kind: kernel.database.kind, location: kernel.database.location },
    events: kernel.events.mode,
    jobs: { working: kernel.jobs.working, queues },
    migrations: migrations.map(({ tag, applied }) => ({ tag, applied })),
    configFile: kernel.config.configFile ?? null,
  };
}
