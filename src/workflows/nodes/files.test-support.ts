import { createHash } from 'node:crypto';
import type { Item } from '../engine/engine.types.ts';
import type { EngineDeps } from '../engine/executor.ts';
import { runOneNode, testEngine } from '../engine/test-helpers.test-support.ts';

/**
 * Small PDFs written by hand for the tests: pages of text lines in Helvetica, an information
 * dictionary, and optionally the standard security handler's RC4 encryption (40-bit, revision 2,
 * PDF 1.4 section 3.5), so no fixture has to be downloaded; and a runner for the file nodes.
 */

/** The padding the standard security handler appends to passwords. */
const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, n) => n);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let n = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
const padded = (password: string) =>
  Buffer.concat([Buffer.from(password, 'latin1'), PAD]).subarray(0, 32);

export interface PdfSpec {
  /** Each page's lines, top to bottom. */
  pages: string[][];
  /** The information dictionary's text entries (Title, Author, Producer...). */
  info?: Record<string, string>;
  /** Encrypts the file with RC4; readers then need `userPassword` (may be ''). */
  encrypt?: { userPassword: string; ownerPassword: string };
}

const literal = (text: string) => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/** A PDF file of the spec. */
export function makePdf(spec: PdfSpec): Buffer {
  const id = md5(Buffer.from(JSON.stringify(spec)));
  const permissions = -4;
  let key: Buffer | undefined;
  let owner: Buffer | undefined;
  let user: Buffer | undefined;
  if (spec.encrypt) {
    owner = rc4(
      md5(padded(spec.encrypt.ownerPassword)).subarray(0, 5),
      padded(spec.encrypt.userPassword),
    );
    const p = Buffer.alloc(4);
    p.writeInt32LE(permissions);
    key = md5(padded(spec.encrypt.userPassword), owner, p, id).subarray(0, 5);
    user = rc4(key, PAD);
  }
  const objectKey = (n: number) => {
    const suffix = Buffer.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, 0, 0]);
    return md5(key!, suffix).subarray(0, 10);
  };
  const text = (n: number, value: string) =>
    key ? `<${rc4(objectKey(n), Buffer.from(value, 'latin1')).toString('hex')}>` : literal(value);

  const objects: (string | Buffer)[] = [];
  const pageCount = spec.pages.length;
  // 1 catalog, 2 pages, 3 font, then a page and its content per page, then info, then encrypt.
  const pageRefs = spec.pages.map((_, n) => `${4 + 2 * n} 0 R`);
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${pageRefs.join(' ')}] /Count ${pageCount} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  spec.pages.forEach((lines, n) => {
    const contentNumber = 5 + 2 * n;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentNumber} 0 R >>`,
    );
    const content = Buffer.from(
      lines
        .map((line, l) => `BT /F1 12 Tf 72 ${720 - 20 * l} Td ${literal(line)} Tj ET`)
        .join('\n'),
      'latin1',
    );
    const stream = key ? rc4(objectKey(contentNumber), content) : content;
    objects.push(
      Buffer.concat([
        Buffer.from(`<< /Length ${stream.length} >>\nstream\n`),
        stream,
        Buffer.from('\nendstream'),
      ]),
    );
  });
  const infoNumber = objects.length + 1;
  const info = Object.entries(spec.info ?? {})
    .map(([name, value]) => `/${name} ${text(infoNumber, value)}`)
    .join(' ');
  objects.push(`<< ${info} >>`);
  let encryptRef = '';
  if (key) {
    objects.push(
      `<< /Filter /Standard /V 1 /R 2 /O <${owner!.toString('hex')}> /U <${user!.toString('hex')}> /P ${permissions} >>`,
    );
    encryptRef = ` /Encrypt ${objects.length} 0 R`;
  }

  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let size = chunks[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, n) => {
    offsets.push(size);
    const chunk = Buffer.concat([
      Buffer.from(`${n + 1} 0 obj\n`),
      Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'),
      Buffer.from('\nendobj\n'),
    ]);
    chunks.push(chunk);
    size += chunk.length;
  });
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root 1 0 R /Info ${infoNumber} 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>]${encryptRef} >>`,
    'startxref',
    String(size),
    '%%EOF',
    '',
  ].join('\n');
  chunks.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(chunks);
}

/** A file as an item carries it (the bytes in base64). */
export function fileOf(
  bytes: Buffer | string,
  mimeType: string,
  fileName: string,
): NonNullable<Item['binary']>[string] {
  return {
    data: Buffer.from(bytes).toString('base64'),
    mimeType,
    fileName,
    fileExtension: fileName.split('.').pop()!,
  };
}

/** Runs one node after a manual trigger that emits `items` (with their files). */
export async function runWithFiles(
  type: string,
  typeVersion: number,
  parameters: Record<string, unknown>,
  items: Item[],
  extra: { deps?: Partial<EngineDeps>; node?: Record<string, unknown> } = {},
): Promise<{ items: Item[]; error?: string; description?: string }> {
  const result = await runOneNode(
    type,
    typeVersion,
    parameters,
    items,
    extra.node,
    testEngine(extra.deps),
  );
  return {
    items: result.runData.Node?.[0]?.data.main[0] ?? [],
    ...(result.error ? { error: result.error.message } : {}),
    ...(result.error?.description ? { description: result.error.description } : {}),
  };
}

/** A file's bytes as text. */
export const textOf = (file: { data: string } | undefined): string =>
  Buffer.from(file?.data ?? '', 'base64').toString('utf8');
