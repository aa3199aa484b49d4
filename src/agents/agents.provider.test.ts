import { describe, expect, it } from 'vitest';
import { keyedFetch, sameEndpoint, type Endpoint, type FetchFunction } from './agents.provider.ts';

/** A fetch at the edge of the world that answers 200 and records the headers it was given. */
function recordingFetch() {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    seen.push({ url, headers: Object.fromEntries(new Headers(init?.headers).entries()) });
    return new Response('{}', { status: 200 });
  };
  return { fetch, seen };
}

const endpoint = (over: Partial<Endpoint>, fetch: FetchFunction): Endpoint => ({
  kind: 'openai-compatible',
  baseUrl: 'https://llm.example.com/v1',
  apiKey: 'sk-connection-key',
  source: 'connection',
  fetch,
  prices: {},
  ...over,
});

describe('keyedFetch', () => {
  it('sends the endpoint key only under its base URL and drops any credential the SDK set', async () => {
    const { fetch, seen } = recordingFetch();
    const keyed = keyedFetch(endpoint({}, fetch));
    const sdkHeaders = { authorization: 'Bearer from-env', 'x-api-key': 'from-env', accept: 'x' };
    await keyed('https://llm.example.com/v1/chat/completions', { headers: sdkHeaders });
    await keyed('https://llm.example.com/v1-evil/chat/completions', { headers: sdkHeaders });
    await keyed('https://elsewhere.example.com/v1/chat/completions', { headers: sdkHeaders });
    expect(
      seen.map((s) => [s.headers.authorization, s.headers['x-api-key'], s.headers.accept]),
    ).toEqual([
      ['Bearer sk-connection-key', undefined, 'x'],
      [undefined, undefined, 'x'],
      [undefined, undefined, 'x'],
    ]);
  });

  it("uses Anthropic's header for anthropic endpoints and sends nothing without a key", async () => {
    const { fetch, seen } = recordingFetch();
    await keyedFetch(endpoint({ kind: 'anthropic' }, fetch))(
      'https://llm.example.com/v1/messages',
      {
        headers: { 'x-api-key': '' },
      },
    );
    await keyedFetch(endpoint({ kind: 'anthropic', apiKey: undefined }, fetch))(
      'https://llm.example.com/v1/messages',
      { headers: { 'x-api-key': 'sk-ant-from-process-env' } },
    );
    expect(seen.map((s) => [s.headers.authorization, s.headers['x-api-key']])).toEqual([
      [undefined, 'sk-connection-key'],
      [undefined, undefined],
    ]);
  });
});

describe('sameEndpoint', () => {
  it('compares parsed URLs, a trailing slash aside', () => {
    expect(sameEndpoint('https://api.openai.com/v1', 'https://API.openai.com/v1/')).toBe(true);
    expect(sameEndpoint('https://api.openai.com/v1/../evil', 'https://api.openai.com/v1')).toBe(
      false,
    );
    expect(sameEndpoint('https://api.openai.com/v1/x', 'https://api.openai.com/v1')).toBe(false);
    expect(sameEndpoint('http://api.openai.com/v1', 'https://api.openai.com/v1')).toBe(false);
  });
});
