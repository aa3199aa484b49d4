import { XMLParser } from 'fast-xml-parser';
import { NodeError, type Item, type NodeType } from '../engine/engine.types.ts';
import { defineNode, perItem, text } from './define.ts';
import { basicSpec, readPrefix, readText, send } from './http-request.node.ts';
import { dict } from '../../kernel/dict.ts';

/**
 * Credential-free HTTP nodes built on the HTTP Request client (the outbound guard and its size
 * limit included): RSS Read and GraphQL.
 */

const asList = (v: unknown): Record<string, unknown>[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Record<string, unknown>[];

function plain(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return text(o['#text'] ?? o._ ?? o.href ?? '');
  }
  return text(v);
}

/** RSS 2.0 items or Atom entries as n8n's RSS Read items (rss-parser's field names). */
export function parseFeed(xml: string): Record<string, unknown>[] {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: '#text',
  }).parse(xml) as Record<string, Record<string, unknown> | undefined>;
  const rss = doc.rss?.channel as Record<string, unknown> | undefined;
  const entries = rss ? asList(rss.item) : asList(doc.feed?.entry);
  return entries.map((e) => {
    const link = Array.isArray(e.link) ? (e.link as unknown[])[0] : e.link;
    const date = plain(e.pubDate ?? e.updated ?? e.published);
    const content = plain(e['content:encoded'] ?? e.content ?? e.description ?? e.summary);
    const out: Record<string, unknown> = {
      title: plain(e.title),
      link: plain(link),
      pubDate: date,
      content,
      contentSnippet: content?.replace(/<[^>]*>/g, '').trim(),
      guid: plain(e.guid ?? e.id),
      isoDate: date && !Number.isNaN(Date.parse(date)) ? new Date(date).toISOString() : undefined,
      creator: plain(
        e['dc:creator'] ?? (e.author as Record<string, unknown> | undefined)?.name ?? e.author,
      ),
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  });
}

export const rssFeedReadNode = defineNode({
  name: 'rssFeedRead',
  versions: [1, 1.1],
  async execute(ctx) {
    return [
      await perItem(ctx, async (_item, i) => {
        const url = ctx.param<string>('url', i, '');
        if (!url) throw new NodeError('The parameter "URL" has to be set');
        const spec = basicSpec(ctx, url, { format: 'text' });
        const response = await send(ctx, spec);
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          throw new NodeError(`${response.status} - could not read the feed`);
        }
        return parseFeed(await readText(response, spec)).map((json): Item => ({ json }));
      }),
    ];
  },
});

export const graphqlNode = defineNode({
  name: 'graphql',
  versions: [1, 1.1],
  async execute(ctx) {
    return [
      await perItem(ctx, async (_item, i) => {
        const auth = ctx.param<string>('authentication', i, 'none');
        if (auth !== 'none')
          throw new NodeError(
            `GraphQL authentication "${auth}" needs credentials, which this engine does not provide yet`,
          );
        const method = ctx.param<string>('requestMethod', i, 'POST');
        const query = ctx.param<string>('query', i, '');
        // n8n's default is empty text, read as no variables.
        const raw = ctx.param<unknown>('variables', i, '');
        const variables: unknown = typeof raw === 'string' ? JSON.parse(raw.trim() || '{}') : raw;
        const operationName = ctx.param<string>('operationName', i, '');
        const headers = dict<string>();
        for (const h of ctx.param<{ name: string; value: string }[]>(
          'headerParametersUi.parameter',
          i,
          [],
        ))
          headers[h.name] = h.value;
        const body = { query, variables, ...(operationName ? { operationName } : {}) };
        const url = ctx.param<string>('endpoint', i, '');
        const spec =
          method === 'GET'
            ? basicSpec(ctx, url, {
                headers,
                query: {
                  query,
                  variables: JSON.stringify(variables ?? {}),
                  ...(operationName ? { operationName } : {}),
                },
              })
            : // n8n's default: the bare query in version 1, JSON from 1.1.
              ctx.param('requestFormat', i, ctx.node.typeVersion >= 1.1 ? 'json' : 'graphql') ===
                'graphql'
              ? basicSpec(ctx, url, {
                  method,
                  headers: { 'content-type': 'application/graphql', ...headers },
                  body: query,
                })
              : basicSpec(ctx, url, {
                  method,
                  headers: { 'content-type': 'application/json', ...headers },
                  body: JSON.stringify(body),
                });
        const response = await send(ctx, spec);
        if (!response.ok) throw new NodeError(`${response.status} - ${await readPrefix(response)}`);
        const answer = await readText(response, spec);
        if (ctx.param('responseFormat', i, 'json') === 'string') {
          return { json: { [ctx.param<string>('dataPropertyName', i, 'data')]: answer } };
        }
        const json = JSON.parse(answer) as Record<string, unknown>;
        if (Array.isArray(json.errors) && json.errors.length) {
          throw new NodeError(`GraphQL errors: ${JSON.stringify(json.errors).slice(0, 500)}`);
        }
        return { json };
      }),
    ];
  },
});

export const feedNodes: NodeType[] = [rssFeedReadNode, graphqlNode];
