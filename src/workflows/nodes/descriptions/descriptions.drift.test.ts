import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isDisplayed,
  resolveParameters,
  type DisplayRules,
  type NodeDescription,
  type ParamDescription,
  type ParamType,
  type ParamValue,
} from '../../model/parameters.ts';
import { STANDARD_NODE_TYPES } from '../registry.ts';

/**
 * Our descriptions against n8n's own (`dist/types/nodes.json` of n8n-nodes-base, read as facts
 * when the package is unpacked here; see `../shared/N8N-REFERENCE.md` beside the project root). For every type and
 * version we describe: the same top-level parameters in the same order (types, defaults, display
 * conditions), the same allowed values, and the same resolved parameters for an empty node and
 * for each value of the main options (`resource`, `operation`, `mode`, `action`), alone and with
 * each parameter other parameters' display depends on set to each of its values.
 */
const REFERENCE_DIR = process.env.N8N_REFERENCE_DIR ?? join(homedir(), 'n8n-ref', 'package');
const NODES_JSON = join(REFERENCE_DIR, 'dist', 'types', 'nodes.json');

interface N8nProperty {
  name: string;
  type: string;
  default: unknown;
  options?: { value?: unknown; displayOptions?: { show?: DisplayRules; hide?: DisplayRules } }[];
  typeOptions?: { multipleValues?: boolean };
  displayOptions?: { show?: DisplayRules; hide?: DisplayRules };
}
interface N8nNode {
  name: string;
  version: number | number[];
  properties: N8nProperty[];
}

/** Parameters only the editor uses (explanations, cURL import, buttons). */
const EDITOR_ONLY = new Set(['notice', 'curlImport', 'button']);
const MAIN = ['resource', 'operation', 'mode', 'action'];

/** Whether the `@version` and `@tool` rules alone allow the parameter at this version. */
function possibleAt(
  display: { show?: DisplayRules; hide?: DisplayRules } | undefined,
  version: number,
): boolean {
  const pick = (rules: DisplayRules | undefined): DisplayRules | undefined => {
    if (!rules) return undefined;
    const kept = Object.entries(rules).filter(([k]) => k === '@version' || k === '@tool');
    return kept.length ? Object.fromEntries(kept) : undefined;
  };
  const probe: ParamDescription = { name: '', type: 'string', default: '' };
  const show = pick(display?.show);
  const hide = pick(display?.hide);
  return isDisplayed(
    { ...probe, ...(show ? { show } : {}), ...(hide ? { hide } : {}) },
    {},
    version,
  );
}

/** n8n's description of a version, in our form. */
function fromN8n(properties: N8nProperty[], version: number): NodeDescription {
  const params = properties
    .filter((p) => !EDITOR_ONLY.has(p.type) && !p.displayOptions?.show?.['@tool'])
    .map((p): ParamDescription => {
      const values =
        p.type === 'options' && Array.isArray(p.options)
          ? [
              ...new Set(
                p.options
                  .filter((o) => possibleAt(o.displayOptions, version))
                  .map((o) => o.value as ParamValue),
              ),
            ]
          : undefined;
      return {
        name: p.name,
        type: p.type as ParamType,
        default: p.default,
        ...(values ? { options: values } : {}),
        ...(p.type === 'collection' && p.typeOptions?.multipleValues
          ? { multipleValues: true }
          : {}),
        ...(p.displayOptions?.show ? { show: p.displayOptions.show } : {}),
        ...(p.displayOptions?.hide ? { hide: p.displayOptions.hide } : {}),
      };
    });
  return { versions: [version], params };
}

/** The parameters the comparison sees at one version: those its version rules allow. */
const atVersion = (d: NodeDescription, version: number) =>
  d.params
    .filter((p) => possibleAt(p, version))
    .map((p) => ({
      name: p.name,
      type: p.type,
      default: p.default,
      options: p.options ? [...p.options].map(String).sort() : undefined,
      // In order: a `show` stops at the first rule on an expression or the first that fails.
      show: p.show && Object.entries(p.show),
      hide: p.hide && Object.entries(p.hide),
    }));

/** Parameter values to resolve with: empty, each main combination, each controlling value. */
function scenarios(d: NodeDescription, version: number): Record<string, unknown>[] {
  const params = d.params.filter((p) => possibleAt(p, version));
  const valuesOf = (name: string): unknown[] => {
    const defs = params.filter((p) => p.name === name);
    const values = new Set<unknown>();
    for (const p of defs) {
      if (p.type === 'boolean') [true, false].forEach((v) => values.add(v));
      for (const v of p.options ?? []) values.add(v);
    }
    return [...values];
  };
  let bases: Record<string, unknown>[] = [{}];
  for (const name of MAIN) {
    const values = valuesOf(name);
    if (values.length === 0) continue;
    bases = bases.flatMap((b) => values.map((v) => ({ ...b, [name]: v })));
  }
  const controlling = new Set<string>();
  for (const p of params) {
    for (const rules of [p.show, p.hide]) {
      for (const key of Object.keys(rules ?? {})) {
        if (!key.startsWith('@') && !key.startsWith('/') && !MAIN.includes(key)) {
          controlling.add(key);
        }
      }
    }
  }
  const out = [{}, ...bases];
  for (const base of bases) {
    for (const name of controlling) {
      for (const value of valuesOf(name)) out.push({ ...base, [name]: value });
    }
  }
  return out;
}

const hasReference = existsSync(NODES_JSON);

describe("node descriptions against n8n's", () => {
  if (!hasReference) {
    it.skip(`needs n8n-nodes-base's dist/types/nodes.json: set N8N_REFERENCE_DIR (now ${REFERENCE_DIR})`, () => {});
    return;
  }
  const reference = JSON.parse(readFileSync(NODES_JSON, 'utf8')) as N8nNode[];
  const pairs = STANDARD_NODE_TYPES.flatMap((t) => t.versions.map((v) => [t, v] as const));

  it('describes the same parameters, values and resolved defaults for every type and version', () => {
    const compared: string[] = [];
    const absent: string[] = [];
    let resolutions = 0;
    for (const [nodeType, version] of pairs) {
      const short = nodeType.type.replace(/^n8n-nodes-base\./, '');
      const entry = reference.find(
        (n) => n.name === short && ([] as number[]).concat(n.version).includes(version),
      );
      const ours = nodeType.descriptions?.find((d) => d.versions.includes(version));
      expect(ours, `${nodeType.type} v${version} has a description`).toBeDefined();
      if (!entry || !ours) {
        absent.push(`${nodeType.type} v${version}`);
        continue;
      }
      const theirs = fromN8n(entry.properties, version);
      const label = `${nodeType.type} v${version}`;
      expect(atVersion(ours, version), `${label}: parameters`).toEqual(atVersion(theirs, version));
      for (const parameters of scenarios(theirs, version)) {
        resolutions++;
        expect(
          resolveParameters(ours, parameters, version),
          `${label} resolved from ${JSON.stringify(parameters)}`,
        ).toEqual(resolveParameters(theirs, parameters, version));
      }
      compared.push(label);
    }
    // The Start node left n8n in 2.0: nothing to compare it with.
    expect(absent).toEqual(['n8n-nodes-base.start v1']);
    expect(compared.length).toBe(pairs.length - 1);
    console.info(
      `descriptions drift: ${compared.length} type versions of ${new Set(compared.map((c) => c.split(' ')[0])).size} types compared, ${resolutions} resolutions`,
    );
  });
});
