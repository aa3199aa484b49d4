export * from './client.ts';
export * from './migrate.ts';
export * from './lock.ts';
export * from './data-dir.ts';
export * from './changes.ts';
export * as schema from './schema.ts';
