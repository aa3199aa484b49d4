import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import type { BinaryData } from '../expressions/expression.types.ts';
import { toDict } from '../../kernel/dict.ts';
import { binaryFile, defineNode, perItem, text } from './define.ts';
import { describeImage } from './edit-image.info.ts';
import { decode, encode, type Raster, type WriteFormat } from './edit-image.raster.ts';
import { applyStep, collectSteps, toNumber, type StepEnv } from './edit-image.steps.ts';

/**
 * Edit Image (1, 1.1), as n8n's node, with libvips (sharp) in place of GraphicsMagick: get
 * information, blur, border, composite, create, crop, draw, resize, rotate, shear, text,
 * transparent, or several of them in order (multi-step). The item keeps its JSON (information
 * replaces it with the image's description) and its other files; the edited image replaces the
 * file it came from, or goes to `options.destinationKey`, with its type, extension and name
 * following `options.format`. What differs from GraphicsMagick's output is listed in
 * src/workflows/README.md.
 */

/** The formats n8n's node accepts for `options.format`. */
const FORMATS = ['bmp', 'gif', 'jpeg', 'png', 'tiff', 'tif', 'webp'];

function writeFormatOf(format: unknown): WriteFormat {
  if (typeof format !== 'string' || !FORMATS.includes(format)) {
    throw new NodeError(
      `Invalid image format: ${String(format)}. Valid formats are: ${FORMATS.join(', ')}`,
    );
  }
  if (format === 'bmp') {
    throw new NodeError('Edit Image cannot write BMP images', {
      description:
        'The image library used here has no BMP encoder: choose gif, jpeg, png, tiff or webp.',
    });
  }
  return format === 'tif' ? 'tiff' : (format as WriteFormat);
}

/** The format written when none is asked: the input's (sharp's name), PNG for SVG. */
const SAME_FORMAT: Record<string, WriteFormat> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  heif: 'avif',
  svg: 'png',
};

/** What n8n's file-type detection says of each written format. */
const DETECTED: Record<WriteFormat | 'heif' | 'svg', { mimeType: string; fileExtension: string }> =
  {
    jpeg: { mimeType: 'image/jpeg', fileExtension: 'jpg' },
    png: { mimeType: 'image/png', fileExtension: 'png' },
    webp: { mimeType: 'image/webp', fileExtension: 'webp' },
    gif: { mimeType: 'image/gif', fileExtension: 'gif' },
    tiff: { mimeType: 'image/tiff', fileExtension: 'tif' },
    avif: { mimeType: 'image/avif', fileExtension: 'avif' },
    heif: { mimeType: 'image/avif', fileExtension: 'avif' },
    svg: { mimeType: 'image/svg+xml', fileExtension: 'svg' },
  };

/** The bytes of a binary field, with n8n's messages for a missing one. */
function fileBytes(item: Item, field: string, itemIndex: number): Buffer {
  if (item.binary === undefined) {
    throw new NodeError(
      `This operation expects the node's input data to contain a binary file '${field}', but none was found [item ${itemIndex}]`,
      { description: 'Make sure that the previous node outputs a binary file' },
    );
  }
  const file = Object.hasOwn(item.binary, field) ? item.binary[field] : undefined;
  if (file === undefined) {
    throw new NodeError(`The item has no binary field '${field}' [item ${itemIndex}]`, {
      description:
        'Check that the parameter where you specified the input binary field name is correct, and that it matches a field in the binary input',
    });
  }
  return Buffer.from(file.data ?? '', 'base64');
}

async function editItem(ctx: NodeContext, item: Item, itemIndex: number): Promise<Item> {
  const operation = String(ctx.param('operation', itemIndex, 'border'));
  const field = ctx.param<unknown>('dataPropertyName', itemIndex, 'data');
  const dataPropertyName = typeof field === 'string' ? field : 'data';
  const options = ctx.param<Record<string, unknown> | null>('options', itemIndex, {}) ?? {};
  const destination =
    typeof options.destinationKey === 'string' && options.destinationKey !== ''
      ? options.destinationKey
      : dataPropertyName;
  const binary = toDict(item.binary);

  if (operation === 'information') {
    // n8n also writes the file again through GraphicsMagick; here its bytes pass unchanged.
    const bytes = fileBytes(item, dataPropertyName, itemIndex);
    const { json, format } = await describeImage(bytes, `The binary field '${dataPropertyName}'`);
    binary[dataPropertyName] = {
      ...binary[dataPropertyName]!,
      ...(DETECTED[format as keyof typeof DETECTED] ?? {}),
      fileType: 'image',
    };
    return { json, binary };
  }

  const steps = collectSteps(ctx, itemIndex, operation);
  if (steps.length === 0) throw new NodeError('Add at least one operation to the Operations list');
  const quality = options.quality === undefined ? undefined : toNumber(options.quality, 'quality');
  let format: unknown = options.format;
  // A format that cannot be written fails before any work.
  if (format) writeFormatOf(format);

  let image: Raster | undefined;
  let sourceFormat = 'png';
  if (steps[0]!.operation !== 'create') {
    const decoded = await decode(
      fileBytes(item, dataPropertyName, itemIndex),
      `The binary field '${dataPropertyName}'`,
    );
    image = decoded.raster;
    sourceFormat = decoded.format;
  }
  const env: StepEnv = {
    version: ctx.node.typeVersion,
    font: options.font,
    overlay: async (name) =>
      (await decode(fileBytes(item, name, itemIndex), `The binary field '${name}'`, false)).raster,
  };
  for (const step of steps) {
    // A created image is written as PNG unless a format is asked for, as in n8n.
    if (step.operation === 'create' && !format) format = 'png';
    image = await applyStep(step, image, env);
  }
  if (!image) throw new NodeError('There is no image to write');

  const entry: BinaryData = Object.hasOwn(binary, destination)
    ? { ...binary[destination]! }
    : { data: '', mimeType: '' };
  let written = SAME_FORMAT[sourceFormat] ?? 'png';
  if (format !== undefined) {
    written = writeFormatOf(format);
    // writeFormatOf accepted it: one of FORMATS.
    const extension = format as string;
    entry.fileExtension = extension;
    entry.mimeType = `image/${extension}`;
    if (entry.fileName?.includes('.')) {
      entry.fileName = `${entry.fileName.split('.').slice(0, -1).join('.')}.${extension}`;
    }
  }
  if (options.fileName !== undefined) entry.fileName = text(options.fileName);
  const bytes = await encode(image, written, quality);
  const detected = DETECTED[written];
  binary[destination] = {
    ...entry,
    ...binaryFile(bytes, detected.mimeType, { fileExtension: detected.fileExtension }),
    fileType: 'image',
  };
  return { json: item.json, binary };
}

export const editImageNode = defineNode({
  name: 'editImage',
  versions: [1, 1.1],
  async execute(ctx) {
    return [await perItem(ctx, (item, i) => editItem(ctx, item, i))];
  },
});
