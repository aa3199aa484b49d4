import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Node's `Buffer` for Code nodes, as n8n's Code node has it: the `buffer` package (the same API
 * in plain JavaScript, with its two dependencies) evaluated inside the node's isolate, which
 * has no Node APIs. A small CommonJS loader runs the three files; nothing of the host is shared.
 */
const require = createRequire(import.meta.url);

const source = (name: string): string => readFileSync(require.resolve(name), 'utf8');

/** A script that defines `globalThis.Buffer` in the isolate it runs in. */
export const BUFFER_SOURCE = `(function () {
  const factories = {
    'base64-js': function (module, exports, require) { ${source('base64-js')}\n },
    'ieee754': function (module, exports, require) { ${source('ieee754')}\n },
    'buffer': function (module, exports, require) { ${source('buffer/')}\n },
  };
  const loaded = {};
  const load = (name) => {
    if (!(name in factories)) throw new Error('Cannot find module ' + name);
    if (!(name in loaded)) {
      const module = { exports: {} };
      loaded[name] = module;
      factories[name](module, module.exports, load);
    }
    return loaded[name].exports;
  };
  Object.defineProperty(globalThis, 'Buffer', {
    value: load('buffer').Buffer,
    writable: true,
    configurable: true,
  });
})();`;
