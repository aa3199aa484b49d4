import type {
  ConditionOperator,
  DisplayRules,
  NodeDescription,
  ParamDescription,
  ParamType,
  ParamValue,
} from '../../model/parameters.ts';

/**
 * The compact form node descriptions are written in (see the workflows README, "Parameter
 * descriptions"): one call per top-level parameter, in n8n's order, with its default, its
 * allowed values for `options`, and when it is shown.
 *
 * @example
 *   describe([1, 1.1], [
 *     opt('operation', 'decompress', ['compress', 'decompress']),
 *     str('fileName', '', { show: { operation: ['compress'] }, hide: { '@version': [1] } }),
 *   ])
 */

/** When a parameter is shown: every `show` rule holds and no `hide` rule does. */
export interface Display {
  show?: DisplayRules;
  hide?: DisplayRules;
}

export function describe(
  versions: readonly number[],
  params: readonly ParamDescription[],
): NodeDescription {
  return { versions, params };
}

/** A parameter of any type. */
export function param(
  type: ParamType,
  name: string,
  defaultValue: unknown,
  display: Display = {},
): ParamDescription {
  return { name, type, default: defaultValue, ...display };
}

export const str = (name: string, defaultValue = '', display?: Display) =>
  param('string', name, defaultValue, display);
export const num = (name: string, defaultValue: number | string, display?: Display) =>
  param('number', name, defaultValue, display);
export const bool = (name: string, defaultValue: boolean, display?: Display) =>
  param('boolean', name, defaultValue, display);
export const json = (name: string, defaultValue = '', display?: Display) =>
  param('json', name, defaultValue, display);
/** A collection: options the user adds one by one; n8n fills none of them. */
export const coll = (name: string, display?: Display) => param('collection', name, {}, display);
export const fixed = (name: string, defaultValue: unknown = {}, display?: Display) =>
  param('fixedCollection', name, defaultValue, display);

/** An `options` parameter with the values it allows. */
export function opt(
  name: string,
  defaultValue: ParamValue,
  values: readonly ParamValue[],
  display: Display = {},
): ParamDescription {
  return { name, type: 'options', default: defaultValue, options: values, ...display };
}

/** Conditions on numbers (mostly `@version`) and values, as n8n writes them. */
export const gte = (v: number): ConditionOperator => ({ _cnd: { gte: v } });
export const gt = (v: number): ConditionOperator => ({ _cnd: { gt: v } });
export const lte = (v: number): ConditionOperator => ({ _cnd: { lte: v } });
export const lt = (v: number): ConditionOperator => ({ _cnd: { lt: v } });
export const eq = (v: unknown): ConditionOperator => ({ _cnd: { eq: v } });
export const not = (v: unknown): ConditionOperator => ({ _cnd: { not: v } });
export const between = (from: number, to: number): ConditionOperator => ({
  _cnd: { between: { from, to } },
});

/** Descriptions by node type (its name without `n8n-nodes-base.`), oldest versions first. */
export type Descriptions = Readonly<Record<string, readonly NodeDescription[]>>;
