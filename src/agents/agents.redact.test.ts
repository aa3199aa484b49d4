import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, redactSecrets } from './agents.redact.ts';

describe('redactSecrets', () => {
  it('hides the values of secret fields and keeps every other field', () => {
    const input = {
      name: 'Export',
      Authorization: 'Bearer abcdef123456',
      'x-api-key': 'k-123456',
      apiKey: 'k-abcdef',
      client_secret: 's3cr3t',
      password: 'hunter22',
      access_token: 'at-123456',
      maxTokens: 1024,
      tokensUsed: '1200',
      enabled: true,
      nothing: null,
      credentials: { httpHeaderAuth: { id: '7', name: 'CRM header' } },
    };
    expect(redactSecrets(input)).toEqual({
      name: 'Export',
      Authorization: REDACTED,
      'x-api-key': REDACTED,
      apiKey: REDACTED,
      client_secret: REDACTED,
      password: REDACTED,
      access_token: REDACTED,
      maxTokens: 1024,
      tokensUsed: '1200',
      enabled: true,
      nothing: null,
      credentials: { httpHeaderAuth: { id: '7', name: 'CRM header' } },
    });
    // The input is not changed.
    expect(input.Authorization).toBe('Bearer abcdef123456');
  });

  it("hides the value of n8n's name/value parameters with secret names", () => {
    const parameters = {
      headerParameters: {
        parameters: [
          { name: 'Authorization', value: 'Bearer abc.def.ghi' },
          { name: 'X-Api-Key', value: 'abcdef' },
          { name: 'Accept', value: 'application/json' },
        ],
      },
      queryParameters: {
        parameters: [
          { name: 'key', value: 'AIzaXYZ' },
          { name: 'page', value: '2' },
        ],
      },
      headerParametersUi: { parameter: [{ name: 'PRIVATE-TOKEN', value: 'glpat-123' }] },
    };
    expect(redactSecrets(parameters)).toEqual({
      headerParameters: {
        parameters: [
          { name: 'Authorization', value: REDACTED },
          { name: 'X-Api-Key', value: REDACTED },
          { name: 'Accept', value: 'application/json' },
        ],
      },
      queryParameters: {
        parameters: [
          { name: 'key', value: REDACTED },
          { name: 'page', value: '2' },
        ],
      },
      headerParametersUi: { parameter: [{ name: 'PRIVATE-TOKEN', value: REDACTED }] },
    });
  });

  it('hides credentials inside strings: URLs, auth schemes, assignments, JSON text, key shapes', () => {
    const cases: [string, string][] = [
      [
        'https://api.example.com/v1/items?token=abc123&format=csv',
        `https://api.example.com/v1/items?token=${REDACTED}&format=csv`,
      ],
      [
        'https://user:pa55word@db.example.com/x?api_key=zzz',
        `https://user:${REDACTED}@db.example.com/x?api_key=${REDACTED}`,
      ],
      ['Authorization: Bearer eyJhbGciOi.xyz', `Authorization: ${REDACTED} ${REDACTED}`],
      ['Token 9f8e7d6c5b4a', `Token ${REDACTED}`],
      ['const apiKey = "sk-live-123";', `const apiKey = "${REDACTED}";`],
      ['password=hunter2 user=ada', `password=${REDACTED} user=ada`],
      ['failed with key sk-proj-abcdefghijklmnopqrstuvwxyz', `failed with key ${REDACTED}`],
      ['github ghp_abcdefghijklmnopqrstuvwxyz0123', `github ${REDACTED}`],
      ['aws AKIAABCDEFGHIJKLMNOP', `aws ${REDACTED}`],
      ['The weekly export of 3 ventures', 'The weekly export of 3 ventures'],
      ['={{ $json.token }}', '={{ $json.token }}'],
    ];
    for (const [input, expected] of cases) expect(redactSecrets(input), input).toBe(expected);
    expect(redactSecrets('{"Authorization": "Token abcdef123", "Accept": "text/csv"}')).toBe(
      JSON.stringify({ Authorization: REDACTED, Accept: 'text/csv' }),
    );
  });

  it('walks arrays and nested objects, and stops at a depth limit', () => {
    expect(redactSecrets([{ a: [{ secret: 'x' }] }, 'Bearer abcdefgh'])).toEqual([
      { a: [{ secret: REDACTED }] },
      `Bearer ${REDACTED}`,
    ]);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(JSON.stringify(redactSecrets(deep))).toContain(REDACTED);
  });

  it('recognises secret names by suffix, and short ones only as parameters', () => {
    for (const name of ['Authorization', 'x-api-key', 'X_AUTH_TOKEN', 'clientSecret', 'Cookie']) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['maxTokens', 'authentication', 'keyboard', 'name', 'key']) {
      expect(isSecretName(name), name).toBe(false);
    }
    expect(isSecretName('key', true)).toBe(true);
  });
});
