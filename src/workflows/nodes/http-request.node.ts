import { NodeError, type Item, type NodeContext } from '../engine/engine.types.ts';
import { binaryFile, defineNode, perItem, text } from './define.ts';
import { outboundFor, requestFailure } from './ssrf.ts';
import { dict, toDict } from '../../kernel/dict.ts';

/** A request with the engine's defaults (GET, 30 s, redirects followed, JSON detected). */
export function basicSpec(
  ctx: NodeContext,
  url: string,
  overrides: Partial<RequestSpec> = {},
): RequestSpec {
  return {
    method: 'GET',
    url,
    headers: {},
    query: {},
    format: 'autodetect',
    fullResponse: false,
    neverError: false,
    timeoutMs: ctx.http.timeoutMs ?? 30_000,
    followRedirects: true,
    maxRedirects: 21,
    ...overrides,
  };
}

/**
 * HTTP Request, v1-v4.2 parameter shapes, over the kernel's outbound fetch (`ssrf.ts`): every
 * hop (redirects are followed by hand) connects only to an address the guard checked, and an
 * answer past the size limit fails the node. Credentials are not available yet: a node that
 * asks for authentication fails with that reason.
 */

export interface RequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body?: string | URLSearchParams | FormData;
  format: 'autodetect' | 'json' | 'text' | 'file';
  fullResponse: boolean;
  neverError: boolean;
  timeoutMs: number;
  followRedirects: boolean;
  maxRedirects: number;
}

type Pair = { name: string; value: unknown };

const pairs = (list: Pair[] | undefined): Record<string, string> =>
  Object.fromEntries(
    (list ?? [])
      .filter((p) => p.name)
      .map((p) => [
        p.name,
        typeof p.value === 'object' ? JSON.stringify(p.value) : String(p.value as string),
      ]),
  );

function parseJsonParam(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined || value === '' || value === null) return {};
  if (typeof value === 'object') return value as Record<string, unknown>;
  try {
    return JSON.parse(text(value)) as Record<string, unknown>;
  } catch (error) {
    throw new NodeError(`${what} is not valid JSON`, { cause: error });
  }
}

function specV3(ctx: NodeContext, i: number): RequestSpec {
  const p = <T = unknown>(path: string, fallback?: NoInfer<T>): T =>
    ctx.param<T>(path, i, fallback);
  let headers = dict<string>();
  let query = dict<string>();
  if (p('sendQuery', false)) {
    query = toDict(
      (p('specifyQuery', 'keypair') === 'json'
        ? parseJsonParam(p('jsonQuery'), 'query')
        : pairs(p<Pair[]>('queryParameters.parameters', []))) as Record<string, string>,
    );
  }
  if (p('sendHeaders', false)) {
    headers = toDict(
      (p('specifyHeaders', 'keypair') === 'json'
        ? parseJsonParam(p('jsonHeaders'), 'headers')
        : pairs(p<Pair[]>('headerParameters.parameters', []))) as Record<string, string>,
    );
  }
  let body: RequestSpec['body'];
  if (p('sendBody', false)) {
    const contentType = p<string>('contentType', 'json');
    const keypair = p('specifyBody', 'keypair') !== 'json';
    if (contentType === 'json') {
      headers['content-type'] ??= 'application/json';
      const raw = p<unknown>('jsonBody', '');
      body = keypair
        ? JSON.stringify(pairs(p<Pair[]>('bodyParameters.parameters', [])))
        : typeof raw === 'string'
          ? raw
          : JSON.stringify(raw);
    } else if (contentType === 'form-urlencoded') {
      body = new URLSearchParams(
        keypair
          ? pairs(p<Pair[]>('bodyParameters.parameters', []))
          : Object.fromEntries(new URLSearchParams(String(p('body', ''))).entries()),
      );
    } else if (contentType === 'multipart-form-data') {
      const form = new FormData();
      for (const [k, v] of Object.entries(pairs(p<Pair[]>('bodyParameters.parameters', []))))
        form.append(k, v);
      body = form;
    } else if (contentType === 'raw') {
      headers['content-type'] ??= p<string>('rawContentType', 'text/plain');
      body = String(p('body', ''));
    } else {
      throw new NodeError(`body content type "${contentType}" is not supported yet`);
    }
  }
  const format = p<string>('options.response.response.responseFormat', 'autodetect');
  return {
    method: p<string>('method', 'GET').toUpperCase(),
    url: p<string>('url', ''),
    headers,
    query,
    ...(body === undefined ? {} : { body }),
    format: format as RequestSpec['format'],
    fullResponse: Boolean(p<unknown>('options.response.response.fullResponse', false)),
    neverError: Boolean(p<unknown>('options.response.response.neverError', false)),
    timeoutMs: Number(p('options.timeout', ctx.http.timeoutMs ?? 30_000)),
    followRedirects: p('options.redirect.redirect.followRedirects', true) !== false,
    maxRedirects: Number(p('options.redirect.redirect.maxRedirects', 21)),
  };
}

function specV1(ctx: NodeContext, i: number): RequestSpec {
  const p = <T = unknown>(path: string, fallback?: NoInfer<T>): T =>
    ctx.param<T>(path, i, fallback);
  const json = p('jsonParameters', false);
  const headers = json
    ? (parseJsonParam(p('headerParametersJson'), 'headers') as Record<string, string>)
    : pairs(p<Pair[]>('headerParametersUi.parameter', []));
  const query = json
    ? (parseJsonParam(p('queryParametersJson'), 'query') as Record<string, string>)
    : pairs(p<Pair[]>('queryParametersUi.parameter', []));
  const method = p<string>('requestMethod', 'GET').toUpperCase();
  let body: string | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const data = json
      ? parseJsonParam(p('bodyParametersJson'), 'body')
      : pairs(p<Pair[]>('bodyParametersUi.parameter', []));
    if (Object.keys(data).length) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(data);
    }
  }
  const format = p<string>('responseFormat', 'json');
  return {
    method,
    url: p<string>('url', ''),
    headers,
    query,
    ...(body === undefined ? {} : { body }),
    format: format === 'string' ? 'text' : format === 'file' ? 'file' : 'json',
    fullResponse: Boolean(p<unknown>('options.fullResponse', false)),
    neverError: Boolean(p<unknown>('options.ignoreResponseCode', false)),
    timeoutMs: Number(p('options.timeout', ctx.http.timeoutMs ?? 30_000)),
    followRedirects: p('options.followRedirect', true) !== false,
    maxRedirects: Number(p('options.maxRedirects', 21)),
  };
}

export async function send(ctx: NodeContext, spec: RequestSpec): Promise<Response> {
  const outbound = outboundFor(ctx.http);
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new NodeError(`Invalid URL: "${spec.url}"`);
  }
  for (const [k, v] of Object.entries(spec.query)) url.searchParams.append(k, v);
  let method = spec.method;
  let body = spec.body;
  for (let hop = 0; ; hop++) {
    const signals = [AbortSignal.timeout(spec.timeoutMs), ...(ctx.signal ? [ctx.signal] : [])];
    let response: Response;
    try {
      response = await outbound(url, {
        method,
        headers: spec.headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      throw requestFailure(error, spec.timeoutMs);
    }
    const location = response.headers.get('location');
    if (!spec.followRedirects || response.status < 300 || response.status >= 400 || !location)
      return response;
    await response.body?.cancel().catch(() => undefined);
    if (hop >= spec.maxRedirects) throw new NodeError(`more than ${spec.maxRedirects} redirects`);
    url = new URL(location, url);
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
    }
  }
}

/** The whole answer as text (within the size limit); a failure is the node's error. */
export async function readText(response: Response, spec: RequestSpec): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw requestFailure(error, spec.timeoutMs);
  }
}

/** The first `chars` characters of an answer (for an error message); the rest is not read. */
export async function readPrefix(response: Response, chars = 500): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < chars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // An unreadable error answer: its status is the message.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, chars);
}

/** Types autodetect keeps as text; any other declared type is a file (binary data). */
const TEXTUAL = /^text\/|[/+](json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|csv)\b/i;

async function toItems(ctx: NodeContext, spec: RequestSpec, response: Response): Promise<Item[]> {
  const contentType = response.headers.get('content-type') ?? '';
  const headers = Object.fromEntries(response.headers.entries());
  if (!response.ok && !spec.neverError) {
    const text = await readPrefix(response);
    throw new NodeError(`${response.status} - ${text || response.statusText}`, {
      description: `The server answered ${response.status} ${response.statusText}`,
    });
  }
  const isFile =
    spec.format === 'file' ||
    (spec.format === 'autodetect' && contentType !== '' && !TEXTUAL.test(contentType));
  if (isFile) {
    let bytes: Buffer;
    try {
      // One buffer of the received bytes (at most the size limit), encoded once.
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw requestFailure(error, spec.timeoutMs);
    }
    const key = ctx.param<string>(
      'options.response.response.outputPropertyName',
      0,
      ctx.param<string>('dataPropertyName', 0, 'data'),
    );
    return [
      {
        json: spec.fullResponse ? { headers, statusCode: response.status } : {},
        binary: {
          [key]: binaryFile(bytes, contentType || 'application/octet-stream'),
        },
      },
    ];
  }
  const text = await readText(response, spec);
  let data: unknown = text;
  const wantJson =
    spec.format === 'json' || (spec.format === 'autodetect' && /json/i.test(contentType));
  if (wantJson && text !== '') {
    try {
      data = JSON.parse(text);
    } catch (error) {
      if (spec.format === 'json')
        throw new NodeError('Response body is not valid JSON', { cause: error });
    }
  }
  if (spec.fullResponse) {
    return [
      {
        json: {
          body: data,
          headers,
          statusCode: response.status,
          statusMessage: response.statusText,
        },
      },
    ];
  }
  if (Array.isArray(data))
    return data.map((d) => ({
      json: (typeof d === 'object' && d !== null ? d : { data: d }) as Record<string, unknown>,
    }));
  if (typeof data === 'object' && data !== null) return [{ json: data as Record<string, unknown> }];
  const key = ctx.node.typeVersion < 3 ? 'data' : 'data';
  return [{ json: { [key]: data } }];
}

export const httpRequestNode = defineNode({
  name: 'httpRequest',
  versions: [1, 2, 3, 4, 4.1, 4.2],
  async execute(ctx) {
    const out = await perItem(ctx, async (_item, i) => {
      const auth = ctx.param<string>('authentication', i, 'none');
      if (auth !== 'none' && auth !== undefined) {
        throw new NodeError(
          `HTTP authentication "${auth}" needs credentials, which this engine does not provide yet`,
        );
      }
      const spec = ctx.node.typeVersion < 3 ? specV1(ctx, i) : specV3(ctx, i);
      const response = await send(ctx, spec);
      return toItems(ctx, spec, response);
    });
    return [out];
  },
});
