import { bool, describe, str, type Descriptions } from './describe.ts';

export const commandDescriptions: Descriptions = {
  executeCommand: [describe([1], [bool('executeOnce', true), str('command', '')])],
};
