import type { Sharp, SharpConstructor, SharpOptions } from 'sharp';
import { NodeError } from '../engine/engine.types.ts';

/**
 * The images Edit Image works on: decoded once into 8-bit sRGB with alpha (`Raster`), each
 * operation a sharp (libvips) pipeline from one raster to the next, encoded once at the end.
 * Every size is checked before libvips allocates it, so a small file that declares a huge
 * image, or a create/resize/rotate/border that would make one, fails with a node error.
 */

/** The most pixels an image read or made may have: 25 M (5,000 x 5,000), 100 MB as RGBA. */
export const MAX_PIXELS = 25_000_000;
/** The longest side (librsvg draws nothing larger). */
export const MAX_SIDE = 32_767;

let loading: Promise<SharpConstructor> | undefined;

/**
 * sharp, loaded on the first image (libvips is native and large: processes that never edit an
 * image never load it) and set for executor processes: one libvips worker per operation, since
 * several executor processes already share the machine's cores, and no operation cache, so
 * nothing decoded stays in memory between executions (or organisations) and nothing but idle
 * worker threads outlives a run. Those threads hold no event-loop handle: a process exits.
 */
export function loadSharp(): Promise<SharpConstructor> {
  if (!loading) {
    loading = import('sharp').then(({ default: sharp }) => {
      sharp.concurrency(1);
      sharp.cache(false);
      return sharp;
    });
  }
  return loading;
}

/** An RGBA image, 8 bits per channel, rows top to bottom. */
export interface Raster {
  data: Buffer;
  width: number;
  height: number;
}

/** A colour as 8-bit red, green, blue and alpha (255 is opaque). */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const INPUT: SharpOptions = { limitInputPixels: MAX_PIXELS, failOn: 'error' };

/** The formats read (sharp's names): what libvips decodes without a delegate. */
const READABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'svg']);

/** Fails unless an image of `width` x `height` is within the limits. */
export function checkSize(width: number, height: number, what: string): void {
  if (!Number.isFinite(width) || !Number.isFinite(height) || width < 1 || height < 1) {
    throw new NodeError(
      `${what} would be ${width} x ${height} pixels: an image needs at least one`,
    );
  }
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new NodeError(
      `${what} would be ${width} x ${height} pixels, more than Edit Image handles ` +
        `(${MAX_PIXELS.toLocaleString('en')} pixels, ${MAX_SIDE.toLocaleString('en')} on a side)`,
    );
  }
}

export const background = (c: Rgba) => ({ r: c.r, g: c.g, b: c.b, alpha: c.a / 255 });

export async function rasterOf(pipeline: Sharp): Promise<Raster> {
  const { data, info } = await pipeline
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function pipelineOf(r: Raster): Promise<Sharp> {
  const sharp = await loadSharp();
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: 4 } });
}

/** sharp's metadata of a file, or a node error naming `what` when it is no image read here. */
export async function metadataOf(bytes: Buffer, what: string) {
  const sharp = await loadSharp();
  let metadata;
  try {
    // The header only: a size past the limit is refused below, with its numbers.
    metadata = await sharp(bytes, { ...INPUT, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new NodeError(`${what} is not an image Edit Image can read`, {
      description: (error as Error).message,
    });
  }
  if (!READABLE.has(metadata.format)) {
    throw new NodeError(`${what} is a ${metadata.format} image, which Edit Image cannot read`, {
      description: 'Readable formats: JPEG, PNG, WebP, GIF (first frame), TIFF, AVIF/HEIF, SVG.',
    });
  }
  return metadata;
}

/**
 * Decodes a file (the first frame of an animation), turned upright by its EXIF orientation
 * as n8n's `autoOrient` does. Returns the raster and sharp's name of the file's format.
 */
export async function decode(
  bytes: Buffer,
  what: string,
  orient = true,
): Promise<{ raster: Raster; format: string }> {
  const metadata = await metadataOf(bytes, what);
  checkSize(metadata.autoOrient.width, metadata.autoOrient.height, what);
  const sharp = await loadSharp();
  const pipeline = sharp(bytes, INPUT);
  const raster = await rasterOf((orient ? pipeline.autoOrient() : pipeline).toColourspace('srgb'));
  return { raster, format: metadata.format };
}

function isOpaque(r: Raster): boolean {
  for (let i = 3; i < r.data.length; i += 4) if (r.data[i] !== 255) return false;
  return true;
}

/** Formats written, as n8n names them. sharp has no BMP encoder. */
export type WriteFormat = 'gif' | 'jpeg' | 'png' | 'tiff' | 'webp' | 'avif';

/**
 * Encodes a raster; an opaque one, or a JPEG, without its alpha channel, as GraphicsMagick
 * writes it.
 * `quality` (0-100) as GraphicsMagick reads it: JPEG and WebP quality, PNG's zlib level in
 * its tens. Without it, GraphicsMagick's default of 75.
 */
export async function encode(r: Raster, format: WriteFormat, quality = 75): Promise<Buffer> {
  let pipeline = await pipelineOf(r);
  // JPEG has no alpha: GraphicsMagick writes the colours as they are (sharp would flatten
  // them onto black).
  if (format === 'jpeg' || isOpaque(r)) pipeline = pipeline.removeAlpha();
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: q }).toBuffer();
    case 'png':
      return pipeline.png({ compressionLevel: Math.min(9, Math.floor(q / 10)) }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality: q }).toBuffer();
    case 'gif':
      return pipeline.gif().toBuffer();
    case 'tiff':
      return pipeline.tiff().toBuffer();
    case 'avif':
      return pipeline.avif({ quality: q }).toBuffer();
  }
}

/** A new image of one colour. */
export async function create(width: number, height: number, colour: Rgba): Promise<Raster> {
  checkSize(width, height, 'The image to create');
  const sharp = await loadSharp();
  return rasterOf(
    sharp({ create: { width, height, channels: 4, background: background(colour) } }),
  );
}

/** A gaussian blur; sharp takes the sigma (at least 0.3) and sizes the kernel itself. */
export async function blur(r: Raster, sigma: number): Promise<Raster> {
  if (!(sigma > 0)) return r;
  return rasterOf((await pipelineOf(r)).blur(Math.min(1000, Math.max(0.3, sigma))));
}

/** GraphicsMagick's `-transparent`: pixels of exactly this colour become transparent. */
export function transparent(r: Raster, colour: Rgba): Raster {
  const data = Buffer.from(r.data);
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] === colour.r && data[i + 1] === colour.g && data[i + 2] === colour.b)
      data[i + 3] = 0;
  }
  return { ...r, data };
}

/** Draws an SVG of the raster's size over it (drawings and text). */
export async function overlaySvg(r: Raster, svg: string): Promise<Raster> {
  return rasterOf((await pipelineOf(r)).composite([{ input: Buffer.from(svg, 'utf8') }]));
}

/**
 * GraphicsMagick's composite operators that libvips has (`Plus` is its `add`, `Copy` its
 * `source`); the channel copies, the modulo arithmetic and Bumpmap have no counterpart.
 */
const BLENDS = new Map([
  ['Over', 'over'],
  ['In', 'in'],
  ['Out', 'out'],
  ['Atop', 'atop'],
  ['Xor', 'xor'],
  ['Plus', 'add'],
  ['Multiply', 'multiply'],
  ['Difference', 'difference'],
  ['Copy', 'source'],
] as const);

/**
 * Composes `overlay` onto `base` with its top-left corner at (x, y). As in GraphicsMagick the
 * operator acts only where the overlay lies: the rest of the base stays as it was (libvips
 * alone would clear it for `In`, `Out` and `Copy`).
 */
export async function composite(
  base: Raster,
  overlay: Raster,
  x: number,
  y: number,
  operator: string,
): Promise<Raster> {
  const blend = BLENDS.get(operator as never);
  if (!blend) {
    throw new NodeError(`The composite operator "${operator}" is not supported`, {
      description: `Supported: ${[...BLENDS.keys()].join(', ')}.`,
    });
  }
  const left = Math.max(0, x);
  const top = Math.max(0, y);
  const width = Math.min(base.width, x + overlay.width) - left;
  const height = Math.min(base.height, y + overlay.height) - top;
  if (width <= 0 || height <= 0) return base;
  const under = extract(base, left, top, width, height);
  const over = extract(overlay, left - x, top - y, width, height);
  const mixed = await rasterOf(
    (await pipelineOf(under)).composite([
      { input: over.data, raw: { width, height, channels: 4 }, blend },
    ]),
  );
  return paste(base, mixed, left, top);
}

/** A rectangle of a raster (within it). */
export function extract(
  r: Raster,
  left: number,
  top: number,
  width: number,
  height: number,
): Raster {
  const data = Buffer.allocUnsafe(width * height * 4);
  for (let row = 0; row < height; row++) {
    const from = ((top + row) * r.width + left) * 4;
    r.data.copy(data, row * width * 4, from, from + width * 4);
  }
  return { data, width, height };
}

/** `part` written over `r` at (left, top), in a copy. */
function paste(r: Raster, part: Raster, left: number, top: number): Raster {
  const data = Buffer.from(r.data);
  for (let row = 0; row < part.height; row++) {
    const from = row * part.width * 4;
    part.data.copy(data, ((top + row) * r.width + left) * 4, from, from + part.width * 4);
  }
  return { ...r, data };
}
