import { Gunzip, Unzip, UnzipInflate, gzipSync, zipSync, type Zippable } from 'fflate';
import { NodeError } from '../engine/engine.types.ts';

/**
 * Zip and gzip archives in memory (fflate), unpacked within a limit: the bytes produced are
 * counted as they come, so an archive that claims little and unpacks to much (a zip bomb) stops
 * at the limit, holding little more than the limit.
 */

/** Most entries a zip archive may have (n8n's default, `N8N_COMPRESSION_NODE_MAX_ZIP_ENTRIES`). */
export const MAX_ZIP_ENTRIES = 1000;

/**
 * Compressed input is fed this much at a time: deflate expands at most about 1032 times, so no
 * single piece of output passes ~16 MB before it is counted.
 */
const CHUNK = 16 * 1024;

/** The error past the limit, in n8n's words. */
export function unpackedTooLarge(limit: number): NodeError {
  return new NodeError(
    `The decompressed output exceeds the maximum allowed size of ${Math.round(limit / (1024 * 1024))} MB`,
    {
      description: `At most ${limit} bytes are unpacked per node run (IZA_WORKFLOWS_MAX_FILE_BYTES).`,
    },
  );
}

function feed(data: Uint8Array, push: (chunk: Uint8Array, final: boolean) => void): void {
  if (data.length === 0) push(data, true);
  for (let at = 0; at < data.length; at += CHUNK) {
    push(data.subarray(at, at + CHUNK), at + CHUNK >= data.length);
  }
}

/** Counts bytes unpacked against a limit (one per node run: archives share it). */
export type Budget = ReturnType<typeof budgetOf>;

export function budgetOf(limit: number) {
  const budget = {
    limit,
    used: 0,
    take(bytes: number): void {
      budget.used += bytes;
      if (budget.used > limit) throw unpackedTooLarge(limit);
    },
  };
  return budget;
}

function joined(chunks: Uint8Array[], size: number): Buffer {
  return Buffer.concat(chunks, size);
}

/**
 * The files of a zip archive by name (folders left out), in the archive's order; fails past
 * `limit` bytes unpacked in all, or past `MAX_ZIP_ENTRIES` files.
 */
export function boundedUnzip(data: Uint8Array, budget: Budget): Map<string, Buffer> {
  // A zip starts with a file's header, or is empty (the end of its directory only).
  const signature = Buffer.from(data.subarray(0, 4)).toString('hex');
  if (signature !== '504b0304' && signature !== '504b0506') {
    throw new NodeError('The zip data could not be decompressed: invalid zip data');
  }
  const files = new Map<string, Buffer>();
  const pending: { name: string; chunks: Uint8Array[]; size: number; done: boolean }[] = [];
  let failure: unknown;
  const unzip = new Unzip((file) => {
    if (file.name.endsWith('/')) return;
    if (pending.length === MAX_ZIP_ENTRIES) {
      throw new NodeError(`The archive contains more than ${MAX_ZIP_ENTRIES} entries`);
    }
    // A size the archive admits to is refused before any work; the count below is the rule.
    if (file.originalSize !== undefined && budget.used + file.originalSize > budget.limit) {
      throw unpackedTooLarge(budget.limit);
    }
    const entry = { name: file.name, chunks: [] as Uint8Array[], size: 0, done: false };
    pending.push(entry);
    file.ondata = (error, chunk, final) => {
      if (failure !== undefined) return;
      if (error) {
        failure = error;
        return;
      }
      try {
        budget.take(chunk.length);
      } catch (tooLarge) {
        failure = tooLarge;
        file.terminate();
        return;
      }
      entry.chunks.push(chunk);
      entry.size += chunk.length;
      entry.done = final;
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    feed(data, (chunk, final) => {
      if (failure === undefined) unzip.push(chunk, final);
    });
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw archiveError(failure, 'zip');
  for (const entry of pending) {
    if (!entry.done) throw new NodeError(`The zip archive is incomplete: "${entry.name}" is cut`);
    files.set(entry.name, joined(entry.chunks, entry.size));
  }
  return files;
}

/** The content of gzip data (every member); fails past the budget. */
export function boundedGunzip(data: Uint8Array, budget: Budget): Buffer {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  const gunzip = new Gunzip((chunk, final) => {
    budget.take(chunk.length);
    chunks.push(chunk);
    size += chunk.length;
    done = final;
  });
  try {
    feed(data, (chunk, final) => gunzip.push(chunk, final));
  } catch (error) {
    throw archiveError(error, 'gzip');
  }
  if (!done) throw new NodeError('The gzip data is incomplete');
  return joined(chunks, size);
}

function archiveError(error: unknown, kind: string): Error {
  if (error instanceof NodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new NodeError(`The ${kind} data could not be decompressed: ${message}`, { cause: error });
}

/** A zip archive of the files, each stored (`level` 0) or deflated at `level`. */
export function zipFiles(files: Map<string, { bytes: Uint8Array; level: 0 | 6 }>): Buffer {
  const zippable: Zippable = Object.create(null) as Zippable;
  for (const [name, { bytes, level }] of files) zippable[name] = [bytes, { level }];
  return Buffer.from(zipSync(zippable));
}

export const gzipBytes = (bytes: Uint8Array): Buffer => Buffer.from(gzipSync(bytes));
