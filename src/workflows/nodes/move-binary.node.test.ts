import { describe, expect, it } from 'vitest';
import { run, wf } from '../engine/test-helpers.test-support.ts';

/** Move Binary Data, behaviour as n8n's node (nodes/MoveBinaryData). */
describe('Move Binary Data', () => {
  const chain = async (
    toBinary: Record<string, unknown>,
    toJson: Record<string, unknown>,
    version = 1.1,
  ) => {
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        [
          'ToFile',
          'moveBinaryData',
          { mode: 'jsonToBinary', ...toBinary },
          { typeVersion: version },
        ],
        ['ToJson', 'moveBinaryData', toJson, { typeVersion: version }],
      ],
      ['Start>ToFile', 'ToFile>ToJson'],
    );
    const r = await run(w, { triggerItems: [{ json: { id: 7, note: 'été' } }] });
    expect(r.status, JSON.stringify(r.runData.ToJson?.[0]?.error)).toBe('success');
    return {
      file: r.runData.ToFile?.[0]?.data.main[0]?.[0],
      back: r.runData.ToJson?.[0]?.data.main[0]?.[0],
    };
  };

  it('turns the whole item into a JSON file and reads it back as the item', async () => {
    const { file, back } = await chain({}, {});
    expect(file?.json).toEqual({});
    expect(file?.binary?.data).toMatchObject({
      mimeType: 'application/json',
      fileName: 'file.json',
      fileExtension: 'json',
    });
    expect(Buffer.from(file!.binary!.data!.data, 'base64').toString('utf8')).toBe(
      '{"id":7,"note":"été"}',
    );
    expect(back?.json).toEqual({ id: 7, note: 'été' });
    expect(back?.binary).toBeUndefined();
  });

  it('moves one key as raw text and sets it back under another key, keeping the file', async () => {
    const { file, back } = await chain(
      {
        convertAllData: false,
        sourceKey: 'note',
        options: { useRawData: true, mimeType: 'text/plain' },
      },
      { setAllData: false, destinationKey: 'text', options: { keepSource: true } },
    );
    expect(file?.json).toEqual({ id: 7 });
    expect(Buffer.from(file!.binary!.data!.data, 'base64').toString('utf8')).toBe('été');
    expect(back?.json).toEqual({ id: 7, text: 'été' });
    expect(back?.binary?.data?.mimeType).toBe('text/plain');
  });

  it('version 1 names no file; an item without the source passes by', async () => {
    const { file } = await chain({}, {}, 1);
    expect(file?.binary?.data?.fileName).toBeUndefined();
    const w = wf(
      [
        ['Start', 'manualTrigger'],
        ['ToJson', 'moveBinaryData', {}, { typeVersion: 1.1 }],
      ],
      ['Start>ToJson'],
    );
    const r = await run(w, { triggerItems: [{ json: { a: 1 } }] });
    expect(r.runData.ToJson?.[0]?.data.main[0]).toEqual([]);
  });
});
