import { describe, expect, it } from 'vitest';
import { answerStatus, triggerHeaders, WEBHOOK_CSP, workflowHeaders } from './webhook-http.ts';

describe('webhook answers and requests at the HTTP boundary', () => {
  it('sandboxes answers without same-origin, top navigation or escaping popups', () => {
    const flags = WEBHOOK_CSP.split(' ');
    expect(flags[0]).toBe('sandbox');
    expect(flags).not.toContain('allow-same-origin');
    expect(flags).not.toContain('allow-top-navigation');
    expect(flags).not.toContain('allow-popups-to-escape-sandbox');
  });

  it('keeps the server’s headers whatever their case, and invalid HTTP out', () => {
    const { kept, dropped } = workflowHeaders({
      'Content-Security-Policy': 'default-src *',
      'SET-COOKIE': 'a=b',
      'x-frame-options': 'ALLOWALL',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Sec-Fetch-Site': 'same-origin',
      'Transfer-Encoding': 'chunked',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Origin': '*',
      'X-Split': 'a\r\nSet-Cookie: iza_at=x',
      'bad name': 'x',
      'Content-Type': 'text/html',
      Location: '/elsewhere',
      'X-Custom': 'yes',
    });
    expect(kept).toEqual([
      ['access-control-allow-origin', '*'],
      ['content-type', 'text/html'],
      ['location', '/elsewhere'],
      ['x-custom', 'yes'],
    ]);
    expect(dropped).toHaveLength(9);
  });

  it('keeps IZA OS credentials out of what the workflow sees, and the caller’s own in', () => {
    const seen = triggerHeaders(
      {
        cookie: 'iza_at=iza_at_x; theme=dark; __Host-iza_csrf=y; iza_rt=z; other=1',
        'x-csrf-token': 'y',
        'x-iza-org': 'alpha',
        authorization: 'Bearer iza_key_abcdefghijkl_secret',
        'user-agent': 'curl',
      },
      { authenticatedByIza: false },
    );
    expect(seen).toEqual({ cookie: 'theme=dark; other=1', 'user-agent': 'curl' });
    expect(
      triggerHeaders(
        { authorization: 'Basic dTpw', cookie: 'iza_at=1' },
        { authenticatedByIza: false },
      ),
    ).toEqual({ authorization: 'Basic dTpw' });
    expect(
      triggerHeaders({ authorization: 'Bearer local-admin-token' }, { authenticatedByIza: true }),
    ).toEqual({});
  });

  it('answers only with final statuses', () => {
    expect(answerStatus(201)).toBe(201);
    for (const bad of [101, 199, 600, 200.5, '200', undefined])
      expect(answerStatus(bad)).toBeUndefined();
  });
});
