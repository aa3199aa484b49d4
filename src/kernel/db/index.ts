export * from './client.ts';
export * from './migrate.ts';
export * from './lock.ts';
export * from './data-dir.ts';
export * as schema from './schema.ts';
