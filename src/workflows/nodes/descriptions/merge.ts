import { bool, coll, describe, fixed, opt, param, str, type Descriptions } from './describe.ts';

export const mergeDescriptions: Descriptions = {
  merge: [
    describe(
      [1],
      [
        opt('mode', 'append', [
          'append',
          'keepKeyMatches',
          'mergeByIndex',
          'mergeByKey',
          'multiplex',
          'passThrough',
          'removeKeyMatches',
          'wait',
        ]),
        opt('join', 'left', ['inner', 'left', 'outer'], { show: { mode: ['mergeByIndex'] } }),
        str('propertyName1', '', {
          show: { mode: ['keepKeyMatches', 'mergeByKey', 'removeKeyMatches'] },
        }),
        str('propertyName2', '', {
          show: { mode: ['keepKeyMatches', 'mergeByKey', 'removeKeyMatches'] },
        }),
        opt('output', 'input1', ['input1', 'input2'], { show: { mode: ['passThrough'] } }),
        opt('overwrite', 'always', ['always', 'blank', 'undefined'], {
          show: { mode: ['mergeByKey'] },
        }),
      ],
    ),
    describe(
      [2, 2.1],
      [
        opt('mode', 'append', ['append', 'combine', 'chooseBranch']),
        opt('combinationMode', 'mergeByFields', ['mergeByFields', 'mergeByPosition', 'multiplex'], {
          show: { mode: ['combine'] },
        }),
        fixed(
          'mergeByFields',
          { values: [{ field1: '', field2: '' }] },
          { show: { mode: ['combine'], combinationMode: ['mergeByFields'] } },
        ),
        opt(
          'joinMode',
          'keepMatches',
          ['keepMatches', 'keepNonMatches', 'keepEverything', 'enrichInput1', 'enrichInput2'],
          { show: { mode: ['combine'], combinationMode: ['mergeByFields'] } },
        ),
        opt('outputDataFrom', 'both', ['both', 'input1', 'input2'], {
          show: {
            mode: ['combine'],
            combinationMode: ['mergeByFields'],
            joinMode: ['keepMatches'],
          },
        }),
        opt('outputDataFrom', 'both', ['both', 'input1', 'input2'], {
          show: {
            mode: ['combine'],
            combinationMode: ['mergeByFields'],
            joinMode: ['keepNonMatches'],
          },
        }),
        opt('chooseBranchMode', 'waitForBoth', ['waitForBoth'], {
          show: { mode: ['chooseBranch'] },
        }),
        opt('output', 'input1', ['input1', 'input2', 'empty'], {
          show: { mode: ['chooseBranch'], chooseBranchMode: ['waitForBoth'] },
        }),
        coll('options', { hide: { mode: ['chooseBranch', 'append'] } }),
      ],
    ),
    describe(
      [3, 3.1, 3.2],
      [
        opt('mode', 'append', ['append', 'combine', 'combineBySql', 'chooseBranch']),
        opt(
          'combineBy',
          'combineByFields',
          ['combineByFields', 'combineByPosition', 'combineAll'],
          { show: { mode: ['combine'] } },
        ),
        opt('numberInputs', 2, [2, 3, 4, 5, 6, 7, 8, 9, 10], { show: { mode: ['append'] } }),
        coll('options', { show: { mode: ['combine'], combineBy: ['combineAll'] } }),
        bool('advanced', false, { show: { mode: ['combine'], combineBy: ['combineByFields'] } }),
        str('fieldsToMatchString', '', {
          show: { advanced: [false], mode: ['combine'], combineBy: ['combineByFields'] },
        }),
        fixed(
          'mergeByFields',
          { values: [{ field1: '', field2: '' }] },
          { show: { advanced: [true], mode: ['combine'], combineBy: ['combineByFields'] } },
        ),
        opt(
          'joinMode',
          'keepMatches',
          ['keepMatches', 'keepNonMatches', 'keepEverything', 'enrichInput1', 'enrichInput2'],
          { show: { mode: ['combine'], combineBy: ['combineByFields'] } },
        ),
        opt('outputDataFrom', 'both', ['both', 'input1', 'input2'], {
          show: { joinMode: ['keepMatches'], mode: ['combine'], combineBy: ['combineByFields'] },
        }),
        opt('outputDataFrom', 'both', ['both', 'input1', 'input2'], {
          show: { joinMode: ['keepNonMatches'], mode: ['combine'], combineBy: ['combineByFields'] },
        }),
        coll('options', { show: { mode: ['combine'], combineBy: ['combineByFields'] } }),
        opt('numberInputs', 2, [2, 3, 4, 5, 6, 7, 8, 9, 10], { show: { mode: ['combineBySql'] } }),
        str('query', 'SELECT * FROM input1 LEFT JOIN input2 ON input1.name = input2.id', {
          show: { mode: ['combineBySql'] },
        }),
        coll('options', { show: { mode: ['combineBySql'] } }),
        opt('numberInputs', 2, [2, 3, 4, 5, 6, 7, 8, 9, 10], {
          show: { mode: ['combine'], combineBy: ['combineByPosition'] },
        }),
        coll('options', { show: { mode: ['combine'], combineBy: ['combineByPosition'] } }),
        opt('numberInputs', 2, [2, 3, 4, 5, 6, 7, 8, 9, 10], { show: { mode: ['chooseBranch'] } }),
        opt('chooseBranchMode', 'waitForAll', ['waitForAll'], { show: { mode: ['chooseBranch'] } }),
        opt('output', 'specifiedInput', ['specifiedInput', 'empty'], {
          show: { chooseBranchMode: ['waitForAll'], mode: ['chooseBranch'] },
        }),
        param('options', 'useDataOfInput', 1, {
          show: { output: ['specifiedInput'], mode: ['chooseBranch'] },
        }),
      ],
    ),
  ],
  compareDatasets: [
    describe(
      [1, 2, 2.1, 2.2, 2.3],
      [
        fixed('mergeByFields', { values: [{ field1: '', field2: '' }] }),
        opt('resolve', 'preferInput2', ['preferInput1', 'preferInput2', 'mix', 'includeBoth'], {
          show: { '@version': [1, 2] },
        }),
        opt('resolve', 'includeBoth', ['preferInput1', 'preferInput2', 'mix', 'includeBoth'], {
          hide: { '@version': [1, 2] },
        }),
        bool('fuzzyCompare', false, { hide: { '@version': [1] } }),
        opt('preferWhenMix', 'input1', ['input1', 'input2'], { show: { resolve: ['mix'] } }),
        str('exceptWhenMix', '', { show: { resolve: ['mix'] } }),
        coll('options'),
      ],
    ),
  ],
};
