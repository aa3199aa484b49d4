import type { ConformanceCase } from './case.ts';

const EDIT_IMAGE =
  "n8n's Edit Image node (nodes/EditImage/EditImage.node.ts: its execute and its description's defaults)";

/**
 * Edit Image: what its items' JSON and its errors are. The pixels it writes are tested in
 * nodes/edit-image.node.test.ts.
 */
export const editImageCases: ConformanceCase[] = [
  {
    title: 'Create needs no file and keeps the item’s JSON (50 x 50 by default)',
    node: 'editImage',
    version: 1,
    parameters: { operation: 'create', options: {} },
    input: [{ name: 'banner', n: 1 }],
    outputs: [[{ name: 'banner', n: 1 }]],
    source: EDIT_IMAGE,
  },
  {
    title: 'Border, the default operation, on an item without files names the missing field',
    node: 'editImage',
    version: 1,
    parameters: {},
    input: [{ a: 1 }],
    error:
      /^This operation expects the node's input data to contain a binary file 'data', but none was found \[item 0\]$/,
    source: `${EDIT_IMAGE}; the message of n8n-core's assertBinaryData`,
  },
  {
    title: 'A format n8n does not list is refused with the list',
    node: 'editImage',
    version: 1,
    parameters: { operation: 'create', options: { format: 'xcf' } },
    error: /^Invalid image format: xcf\. Valid formats are: bmp, gif, jpeg, png, tiff, tif, webp$/,
    source: `${EDIT_IMAGE}: validateImageFormat`,
  },
  {
    title: 'A size that is not a number is refused naming the parameter',
    node: 'editImage',
    version: 1.1,
    parameters: { operation: 'create', width: 'wide' },
    error: /^The value of "width" must be a number$/,
    source: `${EDIT_IMAGE}: parseNumericParameter`,
  },
];
