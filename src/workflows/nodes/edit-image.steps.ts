import { NodeError, type NodeContext } from '../engine/engine.types.ts';
import * as geometry from './edit-image.geometry.ts';
import * as raster from './edit-image.raster.ts';
import type { Raster } from './edit-image.raster.ts';
import { drawSvg, fontFamily, parseColour, textSvg, wrapText } from './edit-image.svg.ts';

/**
 * Edit Image's operations as n8n collects them: one operation's parameters (read at the top of
 * the node), or the list of a multi-step node, each completed with n8n's defaults for that
 * operation and its numbers checked; then applied one after another to the image.
 */

/** One operation with its parameters. */
export type Step = Record<string, unknown> & { operation: string };

/** n8n's parameters of each operation with their defaults (node description, 1 and 1.1). */
const DEFAULTS = new Map<string, Record<string, unknown>>([
  ['blur', { blur: 5, sigma: 2 }],
  ['border', { borderColor: '#000000', borderWidth: 10, borderHeight: 10 }],
  ['composite', { dataPropertyNameComposite: '', operator: 'Over', positionX: 0, positionY: 0 }],
  ['create', { backgroundColor: '#ffffff00', width: 50, height: 50 }],
  ['crop', { width: 500, height: 500, positionX: 0, positionY: 0 }],
  [
    'draw',
    {
      primitive: 'rectangle',
      color: '#ff000000',
      startPositionX: 50,
      startPositionY: 50,
      endPositionX: 250,
      endPositionY: 250,
      cornerRadius: 0,
    },
  ],
  ['information', {}],
  ['resize', { width: 500, height: 500, resizeOption: 'maximumArea' }],
  ['rotate', { rotate: 0, backgroundColor: '#ffffffff' }],
  ['shear', { degreesX: 0, degreesY: 0 }],
  [
    'text',
    {
      text: '',
      fontSize: 18,
      fontColor: '#000000',
      positionX: 50,
      positionY: 50,
      lineLength: 80,
      horizontalAlignment: 'center',
      verticalAlignment: 'middle',
      font: '',
    },
  ],
  ['transparent', { color: '#ff0000' }],
]);

/** The parameters n8n requires to be numbers (numbers or numeric text), per operation. */
const NUMERIC = new Map<string, string[]>([
  ['blur', ['blur', 'sigma']],
  ['border', ['borderWidth', 'borderHeight']],
  ['composite', ['positionX', 'positionY']],
  ['create', ['width', 'height']],
  ['crop', ['width', 'height', 'positionX', 'positionY']],
  ['draw', ['startPositionX', 'startPositionY', 'endPositionX', 'endPositionY', 'cornerRadius']],
  ['resize', ['width', 'height']],
  ['rotate', ['rotate']],
  ['shear', ['degreesX', 'degreesY']],
  ['text', ['fontSize', 'positionX', 'positionY', 'lineLength']],
]);

/** n8n's rule: a number, or text that is one; anything else fails naming the parameter. */
export function toNumber(value: unknown, name: string): number {
  const parsed =
    typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')
      ? Number(value)
      : NaN;
  if (!Number.isFinite(parsed)) throw new NodeError(`The value of "${name}" must be a number`);
  return parsed;
}

/** The operations of one item: `operation`'s own parameters, or the multi-step list. */
export function collectSteps(ctx: NodeContext, itemIndex: number, operation: string): Step[] {
  let steps: Step[];
  if (operation === 'multiStep') {
    const list = ctx.param<unknown>('operations.operations', itemIndex, []);
    // An entry whose operation is not known (n8n's empty default) does nothing, as in n8n.
    steps = (Array.isArray(list) ? list : [])
      .filter(
        (entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object',
      )
      .map((entry) => {
        const name = typeof entry.operation === 'string' ? entry.operation : '';
        return { ...DEFAULTS.get(name), ...entry, operation: name };
      });
  } else {
    const defaults = DEFAULTS.get(operation);
    if (!defaults) throw new NodeError(`The operation "${operation}" is not known`);
    steps = [{ operation }];
    for (const [name, fallback] of Object.entries(defaults)) {
      // The font of a single text operation is an option (`options.font`).
      if (name !== 'font') steps[0]![name] = ctx.param(name, itemIndex, fallback);
    }
  }
  for (const step of steps) {
    for (const name of NUMERIC.get(step.operation) ?? []) {
      if (name === 'cornerRadius' && step.primitive !== 'rectangle') continue;
      step[name] = toNumber(step[name], name);
    }
  }
  return steps;
}

/** What applying a step needs besides the image. */
export interface StepEnv {
  version: number;
  /** `options.font`, which wins over a step's own. */
  font: unknown;
  /** The image in another binary field of the item (composite). */
  overlay(field: string): Promise<Raster>;
}

const n = (step: Step, name: string) => step[name] as number;
/** Geometry as GraphicsMagick parses it: whole pixels. */
const px = (step: Step, name: string) => Math.round(n(step, name));

const HORIZONTAL = new Set(['west', 'center', 'east']);
const VERTICAL = new Set(['north', 'middle', 'south']);

/**
 * Applies one step. `image` is undefined only before a first `create`. A step whose operation
 * is not known leaves the image as it is.
 */
export async function applyStep(
  step: Step,
  image: Raster | undefined,
  env: StepEnv,
): Promise<Raster | undefined> {
  if (step.operation === 'create') {
    const colour = await parseColour(step.backgroundColor, 'backgroundColor');
    return raster.create(px(step, 'width'), px(step, 'height'), colour);
  }
  if (!image) return image;
  switch (step.operation) {
    case 'blur':
      return raster.blur(image, n(step, 'sigma'));
    case 'border':
      return geometry.border(
        image,
        px(step, 'borderWidth'),
        px(step, 'borderHeight'),
        await parseColour(step.borderColor, 'borderColor'),
      );
    case 'composite': {
      const field =
        typeof step.dataPropertyNameComposite === 'string' ? step.dataPropertyNameComposite : '';
      const overlay = await env.overlay(field);
      const operator = typeof step.operator === 'string' ? step.operator : 'Over';
      return raster.composite(
        image,
        overlay,
        px(step, 'positionX'),
        px(step, 'positionY'),
        operator,
      );
    }
    case 'crop':
      return geometry.crop(
        image,
        px(step, 'width'),
        px(step, 'height'),
        px(step, 'positionX'),
        px(step, 'positionY'),
      );
    case 'draw':
      return raster.overlaySvg(
        image,
        drawSvg(image.width, image.height, {
          primitive: String(step.primitive),
          colour: await parseColour(step.color, 'color'),
          startX: n(step, 'startPositionX'),
          startY: n(step, 'startPositionY'),
          endX: n(step, 'endPositionX'),
          endY: n(step, 'endPositionY'),
          cornerRadius: step.primitive === 'rectangle' ? n(step, 'cornerRadius') : 0,
        }),
      );
    case 'resize':
      return geometry.resize(
        image,
        px(step, 'width'),
        px(step, 'height'),
        String(step.resizeOption),
      );
    case 'rotate':
      return geometry.rotate(
        image,
        n(step, 'rotate'),
        await parseColour(step.backgroundColor, 'backgroundColor'),
      );
    case 'shear':
      return geometry.shear(image, n(step, 'degreesX'), n(step, 'degreesY'));
    case 'text': {
      const horizontal = String(step.horizontalAlignment);
      const vertical = String(step.verticalAlignment);
      // Version 1 writes from the top-left corner; 1.1 from its alignment (n8n's gravity),
      // top-left again when either value is not one n8n knows.
      const aligned = env.version >= 1.1 && HORIZONTAL.has(horizontal) && VERTICAL.has(vertical);
      const text = typeof step.text === 'string' ? step.text : JSON.stringify(step.text ?? '');
      return raster.overlaySvg(
        image,
        textSvg(image.width, image.height, {
          lines: wrapText(text, n(step, 'lineLength')),
          fontSize: n(step, 'fontSize'),
          colour: await parseColour(step.fontColor, 'fontColor'),
          family: await fontFamily(env.font || step.font),
          x: n(step, 'positionX'),
          y: n(step, 'positionY'),
          horizontal: aligned ? horizontal : 'west',
          vertical: aligned ? vertical : 'north',
        }),
      );
    }
    case 'transparent':
      return raster.transparent(image, await parseColour(step.color, 'color'));
    default:
      return image;
  }
}
