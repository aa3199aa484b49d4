import type { NodeRegistry, NodeType } from '../engine/engine.types.ts';
import { codeNodes } from './code.node.ts';
import { compareDatasetsNode } from './compare.node.ts';
import { dataNodes } from './data.node.ts';
import { feedNodes } from './feeds.node.ts';
import { fileNodes } from './files.node.ts';
import { flowNodes } from './flow.node.ts';
import { httpRequestNode } from './http-request.node.ts';
import { mergeNode } from './merge.node.ts';
import { setNode } from './set.node.ts';
import { customerDatastoreNode } from './training.node.ts';
import { transformNodes } from './transform.node.ts';
import { triggerNodes } from './trigger.node.ts';

/** Every node type this engine runs natively. */
export const STANDARD_NODE_TYPES: readonly NodeType[] = [
  ...triggerNodes,
  ...flowNodes,
  mergeNode,
  compareDatasetsNode,
  setNode,
  ...codeNodes,
  httpRequestNode,
  ...feedNodes,
  ...dataNodes,
  ...transformNodes,
  ...fileNodes,
  customerDatastoreNode,
];

/** A registry over node types; typeVersions not listed by a type are unsupported. */
export function createNodeRegistry(types: readonly NodeType[] = STANDARD_NODE_TYPES): NodeRegistry {
  const byType = new Map(types.map((t) => [t.type, t]));
  const get = (type: string, typeVersion: number): NodeType | undefined => {
    const t = byType.get(type);
    return t && t.versions.includes(typeVersion) ? t : undefined;
  };
  return { get, isSupported: (type, typeVersion) => get(type, typeVersion) !== undefined };
}

/** Supported types with their typeVersions, for reports and the dashboard. */
export function supportedTypes(
  types: readonly NodeType[] = STANDARD_NODE_TYPES,
): { type: string; versions: number[] }[] {
  return types.map((t) => ({ type: t.type, versions: [...t.versions] }));
}
