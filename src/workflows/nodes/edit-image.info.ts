import { dict } from '../../kernel/dict.ts';
import { checkSize, loadSharp, MAX_PIXELS, metadataOf } from './edit-image.raster.ts';

/**
 * Edit Image's `information`: what n8n answers is GraphicsMagick's `identify -verbose` parsed
 * by the gm package (its keys and text values, plus gm's `format`, `size` and `depth`). This
 * builds the same keys from what libvips reports. Values follow GraphicsMagick's wording;
 * statistics are scaled as n8n's Docker image (GraphicsMagick built with 16-bit quanta) prints
 * them. Not given: `Signature`, `Elapsed Time`, `Pixels Per Second`, `User Time`, `Tainted`,
 * `Colors` of palette images and the format-specific keys (`Png:IHDR...`, `JPEG-Quality`...).
 */

const FORMAT_NAMES: Record<string, [string, string]> = {
  jpeg: ['JPEG', 'Joint Photographic Experts Group JFIF format'],
  png: ['PNG', 'Portable Network Graphics'],
  gif: ['GIF', 'CompuServe graphics interchange format'],
  tiff: ['TIFF', 'Tagged Image File Format'],
  webp: ['WEBP', 'WebP Image Format'],
  heif: ['HEIF', 'ISO/IEC 23008-12:2017 HEIF/HEIC'],
  svg: ['SVG', 'Scalable Vector Graphics'],
};

const COMPRESSION: Record<string, string> = {
  jpeg: 'JPEG',
  png: 'Zip',
  gif: 'LZW',
  webp: 'WebP',
  tiff: 'No',
  heif: 'HEIF',
  svg: 'No',
};

/** EXIF orientations 1-8 in GraphicsMagick's words. */
const ORIENTATIONS = [
  'Unknown',
  'TopLeft',
  'TopRight',
  'BottomRight',
  'BottomLeft',
  'LeftTop',
  'RightTop',
  'RightBottom',
  'LeftBottom',
];

const QUANTUM = 65535;

/** GraphicsMagick's file sizes: bytes, then `Ki`, `Mi`, `Gi` with one decimal. */
function fileSize(bytes: number): string {
  const units = ['Ki', 'Mi', 'Gi'];
  if (bytes < 1024) return String(bytes);
  let value = bytes;
  let unit = '';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${value.toFixed(1)}${unit}`;
}

/**
 * `identify -verbose` of one file, shaped as the gm package returns it (`json`), and sharp's
 * name of its format.
 */
export async function describeImage(
  bytes: Buffer,
  what: string,
): Promise<{ json: Record<string, unknown>; format: string }> {
  const metadata = await metadataOf(bytes, what);
  checkSize(metadata.width, metadata.height, what);
  const sharp = await loadSharp();
  const stats = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).stats();
  const [short, long] = FORMAT_NAMES[metadata.format] ?? [metadata.format.toUpperCase(), ''];
  const bits = metadata.depth === 'ushort' ? 16 : (metadata.bitsPerSample ?? 8) > 8 ? 16 : 8;
  const depth = Math.max(8, bits);
  const gray = metadata.space === 'b-w' || metadata.space === 'grey16';
  const cmyk = metadata.space === 'cmyk';
  const colourNames = cmyk
    ? ['Cyan', 'Magenta', 'Yellow', 'Black']
    : gray
      ? ['Gray']
      : ['Red', 'Green', 'Blue'];
  const names = metadata.hasAlpha ? [...colourNames, 'Opacity'] : colourNames;
  const max = depth === 16 ? 65535 : 255;
  const statistics = dict<Record<string, string>>();
  names.forEach((name, i) => {
    // sharp's last band is alpha; GraphicsMagick reports its complement, the opacity.
    const band = stats.channels[name === 'Opacity' ? stats.channels.length - 1 : i];
    if (!band) return;
    const value = (v: number) => {
      const unit = name === 'Opacity' ? 1 - v / max : v / max;
      return `${(unit * QUANTUM).toFixed(2)} (${unit.toFixed(4)})`;
    };
    const [minimum, maximum] = name === 'Opacity' ? [band.max, band.min] : [band.min, band.max];
    statistics[name] = {
      Minimum: value(minimum),
      Maximum: value(maximum),
      Mean: value(band.mean),
      'Standard Deviation': `${((band.stdev / max) * QUANTUM).toFixed(2)} (${(band.stdev / max).toFixed(4)})`,
    };
  });
  const type = cmyk
    ? 'color separated'
    : gray
      ? 'grayscale'
      : metadata.isPalette
        ? 'palette'
        : 'true color';
  const background = metadata.background;
  const backgroundColour = !background
    ? 'white'
    : 'gray' in background
      ? `#${Buffer.from([background.gray, background.gray, background.gray]).toString('hex').toUpperCase()}`
      : `#${Buffer.from([background.r, background.g, background.b]).toString('hex').toUpperCase()}`;
  const json = {
    Format: long ? `${short} (${long})` : short,
    format: short,
    Geometry: `${metadata.width}x${metadata.height}`,
    size: { width: metadata.width, height: metadata.height },
    Class: metadata.isPalette ? 'PseudoClass' : 'DirectClass',
    Type: metadata.hasAlpha ? `${type} with transparency` : type,
    Depth: `${depth} bits-per-pixel component`,
    depth,
    'Channel Depths': Object.fromEntries(names.map((name) => [name, `${depth} bits`])),
    'Channel Statistics': statistics,
    ...(metadata.density
      ? {
          Resolution: `${metadata.density}x${metadata.density} ${metadata.resolutionUnit === 'cm' ? 'pixels/centimeter' : 'pixels/inch'}`,
        }
      : {}),
    Filesize: fileSize(bytes.length),
    Interlace: metadata.isProgressive ? 'Line' : 'No',
    Orientation: ORIENTATIONS[metadata.orientation ?? 0] ?? 'Unknown',
    'Background Color': backgroundColour,
    'Border Color': '#DFDFDF',
    'Matte Color': '#BDBDBD',
    'Page geometry': `${metadata.width}x${metadata.height}+0+0`,
    Compose: 'Over',
    Dispose: 'Undefined',
    Iterations: String(metadata.loop ?? 0),
    Compression: COMPRESSION[metadata.format] ?? 'Undefined',
  };
  return { json, format: metadata.format };
}
