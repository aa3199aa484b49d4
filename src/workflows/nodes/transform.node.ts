import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import * as cheerio from 'cheerio';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { marked } from 'marked';
import { NodeError, type Item, type NodeContext, type NodeType } from '../engine/engine.types.ts';
import { clone, defineNode, getField, perItem, setField, text } from './define.ts';
import { dict } from '../../kernel/dict.ts';

/** Data conversion nodes: Crypto, HTML, Markdown, XML (Date & Time: datetime.node.ts). */

export const cryptoNode = defineNode({
  name: 'crypto',
  versions: [1],
  async execute(ctx) {
    return [
      await perItem(ctx, (item, i) => {
        const json = clone(item.json);
        const p = <T = unknown>(k: string, d?: NoInfer<T>): T => ctx.param<T>(k, i, d);
        const action = p<string>('action', 'hash');
        const key = p<string>('dataPropertyName', 'data');
        const algo = p<string>('type', 'MD5').toLowerCase().replace('sha', 'sha');
        const encoding = p<'hex' | 'base64'>('encoding', 'hex');
        if (action === 'hash')
          setField(
            json,
            key,
            createHash(algo)
              .update(String(p('value', '')))
              .digest(encoding),
          );
        else if (action === 'hmac')
          setField(
            json,
            key,
            createHmac(algo, String(p('secret', '')))
              .update(String(p('value', '')))
              .digest(encoding),
          );
        else if (action === 'generate') {
          const kind = p<string>('encodingType', 'uuid');
          const len = Number(p('stringLength', 32));
          setField(
            json,
            key,
            kind === 'uuid'
              ? randomUUID()
              : randomBytes(len)
                  .toString(kind === 'base64' ? 'base64' : 'hex')
                  .slice(0, len),
          );
        } else throw new NodeError(`Crypto action "${action}" is not supported`);
        return { json };
      }),
    ];
  },
});

interface Extraction {
  key: string;
  cssSelector: string;
  returnValue?: 'text' | 'html' | 'attribute' | 'value';
  attribute?: string;
  returnArray?: boolean;
}

function extractHtml(html: string, values: Extraction[], trim: boolean): Record<string, unknown> {
  const $ = cheerio.load(html);
  const out = dict<unknown>();
  for (const v of values) {
    const read = (el: Parameters<typeof $>[0]): string | undefined => {
      const node = $(el);
      const r = v.returnValue ?? 'text';
      const s =
        r === 'html'
          ? node.html()
          : r === 'attribute'
            ? node.attr(v.attribute ?? '')
            : r === 'value'
              ? (node.val() as string | undefined)
              : node.text();
      return s === undefined || s === null ? undefined : trim ? s.trim() : s;
    };
    const els = $(v.cssSelector).toArray();
    out[v.key] = v.returnArray ? els.map(read) : els.length ? read(els[0]) : undefined;
  }
  return out;
}

/** A table header as n8n's HTML node writes it: `first_name` -> `First Name` when capitalizing. */
function headerText(key: string, capitalize: boolean): string {
  if (!capitalize) return key;
  return key
    .split('_')
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

/** Convert to HTML Table: one table of every item, a column per field any item has (n8n's markup). */
function htmlTable(ctx: NodeContext): Item[] {
  const items = ctx.input();
  if (items.length === 0) return [];
  const p = <T>(key: string, fallback: T, i = 0) => ctx.param<T>(key, i, fallback);
  const styled = !p('options.customStyling', false);
  const tableStyle = styled
    ? "style='border-spacing:0; font-family:helvetica,arial,sans-serif'"
    : '';
  const headerStyle = styled
    ? "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee; text-align:left; color:#888; font-weight:normal'"
    : '';
  const cellStyle = styled
    ? "style='margin:0; padding:7px 20px 7px 0px; border-bottom:1px solid #eee'"
    : '';
  const headers = [...new Set(items.flatMap((item) => Object.keys(item.json)))];
  const caption = p<string>('options.caption', '');
  let table = `<table ${tableStyle} ${p('options.tableAttributes', '')}>`;
  if (caption) table += `<caption>${caption}</caption>`;
  table += `<thead ${headerStyle} ${p('options.headerAttributes', '')}><tr>`;
  table += headers.map((h) => `<th>${headerText(h, p('options.capitalize', false))}</th>`).join('');
  table += '</tr></thead><tbody>';
  items.forEach((item, i) => {
    table += `<tr  ${p('options.rowAttributes', '', i)}>`;
    const cells = p('options.cellAttributes', '', i);
    for (const h of headers) {
      const value = item.json[h];
      const content =
        typeof value === 'boolean'
          ? `<input type="checkbox" ${value ? 'checked="checked"' : ''}/>`
          : String(value);
      table += `<td ${cellStyle} ${cells}>${content}</td>`;
    }
    table += '</tr>';
  });
  table += '</tbody></table>';
  return [{ json: { table }, pairedItem: items.map((_, i) => ({ item: i })) }];
}

/**
 * The HTML to extract from, as n8n reads it: the binary file's text, or the field's value (an
 * array gives one result per element); a missing field is an error naming it.
 */
function htmlSources(item: Item, key: string, source: unknown): string[] {
  if (source === 'binary') {
    return [Buffer.from(item.binary?.[key]?.data ?? '', 'base64').toString('utf8')];
  }
  const value = getField(item.json, key);
  if (value === undefined) throw new NodeError(`No property named "${key}" exists!`);
  return (Array.isArray(value) ? value : [value]).map((v) =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '',
  );
}

export const htmlNode = defineNode({
  name: 'html',
  versions: [1, 1.1, 1.2],
  async execute(ctx) {
    const op = ctx.param<string>('operation', 0, 'generateHtmlTemplate');
    if (op === 'convertToHtmlTable') return [htmlTable(ctx)];
    return [
      await perItem(ctx, (item, i) => {
        if (op === 'generateHtmlTemplate') {
          // `{{ }}` in the template are expressions, resolved one by one as n8n does.
          const template = text(ctx.param<unknown>('html', i, ''), '');
          const html = template.replace(/\{\{[\s\S]*?\}\}/g, (block) => {
            const value = ctx.evaluate(`=${block}`, i);
            return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
          });
          return { json: { html } };
        }
        if (op !== 'extractHtmlContent')
          throw new NodeError(`HTML operation "${op}" is not supported yet`);
        const key = ctx.param<string>('dataPropertyName', i, 'data');
        const values = ctx.param<Extraction[]>('extractionValues.values', i, []);
        const trim = ctx.param('options.trimValues', i, true) !== false;
        return htmlSources(item, key, ctx.param('sourceData', i, 'json')).map((html) => ({
          json: { ...extractHtml(html, values, trim) },
        }));
      }),
    ];
  },
});

/** HTML Extract (the legacy node): the extraction half of the HTML node. */
export const htmlExtractNode = defineNode({
  name: 'htmlExtract',
  versions: [1],
  async execute(ctx) {
    return [
      await perItem(ctx, (item, i) => {
        const key = ctx.param<string>('dataPropertyName', i, 'data');
        const html =
          ctx.param('sourceData', i, 'json') === 'binary'
            ? Buffer.from(item.binary?.[key]?.data ?? '', 'base64').toString('utf8')
            : String((getField(item.json, key) as string | undefined) ?? '');
        const values = ctx.param<Extraction[]>('extractionValues.values', i, []);
        return {
          json: extractHtml(
            html,
            values,
            ctx.param<unknown>('options.trimValues', i, true) !== false,
          ),
        };
      }),
    ];
  },
});

/** A small HTML -> Markdown conversion (headings, paragraphs, emphasis, links, lists, code). */
export function htmlToMarkdown(html: string): string {
  const $ = cheerio.load(html);
  const walk = (nodes: ReturnType<typeof $>): string =>
    nodes
      .toArray()
      .map((n) => {
        if ((n.type as string) === 'text')
          return (n as unknown as { data: string }).data.replace(/\s+/g, ' ');
        if ((n.type as string) !== 'tag') return '';
        const el = $(n);
        const inner = walk(el.contents());
        const tag = (n as unknown as { tagName: string }).tagName.toLowerCase();
        const h = /^h([1-6])$/.exec(tag);
        if (h) return `\n\n${'#'.repeat(Number(h[1]))} ${inner.trim()}\n\n`;
        switch (tag) {
          case 'p':
          case 'div':
            return `\n\n${inner.trim()}\n\n`;
          case 'br':
            return '\n';
          case 'strong':
          case 'b':
            return `**${inner}**`;
          case 'em':
          case 'i':
            return `_${inner}_`;
          case 'code':
            return `\`${inner}\``;
          case 'pre':
            return `\n\n\`\`\`\n${el.text()}\n\`\`\`\n\n`;
          case 'a':
            return `[${inner}](${el.attr('href') ?? ''})`;
          case 'img':
            return `![${el.attr('alt') ?? ''}](${el.attr('src') ?? ''})`;
          case 'li':
            return `\n- ${inner.trim()}`;
          case 'ul':
          case 'ol':
            return `\n${inner}\n\n`;
          case 'script':
          case 'style':
          case 'head':
            return '';
          default:
            return inner;
        }
      })
      .join('');
  return walk($.root().contents())
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export const markdownNode = defineNode({
  name: 'markdown',
  versions: [1],
  async execute(ctx) {
    return [
      await perItem(ctx, (item, i) => {
        const json = clone(item.json);
        const toHtml = ctx.param('mode', i, 'htmlToMarkdown') === 'markdownToHtml';
        const source = String(ctx.param(toHtml ? 'markdown' : 'html', i, ''));
        const result = toHtml ? marked.parse(source, { async: false }) : htmlToMarkdown(source);
        setField(json, ctx.param('destinationKey', i, 'data'), result);
        return { json };
      }),
    ];
  },
});

export const xmlNode = defineNode({
  name: 'xml',
  versions: [1],
  async execute(ctx) {
    const toJson = ctx.param('mode', 0, 'xmlToJson') === 'xmlToJson';
    return [
      await perItem(ctx, (item, i) => {
        const key = ctx.param<string>('dataPropertyName', i, 'data');
        const json = clone(item.json);
        if (toJson) {
          const parser = new XMLParser({
            ignoreAttributes: false,
            attributeNamePrefix: '',
            textNodeName: '_',
            parseTagValue: !ctx.param('options.explicitArray', i, false),
          });
          const parsed = parser.parse(
            String((getField(item.json, key) as string | undefined) ?? ''),
          ) as Record<string, unknown>;
          return {
            json: { ...(ctx.param('options.mergeAttrs', i, true) ? {} : {}), ...json, ...parsed },
          };
        }
        const builder = new XMLBuilder({
          ignoreAttributes: false,
          attributeNamePrefix: '$',
          format: true,
        });
        return { json: { [key]: String(builder.build(json)) } };
      }),
    ];
  },
});

export const transformNodes: NodeType[] = [
  cryptoNode,
  htmlNode,
  htmlExtractNode,
  markdownNode,
  xmlNode,
];
