import { describe, opt, param, str, type Descriptions } from './describe.ts';

/** Function's code when the JSON has none: n8n's default, the snippet its editor starts with. */
export const FUNCTION_CODE = `// Code here will run only once, no matter how many input items there are.
// More info and help:https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.function/
// Tip: You can use luxon for dates and $jmespath for querying JSON structures

// Loop over inputs and add a new field called 'myNewField' to the JSON of each one
for (item of items) {
  item.json.myNewField = 1;
}

// You can write logs to the browser console
console.log('Done!');

return items;`;

/** Function Item's code when the JSON has none (n8n's default). */
export const FUNCTION_ITEM_CODE = `// Code here will run once per input item.
// More info and help: https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.functionitem/
// Tip: You can use luxon for dates and $jmespath for querying JSON structures

// Add a new field called 'myNewField' to the JSON of the item
item.myNewField = 1;

// You can write logs to the browser console
console.log('Done!');

return item;`;

const allItems = { mode: ['runOnceForAllItems'] };
const eachItem = { mode: ['runOnceForEachItem'] };
const python = { language: ['python', 'pythonNative'] };

export const codeDescriptions: Descriptions = {
  // Code's editor writes a snippet into a new node; the parameter's default is empty.
  code: [
    describe(
      [1, 2],
      [
        opt('mode', 'runOnceForAllItems', ['runOnceForAllItems', 'runOnceForEachItem']),
        opt('language', 'javaScript', ['javaScript', 'pythonNative'], {
          show: { '@version': [2] },
        }),
        param('hidden', 'language', 'javaScript', { show: { '@version': [1] } }),
        str('jsCode', '', { show: { '@version': [1], ...allItems } }),
        str('jsCode', '', { show: { '@version': [1], ...eachItem } }),
        str('jsCode', '', { show: { '@version': [2], language: ['javaScript'], ...allItems } }),
        str('jsCode', '', { show: { '@version': [2], language: ['javaScript'], ...eachItem } }),
        str('pythonCode', '', { show: { ...python, ...allItems } }),
        str('pythonCode', '', { show: { ...python, ...eachItem } }),
      ],
    ),
  ],
  function: [describe([1], [str('functionCode', FUNCTION_CODE)])],
  functionItem: [describe([1], [str('functionCode', FUNCTION_ITEM_CODE)])],
};
