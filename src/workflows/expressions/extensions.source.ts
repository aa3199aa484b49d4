/**
 * n8n's expression extension methods (`'a'.isEmpty()`, `[1,2].sum()`, `$now.format('yyyy')`...),
 * written once as plain JavaScript so the host evaluator and the isolate run the same code.
 * The source is a function of `DateTime` (Luxon) returning methods grouped by receiver kind;
 * each method takes the receiver first, then the call's arguments.
 */
export const EXTENSIONS_SOURCE =
  String.raw`(function (DateTime) {
  'use strict';
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const empty = (v) => v === null || v === undefined || v === '' ||
    (Array.isArray(v) ? v.length === 0 : isObj(v) && !DateTime.isDateTime(v) && Object.keys(v).length === 0);
  const toDateTime = (v, fmt) => {
    if (DateTime.isDateTime(v)) return v;
    if (v instanceof Date) return DateTime.fromJSDate(v);
    if (typeof v === 'number') return DateTime.fromMillis(v);
    const s = String(v).trim();
    if (fmt) return DateTime.fromFormat(s, fmt);
    for (const f of ['fromISO', 'fromHTTP', 'fromRFC2822', 'fromSQL']) {
      const d = DateTime[f](s);
      if (d.isValid) return d;
    }
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return DateTime.fromMillis(ms);
    throw new Error('cannot convert "' + s + '" to a date');
  };
  const plusMinus = (sign) => (d, n, unit) => {
    if (typeof n === 'number' || (typeof n === 'string' && unit)) {
      const u = String(unit || 'milliseconds').replace(/s?$/, 's');
      return d.plus({ [u]: sign * Number(n) });
    }
    return sign > 0 ? d.plus(n) : d.minus(n);
  };
  const toJson = (v) => JSON.stringify(v);
  const common = {
    isEmpty: empty,
    isNotEmpty: (v) => !empty(v),
    toJsonString: toJson,
  };
  const string = {
    ...common,
    toNumber: (s) => { const n = Number(s); if (Number.isNaN(n)) throw new Error('"' + s + '" is not a number'); return n; },
    toInt: (s) => parseInt(s, 10),
    toFloat: (s) => parseFloat(s),
    toBoolean: (s) => !['false', '0', '', 'no', 'n', 'f'].includes(String(s).trim().toLowerCase()),
    toDateTime: (s, fmt) => toDateTime(s, fmt),
    toDate: (s, fmt) => toDateTime(s, fmt),
    parseJson: (s) => JSON.parse(s),
    isNumeric: (s) => s.trim() !== '' && !Number.isNaN(Number(s)),
    // Written without backtracking regular expressions, which take quadratic time on hostile
    // input (a 200 KB string would hold a thread for seconds): each scans the text once.
    isEmail: (s) => {
      const at = s.indexOf('@');
      if (at < 1 || at !== s.lastIndexOf('@') || /\s/.test(s)) return false;
      return s.slice(at + 2, -1).includes('.');
    },
    isUrl: (s) => /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(s),
    isDomain: (s) => /^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(s),
    extractEmail: (s) => {
      const local = /[\w.+-]/;
      const domain = /[\w-]+\.[\w.-]+/y;
      for (let at = s.indexOf('@'); at >= 0; at = s.indexOf('@', at + 1)) {
        let start = at;
        while (start > 0 && local.test(s[start - 1])) start--;
        if (start === at) continue;
        domain.lastIndex = at + 1;
        const m = domain.exec(s);
        if (m) return s.slice(start, at + 1) + m[0];
      }
      return undefined;
    },
    extractUrl: (s) => { const m = /https?:\/\/[^\s"'<>]+/.exec(s); return m ? m[0] : undefined; },
    extractDomain: (s) => {
      const t = String(s).trim();
      const email = /^[^\s@]+@([^\s@]+)$/.exec(t);
      if (email) return email[1];
      const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]*@)?([^/:?#\s]+)/i.exec(t);
      return m ? m[1].replace(/^www\./i, '') : undefined;
    },
    removeTags: (s) => {
      let out = '';
      let from = 0;
      for (;;) {
        const open = s.indexOf('<', from);
        const close = open < 0 ? -1 : s.indexOf('>', open + 1);
        if (close < 0) return out + s.slice(from);
        out += s.slice(from, open);
        from = close + 1;
      }
    },
    removeMarkdown: (s) => {
      // Links [text](url) become their text, in one pass (every "[" before the same "]" shares
      // its fate, so a failed "]" skips them all).
      const t = s.replace(/[*_~#>` +
  '`' +
  String.raw`]/g, '');
      let out = '';
      let from = 0;
      for (let open = t.indexOf('[', from); open >= 0; open = t.indexOf('[', from)) {
        const close = t.indexOf(']', open + 1);
        if (close < 0) break;
        const end = t[close + 1] === '(' ? t.indexOf(')', close + 2) : -2;
        if (end === -1) break;
        if (end < 0) {
          out += t.slice(from, close + 1);
          from = close + 1;
          continue;
        }
        out += t.slice(from, open) + t.slice(open + 1, close);
        from = end + 1;
      }
      return out + t.slice(from);
    },
    toTitleCase: (s) => s.replace(/\w\S*/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()),
    toSentenceCase: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
    toSnakeCase: (s) => s.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_').toLowerCase(),
    urlEncode: (s, all) => (all ? encodeURIComponent(s) : encodeURI(s)),
    urlDecode: (s, all) => (all ? decodeURIComponent(s) : decodeURI(s)),
    quote: (s, q) => { const c = q || '"'; return c + s.split(c).join('\\' + c) + c; },
    replaceSpecialChars: (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, ''),
    length: (s) => s.length,
  };
  const number = {
    ...common,
    round: (n, d) => { const f = Math.pow(10, d || 0); return Math.round(n * f) / f; },
    floor: (n) => Math.floor(n),
    ceil: (n) => Math.ceil(n),
    abs: (n) => Math.abs(n),
    isEven: (n) => n % 2 === 0,
    isOdd: (n) => Math.abs(n % 2) === 1,
    isInteger: (n) => Number.isInteger(n),
    toBoolean: (n) => n !== 0,
    toDateTime: (n, unit) => unit === 's' ? DateTime.fromSeconds(n) : DateTime.fromMillis(n),
    format: (n, locale, opts) => new Intl.NumberFormat(locale, opts).format(n),
  };
  const array = {
    ...common,
    first: (a) => a[0],
    last: (a) => a[a.length - 1],
    sum: (a) => a.reduce((s, x) => s + Number(x), 0),
    min: (a) => Math.min(...a),
    max: (a) => Math.max(...a),
    average: (a) => (a.length ? a.reduce((s, x) => s + Number(x), 0) / a.length : 0),
    unique: (a, ...keys) => {
      const seen = new Set();
      return a.filter((x) => { const k = JSON.stringify(keys.length && isObj(x) ? keys.map((f) => x[f]) : x); if (seen.has(k)) return false; seen.add(k); return true; });
    },
    removeDuplicates: (a, ...keys) => array.unique(a, ...keys),
    compact: (a) => a.filter((x) => x !== null && x !== undefined && x !== '' && !(typeof x === 'number' && Number.isNaN(x))),
    chunk: (a, n) => { if (!(n >= 1)) throw new Error('chunk size must be at least 1'); const out = []; for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n)); return out; },
    pluck: (a, ...fields) => a.map((x) => (fields.length === 1 ? x?.[fields[0]] : Object.fromEntries(fields.map((f) => [f, x?.[f]])))),
    append: (a, ...xs) => a.concat(xs),
    difference: (a, b) => a.filter((x) => !b.includes(x)),
    intersection: (a, b) => a.filter((x) => b.includes(x)),
    union: (a, b) => [...new Set(a.concat(b))],
    smartJoin: (a, k, v) => Object.fromEntries(a.map((x) => [x[k], x[v]])),
    randomItem: (a) => a[Math.floor(Math.random() * a.length)],
    isArray: () => true,
  };
  const object = {
    ...common,
    keys: (o) => Object.keys(o),
    values: (o) => Object.values(o),
    hasField: (o, k) => Object.prototype.hasOwnProperty.call(o, k),
    removeField: (o, k) => { const c = { ...o }; delete c[k]; return c; },
    removeFieldsContaining: (o, s) => Object.fromEntries(Object.entries(o).filter(([, v]) => !String(v).includes(s))),
    keepFieldsContaining: (o, s) => Object.fromEntries(Object.entries(o).filter(([, v]) => String(v).includes(s))),
    compact: (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== '')),
    urlEncode: (o) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString(),
  };
  const date = {
    format: (d, fmt) => d.toFormat(fmt),
    plus: plusMinus(1),
    minus: plusMinus(-1),
    toDateTime: (d) => d,
    isBetween: (d, a, b) => { const x = d.toMillis(); const l = toDateTime(a).toMillis(); const h = toDateTime(b).toMillis(); return x > Math.min(l, h) && x < Math.max(l, h); },
    isWeekend: (d) => d.weekday > 5,
    beginningOf: (d, u) => d.startOf(u || 'week'),
    endOfMonth: (d) => d.endOf('month'),
    extract: (d, u) => (u === 'week' ? d.weekNumber : d.get(u || 'year')),
    diffTo: (d, other, u) => d.diff(toDateTime(other), u || 'days').get(u || 'days'),
    toJsonString: (d) => JSON.stringify(d.toISO()),
    isEmpty: () => false,
    isNotEmpty: () => true,
  };
  const boolean = { ...common, toNumber: (b) => (b ? 1 : 0) };
  return { string, number, array, object, date, boolean, toDateTime };
})`;
