import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importWorkflow } from './model/import.ts';
import { nodesNeedingSettings } from './nodes/command.node.ts';
import { isCoreNodeType } from './nodes/core.ts';
import { createNodeRegistry } from './nodes/registry.ts';

/** Every `*.json` file under the given files and folders (recursively), sorted. */
export function workflowFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (!entry.startsWith('.')) walk(join(path, entry));
      }
    } else if (path.endsWith('.json') || paths.includes(path)) {
      out.push(path);
    }
  };
  for (const path of paths) walk(path);
  return out;
}

export interface ConformanceReport {
  files: number;
  imported: number;
  importedUnsupported: number;
  refused: number;
  /** Workflows every node of which runs here with the default settings (activatable). */
  activatable: number;
  /**
   * Workflows every node of which runs here, some only once an administrator turns them on
   * (Execute Command): not counted as activatable.
   */
  needsSetting: number;
  /** Of those, workflows with a node version newer than the build knows, run as an earlier one. */
  approximated: number;
  /** Workflows that core nodes alone keep from running (n8n's "Core Nodes", see nodes/core.ts). */
  coreBlocked: number;
  refusals: Record<string, number>;
  /**
   * Missing node types (with the versions met), by how many workflows they appear in and how
   * many they alone block; `core` for n8n's core nodes.
   */
  missing: {
    type: string;
    versions: number[];
    core: boolean;
    workflows: number;
    unblocks: number;
  }[];
}

/**
 * The conformance report of a corpus of n8n exports: what imports, what is activatable, why
 * files are refused, and which missing node types would unblock most workflows.
 */
export function checkCorpus(files: string[]): ConformanceReport {
  const registry = createNodeRegistry();
  const report: ConformanceReport = {
    files: files.length,
    imported: 0,
    importedUnsupported: 0,
    refused: 0,
    activatable: 0,
    needsSetting: 0,
    approximated: 0,
    coreBlocked: 0,
    refusals: {},
    missing: [],
  };
  const missing = new Map<string, { versions: Set<number>; workflows: number; unblocks: number }>();
  for (const file of files) {
    const result = importWorkflow(readFileSync(file, 'utf8'), { resolve: registry.resolve });
    if (result.status === 'refused') {
      report.refused++;
      report.refusals[result.code] = (report.refusals[result.code] ?? 0) + 1;
      continue;
    }
    if (result.status === 'imported') {
      report.imported++;
      if (nodesNeedingSettings(result.workflow.nodes, { executeCommand: false }).length > 0) {
        report.needsSetting++;
        continue;
      }
      report.activatable++;
      if (
        result.workflow.nodes.some(
          (n) => registry.resolve(n.type, n.typeVersion)?.runsAs !== n.typeVersion,
        )
      ) {
        report.approximated++;
      }
      continue;
    }
    report.importedUnsupported++;
    if (result.unsupported.every((u) => isCoreNodeType(u.type))) report.coreBlocked++;
    for (const u of result.unsupported) {
      const entry = missing.get(u.type) ?? { versions: new Set(), workflows: 0, unblocks: 0 };
      entry.workflows++;
      for (const v of u.typeVersions) entry.versions.add(v);
      if (result.unsupported.length === 1) entry.unblocks++;
      missing.set(u.type, entry);
    }
  }
  report.missing = [...missing.entries()]
    .map(([type, { versions, ...counts }]) => ({
      type,
      versions: [...versions].sort((a, b) => a - b),
      core: isCoreNodeType(type),
      ...counts,
    }))
    .sort((a, b) => b.unblocks - a.unblocks || b.workflows - a.workflows);
  return report;
}
