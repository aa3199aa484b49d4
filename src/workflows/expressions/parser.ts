/**
 * A parser for the subset of JavaScript that the host-side evaluator runs: literals, `$`
 * variables and whitelisted globals, property paths (`.a`, `[0]`, `?.`), calls, unary, binary,
 * logical and conditional operators, array and object literals. Anything else (functions,
 * assignments, `new`, templates with `${}`, regex literals...) makes `parse` return `null`
 * and the expression runs in the isolate instead.
 */

export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'member'; obj: Node; prop: Node; computed: boolean; optional: boolean }
  | { t: 'call'; callee: Node; args: Node[]; optional: boolean }
  | { t: 'unary'; op: string; arg: Node }
  | { t: 'binary'; op: string; left: Node; right: Node }
  | { t: 'cond'; test: Node; then: Node; else: Node }
  | { t: 'array'; items: Node[] }
  | { t: 'object'; entries: [string, Node][] };

type Token =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'id'; v: string }
  | { k: 'op'; v: string }
  | { k: 'other'; v: string };

const PUNCT = [
  '===',
  '!==',
  '**',
  '?.',
  '??',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '=>',
  '...',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '=',
  '&',
  '|',
  '^',
  '~',
  ';',
];

/** Tokenizes JavaScript loosely; `null` when it meets something it does not understand. */
export function tokenize(src: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
      if (!m) return null;
      out.push({ k: 'num', v: Number(m[0]) });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))!;
      out.push({ k: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\') {
          const e = src[++j];
          const map: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            b: '\b',
            f: '\f',
            v: '\v',
            '0': '\0',
          };
          if (e === 'u' || e === 'x') return null;
          s += e === undefined ? '' : (map[e] ?? e);
        } else s += src[j];
      }
      if (j >= src.length) return null;
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      // Only templates without substitutions are plain strings.
      const end = src.indexOf('`', i + 1);
      const body = end < 0 ? '' : src.slice(i + 1, end);
      if (end < 0 || body.includes('${') || body.includes('\\')) {
        out.push({ k: 'other', v: '`' });
        return out;
      }
      out.push({ k: 'str', v: body });
      i = end + 1;
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) return null;
    // `?.` followed by a digit is a conditional with a number (`a?.5:1`).
    if (p === '?.' && /[0-9]/.test(src[i + 2] ?? '')) {
      out.push({ k: 'op', v: '?' });
      i++;
      continue;
    }
    out.push({ k: 'op', v: p });
    i += p.length;
  }
  return out;
}

const BINARY: Record<string, number> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 6,
  '!=': 6,
  '===': 6,
  '!==': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
  '**': 11,
};

class Unsupported extends Error {}

/** Parses an expression of the safe subset, or returns `null`. */
export function parse(src: string): Node | null {
  const tokens = tokenize(src);
  if (!tokens || tokens.length === 0) return null;
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (v: string): boolean => {
    const t = tokens[pos];
    return t !== undefined && t.k === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new Unsupported();
    pos++;
  };

  function expression(): Node {
    const test = binary(0);
    if (isOp('?')) {
      pos++;
      const then = expression();
      expect(':');
      return { t: 'cond', test, then, else: expression() };
    }
    return test;
  }

  function binary(min: number): Node {
    let left = unary();
    for (;;) {
      const t = peek();
      if (!t || t.k !== 'op') return left;
      const prec = BINARY[t.v];
      if (prec === undefined || prec <= min) {
        if (prec === undefined || !(t.v === '**' && prec === min)) return left;
      }
      pos++;
      // `**` is right-associative.
      const right = binary(t.v === '**' ? prec - 1 : prec);
      left = { t: 'binary', op: t.v, left, right };
    }
  }

  function unary(): Node {
    const t = peek();
    if (t && t.k === 'op' && (t.v === '!' || t.v === '-' || t.v === '+')) {
      pos++;
      return { t: 'unary', op: t.v, arg: unary() };
    }
    if (t && t.k === 'id' && t.v === 'typeof') {
      pos++;
      return { t: 'unary', op: 'typeof', arg: unary() };
    }
    return postfix(primary());
  }

  function args(): Node[] {
    const list: Node[] = [];
    expect('(');
    while (!isOp(')')) {
      if (isOp('...')) throw new Unsupported();
      list.push(expression());
      if (!isOp(')')) expect(',');
    }
    pos++;
    return list;
  }

  function postfix(node: Node): Node {
    for (;;) {
      if (isOp('.')) {
        pos++;
        const t = peek();
        if (!t || t.k !== 'id') throw new Unsupported();
        pos++;
        node = {
          t: 'member',
          obj: node,
          prop: { t: 'lit', v: t.v },
          computed: false,
          optional: false,
        };
      } else if (isOp('?.')) {
        pos++;
        if (isOp('(')) {
          node = { t: 'call', callee: node, args: args(), optional: true };
        } else if (isOp('[')) {
          pos++;
          const prop = expression();
          expect(']');
          node = { t: 'member', obj: node, prop, computed: true, optional: true };
        } else {
          const t = peek();
          if (!t || t.k !== 'id') throw new Unsupported();
          pos++;
          node = {
            t: 'member',
            obj: node,
            prop: { t: 'lit', v: t.v },
            computed: false,
            optional: true,
          };
        }
      } else if (isOp('[')) {
        pos++;
        const prop = expression();
        expect(']');
        node = { t: 'member', obj: node, prop, computed: true, optional: false };
      } else if (isOp('(')) {
        node = { t: 'call', callee: node, args: args(), optional: false };
      } else return node;
    }
  }

  function primary(): Node {
    const t = peek();
    if (!t) throw new Unsupported();
    pos++;
    switch (t.k) {
      case 'num':
      case 'str':
        return { t: 'lit', v: t.v };
      case 'id': {
        const literals: Record<string, unknown> = {
          true: true,
          false: false,
          null: null,
          undefined,
        };
        if (t.v in literals) return { t: 'lit', v: literals[t.v] };
        if (RESERVED.has(t.v)) throw new Unsupported();
        if (isOp('=>')) throw new Unsupported();
        return { t: 'id', name: t.v };
      }
      case 'op':
        if (t.v === '(') {
          const inner = expression();
          expect(')');
          if (isOp('=>')) throw new Unsupported();
          return inner;
        }
        if (t.v === '[') {
          const items: Node[] = [];
          while (!isOp(']')) {
            if (isOp('...') || isOp(',')) throw new Unsupported();
            items.push(expression());
            if (!isOp(']')) expect(',');
          }
          pos++;
          return { t: 'array', items };
        }
        if (t.v === '{') {
          const entries: [string, Node][] = [];
          while (!isOp('}')) {
            const key = peek();
            if (!key || (key.k !== 'id' && key.k !== 'str' && key.k !== 'num')) {
              throw new Unsupported();
            }
            pos++;
            if (!isOp(':')) throw new Unsupported();
            pos++;
            entries.push([String(key.v), expression()]);
            if (!isOp('}')) expect(',');
          }
          pos++;
          return { t: 'object', entries };
        }
        throw new Unsupported();
      case 'other':
        throw new Unsupported();
    }
  }

  try {
    const node = expression();
    if (pos !== tokens.length) return null;
    return node;
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/** JavaScript words that never appear in the host subset. */
const RESERVED = new Set([
  'new',
  'function',
  'class',
  'this',
  'var',
  'let',
  'const',
  'return',
  'if',
  'for',
  'while',
  'do',
  'with',
  'delete',
  'void',
  'in',
  'instanceof',
  'yield',
  'await',
  'async',
  'import',
  'export',
  'super',
  'switch',
  'try',
  'throw',
  'debugger',
]);

/** Property names that lead from data to constructors and prototypes: forbidden anywhere. */
export const FORBIDDEN_PROPERTIES = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'getPrototypeOf',
  'setPrototypeOf',
  'defineProperty',
]);

/** Free names that reach the host or the sandbox machinery: forbidden except as a property. */
export const FORBIDDEN_GLOBALS = new Set([
  'globalThis',
  'global',
  'window',
  'self',
  'this',
  'process',
  'require',
  'module',
  'import',
  'Function',
  'eval',
  'with',
  'Reflect',
  'Proxy',
  'WebAssembly',
  'SharedArrayBuffer',
  'Atomics',
  'arguments',
]);

/**
 * The first forbidden name an expression uses, if any. Checked on tokens, so strings may
 * still contain the words; computed names (`a['constr' + 'uctor']`) are stopped at run time.
 */
export function forbiddenName(src: string): string | undefined {
  // Words outside strings, comments and regexes; `${}` inside templates is code.
  for (const w of scanWords(src)) {
    if (w.word.includes('\\')) return '\\u escape';
    if (FORBIDDEN_PROPERTIES.has(w.word)) return w.word;
    if (!w.afterDot && FORBIDDEN_GLOBALS.has(w.word)) return w.word;
  }
  return undefined;
}

/**
 * The identifiers of JavaScript source with whether each follows a `.`, skipping strings,
 * comments and regular expression literals, and scanning `${}` inside templates as code.
 */
export function scanWords(src: string): { word: string; afterDot: boolean }[] {
  const out: { word: string; afterDot: boolean }[] = [];
  // Stack of open template literals: the brace depth at which each `${` opened.
  const templates: number[] = [];
  let depth = 0;
  let prev = ''; // last significant character, to tell a regex from a division
  let i = 0;
  const readTemplate = (): void => {
    // At a template's text: read until the closing backtick or a `${`.
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        templates.pop();
        prev = 'a';
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        depth++;
        prev = '{';
        return;
      } else i++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      i++;
      prev = 'a';
    } else if (c === '`') {
      i++;
      templates.push(depth);
      readTemplate();
    } else if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev))) {
      let inClass = false;
      for (i++; i < src.length && (src[i] !== '/' || inClass) && src[i] !== '\n'; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
      }
      i++;
      while (/[a-z]/.test(src[i] ?? '')) i++;
      prev = 'a';
    } else if (/[A-Za-z_$\\]/.test(c)) {
      const m = /^(?:[\w$]|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]+\})+/.exec(src.slice(i));
      const word = m ? m[0] : c;
      let k = i - 1;
      while (k >= 0 && /\s/.test(src[k]!)) k--;
      out.push({ word, afterDot: src[k] === '.' });
      i += word.length;
      prev = /^(return|typeof|case|in|of|new|delete|void|throw|yield|await)$/.test(word)
        ? '('
        : 'a';
    } else {
      if (c === '{') depth++;
      if (c === '}') {
        if (templates.length && templates.at(-1) === depth - 1) {
          depth--;
          i++;
          readTemplate();
          continue;
        }
        depth--;
      }
      prev = c;
      i++;
    }
  }
  return out;
}
