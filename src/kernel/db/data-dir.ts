import { chmodSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';

/** Permission bits for the group and for others: none of them may be set in the data folder. */
const GROUP_AND_OTHERS = 0o077;

export interface DataDirProtection {
  /** Files and folders whose mode was narrowed to the owner (0700 / 0600). */
  fixed: number;
  /** Whether the folder belongs to another user (left as it is, with a warning). */
  foreignOwner: boolean;
}

/**
 * Makes the data folder and everything the process writes in it readable by its owner only:
 *
 * - the process umask gains 077 first, so every file created from now on (PGlite's files, which
 *   it creates 0666 and 0777 less the umask; the key file, the lock, the local administrator
 *   token) gets no group or other permissions, whatever the umask the process was started with;
 * - the folder is created 0700, or, when it exists and belongs to this user, narrowed to 0700,
 *   with every file and folder inside narrowed the same way (data written by older versions);
 * - a folder that belongs to another user is left alone, with a warning.
 *
 * Call it before the embedded database opens the folder.
 */
export function protectDataDir(dataDir: string, log: Logger): DataDirProtection {
  restrictUmask(log);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const stat = lstatSync(dataDir);
  if (uid !== undefined && stat.uid !== uid) {
    log.warn(
      { dataDir, owner: stat.uid, user: uid, mode: modeText(stat) },
      'the data folder belongs to another user: its permissions are left as they are; make sure only the user running IZA OS can read it',
    );
    return { fixed: 0, foreignOwner: true };
  }
  const fixed = narrowDataDir(dataDir);
  if (fixed > 0) {
    log.warn(
      { dataDir, fixed },
      'the data folder held files other users could read: narrowed to its owner (0700 / 0600)',
    );
  }
  return { fixed, foreignOwner: false };
}

/** Adds 077 to the process umask (Windows and worker threads have none to change). */
function restrictUmask(log: Logger): void {
  if (process.platform === 'win32') return;
  try {
    const previous = process.umask(GROUP_AND_OTHERS);
    process.umask(previous | GROUP_AND_OTHERS);
  } catch (error) {
    log.warn({ err: error }, 'cannot set the umask: files may be created readable by others');
  }
}

/**
 * Narrows the folder and every file and folder in it that this user owns to the owner (0700 /
 * 0600); symbolic links are not followed. PGlite writes its initial database files with an
 * explicit mode (0666), which the umask does not narrow: the embedded database's opening calls
 * this again once PGlite has written them.
 * @returns how many modes it changed.
 */
export function narrowDataDir(root: string): number {
  const uid = process.getuid?.();
  let fixed = 0;
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop()!;
    let stat: Stats;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // gone meanwhile
    }
    if (stat.isSymbolicLink() || (uid !== undefined && stat.uid !== uid)) continue;
    if ((stat.mode & GROUP_AND_OTHERS) !== 0) {
      chmodSync(path, stat.mode & 0o7700);
      fixed++;
    }
    if (stat.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
  }
  return fixed;
}

function modeText(stat: Stats): string {
  return (stat.mode & 0o777).toString(8).padStart(4, '0');
}
