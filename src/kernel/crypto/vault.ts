import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.ts';
import { ErrorCodes, OperationalError, UnexpectedError, UserError } from '../errors.ts';

/**
 * The vault seals values at rest (organisation secrets, TOTP secrets) with AES-256-GCM.
 *
 * A sealed value is `v1.<kid>.<iv>.<tag>.<ciphertext>` (base64url parts): the key id says which
 * key of the keyring opens it, so a key can be rotated while older values still open. The keys
 * come either from `IZA_MASTER_KEY` (one key, nothing on disk) or from a key file holding a small
 * JSON keyring, created on first use:
 *
 * ```json
 * { "version": 1, "primary": "1a2b3c4d", "keys": { "1a2b3c4d": "<base64 of 32 bytes>" } }
 * ```
 */

export const VaultErrorCodes = {
  keyFileInvalid: 'key_file_invalid',
  keyFileWriteFailed: 'key_file_write_failed',
  sealedMalformed: 'sealed_value_malformed',
  sealedUnknownKey: 'sealed_value_unknown_key',
  sealedRejected: 'sealed_value_rejected',
  rotationUnavailable: 'key_rotation_unavailable',
  rotationInProgress: 'key_rotation_in_progress',
} as const;

/** What sealing and opening need; what `rotate` hands to its re-encryption callback. */
export interface Cipher {
  /** The key id new seals use. */
  readonly primaryKid: string;
  /**
   * Seals `plaintext` with the primary key and a fresh random IV.
   * @param aad binds the value to its place (e.g. `secret:<orgId>:<name>`): `open` must be given
   *   the same string, so a sealed value copied into another row does not open. Default `''`.
   */
  seal(plaintext: string, aad?: string): string;
  /**
   * Opens a value sealed by `seal` with the same `aad`.
   * @throws UnexpectedError `sealed_value_malformed`, `sealed_value_unknown_key` or
   *   `sealed_value_rejected` (tampered, or another `aad`); never returns garbage.
   */
  open(sealed: string, aad?: string): string;
}

export interface KeyRotation {
  oldKid: string;
  newKid: string;
  /** How many values the callback re-sealed. */
  reencrypted: number;
  /** Every key removed from the keyring (the old primary, and any left by an interrupted rotation). */
  retired: string[];
}

export interface Vault extends Cipher {
  /** `master-key`: the single key given in configuration; `key-file`: the keyring file. */
  readonly source: 'master-key' | 'key-file';
  /** The key file, in `key-file` mode. */
  readonly keyFile: string | undefined;
  /** The key ids this vault can open, primary first. */
  keyIds(): string[];
  /** Whether `sealed` was sealed with a key other than the primary (so a rotation left it behind). */
  needsReseal(sealed: string): boolean;
  /**
   * Replaces the primary key, crash-safely:
   * 1. the new key is added to the key file as primary, the old one kept;
   * 2. `reencrypt` re-seals every stored value (in one database transaction) with the vault it
   *    is given, and returns how many;
   * 3. only then are the old keys removed from the file.
   *
   * If anything fails before step 3, both keys stay in the file and every value still opens.
   * `reencrypt` must reach every sealed value there is: one it misses cannot be opened after.
   * @throws UserError `key_rotation_unavailable` in `master-key` mode.
   */
  rotate(reencrypt: (cipher: Cipher) => Promise<number>): Promise<KeyRotation>;
}

export interface OpenVaultOptions {
  /** Base64 of 32 bytes (`IZA_MASTER_KEY`). When given, the key file is not used. */
  masterKey?: string | undefined;
  /** The keyring file (`IZA_MASTER_KEY_FILE`); created, mode 0600, when missing. */
  keyFile: string;
  /** Dates new keys in the key file. */
  clock?: Clock;
}

/** Thrown when rotation is asked of a vault whose only key comes from `IZA_MASTER_KEY`. */
export class KeyRotationUnavailableError extends UserError {
  constructor(keyFile: string) {
    super(
      VaultErrorCodes.rotationUnavailable,
      'The master key comes from IZA_MASTER_KEY, so it cannot be rotated: rotation must open every ' +
        'value with the old key while sealing it with the new one, and the variable holds only one ' +
        `key. To rotate, move the key into a key file (${keyFile}: {"version":1,"primary":"<kid>",` +
        '"keys":{"<kid>":"<the key>"}} where <kid> is the first 8 hex digits of the SHA-256 of the ' +
        'key bytes, mode 0600), unset IZA_MASTER_KEY, then run `iza secrets rotate-key`.',
      { status: 409 },
    );
  }
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';
// The kid sits between dots in a sealed value, so it must not contain one.
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The key id of a key: the first 8 hex digits of SHA-256 of its 32 bytes. Derived rather than
 * random so the same key has the same id in `IZA_MASTER_KEY` and in a key file: an operator can
 * move it from one to the other and every value still opens. 32 bits of a hash of a random
 * 256-bit key reveal nothing usable about it.
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Opens the vault: the single `masterKey` when given, otherwise the key file (created with a new
 * random key on first use).
 * @throws UserError `key_file_invalid` naming the file when it is unreadable, not valid, readable
 *   by group or others, or holds a key that is not 32 bytes.
 */
export function openVault(options: OpenVaultOptions): Vault {
  const clock = options.clock ?? systemClock;
  const keyFile = options.keyFile;
  const fromEnv = options.masterKey !== undefined;
  let ring: Keyring = fromEnv
    ? masterKeyring(options.masterKey ?? '')
    : loadOrCreateKeyring(keyFile, clock);
  let rotating = false;

  /** Another process (a rotation by `iza secrets rotate-key`) may have changed the key file. */
  function keyFor(kid: string): Buffer | undefined {
    const key = ring.keys.get(kid);
    if (key || fromEnv) return key;
    ring = readKeyring(keyFile);
    return ring.keys.get(kid);
  }

  const vault: Vault = {
    source: fromEnv ? 'master-key' : 'key-file',
    keyFile: fromEnv ? undefined : keyFile,
    get primaryKid() {
      return ring.primary;
    },

    keyIds() {
      return [ring.primary, ...[...ring.keys.keys()].filter((kid) => kid !== ring.primary)];
    },

    seal(plaintext, aad = '') {
      const kid = ring.primary;
      const key = ring.keys.get(kid);
      if (!key) throw new UnexpectedError(ErrorCodes.internal, `The primary key ${kid} is missing`);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(kid, aad));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [FORMAT, kid, b64url(iv), b64url(tag), b64url(ciphertext)].join('.');
    },

    open(sealed, aad = '') {
      const parts = parseSealed(sealed);
      const key = keyFor(parts.kid);
      if (!key) {
        throw new UnexpectedError(
          VaultErrorCodes.sealedUnknownKey,
          `The value was sealed with key ${parts.kid}, which this vault does not hold ` +
            (fromEnv
              ? `(IZA_MASTER_KEY is key ${ring.primary}): was the master key changed?`
              : `(keys: ${vault.keyIds().join(', ')}): the key file ${keyFile} may be missing a key, ` +
                'or be another installation’s'),
          { details: { kid: parts.kid } },
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(additionalData(parts.kid, aad));
      decipher.setAuthTag(parts.tag);
      try {
        return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString(
          'utf8',
        );
      } catch (error) {
        throw new UnexpectedError(
          VaultErrorCodes.sealedRejected,
          `A sealed value (key ${parts.kid}) failed authentication: it was altered, or it belongs ` +
            'to another place than the one it was read from',
          { cause: error },
        );
      }
    },

    needsReseal(sealed) {
      return parseSealed(sealed).kid !== ring.primary;
    },

    async rotate(reencrypt) {
      if (fromEnv) throw new KeyRotationUnavailableError(keyFile);
      if (rotating) {
        throw new UserError(
          VaultErrorCodes.rotationInProgress,
          'A key rotation is already running in this process',
          { status: 409 },
        );
      }
      rotating = true;
      try {
        // The file, not memory, is the truth: another process may have changed it since we read it.
        const before = readKeyring(keyFile);
        const oldKid = before.primary;
        let key = randomBytes(KEY_BYTES);
        while (before.keys.has(keyIdOf(key))) key = randomBytes(KEY_BYTES);
        const newKid = keyIdOf(key);
        const during: Keyring = {
          primary: newKid,
          keys: new Map([...before.keys, [newKid, key]]),
          created: { ...before.created, [newKid]: clock.now().toISOString() },
        };
        // Durable before anything is sealed with the new key, so a crash cannot orphan a value.
        writeKeyringFile(keyFile, during, 'replace');
        ring = during;

        const reencrypted = await reencrypt(vault);

        const retired = [...before.keys.keys()];
        const after: Keyring = {
          primary: newKid,
          keys: new Map([[newKid, key]]),
          created: pick(during.created, newKid),
        };
        try {
          writeKeyringFile(keyFile, after, 'replace');
        } catch (error) {
          throw new OperationalError(
            VaultErrorCodes.keyFileWriteFailed,
            `Every value is now sealed with key ${newKid}, but the old key(s) ${retired.join(', ')} ` +
              `could not be removed from ${keyFile}: ${(error as Error).message}. Everything still ` +
              'opens; run the rotation again once the file is writable.',
            { cause: error },
          );
        }
        ring = after;
        return { oldKid, newKid, reencrypted, retired };
      } finally {
        rotating = false;
      }
    },
  };
  return vault;
}

interface Keyring {
  primary: string;
  keys: Map<string, Buffer>;
  /** When each key was made (ISO 8601), so an operator can see a key's age; informational. */
  created: Record<string, string>;
}

const KeyFileSchema = z.strictObject({
  version: z.literal(1),
  primary: z.string().regex(KID_PATTERN, 'must be a key id of letters, digits, _ or -'),
  keys: z
    .record(
      z.string().regex(KID_PATTERN, 'must be a key id of letters, digits, _ or -'),
      z.string().refine(isKeyBase64, `must be ${KEY_BYTES} bytes in base64`),
    )
    .refine((keys) => Object.keys(keys).length > 0, 'must hold at least one key'),
  created: z.record(z.string(), z.string()).optional(),
});

function masterKeyring(masterKey: string): Keyring {
  const key = Buffer.from(masterKey, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new UserError(
      VaultErrorCodes.keyFileInvalid,
      `IZA_MASTER_KEY must be ${KEY_BYTES} bytes in base64 (it decodes to ${key.length})`,
    );
  }
  const kid = keyIdOf(key);
  return { primary: kid, keys: new Map([[kid, key]]), created: {} };
}

function loadOrCreateKeyring(path: string, clock: Clock): Keyring {
  try {
    return readKeyring(path);
  } catch (error) {
    if (!(error instanceof MissingKeyFile)) throw error;
  }
  const key = randomBytes(KEY_BYTES);
  const kid = keyIdOf(key);
  const fresh: Keyring = {
    primary: kid,
    keys: new Map([[kid, key]]),
    created: { [kid]: clock.now().toISOString() },
  };
  // Exclusive: when two processes start at once, one key wins and both use it.
  if (writeKeyringFile(path, fresh, 'create')) return fresh;
  return readKeyring(path);
}

class MissingKeyFile extends UserError {}

function readKeyring(path: string): Keyring {
  const invalid = (why: string, cause?: unknown) =>
    new UserError(VaultErrorCodes.keyFileInvalid, `The key file ${path} ${why}`, {
      ...(cause === undefined ? {} : { cause }),
    });
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw invalid('is not a regular file');
    // Windows has no such mode bits; elsewhere a key others can read is a key others have.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw invalid(
        `can be read by other users (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}): ` +
          `make it private with \`chmod 600 ${path}\`, and consider the key disclosed`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MissingKeyFile(VaultErrorCodes.keyFileInvalid, `The key file ${path} is missing`);
    }
    if (error instanceof UserError) throw error;
    throw invalid(`cannot be read: ${(error as Error).message}`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`is not valid JSON: ${(error as Error).message}`, error);
  }
  const parsed = KeyFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.path.length > 0
        ? `${issue.path.map(String).join('.')}: ${issue.message}`
        : issue.message,
    );
    throw invalid(`is not a valid keyring (${problems.join('; ')})`);
  }
  const { primary, keys, created } = parsed.data;
  if (!(primary in keys)) throw invalid(`names primary key ${primary}, which it does not hold`);
  return {
    primary,
    keys: new Map(Object.entries(keys).map(([kid, key]) => [kid, Buffer.from(key, 'base64')])),
    created: created ?? {},
  };
}

/**
 * Writes the keyring atomically: a private temp file in the same folder, fsynced, then moved into
 * place, so a crash leaves the old file or the new one, never half of one. `create` refuses to
 * replace an existing file (returns false), `replace` swaps it.
 */
function writeKeyringFile(path: string, ring: Keyring, mode: 'create' | 'replace'): boolean {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify(
    {
      version: 1,
      primary: ring.primary,
      keys: Object.fromEntries([...ring.keys].map(([kid, key]) => [kid, key.toString('base64')])),
      created: ring.created,
    },
    null,
    2,
  )}\n`;
  const temp = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    // The umask could have narrowed the mode further, even to unreadable by the owner.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let written = true;
  try {
    if (mode === 'replace') {
      renameSync(temp, path);
    } else {
      try {
        linkSync(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        written = false;
      }
    }
  } finally {
    // After a rename there is nothing left to remove; after a link or a failure, the temp file.
    unlinkQuietly(temp);
  }
  syncFolder(folder);
  return written;
}

/** Makes a rename durable; some platforms cannot open a folder for fsync, and lose nothing by it. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already moved or gone
  }
}

interface SealedParts {
  kid: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseSealed(sealed: string): SealedParts {
  const malformed = (why: string) =>
    new UnexpectedError(VaultErrorCodes.sealedMalformed, `A sealed value is malformed: ${why}`);
  const parts = sealed.split('.');
  if (parts.length !== 5) throw malformed(`it has ${parts.length} parts instead of 5`);
  const [format, kid, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  // Never quote the value: a plaintext passed here by mistake would end up in a log.
  if (format !== FORMAT) throw malformed(`it does not start with ${FORMAT}`);
  if (!KID_PATTERN.test(kid)) throw malformed('the key id is not valid');
  const decoded = {
    kid,
    iv: fromB64url(iv),
    tag: fromB64url(tag),
    ciphertext: fromB64url(ciphertext),
  };
  if (!decoded.iv || decoded.iv.length !== IV_BYTES) throw malformed('the IV is not 12 bytes');
  // A short tag would be accepted by GCM and weaken it: only the full 16 bytes will do.
  if (!decoded.tag || decoded.tag.length !== TAG_BYTES) throw malformed('the tag is not 16 bytes');
  if (!decoded.ciphertext) throw malformed('the ciphertext is not base64url');
  return { kid, iv: decoded.iv, tag: decoded.tag, ciphertext: decoded.ciphertext };
}

/** The header is authenticated too, so no part of a sealed value can change unnoticed. */
function additionalData(kid: string, aad: string): Buffer {
  return Buffer.from(`${FORMAT}.${kid}\n${aad}`, 'utf8');
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Decodes strict base64url: Node ignores stray characters and spare bits, so re-encode to check. */
function fromB64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function isKeyBase64(text: string): boolean {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === KEY_BYTES && bytes.toString('base64') === text;
}

function pick(record: Record<string, string>, key: string): Record<string, string> {
  const value = record[key];
  return value === undefined ? {} : { [key]: value };
}
