import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiskAccess } from './disk.ts';

/**
 * The organisation's folder as the only place workflows' files live: two organisations side by
 * side, and everything one could try to reach the other's files or the server's.
 */
describe('files confined to the organisation folder', () => {
  let filesDir: string;
  const A = '0190a1b2-aaaa-7000-8000-000000000001';
  const B = '0190a1b2-bbbb-7000-8000-000000000002';
  const disk = (orgId: string, maxFileBytes = 1024 * 1024) =>
    createDiskAccess({ filesDir, orgId, maxFileBytes });
  const put = async (path: string, text: string) => {
    await mkdir(dirname(join(filesDir, path)), { recursive: true });
    await writeFile(join(filesDir, path), text);
  };

  beforeEach(() => {
    filesDir = mkdtempSync(join(tmpdir(), 'iza-files-'));
  });
  afterEach(() => rmSync(filesDir, { recursive: true, force: true }));

  it('maps absolute and relative paths into the folder, made on first use with mode 0700', async () => {
    const a = disk(A);
    await a.write('/data/report.csv', Buffer.from('id\n1\n'));
    await a.write('./notes.txt', Buffer.from('n'));
    expect(await readFile(join(filesDir, A, 'data/report.csv'), 'utf8')).toBe('id\n1\n');
    expect(await readFile(join(filesDir, A, 'notes.txt'), 'utf8')).toBe('n');
    expect((await stat(join(filesDir, A))).mode & 0o777).toBe(0o700);
    expect((await stat(join(filesDir, A, 'data'))).mode & 0o777).toBe(0o700);
    expect((await a.read('data/report.csv')).toString()).toBe('id\n1\n');
    expect((await a.read('/notes.txt')).toString()).toBe('n');
  });

  it("never reaches another organisation's files: '..', absolute paths, globs", async () => {
    await put(`${B}/secret.txt`, 'B only');
    const a = disk(A);
    for (const path of [
      `../${B}/secret.txt`,
      `/../${B}/secret.txt`,
      `/data/../../${B}/secret.txt`,
      `..\\${B}\\secret.txt`,
      '../../etc/passwd',
    ]) {
      await expect(a.read(path), path).rejects.toThrow(/leads outside the organisation's folder/);
      await expect(a.write(path, Buffer.from('x')), path).rejects.toThrow(
        /leads outside the organisation's folder/,
      );
    }
    // An absolute path is the organisation's own: B's id as a folder name is just a name.
    await expect(a.read(`/${B}/secret.txt`)).rejects.toThrow(
      `The file "/${B}/secret.txt" could not be accessed.`,
    );
    await expect(a.glob(`../${B}/*`)).rejects.toThrow(/leads outside/);
    // Braces that would spell '..' never leave the folder: the walk stays inside it.
    expect(await a.glob(`{.,..}/${B}/*`)).toEqual([]);
    expect(await a.glob('{.,..}/*/*.txt')).toEqual([]);
    expect(await a.glob('/**/*')).toEqual([]);
    expect(await readFile(join(filesDir, B, 'secret.txt'), 'utf8')).toBe('B only');
    expect(await readdir(filesDir)).not.toContain('x');
  });

  it('refuses a NUL byte, naming the path', async () => {
    const a = disk(A);
    await expect(a.read('/data/a.txt\0.csv')).rejects.toThrow(
      /^The path "\/data\/a.txt\\u0000.csv" leads outside the organisation's folder \(a NUL byte\)$/,
    );
    await expect(a.write('a\0', Buffer.from('x'))).rejects.toThrow(/NUL/);
    await expect(a.glob('*\0')).rejects.toThrow(/NUL/);
  });

  it('refuses symbolic links planted in the folder that lead out of it, on read and on write', async () => {
    await put(`${B}/secret.txt`, 'B only');
    await put(`${A}/own.txt`, 'mine');
    const a = disk(A);
    await a.read('/own.txt');
    const link = (target: string, path: string) => symlink(target, join(filesDir, A, path));
    await link(join(filesDir, B, 'secret.txt'), 'stolen.txt');
    await link(join(filesDir, B), 'other-org');
    await link('/etc', 'etc');
    await link(join(filesDir, B, 'not-yet.txt'), 'dangling.txt');
    await link(join(filesDir, A, 'own.txt'), 'alias.txt');

    await expect(a.read('/stolen.txt')).rejects.toThrow(
      `The path "/stolen.txt" leads outside the organisation's folder (a symbolic link)`,
    );
    await expect(a.read('/other-org/secret.txt')).rejects.toThrow(/leads outside.*symbolic link/);
    await expect(a.read('/etc/passwd')).rejects.toThrow(/leads outside.*symbolic link/);
    // Writing through a link to a file, into a linked folder, or to a link to nothing.
    await expect(a.write('/stolen.txt', Buffer.from('x'))).rejects.toThrow(/symbolic link/);
    await expect(a.write('/other-org/planted.txt', Buffer.from('x'))).rejects.toThrow(
      /symbolic link/,
    );
    await expect(a.write('/other-org/new/deep.txt', Buffer.from('x'))).rejects.toThrow(
      /symbolic link/,
    );
    await expect(a.write('/dangling.txt', Buffer.from('x'))).rejects.toThrow(
      /symbolic link to a missing file/,
    );
    expect((await readdir(join(filesDir, B))).sort()).toEqual(['secret.txt']);
    expect(await readFile(join(filesDir, B, 'secret.txt'), 'utf8')).toBe('B only');

    // A link that stays inside works as the file it names.
    expect((await a.read('/alias.txt')).toString()).toBe('mine');
    await a.write('/alias.txt', Buffer.from('changed'));
    expect(await readFile(join(filesDir, A, 'own.txt'), 'utf8')).toBe('changed');

    // Globs do not walk into linked folders that lead out; a matching link is named, and
    // reading it then fails with the reason.
    expect(await a.glob('/**/*.txt')).toEqual([
      '/alias.txt',
      '/dangling.txt',
      '/own.txt',
      '/stolen.txt',
    ]);
    await expect(a.glob('/other-org/*.txt')).rejects.toThrow(/leads outside.*symbolic link/);
    await expect(a.glob('/stolen.txt')).rejects.toThrow(/leads outside.*symbolic link/);
  });

  it('selects files with patterns as fast-glob does for n8n', async () => {
    for (const path of [
      'data/a.csv',
      'data/b.csv',
      'data/c.txt',
      'data/.hidden.csv',
      'data/sub/d.csv',
      'alpha/f.txt',
      'beta/f.txt',
      'Report (final)/summary.pdf',
    ]) {
      await put(`${A}/${path}`, path);
    }
    const a = disk(A);
    expect(await a.glob('/data/*.csv')).toEqual(['/data/a.csv', '/data/b.csv']);
    expect(await a.glob('data/*.csv')).toEqual(['data/a.csv', 'data/b.csv']);
    expect(await a.glob('/data/**/*.csv')).toEqual([
      '/data/a.csv',
      '/data/b.csv',
      '/data/sub/d.csv',
    ]);
    expect(await a.glob('/{alpha,beta}/f.txt')).toEqual(['/alpha/f.txt', '/beta/f.txt']);
    expect(await a.glob('/data/.hidden.csv')).toEqual(['/data/.hidden.csv']);
    expect(await a.glob('/Report \\(final\\)/*.pdf')).toEqual(['/Report (final)/summary.pdf']);
    expect(await a.glob('/data/a.csv')).toEqual(['/data/a.csv']);
    expect(await a.glob('/data')).toEqual([]);
    expect(await a.glob('/nowhere/*.csv')).toEqual([]);
  });

  it('limits the size of what is read and written', async () => {
    const a = disk(A, 1024);
    await put(`${A}/big.bin`, 'x'.repeat(1025));
    await expect(a.read('/big.bin')).rejects.toThrow(
      /^The file "\/big.bin" is larger than the 1024 bytes a workflow may read or write \(it has 1025\)$/,
    );
    await expect(a.write('/out.bin', Buffer.alloc(1025))).rejects.toThrow(/larger than the 1024/);
    await a.write('/ok.bin', Buffer.alloc(1024));
  });

  it('appends, replaces, and says what is not a file', async () => {
    const a = disk(A);
    await a.write('/log.txt', Buffer.from('one\n'));
    await a.write('/log.txt', Buffer.from('two\n'), { append: true });
    expect((await a.read('/log.txt')).toString()).toBe('one\ntwo\n');
    await a.write('/log.txt', Buffer.from('new'));
    expect((await a.read('/log.txt')).toString()).toBe('new');
    await mkdir(join(filesDir, A, 'folder'));
    await expect(a.read('/folder')).rejects.toThrow(/is not a file/);
    await expect(a.write('/folder', Buffer.from('x'))).rejects.toThrow(/is not a file/);
    await expect(a.write('/log.txt/inside', Buffer.from('x'))).rejects.toThrow(
      /goes through a file/,
    );
    await expect(a.write('/dir/', Buffer.from('x'))).rejects.toThrow(/names a folder/);
    await expect(a.read('/missing.txt')).rejects.toThrow(
      'The file "/missing.txt" could not be accessed.',
    );
  });

  it('does not wait on a named pipe', async () => {
    const a = disk(A);
    await a.write('/x', Buffer.from(''));
    execFileSync('mkfifo', [join(filesDir, A, 'pipe')]);
    await expect(a.read('/pipe')).rejects.toThrow(/is not a file/);
    await expect(a.write('/pipe', Buffer.from('x'))).rejects.toThrow(/is not a file|written/);
  });

  it("never shows the server's real paths in its errors", async () => {
    const a = disk(A);
    await mkdir(join(filesDir, A), { recursive: true });
    for (const attempt of [
      () => a.read('/nope/x.txt'),
      () => a.read(`../${B}`),
      () => a.write('/a/b/c', Buffer.from('x')).then(() => a.write('/a/b/c/d', Buffer.from('x'))),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toBeDefined();
      expect(error?.message).not.toContain(filesDir);
    }
  });

  it('refuses an organisation id that is not a plain name', () => {
    for (const orgId of ['..', '../x', 'a/b', '', '.hidden']) {
      expect(() => disk(orgId)).toThrow(/not an organisation id/);
    }
  });
});
