import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from './client.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * One `EventSource` on `/api/v1/portfolio/events` while signed in (same-origin cookies
 * authenticate it). On `portfolio.kpi.posted` the KPI and health queries and the roll-up and
 * venture lists are invalidated, so what was posted shows without a reload. When
 * the stream is closed for good (e.g. the access token expired: 401), the session is refreshed
 * through an ordinary API call and the stream reopened after a pause.
 */
export function useLiveEvents(client: QueryClient, enabled: boolean): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    let source: EventSource | null = null;
    let retry: number | undefined;
    let stopped = false;

    const open = () => {
      if (stopped) return;
      setState('connecting');
      source = new EventSource('/api/v1/portfolio/events');
      source.onopen = () => setState('live');
      source.addEventListener('portfolio.kpi.posted', () => {
        // The venture pages ask for KPIs and health by slug (with the venture, in parallel),
        // and the event names the venture by id: every KPI and health query is marked stale,
        // and only the one on screen is fetched again.
        void client.invalidateQueries({ queryKey: ['portfolio', 'kpis'] });
        void client.invalidateQueries({ queryKey: ['portfolio', 'health'] });
        void client.invalidateQueries({ queryKey: ['portfolio', 'overview'] });
        void client.invalidateQueries({ queryKey: ['portfolio', 'ventures'] });
      });
      source.onerror = () => {
        if (!source || source.readyState !== EventSource.CLOSED) {
          setState('offline'); // the browser reconnects by itself
          return;
        }
        setState('offline');
        source.close();
        // Closed for good: refresh the session (any API call does) and reopen later.
        retry = window.setTimeout(() => {
          void api
            .get('/api/v1/auth/me')
            .catch(() => undefined)
            .finally(open);
        }, 5_000);
      };
    };
    open();
    const online = () => {
      if (source?.readyState === EventSource.CLOSED) open();
    };
    window.addEventListener('online', online);
    return () => {
      stopped = true;
      window.removeEventListener('online', online);
      window.clearTimeout(retry);
      source?.close();
    };
  }, [client, enabled]);
  return state;
}
