import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importWorkflow } from './model/import.ts';
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
  /** Workflows every node of which runs here (activatable). */
  activatable: number;
  refusals: Record<string, number>;
  /** Missing node types, by how many workflows they appear in and how many they alone block. */
  missing: { type: string; workflows: number; unblocks: number }[];
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
    refusals: {},
    missing: [],
  };
  const missing = new Map<string, { workflows: number; unblocks: number }>();
  for (const file of files) {
    const result = importWorkflow(readFileSync(file, 'utf8'), {
      isSupported: registry.isSupported,
    });
    if (result.status === 'refused') {
      report.refused++;
      report.refusals[result.code] = (report.refusals[result.code] ?? 0) + 1;
      continue;
    }
    if (result.status === 'imported') {
      report.imported++;
      report.activatable++;
      continue;
    }
    report.importedUnsupported++;
    for (const u of result.unsupported) {
      const entry = missing.get(u.type) ?? { workflows: 0, unblocks: 0 };
      entry.workflows++;
      if (result.unsupported.length === 1) entry.unblocks++;
      missing.set(u.type, entry);
    }
  }
  report.missing = [...missing.entries()]
    .map(([type, counts]) => ({ type, ...counts }))
    .sort((a, b) => b.unblocks - a.unblocks || b.workflows - a.workflows);
  return report;
}
