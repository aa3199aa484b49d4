import type { NodeDescription } from '../../model/parameters.ts';
import { codeDescriptions } from './code.ts';
import { commandDescriptions } from './command.ts';
import { conditionsDescriptions } from './conditions.ts';
import { dataDescriptions } from './data.ts';
import { datetimeDescriptions } from './datetime.ts';
import type { Descriptions } from './describe.ts';
import { diskDescriptions } from './disk.ts';
import { editImageDescriptions } from './edit-image.ts';
import { filesDescriptions } from './files.ts';
import { flowDescriptions } from './flow.ts';
import { httpDescriptions } from './http.ts';
import { itemListsDescriptions } from './item-lists.ts';
import { mergeDescriptions } from './merge.ts';
import { setDescriptions } from './set.ts';
import { trainingDescriptions } from './training.ts';
import { transformDescriptions } from './transform.ts';
import { triggersDescriptions } from './triggers.ts';

const FAMILIES: readonly Descriptions[] = [
  triggersDescriptions,
  conditionsDescriptions,
  flowDescriptions,
  mergeDescriptions,
  setDescriptions,
  codeDescriptions,
  commandDescriptions,
  httpDescriptions,
  dataDescriptions,
  itemListsDescriptions,
  datetimeDescriptions,
  transformDescriptions,
  filesDescriptions,
  diskDescriptions,
  editImageDescriptions,
  trainingDescriptions,
];

/** The descriptions of every native node type, by full type name (`n8n-nodes-base.set`). */
export const NODE_DESCRIPTIONS: ReadonlyMap<string, readonly NodeDescription[]> = new Map(
  FAMILIES.flatMap((family) =>
    Object.entries(family).map(([name, list]) => [`n8n-nodes-base.${name}`, list] as const),
  ),
);

/** The description of a node type at one of the typeVersions it describes. */
export function descriptionOf(type: string, typeVersion: number): NodeDescription | undefined {
  return NODE_DESCRIPTIONS.get(type)?.find((d) => d.versions.includes(typeVersion));
}
