import { open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, isAbsolute, normalize } from 'node:path';
import { NodeError } from '../engine/engine.types.ts';
import { loadSharp, type Rgba } from './edit-image.raster.ts';

/**
 * Colours as GraphicsMagick reads them, and the drawings and text of Edit Image as SVG that
 * librsvg (through sharp) renders over the image.
 */

const hexDigits = /^#([0-9a-f]+)$/i;

/**
 * A colour as GraphicsMagick's QueryColorDatabase reads it. In `#RRGGBBAA` (and `#RGBA`,
 * `rgba(r, g, b, a)`) the last value is an opacity, not an alpha: `00` is opaque and `ff`
 * transparent. So n8n's default drawing colour `#ff000000` is opaque red and its default
 * background for new images, `#ffffff00`, opaque white. Names are CSS/X11 colour names.
 */
export async function parseColour(spec: unknown, parameter: string): Promise<Rgba> {
  const text = typeof spec === 'string' ? spec.trim() : '';
  const hex = hexDigits.exec(text);
  if (hex) {
    const digits = hex[1]!;
    const n = digits.length;
    const rgb = [3, 6, 9, 12].includes(n);
    const perChannel = rgb ? n / 3 : [4, 8, 16].includes(n) ? n / 4 : 0;
    if (perChannel === 0) throw unknownColour(text, parameter);
    const max = 16 ** perChannel - 1;
    const value = (i: number) =>
      Math.round((parseInt(digits.slice(i * perChannel, (i + 1) * perChannel), 16) * 255) / max);
    return {
      r: value(0),
      g: value(1),
      b: value(2),
      a: rgb ? 255 : 255 - value(3),
    };
  }
  const functional = /^rgba?\(([^)]*)\)$/i.exec(text);
  if (functional) {
    const parts = functional[1]!.split(',').map((p) => p.trim());
    const scale = text.includes('%') ? 255 / 100 : 1;
    const channel = (i: number, fallback: number) => {
      const v = parseFloat(parts[i] ?? '');
      return Number.isFinite(v) ? Math.min(255, Math.max(0, Math.round(v * scale))) : fallback;
    };
    const opacity = text.toLowerCase().startsWith('rgba') ? channel(3, 0) : 0;
    return { r: channel(0, 0), g: channel(1, 0), b: channel(2, 0), a: 255 - opacity };
  }
  const name = text.toLowerCase();
  if (name === 'none' || name === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  if (!/^[a-z]+$/.test(name)) throw unknownColour(text, parameter);
  // A name: sharp's colour parser knows the CSS names (which include X11's).
  const sharp = await loadSharp();
  try {
    const pixel = await sharp({ create: { width: 1, height: 1, channels: 4, background: name } })
      .raw()
      .toBuffer();
    return { r: pixel[0]!, g: pixel[1]!, b: pixel[2]!, a: pixel[3]! };
  } catch {
    throw unknownColour(text, parameter);
  }
}

function unknownColour(text: string, parameter: string): NodeError {
  return new NodeError(`The color "${text}" of "${parameter}" is not a color`, {
    description: 'Use #RRGGBB, #RRGGBBAA (AA: opacity, 00 opaque), rgb(r, g, b) or a color name.',
  });
}

const paint = (c: Rgba) => `rgb(${c.r},${c.g},${c.b})" fill-opacity="${(c.a / 255).toFixed(4)}`;

const svgOpen = (width: number, height: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;

export interface Primitive {
  primitive: string;
  colour: Rgba;
  startX: number;
  startY: number;
  endX: number;
  endY: number;
  cornerRadius: number;
}

/**
 * GraphicsMagick's primitives filled with the colour. Its coordinates name pixel centres, so a
 * rectangle covers both end pixels, a circle is centred on the start pixel's centre and passes
 * through the end pixel's, and a line joins the two centres (one pixel wide, in the colour).
 */
export function drawSvg(width: number, height: number, p: Primitive): string {
  const fill = `fill="${paint(p.colour)}"`;
  let shape: string;
  switch (p.primitive) {
    case 'circle': {
      const radius = Math.hypot(p.endX - p.startX, p.endY - p.startY);
      shape = `<circle cx="${p.startX + 0.5}" cy="${p.startY + 0.5}" r="${radius}" ${fill}/>`;
      break;
    }
    case 'line': {
      const c = p.colour;
      shape =
        `<line x1="${p.startX + 0.5}" y1="${p.startY + 0.5}" x2="${p.endX + 0.5}" y2="${p.endY + 0.5}" ` +
        `stroke="rgb(${c.r},${c.g},${c.b})" stroke-opacity="${(c.a / 255).toFixed(4)}" stroke-width="1"/>`;
      break;
    }
    case 'rectangle': {
      const x = Math.min(p.startX, p.endX);
      const y = Math.min(p.startY, p.endY);
      const radius = p.cornerRadius > 0 ? ` rx="${p.cornerRadius}" ry="${p.cornerRadius}"` : '';
      shape =
        `<rect x="${x}" y="${y}" width="${Math.abs(p.endX - p.startX) + 1}" ` +
        `height="${Math.abs(p.endY - p.startY) + 1}"${radius} ${fill}/>`;
      break;
    }
    default:
      throw new NodeError(`The primitive "${p.primitive}" is not known`, {
        description: 'Use circle, line or rectangle.',
      });
  }
  return `${svgOpen(width, height)}${shape}</svg>`;
}

/**
 * n8n's line breaking: each line of the text is cut into words at spaces, and a word that
 * would take a line past `lineLength` characters (counting a space after each word) starts the
 * next line. The first word can leave an empty line before it, as in n8n.
 */
export function wrapText(text: string, lineLength: number): string[] {
  const lines: string[] = [];
  for (const textLine of text.split('\n')) {
    let current = '';
    for (const word of textLine.split(' ')) {
      if (current.length + word.length + 1 > lineLength) {
        lines.push(current.trim());
        current = `${word} `;
      } else {
        current += `${word} `;
      }
    }
    lines.push(current.trim());
  }
  return lines;
}

/** Arial's metrics (Liberation Sans shares them), as fractions of the font size. */
const ASCENT = 0.905;
const DESCENT = 0.212;
const LINE_HEIGHT = 1.149;

/** Families tried in order when no font is chosen: Arial as in n8n, then look-alikes. */
const DEFAULT_FAMILIES = "Arial, 'Liberation Sans', Arimo, Helvetica, 'DejaVu Sans', sans-serif";

export interface TextLayout {
  lines: string[];
  fontSize: number;
  colour: Rgba;
  /** A CSS font-family list. */
  family: string;
  x: number;
  y: number;
  /** n8n 1.1's alignment: west, center or east; north, middle or south. v1: west, north. */
  horizontal: string;
  vertical: string;
}

/**
 * GraphicsMagick's `-draw "gravity G text x,y"`: the offsets point inwards from the side or
 * centre the gravity names (west/north: (x, y) is the text's top-left corner), lines are a
 * line height apart, and each line is aligned on its own.
 */
export function textSvg(width: number, height: number, t: TextLayout): string {
  const size = t.fontSize;
  const lineHeight = LINE_HEIGHT * size;
  const block = (t.lines.length - 1) * lineHeight + (ASCENT + DESCENT) * size;
  const top =
    t.vertical === 'south'
      ? height - t.y - block
      : t.vertical === 'middle'
        ? height / 2 + t.y - block / 2
        : t.y;
  const [anchor, x] =
    t.horizontal === 'east'
      ? ['end', width - t.x]
      : t.horizontal === 'center'
        ? ['middle', width / 2 + t.x]
        : ['start', t.x];
  const lines = t.lines
    .map(
      (line, i) =>
        `<text x="${x}" y="${top + ASCENT * size + i * lineHeight}">${escapeXml(line)}</text>`,
    )
    .join('');
  return (
    `${svgOpen(width, height)}<g font-family="${escapeXml(t.family)}" font-size="${size}" ` +
    `text-anchor="${anchor}" xml:space="preserve" fill="${paint(t.colour)}">${lines}</g></svg>`
  );
}

function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 does not allow, which would make the whole SVG unreadable.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const FONT_DIRS = () => [
  '/usr/share/fonts/',
  '/usr/local/share/fonts/',
  `${homedir()}/.fonts/`,
  `${homedir()}/.local/share/fonts/`,
];
const FONT_EXTENSIONS = new Set(['.ttf', '.otf', '.ttc', '.otc', '.pfb', '.pfa']);
const MAX_FONT_BYTES = 64 * 1024 * 1024;

/**
 * The CSS font-family list for n8n's `font` option: none (or n8n's old `default`) is Arial or
 * a look-alike; otherwise, as in n8n, a font file among the system's fonts (the folders
 * get-system-fonts searches), drawn by the family its name table states.
 */
export async function fontFamily(font: unknown): Promise<string> {
  if (font === undefined || font === null || font === '' || font === 'default') {
    return DEFAULT_FAMILIES;
  }
  const path = typeof font === 'string' ? font : '';
  const available =
    isAbsolute(path) &&
    normalize(path) === path &&
    FONT_EXTENSIONS.has(extname(path).toLowerCase()) &&
    FONT_DIRS().some((dir) => path.startsWith(dir)) &&
    (await stat(path).then(
      (s) => s.isFile() && s.size <= MAX_FONT_BYTES,
      () => false,
    ));
  if (!available) {
    throw new NodeError('The selected font is not available. Select a font from the options.', {
      description: `Not a font file of this system: ${path}`,
    });
  }
  const family = (await familyInFontFile(path)) ?? basename(path, extname(path));
  return `'${family.replace(/['"\\]/g, '')}', ${DEFAULT_FAMILIES}`;
}

/** The family name in an OpenType/TrueType file's `name` table (typographic, else legacy). */
async function familyInFontFile(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const read = async (offset: number, length: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    };
    let base = 0;
    const head = await read(0, 16);
    if (head.length < 12) return undefined;
    if (head.toString('latin1', 0, 4) === 'ttcf') base = head.readUInt32BE(12);
    const offsets = await read(base, 12);
    if (offsets.length < 12) return undefined;
    const tables = offsets.readUInt16BE(4);
    const directory = await read(base + 12, Math.min(tables, 512) * 16);
    let nameAt = -1;
    for (let i = 0; i + 16 <= directory.length; i += 16) {
      if (directory.toString('latin1', i, i + 4) === 'name') nameAt = directory.readUInt32BE(i + 8);
    }
    if (nameAt < 0) return undefined;
    const header = await read(nameAt, 6);
    if (header.length < 6) return undefined;
    const count = Math.min(header.readUInt16BE(2), 2048);
    const storage = nameAt + header.readUInt16BE(4);
    const records = await read(nameAt + 6, count * 12);
    const found = new Map<string, string>();
    for (let i = 0; i + 12 <= records.length; i += 12) {
      const platform = records.readUInt16BE(i);
      const nameId = records.readUInt16BE(i + 6);
      if ((nameId !== 1 && nameId !== 16) || (platform !== 3 && platform !== 1)) continue;
      const bytes = await read(storage + records.readUInt16BE(i + 10), records.readUInt16BE(i + 8));
      const text =
        platform === 3
          ? Buffer.from(bytes.subarray(0, bytes.length & ~1))
              .swap16()
              .toString('utf16le')
          : bytes.toString('latin1');
      if (text && !found.has(`${nameId}`)) found.set(`${nameId}`, text);
    }
    return found.get('16') ?? found.get('1');
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}
