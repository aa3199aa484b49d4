import type { NodeRegistry, NodeType, ResolvedType } from '../engine/engine.types.ts';
import { codeNodes } from './code.node.ts';
import { executeCommandNode } from './command.node.ts';
import { compareDatasetsNode } from './compare.node.ts';
import { compressionNode } from './compression.node.ts';
import { dataNodes } from './data.node.ts';
import { dateTimeNode } from './datetime.node.ts';
import { NODE_DESCRIPTIONS } from './descriptions/index.ts';
import { diskNodes } from './disk.node.ts';
import { editImageNode } from './edit-image.node.ts';
import { executionDataNode } from './execution-data.node.ts';
import { feedNodes } from './feeds.node.ts';
import { fileNodes } from './files.node.ts';
import { flowNodes } from './flow.node.ts';
import { httpRequestNode } from './http-request.node.ts';
import { mergeNode } from './merge.node.ts';
import { moveBinaryDataNode } from './move-binary.node.ts';
import { setNode } from './set.node.ts';
import { customerDatastoreNode } from './training.node.ts';
import { transformNodes } from './transform.node.ts';
import { triggerNodes } from './trigger.node.ts';

/** Every node type this engine runs natively, each with its parameters' descriptions. */
export const STANDARD_NODE_TYPES: readonly NodeType[] = [
  ...triggerNodes,
  ...flowNodes,
  executionDataNode,
  mergeNode,
  compareDatasetsNode,
  setNode,
  ...codeNodes,
  executeCommandNode,
  httpRequestNode,
  ...feedNodes,
  ...dataNodes,
  dateTimeNode,
  ...transformNodes,
  ...fileNodes,
  moveBinaryDataNode,
  ...diskNodes,
  compressionNode,
  editImageNode,
  customerDatastoreNode,
].map((t) => {
  const descriptions = NODE_DESCRIPTIONS.get(t.type);
  return descriptions ? { ...t, descriptions } : t;
});

/**
 * A registry over node types. A version a type lists runs as itself; a minor version newer than
 * those listed (n8n's 4.5 where the type knows 4.2) runs as the nearest earlier one of the same
 * major version, which the import reports as a warning; a new major version, or a version
 * before every listed one of its major, is unsupported.
 */
export function createNodeRegistry(types: readonly NodeType[] = STANDARD_NODE_TYPES): NodeRegistry {
  const byType = new Map(types.map((t) => [t.type, t]));
  const resolve = (type: string, typeVersion: number): ResolvedType | undefined => {
    const nodeType = byType.get(type);
    if (!nodeType) return undefined;
    const runsAs = nodeType.versions.includes(typeVersion)
      ? typeVersion
      : Math.max(
          ...nodeType.versions.filter(
            (v) => v < typeVersion && Math.floor(v) === Math.floor(typeVersion),
          ),
        );
    if (runsAs === -Infinity) return undefined;
    // A newer minor version takes the parameters of the version it runs as (its defaults and
    // display conditions), as it takes that version's behaviour.
    const description = nodeType.descriptions?.find((d) => d.versions.includes(runsAs));
    return { nodeType, runsAs, ...(description ? { description } : {}) };
  };
  const get = (type: string, typeVersion: number) => resolve(type, typeVersion)?.nodeType;
  return { get, resolve, isSupported: (type, typeVersion) => get(type, typeVersion) !== undefined };
}

/** Supported types with their typeVersions, for reports and the dashboard. */
export function supportedTypes(
  types: readonly NodeType[] = STANDARD_NODE_TYPES,
): { type: string; versions: number[] }[] {
  return types.map((t) => ({ type: t.type, versions: [...t.versions] }));
}
