import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import picomatch from 'picomatch';
import { NodeError, type FileAccess } from '../engine/engine.types.ts';

/**
 * The file system of workflow nodes, confined to one organisation's folder.
 *
 * A path as a workflow writes it (`/data/report.csv`, `./cache.json`, `report.csv`) names a file
 * inside the folder: absolute and relative paths alike start at the folder's root, so
 * `/data/report.csv` is `<folder>/data/report.csv`. Refused, with an error naming the path: a
 * `..` segment, a NUL byte, and anything whose real path (symbolic links resolved) is outside the
 * folder. The real path is checked on every read and write, on the file and on each folder of its
 * path, and again on the open file (`/proc/self/fd`), so a link swapped in between the check and
 * the open is caught too. Globs walk the folder themselves: they never list a folder outside it.
 */

/** Entries (files and folders) one glob may look at before it fails. */
const MAX_GLOB_ENTRIES = 100_000;
/** Files one glob may select. */
const MAX_GLOB_MATCHES = 10_000;

export interface DiskOptions {
  /** The folder of every organisation's files (`IZA_WORKFLOWS_FILES_DIR`). */
  filesDir: string;
  /** The organisation whose folder this is (its id names the folder). */
  orgId: string;
  /** Largest file read or written, in bytes. */
  maxFileBytes: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The real path of one organisation's folder in `filesDir`, made (0700) when missing. Execute
 * Command's sandbox works in the same folder (`command.sandbox.ts`).
 */
export async function organisationFolder(filesDir: string, orgId: string): Promise<string> {
  if (!SAFE_ID.test(orgId)) throw new Error(`not an organisation id: ${JSON.stringify(orgId)}`);
  try {
    await mkdir(filesDir, { recursive: true, mode: 0o700 });
    const folder = join(filesDir, orgId);
    await mkdir(folder, { mode: 0o700 }).catch((error: unknown) => {
      if (code(error) !== 'EEXIST') throw error;
    });
    return await realpath(folder);
  } catch (error) {
    throw new NodeError(
      `The organisation's files folder is not available (${code(error) ?? 'error'})`,
      { cause: error },
    );
  }
}

/** Builds the file access of one organisation's executions. The folder is made (0700) on first use. */
export function createDiskAccess(options: DiskOptions): FileAccess {
  const { filesDir, orgId, maxFileBytes } = options;
  if (!SAFE_ID.test(orgId)) throw new Error(`not an organisation id: ${JSON.stringify(orgId)}`);
  let rootPromise: Promise<string> | undefined;
  const root = (): Promise<string> =>
    (rootPromise ??= organisationFolder(filesDir, orgId).catch((error: unknown) => {
      rootPromise = undefined;
      throw error;
    }));

  return {
    maxFileBytes,
    glob: (pattern, globOptions = {}) =>
      hostErrorsHidden(pattern, 'listed', async () =>
        globFiles(await root(), pattern, globOptions.extglob ?? true),
      ),
    read: (path) =>
      hostErrorsHidden(path, 'read', async () => readFileIn(await root(), path, maxFileBytes)),
    write: (path, bytes, writeOptions = {}) =>
      hostErrorsHidden(path, 'written', async () => {
        if (bytes.length > maxFileBytes) throw tooLarge(path, bytes.length, maxFileBytes);
        await writeFileIn(await root(), path, bytes, writeOptions.append === true);
      }),
  };
}

/**
 * Runs a file operation, turning the file system's errors (which name the server's real paths)
 * into errors naming the path as the workflow wrote it.
 */
async function hostErrorsHidden<T>(path: string, verb: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof NodeError) throw error;
    const reason = code(error);
    if (reason === 'ENOENT') throw notFound(path, error);
    throw new NodeError(`The file ${show(path)} could not be ${verb} (${reason ?? 'error'})`, {
      cause: error,
    });
  }
}

const show = (path: string) => JSON.stringify(path);

function outside(path: string, why: string): NodeError {
  return new NodeError(`The path ${show(path)} leads outside the organisation's folder (${why})`, {
    description:
      "Workflows read and write files only inside their organisation's folder: paths start at its root, and cannot leave it with '..' or through symbolic links.",
  });
}

function tooLarge(path: string, size: number, max: number): NodeError {
  return new NodeError(
    `The file ${show(path)} is larger than the ${max} bytes a workflow may read or write (it has ${size})`,
    { description: 'The limit is the setting IZA_WORKFLOWS_MAX_FILE_BYTES.' },
  );
}

function notAFile(path: string): NodeError {
  return new NodeError(`The path ${show(path)} is not a file (a folder, or a special file)`);
}

function notFound(path: string, cause?: unknown): NodeError {
  // n8n's message for a file that is not there.
  return new NodeError(`The file ${show(path)} could not be accessed.`, { cause });
}

/** The path's segments inside the folder, refusing what could lead out of it. */
function segmentsOf(path: string): string[] {
  if (typeof path !== 'string' || path.trim() === '') throw new NodeError('No file path was given');
  if (path.includes('\0')) throw outside(path, 'a NUL byte');
  // Backslashes separate folders on Windows: `..\` is refused there and here alike.
  if (path.split(/[\\/]/).includes('..')) throw outside(path, "'..'");
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

const isInside = (root: string, real: string) => real === root || real.startsWith(root + sep);

const code = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/** The real path of what `full` names, checked to be inside `root`; undefined if it is not there. */
async function realInside(root: string, full: string, path: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(full);
  } catch (error) {
    if (code(error) !== 'ENOENT' && code(error) !== 'ENOTDIR') throw error;
    // A link to nothing could still be followed when creating: where would it lead?
    if ((await lstat(full).catch(() => undefined))?.isSymbolicLink()) {
      throw outside(path, 'a symbolic link to a missing file');
    }
    return undefined;
  }
  if (!isInside(root, real)) throw outside(path, 'a symbolic link');
  return real;
}

/** Where an open file really is (Linux: `/proc/self/fd`); checked once more after the open. */
async function checkOpened(root: string, handle: FileHandle, path: string): Promise<void> {
  const where = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (where !== undefined && !isInside(root, where)) throw outside(path, 'a symbolic link');
}

async function readFileIn(root: string, path: string, max: number): Promise<Buffer> {
  const segments = segmentsOf(path);
  const real = await realInside(root, join(root, ...segments), path);
  if (real === undefined) throw notFound(path);
  // Non-blocking: opening a named pipe must not wait for a writer.
  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    await checkOpened(root, handle, path);
    const info = await handle.stat();
    if (!info.isFile()) throw notAFile(path);
    if (info.size > max) throw tooLarge(path, info.size, max);
    // Read to the end, but never past the limit: the file may grow while it is read.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, max + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) throw tooLarge(path, total, max);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

async function writeFileIn(
  root: string,
  path: string,
  bytes: Uint8Array,
  append: boolean,
): Promise<void> {
  const segments = segmentsOf(path);
  const name = segments.pop();
  if (name === undefined || path.endsWith('/')) {
    throw new NodeError(`The path ${show(path)} names a folder, not a file`);
  }
  // Each folder on the path, made if missing (0700), its real path checked before going in.
  let folder = root;
  for (const segment of segments) {
    const next = join(folder, segment);
    let real = await realInside(root, next, path);
    if (real === undefined) {
      await mkdir(next, { mode: 0o700 }).catch((error: unknown) => {
        if (code(error) !== 'EEXIST') throw error;
      });
      real = await realInside(root, next, path);
      if (real === undefined) throw notFound(path);
    }
    if (!(await stat(real)).isDirectory()) {
      throw new NodeError(`The path ${show(path)} goes through a file, not a folder`);
    }
    folder = real;
  }
  const target = (await realInside(root, join(folder, name), path)) ?? join(folder, name);
  // Not truncated before the open file is known to be inside the folder.
  let handle: FileHandle;
  try {
    handle = await open(
      target,
      constants.O_WRONLY |
        constants.O_CREAT |
        constants.O_NOFOLLOW |
        constants.O_NONBLOCK |
        (append ? constants.O_APPEND : 0),
      0o600,
    );
  } catch (error) {
    if (code(error) === 'EISDIR') throw notAFile(path);
    throw error;
  }
  try {
    await checkOpened(root, handle, path);
    if (!(await handle.stat()).isFile()) throw notAFile(path);
    if (!append) await handle.truncate(0);
    await handle.write(bytes);
  } finally {
    await handle.close();
  }
}

const unescape = (text: string) => text.replace(/\\(.)/g, '$1');

/**
 * The files a pattern selects inside `root`, as fast-glob answers n8n: files only (links to
 * files too), `*` and `**` skipping names that start with a dot, names relative to the pattern's
 * root, absolute when the pattern is.
 */
async function globFiles(root: string, pattern: string, extglob: boolean): Promise<string[]> {
  const absolute = pattern.startsWith('/');
  const segments = segmentsOf(pattern);
  const relative = segments.join('/');
  const name = (rel: string) => (absolute ? `/${rel}` : rel);
  if (relative === '') return [];
  const scan = picomatch.scan(relative);
  if (!scan.isGlob) {
    // One file, named as written; a link out of the folder fails here with the reason.
    const rel = unescape(relative);
    const real = await realInside(root, join(root, ...rel.split('/')), pattern);
    return real !== undefined && (await stat(real)).isFile() ? [name(rel)] : [];
  }
  const base = unescape(scan.base);
  const start =
    base === '' ? root : await realInside(root, join(root, ...base.split('/')), pattern);
  if (start === undefined) return [];
  const matches = picomatch(relative, { dot: false, noextglob: !extglob });
  const depth = relative.includes('**') ? Infinity : relative.split('/').length;
  const found: string[] = [];
  const visited = new Set<string>([start]);
  const queue: { real: string; rel: string }[] = [{ real: start, rel: base }];
  let seen = 0;
  while (queue.length > 0) {
    const { real, rel } = queue.shift()!;
    let entries: Dirent[];
    try {
      entries = await readdir(real, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (++seen > MAX_GLOB_ENTRIES) {
        throw new NodeError(
          `The file selector ${show(pattern)} looks at more than ${MAX_GLOB_ENTRIES} files and folders`,
        );
      }
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const childFull = join(real, entry.name);
      let isDirectory = entry.isDirectory();
      let childReal = childFull;
      if (!isDirectory && !entry.isFile() && !entry.isSymbolicLink()) continue;
      if (entry.isSymbolicLink()) {
        const target = await realpath(childFull).catch(() => undefined);
        if (target !== undefined && isInside(root, target)) {
          isDirectory = (await stat(target)).isDirectory();
          childReal = target;
        } else {
          // A link leading out is not walked into; one matching the pattern is named, so that
          // reading it fails with the reason.
          isDirectory = false;
        }
      }
      if (isDirectory) {
        if (childRel.split('/').length < depth && !visited.has(childReal)) {
          visited.add(childReal);
          queue.push({ real: childReal, rel: childRel });
        }
      } else if (matches(childRel)) {
        if (found.length === MAX_GLOB_MATCHES) {
          throw new NodeError(
            `The file selector ${show(pattern)} selects more than ${MAX_GLOB_MATCHES} files`,
          );
        }
        found.push(childRel);
      }
    }
  }
  return found.sort().map(name);
}
