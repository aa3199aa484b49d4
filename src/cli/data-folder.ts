import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, type Config } from '../kernel/essentials.ts';

/**
 * Which data folder a command uses, and whether it may create one. Only the commands that set
 * an installation up (`iza start`, `iza worker`, `iza migrate`, `iza user create-admin`) create
 * a missing data folder, and say so; every other command refuses, naming the folder it looked
 * for, so that running `iza` in the wrong folder never leaves an empty installation behind.
 */

/** Whether the configured data folder holds an embedded database (always true on a server). */
export function hasDatabase(config: Config): boolean {
  return config.databaseUrl !== undefined || existsSync(join(config.dataDir, 'pgdata'));
}

/** @throws UserError naming the folder and how to choose another, when it holds no database. */
export function requireDataFolder(config: Config): void {
  if (hasDatabase(config)) return;
  throw new UserError(
    'no_data_folder',
    `No IZA OS installation in ${config.dataDir} (the data folder of this command). ` +
      `Run iza where your installation is, choose its folder with --data-dir <folder> or ` +
      `IZA_DATA_DIR, or set a new one up there with iza start (or iza migrate).`,
    { status: 404 },
  );
}

/**
 * For commands that may create the data folder: call before opening the database; returns a
 * function to call once it is open, which says (once, on standard error) that it was created.
 */
export function announceCreation(config: Config): () => void {
  if (hasDatabase(config)) return () => undefined;
  return () => {
    process.stderr.write(`iza: created the data folder ${config.dataDir}\n`);
  };
}

/** How the status shows where the data lives. */
export function dataFolderLine(config: Config): string {
  return config.databaseUrl === undefined ? config.dataDir : 'none (DATABASE_URL is set)';
}
