import { Option } from 'commander';
import { loadConfig, type Config, type LoadConfigOptions } from '../kernel/essentials.ts';

/** Flags many commands share. */
export interface CommonFlags {
  dataDir?: string;
  json?: boolean;
}

export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'data folder of the embedded database (IZA_DATA_DIR)');
export const jsonOption = () => new Option('--json', 'print JSON instead of a table');

/** The configuration, with command-line flags winning over environment and file. */
export function configFrom(
  flags: CommonFlags & { port?: string; host?: string; jobs?: boolean },
): Config {
  const overrides: NonNullable<LoadConfigOptions['overrides']> = {};
  if (flags.dataDir !== undefined)
    overrides['--data-dir'] = { path: ['dataDir'], value: flags.dataDir };
  if (flags.port !== undefined) overrides['--port'] = { path: ['port'], value: flags.port };
  if (flags.host !== undefined) overrides['--host'] = { path: ['host'], value: flags.host };
  if (flags.jobs === false) overrides['--no-jobs'] = { path: ['jobs', 'enabled'], value: false };
  return loadConfig({ overrides });
}
