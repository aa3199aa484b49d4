import Table from 'cli-table3';

/** Writes data as JSON (for scripts) or as the human form `render` makes of it. */
export function emit<T>(data: T, json: boolean, render: (data: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${render(data)}\n`);
}

export function table(head: string[], rows: (string | number | boolean)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
}

export function keyValues(pairs: [string, string | number | boolean][]): string {
  const width = Math.max(...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `${key.padEnd(width)}  ${String(value)}`).join('\n');
}
