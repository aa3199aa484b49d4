export * from './client.ts';
export * from './migrate.ts';
export * from './lock.ts';
export * as schema from './schema.ts';
