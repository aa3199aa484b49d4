/**
 * n8n's expression strings: a parameter value starting with `=` is a template whose `{{ }}`
 * blocks are JavaScript expressions. A template that is exactly one block returns the block's
 * value as is (an object, a number...); otherwise blocks are turned into text and joined.
 */

export type Segment = { kind: 'text'; text: string } | { kind: 'code'; code: string };

export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('=');
}

/** Finds the end of a `{{ ... }}` block starting after `start`, skipping strings and nesting. */
function blockEnd(source: string, start: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && source[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

/** Splits a template (without its leading `=`) into text and code segments. */
export function splitTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open < 0) break;
    let end = blockEnd(template, open + 2);
    // An unbalanced quote inside the block: fall back to the first plain `}}`.
    if (end < 0) end = template.indexOf('}}', open + 2);
    if (end < 0) break;
    if (open > at) segments.push({ kind: 'text', text: template.slice(at, open) });
    // n8n accepts a trailing semicolon in a block (`{{ $json.a; }}`).
    segments.push({
      kind: 'code',
      code: template
        .slice(open + 2, end)
        .trim()
        .replace(/;+$/, '')
        .trim(),
    });
    at = end + 2;
  }
  if (at < template.length) segments.push({ kind: 'text', text: template.slice(at) });
  return segments;
}
