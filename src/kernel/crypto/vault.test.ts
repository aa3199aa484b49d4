import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/kernel.ts';
import { ManualClock } from '../clock.ts';
import { UserError } from '../errors.ts';
import { keyIdOf, openVault, type Cipher } from './vault.ts';

const SEALED = /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

let folders: { remove(): void }[] = [];
afterEach(() => {
  for (const folder of folders) folder.remove();
  folders = [];
});

function keyFileIn(sub = 'master.key'): string {
  const folder = tempDir('iza-vault-');
  folders.push(folder);
  return join(folder.path, sub);
}

function readRing(path: string): {
  version: number;
  primary: string;
  keys: Record<string, string>;
} {
  return JSON.parse(readFileSync(path, 'utf8')) as ReturnType<typeof readRing>;
}

/** Replaces one dot-separated part of a sealed value. */
function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = change(parts[index]!);
  return parts.join('.');
}

/** Flips the bits of the first byte a base64url part encodes: always another, valid encoding. */
function flipFirstByte(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 0xff;
  return bytes.toString('base64url');
}

describe('vault sealing', () => {
  it('round-trips text, including empty and non-ASCII values', () => {
    const vault = openVault({ keyFile: keyFileIn() });
    for (const text of ['sk-live-123', '', 'päss wörd ✓ 🔑', 'x'.repeat(70_000)]) {
      const sealed = vault.seal(text, 'secret:org:name');
      expect(sealed).toMatch(SEALED);
      expect(sealed.split('.')[1]).toBe(vault.primaryKid);
      expect(vault.open(sealed, 'secret:org:name')).toBe(text);
    }
    expect(vault.open(vault.seal('no aad'))).toBe('no aad');
  });

  it('uses a fresh IV for every seal, so equal values do not look equal', () => {
    const vault = openVault({ keyFile: keyFileIn() });
    const seals = Array.from({ length: 20 }, () => vault.seal('same value', 'aad'));
    expect(new Set(seals).size).toBe(20);
    expect(new Set(seals.map((s) => s.split('.')[2])).size).toBe(20);
    for (const sealed of seals) expect(sealed).not.toContain('same value');
  });

  it('refuses a value whose any part was altered, with the matching error', () => {
    const vault = openVault({ keyFile: keyFileIn() });
    const sealed = vault.seal('the value', 'aad');
    const open = (value: string) => () => vault.open(value, 'aad');

    expect(open(withPart(sealed, 0, () => 'v2'))).toThrow(
      expect.objectContaining({ code: 'sealed_value_malformed', kind: 'unexpected' }),
    );
    expect(open(withPart(sealed, 1, () => 'deadbeef'))).toThrow(
      expect.objectContaining({ code: 'sealed_value_unknown_key' }),
    );
    for (const index of [2, 3, 4]) {
      expect(open(withPart(sealed, index, flipFirstByte))).toThrow(
        expect.objectContaining({ code: 'sealed_value_rejected' }),
      );
    }
    // a truncated tag would weaken GCM; a dropped or extra part, or stray characters, are malformed
    expect(open(withPart(sealed, 3, (tag) => tag.slice(0, 11)))).toThrow(/tag is not 16 bytes/);
    expect(open(withPart(sealed, 2, (iv) => iv.slice(0, 8)))).toThrow(/IV is not 12 bytes/);
    expect(open(sealed.split('.').slice(0, 4).join('.'))).toThrow(/4 parts instead of 5/);
    expect(open(`${sealed}.x`)).toThrow(/6 parts/);
    expect(open(withPart(sealed, 4, (ct) => `${ct}!`))).toThrow(/not base64url/);
    expect(open(withPart(sealed, 4, (ct) => ct.slice(0, -1)))).toThrow();
    expect(open('plain text by mistake')).toThrow(
      expect.objectContaining({ code: 'sealed_value_malformed' }),
    );
    // the original still opens
    expect(vault.open(sealed, 'aad')).toBe('the value');
  });

  it('refuses to open with another aad, so a value copied to another place does not open', () => {
    const vault = openVault({ keyFile: keyFileIn() });
    const sealed = vault.seal('token', 'secret:org-a:github');
    expect(() => vault.open(sealed, 'secret:org-b:github')).toThrow(
      expect.objectContaining({ code: 'sealed_value_rejected' }),
    );
    expect(() => vault.open(sealed)).toThrow(/failed authentication/);
  });

  it('tells whether a value needs re-sealing', () => {
    const vault = openVault({ keyFile: keyFileIn() });
    const sealed = vault.seal('v');
    expect(vault.needsReseal(sealed)).toBe(false);
    expect(vault.needsReseal(withPart(sealed, 1, () => 'oldkey00'))).toBe(true);
    expect(() => vault.needsReseal('garbage')).toThrow(/malformed/);
  });
});

describe('vault key file', () => {
  it('is created on first use, private, and reused by later opens', () => {
    const keyFile = keyFileIn('sub/folder/master.key');
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const first = openVault({ keyFile, clock });
    expect(first.source).toBe('key-file');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const ring = readRing(keyFile);
    expect(ring.version).toBe(1);
    expect(Object.keys(ring.keys)).toEqual([ring.primary]);
    expect(Buffer.from(ring.keys[ring.primary]!, 'base64')).toHaveLength(32);
    expect(ring.primary).toBe(keyIdOf(Buffer.from(ring.keys[ring.primary]!, 'base64')));
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).created).toEqual({
      [ring.primary]: '2026-03-01T10:00:00.000Z',
    });
    // no temp file left behind
    expect(readdirSync(join(keyFile, '..'))).toEqual(['master.key']);

    const sealed = first.seal('kept', 'aad');
    const content = readFileSync(keyFile, 'utf8');
    const again = openVault({ keyFile });
    expect(again.primaryKid).toBe(first.primaryKid);
    expect(again.open(sealed, 'aad')).toBe('kept');
    expect(readFileSync(keyFile, 'utf8')).toBe(content);
  });

  it('refuses a key file others can read, naming the file', () => {
    const keyFile = keyFileIn();
    openVault({ keyFile });
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(keyFile, mode);
      expect(() => openVault({ keyFile })).toThrow(
        expect.objectContaining({
          code: 'key_file_invalid',
          message: expect.stringContaining(`The key file ${keyFile} can be read by other users`),
        }),
      );
    }
    chmodSync(keyFile, 0o400);
    expect(() => openVault({ keyFile })).not.toThrow();
  });

  it('refuses bad JSON and bad keyrings, naming the file and the problem', () => {
    const keyFile = keyFileIn();
    const write = (text: string) => writeFileSync(keyFile, text, { mode: 0o600 });
    const key = randomBytes(32).toString('base64');
    const cases: [string, RegExp][] = [
      ['{ not json', /is not valid JSON/],
      ['[]', /is not a valid keyring/],
      [JSON.stringify({ version: 2, primary: 'a', keys: { a: key } }), /version/],
      [
        JSON.stringify({
          version: 1,
          primary: 'a',
          keys: { a: randomBytes(16).toString('base64') },
        }),
        /keys\.a: must be 32 bytes in base64/,
      ],
      [JSON.stringify({ version: 1, primary: 'a', keys: { a: 'not base64!!' } }), /32 bytes/],
      [JSON.stringify({ version: 1, primary: 'b', keys: { a: key } }), /primary key b/],
      [JSON.stringify({ version: 1, primary: 'a', keys: {} }), /at least one key/],
      [JSON.stringify({ version: 1, primary: 'a.b', keys: { 'a.b': key } }), /key id/],
      [JSON.stringify({ version: 1, primary: 'a', keys: { a: key }, extra: 1 }), /extra/],
    ];
    for (const [text, problem] of cases) {
      write(text);
      let error: unknown;
      try {
        openVault({ keyFile });
      } catch (caught) {
        error = caught;
      }
      expect(error, text).toBeInstanceOf(UserError);
      expect((error as UserError).message, text).toContain(`The key file ${keyFile}`);
      expect((error as UserError).message, text).toMatch(problem);
    }
    // a bad file is never silently replaced by a new key
    expect(readFileSync(keyFile, 'utf8')).toContain('extra');
  });

  it('accepts a hand-written keyring with any key id', () => {
    const keyFile = keyFileIn();
    const key = randomBytes(32).toString('base64');
    writeFileSync(
      keyFile,
      JSON.stringify({ version: 1, primary: 'prod-2026', keys: { 'prod-2026': key } }),
      { mode: 0o600 },
    );
    const vault = openVault({ keyFile });
    expect(vault.seal('x').split('.')[1]).toBe('prod-2026');
  });
});

describe('vault key rotation', () => {
  /** A stand-in for the database: sealed values by their aad. */
  function store(vault: Cipher, values: Record<string, string>): Map<string, string> {
    return new Map(Object.entries(values).map(([aad, text]) => [aad, vault.seal(text, aad)]));
  }
  function reseal(rows: Map<string, string>) {
    return async (cipher: Cipher) => {
      const next = new Map(
        [...rows].map(([aad, sealed]) => [aad, cipher.seal(cipher.open(sealed, aad), aad)]),
      );
      for (const [aad, sealed] of next) rows.set(aad, sealed);
      return next.size;
    };
  }

  it('re-seals with a new key, keeps the old one until that succeeded, then retires it', async () => {
    const keyFile = keyFileIn();
    const vault = openVault({ keyFile });
    const oldKid = vault.primaryKid;
    const rows = store(vault, { a: 'alpha', b: 'beta', c: 'gamma' });
    const before = new Map(rows);

    let seenDuring: { keys: string[]; primary: string; oldStillOpens: string } | undefined;
    const result = await vault.rotate(async (cipher) => {
      const ring = readRing(keyFile);
      seenDuring = {
        keys: Object.keys(ring.keys).sort(),
        primary: ring.primary,
        // another process reading the file meanwhile opens old values too
        oldStillOpens: openVault({ keyFile }).open(before.get('a')!, 'a'),
      };
      return reseal(rows)(cipher);
    });

    expect(result.oldKid).toBe(oldKid);
    expect(result.newKid).not.toBe(oldKid);
    expect(result).toMatchObject({ reencrypted: 3, retired: [oldKid] });
    expect(seenDuring).toEqual({
      keys: [oldKid, result.newKid].sort(),
      primary: result.newKid,
      oldStillOpens: 'alpha',
    });
    const ring = readRing(keyFile);
    expect(ring).toMatchObject({ primary: result.newKid });
    expect(Object.keys(ring.keys)).toEqual([result.newKid]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    expect(vault.primaryKid).toBe(result.newKid);
    const reopened = openVault({ keyFile });
    for (const [aad, text] of [
      ['a', 'alpha'],
      ['b', 'beta'],
      ['c', 'gamma'],
    ] as const) {
      expect(rows.get(aad)!.split('.')[1]).toBe(result.newKid);
      expect(reopened.open(rows.get(aad)!, aad)).toBe(text);
      expect(vault.needsReseal(rows.get(aad)!)).toBe(false);
      // a value left behind with the retired key no longer opens
      expect(() => reopened.open(before.get(aad)!, aad)).toThrow(
        expect.objectContaining({
          code: 'sealed_value_unknown_key',
          message: expect.stringContaining(`key ${oldKid}`),
        }),
      );
    }
    expect(() => reopened.open(before.get('a')!, 'a')).toThrow(/key file .* may be missing a key/);
  });

  it('keeps both keys and loses nothing when re-encryption fails', async () => {
    const keyFile = keyFileIn();
    const vault = openVault({ keyFile });
    const oldKid = vault.primaryKid;
    const rows = store(vault, { a: 'alpha', b: 'beta' });
    const before = new Map(rows);

    await expect(
      vault.rotate(async () => {
        throw new Error('database went away');
      }),
    ).rejects.toThrow('database went away');

    const ring = readRing(keyFile);
    expect(Object.keys(ring.keys)).toHaveLength(2);
    expect(ring.keys[oldKid]).toBeDefined();
    const newKid = ring.primary;
    expect(newKid).not.toBe(oldKid);
    // everything opens, in this process and in a fresh one; new seals use the new key
    const reopened = openVault({ keyFile });
    for (const v of [vault, reopened]) {
      expect(v.open(before.get('a')!, 'a')).toBe('alpha');
      expect(v.open(before.get('b')!, 'b')).toBe('beta');
    }
    const sealedAfter = vault.seal('written after the failure', 'd');
    expect(sealedAfter.split('.')[1]).toBe(newKid);
    expect(reopened.open(sealedAfter, 'd')).toBe('written after the failure');

    // the next rotation re-seals everything and retires both earlier keys
    rows.set('d', sealedAfter);
    const result = await reopened.rotate(reseal(rows));
    expect(result.oldKid).toBe(newKid);
    expect(result.retired.sort()).toEqual([oldKid, newKid].sort());
    expect(Object.keys(readRing(keyFile).keys)).toEqual([result.newKid]);
    const last = openVault({ keyFile });
    expect(last.open(rows.get('a')!, 'a')).toBe('alpha');
    expect(last.open(rows.get('d')!, 'd')).toBe('written after the failure');
  });

  it('lets another vault on the same key file open values sealed after a rotation', async () => {
    const keyFile = keyFileIn();
    const rotator = openVault({ keyFile });
    const other = openVault({ keyFile });
    await rotator.rotate(async () => 0);
    const sealed = rotator.seal('fresh', 'x');
    expect(other.open(sealed, 'x')).toBe('fresh');
    expect(other.primaryKid).toBe(rotator.primaryKid);
  });

  it('refuses a second rotation while one runs', async () => {
    const vault = openVault({ keyFile: keyFileIn() });
    let release: () => void = () => undefined;
    const first = vault.rotate(
      () =>
        new Promise<number>((resolve) => {
          release = () => resolve(0);
        }),
    );
    await expect(vault.rotate(async () => 0)).rejects.toMatchObject({
      code: 'key_rotation_in_progress',
    });
    release();
    await expect(first).resolves.toMatchObject({ reencrypted: 0 });
  });
});

describe('vault with a master key from configuration', () => {
  it('uses only that key, writes no file, and cannot rotate', async () => {
    const keyFile = keyFileIn();
    const key = randomBytes(32);
    const vault = openVault({ masterKey: key.toString('base64'), keyFile });
    expect(vault.source).toBe('master-key');
    expect(existsSync(keyFile)).toBe(false);
    const kid = createHash('sha256').update(key).digest('hex').slice(0, 8);
    expect(vault.primaryKid).toBe(kid);
    expect(vault.keyIds()).toEqual([kid]);
    const sealed = vault.seal('env secret', 'aad');
    expect(vault.open(sealed, 'aad')).toBe('env secret');

    let reencryptCalled = false;
    await expect(
      vault.rotate(async () => {
        reencryptCalled = true;
        return 0;
      }),
    ).rejects.toMatchObject({
      code: 'key_rotation_unavailable',
      message: expect.stringMatching(/IZA_MASTER_KEY.*cannot be rotated.*old key/s),
    });
    expect(reencryptCalled).toBe(false);
    expect(existsSync(keyFile)).toBe(false);

    // another master key cannot open it, and says so
    const other = openVault({ masterKey: randomBytes(32).toString('base64'), keyFile });
    expect(() => other.open(sealed, 'aad')).toThrow(/was the master key changed/);
  });

  it('keeps its key id when the key moves into a key file', () => {
    const keyFile = keyFileIn();
    const key = randomBytes(32);
    const fromEnv = openVault({ masterKey: key.toString('base64'), keyFile });
    const sealed = fromEnv.seal('portable', 'aad');
    writeFileSync(
      keyFile,
      JSON.stringify({
        version: 1,
        primary: keyIdOf(key),
        keys: { [keyIdOf(key)]: key.toString('base64') },
      }),
      { mode: 0o600 },
    );
    expect(openVault({ keyFile }).open(sealed, 'aad')).toBe('portable');
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() =>
      openVault({ masterKey: randomBytes(16).toString('base64'), keyFile: keyFileIn() }),
    ).toThrow(/32 bytes/);
  });
});
