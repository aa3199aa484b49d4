import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs, tempDir } from '../../../test/helpers/kernel.ts';
import { openDatabase } from './client.ts';
import { protectDataDir } from './data-dir.ts';

const mode = (path: string) => lstatSync(path).mode & 0o777;

/** Every path under `root` (itself included) whose mode lets the group or others in. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const path = pending.pop()!;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) pending.push(join(path, name));
  }
  return found;
}

describe.skipIf(process.platform === 'win32')('the data folder is its owner’s alone', () => {
  const dirs: { remove(): void }[] = [];
  let umask: number | undefined;
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
    if (umask !== undefined) process.umask(umask);
    umask = undefined;
  });
  const folder = () => {
    const d = tempDir('iza-data-dir-');
    dirs.push(d);
    return d.path;
  };

  it(
    'keeps PGlite’s files, the lock and older files from other users, whatever the umask',
    { timeout: 180_000 },
    async () => {
      // The worst start: a umask of 0 and a folder an older version left readable by everyone.
      umask = process.umask(0);
      const dir = folder();
      chmodSync(dir, 0o777);
      writeFileSync(join(dir, 'master.key'), 'old key', { mode: 0o644 });
      mkdirSync(join(dir, 'exports'), { mode: 0o755 });
      writeFileSync(join(dir, 'exports', 'report.csv'), 'a,b', { mode: 0o666 });
      const { log, lines } = captureLogs('info');

      const handle = await openDatabase({ target: { kind: 'pglite', dataDir: dir }, log });
      try {
        // A new table: new files PostgreSQL creates while it runs.
        await handle.pglite!.exec("create table probe (a text); insert into probe values ('x')");
        writeFileSync(join(dir, 'written-later.txt'), 'after opening');
        expect(openToOthers(dir)).toEqual([]);
        expect(mode(dir)).toBe(0o700);
        expect(mode(join(dir, 'iza.lock'))).toBe(0o600);
        expect(mode(join(dir, 'written-later.txt'))).toBe(0o600);
      } finally {
        await handle.close();
      }
      expect(lines().some((l) => l.level === 'WARN' && l.fixed === 4)).toBe(true);
    },
  );

  it('creates a missing folder 0700 and leaves symbolic links alone', () => {
    const parent = folder();
    const target = join(parent, 'elsewhere.txt');
    writeFileSync(target, 'not ours to change', { mode: 0o644 });
    const dir = join(parent, 'new', 'data');
    protectDataDir(dir, captureLogs().log);
    expect(mode(dir)).toBe(0o700);
    symlinkSync(target, join(dir, 'link'));
    expect(protectDataDir(dir, captureLogs().log).fixed).toBe(0);
    expect(mode(target)).toBe(0o644);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'warns about a folder that belongs to another user and leaves it as it is',
    () => {
      const dir = folder();
      chmodSync(dir, 0o755);
      chownSync(dir, 65534, 65534);
      const { log, lines } = captureLogs('info');
      expect(protectDataDir(dir, log)).toEqual({ fixed: 0, foreignOwner: true });
      expect(mode(dir)).toBe(0o755);
      const warning = lines().find((l) => l.level === 'WARN');
      expect(warning?.message).toContain('belongs to another user');
      expect(warning).toMatchObject({ owner: 65534, mode: '0755' });
    },
  );
});
