import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { collectStatus, migrateDatabase, type Kernel } from '../kernel/index.ts';
import { addRoute } from './route.ts';

const statusSchema = z.object({
  version: z.string(),
  node: z.string(),
  profile: z.string(),
  pid: z.number(),
  storage: z.object({ kind: z.enum(['pglite', 'postgres']), location: z.string() }),
  events: z.enum(['in-process', 'postgres']),
  jobs: z.object({
    working: z.boolean(),
    queues: z.array(
      z.object({
        queue: z.string(),
        queued: z.number(),
        active: z.number(),
        failed: z.number(),
        deferred: z.number(),
      }),
    ),
  }),
  migrations: z.array(z.object({ tag: z.string(), applied: z.boolean() })),
  configFile: z.string().nullable(),
});

const migrationReportSchema = z.object({
  applied: z.array(z.string()),
  migrations: z.array(z.object({ tag: z.string(), createdAt: z.number(), applied: z.boolean() })),
});

/** Administration of the running instance; used by the `iza` CLI while a server holds the data. */
export function registerSystemRoutes(app: FastifyInstance, kernel: Kernel): void {
  addRoute(
    app,
    {
      method: 'GET',
      url: '/api/v1/system/status',
      access: 'system',
      tags: ['system'],
      summary: 'Versions, storage, migrations and queue depth of this instance',
      response: statusSchema,
    },
    async () => collectStatus(kernel),
  );

  addRoute(
    app,
    {
      method: 'POST',
      url: '/api/v1/system/migrate',
      access: 'system',
      tags: ['system'],
      summary: 'Applies pending database migrations (idempotent)',
      response: migrationReportSchema,
    },
    async () => migrateDatabase(kernel.database),
  );
}
