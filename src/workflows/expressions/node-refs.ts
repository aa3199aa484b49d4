const NODE_REF =
  /\$\(\s*(['"`])((?:\\.|(?!\1).)*)\1\s*\)|\$node\[\s*(['"`])((?:\\.|(?!\3).)*)\3\s*\]|\$node\.([A-Za-z_$][\w$]*)|\$items\(\s*(['"`])((?:\\.|(?!\6).)*)\6/g;

/**
 * The node names a piece of code refers to (`$('A')`, `$node["B"]`, `$node.C`, `$items('D')`),
 * so only their data is copied into an isolate; `'all'` when a name is computed at run time.
 */
export function nodeRefs(source: string): string[] | 'all' {
  const names = new Set<string>();
  for (const m of source.matchAll(NODE_REF)) {
    const name = m[2] ?? m[4] ?? m[5] ?? m[7];
    if (name !== undefined) names.add(name.replace(/\\(.)/g, '$1'));
  }
  const dynamic = /\$\(\s*[^'"`\s)]|\$node\[\s*[^'"`\s]|\$items\(\s*[^'"`\s)]|\$item\(/.test(
    source,
  );
  return dynamic ? 'all' : [...names];
}
