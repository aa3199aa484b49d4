import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { agentInputSchema, type AgentDefinition } from './agents.dto.ts';

/** A file holds one agent, or `{ organisation?, agents: [...] }`. */
const listFileSchema = z.strictObject({
  organisation: z.string().min(1).optional(),
  agents: z.array(agentInputSchema).min(1),
});
const singleFileSchema = agentInputSchema.extend({ organisation: z.string().min(1).optional() });

export interface AgentFile {
  file: string;
  organisation: string | undefined;
  agents: AgentDefinition[];
}

/**
 * Reads `*.yaml`, `*.yml` and `*.json` in `folder` (not below it), in name order. A file that
 * does not parse or validate is reported with its problems, never half loaded.
 */
export function readAgentFiles(folder: string): { files: AgentFile[]; problems: string[] } {
  let names: string[];
  try {
    names = readdirSync(folder)
      .filter((n) => /\.(ya?ml|json)$/i.test(n))
      .sort();
  } catch (error) {
    return { files: [], problems: [`${folder}: ${(error as Error).message}`] };
  }
  const files: AgentFile[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const path = join(folder, name);
    try {
      const text = readFileSync(path, 'utf8');
      const raw: unknown = /\.json$/i.test(name) ? JSON.parse(text) : parseYaml(text);
      const isList = typeof raw === 'object' && raw !== null && 'agents' in raw;
      const parsed = (isList ? listFileSchema : singleFileSchema).safeParse(raw);
      if (!parsed.success) {
        problems.push(
          `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`,
        );
        continue;
      }
      if ('agents' in parsed.data && Array.isArray(parsed.data.agents)) {
        files.push({
          file: name,
          organisation: parsed.data.organisation,
          agents: parsed.data.agents,
        });
      } else {
        const { organisation, ...agent } = parsed.data as AgentDefinition & {
          organisation?: string;
        };
        files.push({ file: name, organisation, agents: [agent] });
      }
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { files, problems };
}
