import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { run, wf } from '../engine/test-helpers.test-support.ts';
import type { Item } from '../expressions/expression.types.ts';
import { resizeGeometry } from './edit-image.geometry.ts';
import { MAX_PIXELS } from './edit-image.raster.ts';
import { parseColour, wrapText } from './edit-image.svg.ts';

/**
 * Edit Image, behaviour as n8n's node (nodes/EditImage, GraphicsMagick through gm): every
 * image is made here with sharp, and the assertions read the pixels and metadata of what the
 * node wrote.
 */

type Colour = { r: number; g: number; b: number; alpha?: number };
const WHITE = { r: 255, g: 255, b: 255 };
const RED = { r: 255, g: 0, b: 0 };

async function image(
  width: number,
  height: number,
  background: Colour,
  format: 'png' | 'jpeg' = 'png',
): Promise<Buffer> {
  const channels = background.alpha === undefined ? 3 : 4;
  const pipeline = sharp({ create: { width, height, channels, background } });
  return format === 'png' ? pipeline.png().toBuffer() : pipeline.jpeg().toBuffer();
}

const file = (bytes: Buffer, fileName = 'image.png', mimeType = 'image/png') => ({
  data: bytes.toString('base64'),
  mimeType,
  fileName,
  fileExtension: fileName.split('.').pop()!,
  fileSize: String(bytes.length),
});

async function editImage(
  parameters: Record<string, unknown>,
  items: Item[],
  node: Record<string, unknown> = {},
) {
  const w = wf(
    [
      ['Start', 'manualTrigger'],
      ['Edit', 'editImage', parameters, { typeVersion: 1, ...node }],
    ],
    ['Start>Edit'],
  );
  const r = await run(w, { triggerItems: items });
  const runData = r.runData.Edit?.[0];
  return { items: runData?.data.main[0] ?? [], error: runData?.error?.message ?? r.error?.message };
}

/** The pixels of a base64 file: size, format and the RGBA of any pixel. */
async function read(data: string | undefined) {
  const bytes = Buffer.from(data ?? '', 'base64');
  const metadata = await sharp(bytes).metadata();
  const { data: raw, info } = await sharp(bytes)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [
    ...raw.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4),
  ];
  return { width: info.width, height: info.height, format: metadata.format, at, raw };
}

const near = (actual: number[], expected: number[], tolerance = 2) =>
  expect(
    actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance),
    `${actual.join()} ~ ${expected.join()}`,
  ).toBe(true);

describe('Edit Image', () => {
  it('information describes the image as GraphicsMagick identify does, the file passing on', async () => {
    const bytes = await image(40, 20, { ...RED, alpha: 1 });
    const { items, error } = await editImage({ operation: 'information' }, [
      { json: { kept: false }, binary: { data: file(bytes, 'red.png') } },
    ]);
    expect(error).toBeUndefined();
    expect(items[0]?.json).toMatchObject({
      Format: 'PNG (Portable Network Graphics)',
      format: 'PNG',
      Geometry: '40x20',
      size: { width: 40, height: 20 },
      Class: 'DirectClass',
      Type: 'true color with transparency',
      depth: 8,
      'Channel Depths': { Red: '8 bits', Green: '8 bits', Blue: '8 bits', Opacity: '8 bits' },
      'Channel Statistics': {
        Red: { Minimum: '65535.00 (1.0000)', Mean: '65535.00 (1.0000)' },
        Green: { Maximum: '0.00 (0.0000)' },
        Opacity: { Maximum: '0.00 (0.0000)' },
      },
      'Background Color': 'white',
    });
    expect(items[0]?.binary?.data).toMatchObject({
      data: bytes.toString('base64'),
      mimeType: 'image/png',
      fileExtension: 'png',
      fileName: 'red.png',
      fileType: 'image',
    });
  });

  it('resizes by n8n’s resize options as GraphicsMagick’s geometry flags do', () => {
    // A 400 x 200 image asked for 100 x 100.
    const size = (option: string, w = 100, h = 100) => resizeGeometry(400, 200, w, h, option);
    expect(size('maximumArea')).toEqual({ width: 141, height: 70 }); // the area, 10,000 pixels
    expect(size('maximumArea', 1000, 1000)).toEqual({ width: 1414, height: 707 }); // also larger
    expect(size('ignoreAspectRatio')).toEqual({ width: 100, height: 100 });
    expect(size('minimumArea')).toEqual({ width: 200, height: 100 });
    expect(size('onlyIfLarger')).toEqual({ width: 100, height: 50 });
    expect(size('onlyIfLarger', 1000, 1000)).toEqual({ width: 400, height: 200 });
    expect(size('onlyIfSmaller')).toEqual({ width: 400, height: 200 });
    expect(size('onlyIfSmaller', 1000, 1000)).toEqual({ width: 1000, height: 500 });
    expect(size('percent', 50, 25)).toEqual({ width: 200, height: 50 });
  });

  it('writes the resized image, in the input’s format', async () => {
    const bytes = await image(400, 200, RED, 'jpeg');
    const { items } = await editImage(
      { operation: 'resize', width: 75, height: 75, resizeOption: 'percent', options: {} },
      [{ json: { id: 1 }, binary: { data: file(bytes, 'photo.jpg', 'image/jpeg') } }],
    );
    const out = await read(items[0]?.binary?.data?.data);
    expect([out.width, out.height, out.format]).toEqual([300, 150, 'jpeg']);
    expect(items[0]?.json).toEqual({ id: 1 });
    expect(items[0]?.binary?.data).toMatchObject({
      mimeType: 'image/jpeg',
      fileExtension: 'jpg',
      fileName: 'photo.jpg',
    });
  });

  it('crops the part of the area that lies on the image, and fails when none does', async () => {
    const base = await sharp({ create: { width: 40, height: 20, channels: 3, background: WHITE } })
      .composite([{ input: await image(20, 10, RED), left: 20, top: 10 }])
      .png()
      .toBuffer();
    const crop = (width: number, height: number, positionX: number, positionY: number) =>
      editImage({ operation: 'crop', width, height, positionX, positionY }, [
        { json: {}, binary: { data: file(base) } },
      ]);
    const inside = await read((await crop(10, 5, 25, 12)).items[0]?.binary?.data?.data);
    expect([inside.width, inside.height]).toEqual([10, 5]);
    near(inside.at(0, 0), [255, 0, 0, 255]);
    const clipped = await read((await crop(100, 100, 30, 5)).items[0]?.binary?.data?.data);
    expect([clipped.width, clipped.height]).toEqual([10, 15]);
    near(clipped.at(0, 0), [255, 255, 255, 255]);
    near(clipped.at(5, 10), [255, 0, 0, 255]);
    expect((await crop(10, 10, 50, 50)).error).toMatch(/does not overlap the 40 x 20 image/);
  });

  it('draws with GraphicsMagick’s colours: the last hex pair is an opacity', async () => {
    const base = await image(60, 60, WHITE);
    const draw = async (params: Record<string, unknown>) =>
      read(
        (
          await editImage({ operation: 'draw', ...params }, [
            { json: {}, binary: { data: file(base) } },
          ])
        ).items[0]?.binary?.data?.data,
      );
    const rect = await draw({
      color: '#ff000000',
      startPositionX: 10,
      startPositionY: 10,
      endPositionX: 19,
      endPositionY: 19,
    });
    near(rect.at(10, 10), [255, 0, 0, 255]);
    near(rect.at(19, 19), [255, 0, 0, 255]);
    near(rect.at(20, 20), [255, 255, 255, 255]);
    near(rect.at(9, 15), [255, 255, 255, 255]);
    const invisible = await draw({ color: '#00ff00ff', startPositionX: 0, startPositionY: 0 });
    near(invisible.at(30, 30), [255, 255, 255, 255]);
    const circle = await draw({
      primitive: 'circle',
      color: '#0000ff',
      startPositionX: 30,
      startPositionY: 30,
      endPositionX: 40,
      endPositionY: 30,
    });
    near(circle.at(30, 30), [0, 0, 255, 255]);
    near(circle.at(30, 38), [0, 0, 255, 255]);
    near(circle.at(5, 5), [255, 255, 255, 255]);
  });

  it('writes text with its top-left corner at the position, wrapped as n8n wraps it', async () => {
    const base = await image(300, 120, WHITE);
    const { items, error } = await editImage(
      {
        operation: 'text',
        text: 'Edit Image writes text here',
        fontSize: 20,
        fontColor: '#000000',
        positionX: 20,
        positionY: 30,
        lineLength: 12,
      },
      [{ json: {}, binary: { data: file(base) } }],
    );
    expect(error).toBeUndefined();
    const out = await read(items[0]?.binary?.data?.data);
    let top = Infinity;
    let bottom = -1;
    let left = Infinity;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        if (out.at(x, y)[0]! < 128) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
        }
      }
    }
    expect(top).toBeGreaterThanOrEqual(30);
    expect(top).toBeLessThan(36);
    expect(left).toBeGreaterThanOrEqual(20);
    expect(left).toBeLessThan(24);
    // Three lines ("Edit Image", "writes text", "here") of about 23 pixels each.
    expect(bottom - top).toBeGreaterThan(50);
    // Version 1.1 aligns: centred both ways, the text's middle is the image's.
    const centred = await editImage(
      { operation: 'text', text: 'Centre', fontSize: 30, positionX: 0, positionY: 0 },
      [{ json: {}, binary: { data: file(base) } }],
      { typeVersion: 1.1 },
    );
    const c = await read(centred.items[0]?.binary?.data?.data);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        if (c.at(x, y)[0]! < 128) {
          xs.push(x);
          ys.push(y);
        }
      }
    }
    expect(Math.abs((Math.min(...xs) + Math.max(...xs)) / 2 - 150)).toBeLessThan(4);
    expect(Math.abs((Math.min(...ys) + Math.max(...ys)) / 2 - 60)).toBeLessThan(6);
    const font = (path: string) =>
      editImage({ operation: 'text', text: 'x', options: { font: path } }, [
        { json: {}, binary: { data: file(base) } },
      ]);
    expect((await font('/usr/share/fonts/truetype/msttcorefonts/Arial.ttf')).error).toBe(
      'The selected font is not available. Select a font from the options.',
    );
    expect((await font('/etc/passwd')).error).toBe(
      'The selected font is not available. Select a font from the options.',
    );
    expect(wrapText('Edit Image writes text here', 12)).toEqual([
      'Edit Image',
      'writes text',
      'here',
    ]);
    expect(wrapText('They found the killer it was Bob!', 18)).toEqual([
      'They found the',
      'killer it was',
      'Bob!',
    ]);
  });

  it('composites another binary field at its position, the operator acting only there', async () => {
    const base = await image(50, 50, WHITE);
    const logo = await image(10, 10, RED);
    const compose = async (params: Record<string, unknown>) =>
      read(
        (
          await editImage(
            { operation: 'composite', dataPropertyNameComposite: 'logo', ...params },
            [{ json: {}, binary: { data: file(base), logo: file(logo) } }],
          )
        ).items[0]?.binary?.data?.data,
      );
    const over = await compose({ positionX: 30, positionY: 20 });
    near(over.at(30, 20), [255, 0, 0, 255]);
    near(over.at(39, 29), [255, 0, 0, 255]);
    near(over.at(29, 20), [255, 255, 255, 255]);
    near(over.at(40, 25), [255, 255, 255, 255]);
    const corner = await compose({ positionX: -5, positionY: 45 });
    near(corner.at(0, 49), [255, 0, 0, 255]);
    near(corner.at(5, 49), [255, 255, 255, 255]);
    const inside = await compose({ positionX: 0, positionY: 0, operator: 'In' });
    near(inside.at(5, 5), [255, 0, 0, 255]);
    near(inside.at(20, 20), [255, 255, 255, 255]);
    const missing = await editImage({ operation: 'composite', dataPropertyNameComposite: 'nope' }, [
      { json: {}, binary: { data: file(base) } },
    ]);
    expect(missing.error).toBe("The item has no binary field 'nope' [item 0]");
  });

  it('applies multi-step operations in order (the corpus’s round avatar)', async () => {
    const avatar = await image(200, 200, { r: 0, g: 128, b: 255 }, 'jpeg');
    const { items, error } = await editImage(
      {
        operation: 'multiStep',
        dataPropertyName: 'avatar',
        options: { format: 'png' },
        operations: {
          operations: [
            { operation: 'create', width: 200, height: 200, backgroundColor: '#000000ff' },
            {
              operation: 'draw',
              primitive: 'circle',
              color: '#ffffff00',
              startPositionX: 100,
              startPositionY: 100,
              endPositionX: 25,
              endPositionY: 50,
            },
            { operation: 'composite', operator: 'In', dataPropertyNameComposite: 'avatar' },
          ],
        },
      },
      [{ json: { user: 'ada' }, binary: { avatar: file(avatar, 'ada.jpg', 'image/jpeg') } }],
    );
    expect(error).toBeUndefined();
    const out = await read(items[0]?.binary?.avatar?.data);
    expect([out.width, out.height, out.format]).toEqual([200, 200, 'png']);
    expect(out.at(0, 0)[3]).toBe(0);
    near(out.at(100, 100), [0, 128, 255, 255], 3);
    expect(items[0]?.binary?.avatar).toMatchObject({
      mimeType: 'image/png',
      fileExtension: 'png',
      fileName: 'ada.png',
      fileType: 'image',
    });

    // Parameters of the steps are expressions over the item, as in the corpus's boxes.
    const boxes = await editImage(
      {
        operation: 'multiStep',
        operations: {
          operations: [
            {
              operation: 'draw',
              color: '#ff00f277',
              startPositionX: '={{ $json.box.xmin }}',
              startPositionY: '={{ $json.box.ymin }}',
              endPositionX: '={{ $json.box.xmax }}',
              endPositionY: '={{ $json.box.ymax }}',
              cornerRadius: '=0',
            },
          ],
        },
      },
      [
        {
          json: { box: { xmin: 2, ymin: 2, xmax: 5, ymax: 5 } },
          binary: { data: file(await image(10, 10, WHITE)) },
        },
      ],
    );
    const boxed = await read(boxes.items[0]?.binary?.data?.data);
    // Magenta at opacity 0x77 (alpha 0x88) over white.
    near(boxed.at(3, 3), [255, 119, 249, 255], 3);
    near(boxed.at(7, 7), [255, 255, 255, 255]);

    const steps = async (operations: Record<string, unknown>[]) =>
      read(
        (
          await editImage({ operation: 'multiStep', operations: { operations } }, [
            { json: {}, binary: { data: file(await image(20, 20, RED)) } },
          ])
        ).items[0]?.binary?.data?.data,
      );
    const border = { operation: 'border', borderWidth: 5, borderHeight: 5, borderColor: '#000000' };
    const crop = { operation: 'crop', width: 10, height: 10, positionX: 0, positionY: 0 };
    const borderFirst = await steps([border, crop]);
    expect([borderFirst.width, borderFirst.height]).toEqual([10, 10]);
    near(borderFirst.at(0, 0), [0, 0, 0, 255]);
    near(borderFirst.at(9, 9), [255, 0, 0, 255]);
    const cropFirst = await steps([crop, border]);
    expect([cropFirst.width, cropFirst.height]).toEqual([20, 20]);
    near(cropFirst.at(10, 10), [255, 0, 0, 255]);
  });

  it('rotates, blurs, borders, shears and makes a colour transparent', async () => {
    const base = await image(40, 20, RED);
    const edit = async (params: Record<string, unknown>) =>
      read(
        (await editImage(params, [{ json: {}, binary: { data: file(base) } }])).items[0]?.binary
          ?.data?.data,
      );
    const quarter = await edit({ operation: 'rotate', rotate: 90 });
    expect([quarter.width, quarter.height]).toEqual([20, 40]);
    const turned = await edit({ operation: 'rotate', rotate: 45, backgroundColor: '#00ff00' });
    expect(turned.width).toBeGreaterThan(40);
    near(turned.at(0, 0), [0, 255, 0, 255]);
    // n8n's default background, #ffffffff, is a transparent white: a JPEG shows it white.
    const photo = await editImage({ operation: 'rotate', rotate: 30 }, [
      { json: {}, binary: { data: file(await image(40, 20, RED, 'jpeg'), 'a.jpg', 'image/jpeg') } },
    ]);
    const photoTurned = await read(photo.items[0]?.binary?.data?.data);
    expect(photoTurned.format).toBe('jpeg');
    near(photoTurned.at(0, 0), [255, 255, 255, 255], 12);
    const framed = await edit({
      operation: 'border',
      borderWidth: 3,
      borderHeight: 2,
      borderColor: '#0000ff',
    });
    expect([framed.width, framed.height]).toEqual([46, 24]);
    near(framed.at(0, 0), [0, 0, 255, 255]);
    near(framed.at(3, 2), [255, 0, 0, 255]);
    const sheared = await edit({ operation: 'shear', degreesX: 45, degreesY: 0 });
    expect([sheared.width, sheared.height]).toEqual([60, 20]);
    const clear = await edit({ operation: 'transparent', color: '#ff0000' });
    expect(clear.at(10, 10)[3]).toBe(0);

    const edge = await sharp({ create: { width: 20, height: 10, channels: 3, background: WHITE } })
      .composite([{ input: await image(10, 10, { r: 0, g: 0, b: 0 }), left: 0, top: 0 }])
      .png()
      .toBuffer();
    const { items } = await editImage({ operation: 'blur', blur: 5, sigma: 2 }, [
      { json: {}, binary: { data: file(edge) } },
    ]);
    const blurred = await read(items[0]?.binary?.data?.data);
    const middle = blurred.at(10, 5)[0]!;
    expect(middle).toBeGreaterThan(40);
    expect(middle).toBeLessThan(215);
  });

  it('a format changes the type, extension and name of the file; BMP cannot be written', async () => {
    const bytes = await image(10, 10, RED);
    const convert = (options: Record<string, unknown>) =>
      editImage({ operation: 'resize', width: 10, height: 10, options }, [
        { json: {}, binary: { data: file(bytes, 'logo.min.png') } },
      ]);
    const jpeg = await convert({ format: 'jpeg', quality: 90 });
    expect(jpeg.items[0]?.binary?.data).toMatchObject({
      mimeType: 'image/jpeg',
      fileExtension: 'jpg',
      fileName: 'logo.min.jpeg',
    });
    expect((await read(jpeg.items[0]?.binary?.data?.data)).format).toBe('jpeg');
    const webp = await convert({ format: 'webp', fileName: 'out.webp', destinationKey: 'small' });
    expect(webp.items[0]?.binary?.small).toMatchObject({
      mimeType: 'image/webp',
      fileExtension: 'webp',
      fileName: 'out.webp',
    });
    expect(webp.items[0]?.binary?.data?.data).toBe(bytes.toString('base64'));
    expect((await convert({ format: 'png', quality: -5 })).error).toBeUndefined();
    expect((await convert({ format: 'bmp' })).error).toBe('Edit Image cannot write BMP images');
    expect((await convert({ format: 'xcf' })).error).toBe(
      'Invalid image format: xcf. Valid formats are: bmp, gif, jpeg, png, tiff, tif, webp',
    );
  });

  it('refuses images past the pixel limit before decoding them', async () => {
    const created = await editImage(
      { operation: 'create', width: 6000, height: 6000, backgroundColor: '#ffffff' },
      [{ json: {} }],
    );
    expect(created.error).toMatch(/The image to create would be 6000 x 6000 pixels, more than/);
    // A 1 x 1 PNG whose header claims 20,000 x 20,000 pixels.
    const png = Buffer.from(await image(1, 1, RED));
    png.writeUInt32BE(20_000, 16);
    png.writeUInt32BE(20_000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    const bomb = await editImage({ operation: 'blur' }, [
      { json: {}, binary: { data: file(png) } },
    ]);
    expect(bomb.error).toMatch(/would be 20000 x 20000 pixels, more than/);
    expect(20_000 * 20_000).toBeGreaterThan(MAX_PIXELS);
    const grown = await editImage(
      { operation: 'resize', width: 600, height: 600, resizeOption: 'percent' },
      [{ json: {}, binary: { data: file(await image(1000, 1000, RED)) } }],
    );
    expect(grown.error).toMatch(/The resized image would be 6000 x 6000 pixels/);
  });

  it('names a missing file as n8n does, and continues on fail with the error', async () => {
    const none = await editImage({ operation: 'blur' }, [{ json: { a: 1 } }]);
    expect(none.error).toBe(
      "This operation expects the node's input data to contain a binary file 'data', but none was found [item 0]",
    );
    const text = await editImage(
      { operation: 'resize' },
      [{ json: {}, binary: { data: file(Buffer.from('not an image'), 'a.txt', 'text/plain') } }],
      { onError: 'continueRegularOutput' },
    );
    expect(text.items[0]?.json).toEqual({
      error: "The binary field 'data' is not an image Edit Image can read",
    });
  });

  it('reads colours as GraphicsMagick does', async () => {
    expect(await parseColour('#ff000000', 'color')).toEqual({ r: 255, g: 0, b: 0, a: 255 });
    expect(await parseColour('#ffffff00', 'color')).toEqual({ r: 255, g: 255, b: 255, a: 255 });
    expect(await parseColour('#000000ff', 'color')).toEqual({ r: 0, g: 0, b: 0, a: 0 });
    expect(await parseColour('#0000008c', 'color')).toEqual({ r: 0, g: 0, b: 0, a: 0x73 });
    expect(await parseColour('#f00', 'color')).toEqual({ r: 255, g: 0, b: 0, a: 255 });
    expect(await parseColour('rgba(0, 0, 255, 255)', 'color')).toEqual({
      r: 0,
      g: 0,
      b: 255,
      a: 0,
    });
    expect(await parseColour('orange', 'color')).toEqual({ r: 255, g: 165, b: 0, a: 255 });
    await expect(parseColour('#12345', 'color')).rejects.toThrow(/is not a color/);
  });
});
