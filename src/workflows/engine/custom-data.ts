import { NodeError } from './engine.types.ts';

/**
 * An execution's custom data, as n8n keeps it (`$execution.customData`, the Execution Data
 * node): at most ten keys (a new key past ten is ignored, without an error), keys of letters,
 * digits and `_` cut to 50 characters, values strings or numbers cut to 512 characters. It is
 * stored with the execution's record, shown on its page and searchable in the list.
 */
export const CUSTOM_DATA_MAX_KEYS = 10;
export const CUSTOM_DATA_MAX_KEY_LENGTH = 50;
export const CUSTOM_DATA_MAX_VALUE_LENGTH = 512;

const KEY = /^[\p{L}\p{N}\p{M}_]*$/u;

export function setCustomData(target: Record<string, string>, key: unknown, value: unknown): void {
  if (
    !(typeof key === 'string' && Object.hasOwn(target, key)) &&
    Object.keys(target).length >= CUSTOM_DATA_MAX_KEYS
  ) {
    return;
  }
  if (typeof key !== 'string') {
    throw new NodeError(`Custom data keys must be a string (key "${String(key)}")`);
  }
  if (!KEY.test(key)) {
    throw new NodeError(`Custom data key can only contain letters, digits and "_" (key "${key}")`);
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
    throw new NodeError(`Custom data values must be a string (key "${key}")`);
  }
  target[key.slice(0, CUSTOM_DATA_MAX_KEY_LENGTH)] = String(value).slice(
    0,
    CUSTOM_DATA_MAX_VALUE_LENGTH,
  );
}

/** Sets each pair in turn (n8n's `setAll`: it adds to what is there). */
export function setAllCustomData(target: Record<string, string>, values: unknown): void {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new NodeError('Custom data must be an object of keys and values');
  }
  for (const [key, value] of Object.entries(values)) setCustomData(target, key, value);
}

/**
 * The same rules as source for the Code node's isolate, where `$execution.customData` works on
 * a copy that comes back with the result.
 */
export const CUSTOM_DATA_SOURCE = `(function (data) {
  const set = (key, value) => {
    if (!(typeof key === 'string' && Object.prototype.hasOwnProperty.call(data, key)) && Object.keys(data).length >= ${CUSTOM_DATA_MAX_KEYS}) return;
    if (typeof key !== 'string') throw new Error('Custom data keys must be a string (key "' + String(key) + '")');
    if (!${KEY.toString()}.test(key)) throw new Error('Custom data key can only contain letters, digits and "_" (key "' + key + '")');
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') throw new Error('Custom data values must be a string (key "' + key + '")');
    data[key.slice(0, ${CUSTOM_DATA_MAX_KEY_LENGTH})] = String(value).slice(0, ${CUSTOM_DATA_MAX_VALUE_LENGTH});
  };
  return {
    set,
    setAll: (values) => {
      if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error('Custom data must be an object of keys and values');
      for (const [key, value] of Object.entries(values)) set(key, value);
    },
    get: (key) => data[key],
    getAll: () => ({ ...data }),
  };
})`;
