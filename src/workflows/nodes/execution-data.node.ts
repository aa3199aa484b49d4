import { setCustomData } from '../engine/custom-data.ts';
import { defineNode } from './define.ts';

interface SavedField {
  key?: unknown;
  value?: unknown;
}

/**
 * Execution Data (1, 1.1): saves key/value pairs as the execution's custom data, for finding
 * the execution later (its page shows them; the list filters on them). Each item's fields are
 * set in turn, so a key set for several items keeps the last item's value; the items pass on
 * unchanged.
 */
export const executionDataNode = defineNode({
  name: 'executionData',
  versions: [1, 1.1],
  async execute(ctx) {
    const items = ctx.input();
    if (ctx.param('operation', 0, 'save') === 'save') {
      for (let i = 0; i < items.length; i++) {
        const fields = ctx.param<{ values?: SavedField[] }>('dataToSave', i, {}).values ?? [];
        // As n8n gathers them into one object: a later field with the same key wins, a number
        // key is its text; anything else that is not text is refused by the rules.
        const values = new Map<unknown, unknown>();
        for (const { key = '', value = '' } of fields) {
          values.set(typeof key === 'number' ? String(key) : key, value);
        }
        for (const [key, value] of values) setCustomData(ctx.customData, key, value);
      }
    }
    return [items];
  },
});
