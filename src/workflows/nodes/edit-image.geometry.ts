import { NodeError } from '../engine/engine.types.ts';
import {
  background,
  checkSize,
  extract,
  loadSharp,
  pipelineOf,
  rasterOf,
  type Raster,
  type Rgba,
} from './edit-image.raster.ts';

/**
 * Edit Image's operations that change an image's size or shape, with GraphicsMagick's
 * geometry: resize, crop, rotate, border and shear. Each checks the size it would make first.
 */

/**
 * The size GraphicsMagick's `-resize WxH<flag>` gives a `w0` x `h0` image (its
 * GetMagickGeometry): `maximumArea` (`@`) scales to the area W x H whichever way that goes,
 * `percent` (`%`) scales each side by its own percentage, `ignoreAspectRatio` (`!`) is exact,
 * the others fit within W x H keeping the aspect ratio (`minimumArea`, `^`: cover it instead),
 * `onlyIfLarger` (`>`) only shrinking and `onlyIfSmaller` (`<`) only enlarging.
 */
export function resizeGeometry(
  w0: number,
  h0: number,
  width: number,
  height: number,
  option: string,
): { width: number; height: number } {
  if (option === 'maximumArea' || !RESIZE_OPTIONS.has(option)) {
    const scale = 1 / Math.sqrt((w0 * h0) / (width * height));
    return { width: Math.floor(w0 * scale + 0.25), height: Math.floor(h0 * scale + 0.25) };
  }
  let w = width;
  let h = height;
  let formerW = w0;
  let formerH = h0;
  if (option === 'percent') {
    w = Math.floor((width * w0) / 100 + 0.5);
    h = Math.floor((height * h0) / 100 + 0.5);
    formerW = w;
    formerH = h;
  }
  if (option !== 'ignoreAspectRatio' && (w !== formerW || h !== formerH)) {
    const sw = w / formerW;
    const sh = h / formerH;
    const scale = option === 'minimumArea' ? Math.max(sw, sh) : Math.min(sw, sh);
    w = Math.max(1, Math.floor(scale * formerW + 0.5));
    h = Math.max(1, Math.floor(scale * formerH + 0.5));
  }
  if (option === 'onlyIfLarger') {
    w = Math.min(w, formerW);
    h = Math.min(h, formerH);
  }
  if (option === 'onlyIfSmaller') {
    w = Math.max(w, formerW);
    h = Math.max(h, formerH);
  }
  return { width: w, height: h };
}

const RESIZE_OPTIONS = new Set([
  'ignoreAspectRatio',
  'maximumArea',
  'minimumArea',
  'onlyIfLarger',
  'onlyIfSmaller',
  'percent',
]);

export async function resize(
  r: Raster,
  width: number,
  height: number,
  option: string,
): Promise<Raster> {
  const size = resizeGeometry(r.width, r.height, width, height, option);
  if (size.width === r.width && size.height === r.height) return r;
  checkSize(size.width, size.height, 'The resized image');
  return rasterOf((await pipelineOf(r)).resize(size.width, size.height, { fit: 'fill' }));
}

/** GraphicsMagick's `-crop WxH+X+Y`: the part of the area that lies on the image. */
export async function crop(
  r: Raster,
  width: number,
  height: number,
  x: number,
  y: number,
): Promise<Raster> {
  const left = Math.max(0, x);
  const top = Math.max(0, y);
  const right = Math.min(r.width, x + width);
  const bottom = Math.min(r.height, y + height);
  if (right <= left || bottom <= top) {
    throw new NodeError(
      `The crop area ${width}x${height}+${x}+${y} does not overlap the ${r.width} x ${r.height} image`,
    );
  }
  return extract(r, left, top, right - left, bottom - top);
}

/** Turns clockwise by `degrees`; corners a turn uncovers get `colour`. */
export async function rotate(r: Raster, degrees: number, colour: Rgba): Promise<Raster> {
  if (degrees % 360 === 0) return r;
  const rad = (degrees * Math.PI) / 180;
  const cos = Math.abs(Math.cos(rad));
  const sin = Math.abs(Math.sin(rad));
  checkSize(
    Math.ceil(r.width * cos + r.height * sin - 1e-9),
    Math.ceil(r.width * sin + r.height * cos - 1e-9),
    'The rotated image',
  );
  if (degrees % 90 === 0) return rasterOf((await pipelineOf(r)).rotate(degrees));
  // Colours and alpha turn apart, the uncovered corners getting the colour's red, green and
  // blue even where it is transparent, as GraphicsMagick fills them: a JPEG written from it
  // shows them (libvips, premultiplying, would leave them black).
  const opaque = { r: colour.r, g: colour.g, b: colour.b, alpha: 1 };
  const rgb = await (
    await pipelineOf(r)
  )
    .removeAlpha()
    .rotate(degrees, { background: opaque })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const sharp = await loadSharp();
  const band = Buffer.allocUnsafe(r.width * r.height);
  for (let i = 0; i < band.length; i++) band[i] = r.data[i * 4 + 3]!;
  const alpha = await sharp(band, { raw: { width: r.width, height: r.height, channels: 1 } })
    .rotate(degrees, { background: { r: colour.a, g: colour.a, b: colour.a, alpha: 1 } })
    .raw({ depth: 'uchar' })
    .toBuffer();
  const { width, height } = rgb.info;
  const data = Buffer.allocUnsafe(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    data[i * 4] = rgb.data[j]!;
    data[i * 4 + 1] = rgb.data[j + 1]!;
    data[i * 4 + 2] = rgb.data[j + 2]!;
    data[i * 4 + 3] = alpha[i]!;
  }
  return { data, width, height };
}

/** `width` pixels of `colour` left and right, `height` pixels above and below. */
export async function border(
  r: Raster,
  width: number,
  height: number,
  colour: Rgba,
): Promise<Raster> {
  const w = Math.max(0, width);
  const h = Math.max(0, height);
  if (w === 0 && h === 0) return r;
  checkSize(r.width + 2 * w, r.height + 2 * h, 'The image with its border');
  return rasterOf(
    (await pipelineOf(r)).extend({
      top: h,
      bottom: h,
      left: w,
      right: w,
      background: background(colour),
    }),
  );
}

/**
 * GraphicsMagick's `-shear XxY`: rows slide by -tan(X) per row, then columns by tan(Y) per
 * column, on a canvas grown to hold the result, uncovered corners transparent.
 */
export async function shear(r: Raster, degreesX: number, degreesY: number): Promise<Raster> {
  if (degreesX % 180 === 0 && degreesY % 180 === 0) return r;
  const tan = (deg: number, name: string) => {
    if (Math.abs(Math.cos((deg * Math.PI) / 180)) < 1e-9) {
      throw new NodeError(`A shear of ${deg} degrees (${name}) cannot be applied`);
    }
    return Math.tan((deg * Math.PI) / 180);
  };
  const tx = -tan(degreesX, 'Degrees X');
  const ty = tan(degreesY, 'Degrees Y');
  const matrix: [number, number, number, number] = [1, tx, ty, 1 + tx * ty];
  const corners = [
    [0, 0],
    [r.width, 0],
    [0, r.height],
    [r.width, r.height],
  ].map(([x, y]) => [x! + tx * y!, ty * x! + (1 + tx * ty) * y!] as const);
  const span = (k: 0 | 1) =>
    Math.ceil(Math.max(...corners.map((c) => c[k])) - Math.min(...corners.map((c) => c[k])));
  checkSize(span(0), span(1), 'The sheared image');
  return rasterOf(
    (await pipelineOf(r)).affine(matrix, { background: { r: 0, g: 0, b: 0, alpha: 0 } }),
  );
}
