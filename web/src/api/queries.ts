import { queryOptions, useQuery, type QueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { api } from './client.ts';
import type {
  Category,
  ExecutionDetail,
  ExecutionPage,
  Health,
  Me,
  Metric,
  Overview,
  Series,
  Venture,
  VentureHealth,
  VenturePage,
  WorkflowDetail,
  WorkflowVersions,
} from './types.ts';

/** Query keys: the live-events handler invalidates by these prefixes. */
export const keys = {
  me: ['me'] as const,
  overview: (currency: string, month: string) =>
    ['portfolio', 'overview', currency || 'default', month || 'latest'] as const,
  ventures: (params: Record<string, string>) => ['portfolio', 'ventures', params] as const,
  venture: (slug: string) => ['portfolio', 'venture', slug] as const,
  /** By slug (the API takes an id or a slug): asked for together with the venture itself. */
  kpis: (slug: string) => ['portfolio', 'kpis', slug] as const,
  health: (slug: string) => ['portfolio', 'health', slug] as const,
  categories: ['portfolio', 'categories'] as const,
  metrics: ['portfolio', 'metrics'] as const,
  entities: ['ledger', 'entities'] as const,
  serverHealth: ['system', 'health'] as const,
};

/**
 * Query options shared by the pages and by `prefetchRoute` (main.tsx), which starts the
 * requests of the page being opened before React renders, so they run in parallel with
 * `/auth/me` instead of after it and after the page's code.
 */
export const queries = {
  me: () =>
    queryOptions({
      queryKey: keys.me,
      queryFn: () => api.get<Me>('/api/v1/auth/me', { refresh: true }),
      staleTime: 60_000,
      retry: false,
    }),
  overview: (currency: string, month: string) =>
    queryOptions({
      queryKey: keys.overview(currency, month),
      queryFn: ({ signal }) =>
        api.get<Overview>('/api/v1/portfolio/overview', {
          query: { currency: currency || undefined, month: month || undefined },
          signal,
        }),
    }),
  categories: () =>
    queryOptions({
      queryKey: keys.categories,
      queryFn: () => api.get<Category[]>('/api/v1/portfolio/categories'),
      staleTime: 5 * 60_000,
    }),
  metrics: () =>
    queryOptions({
      queryKey: keys.metrics,
      queryFn: () => api.get<Metric[]>('/api/v1/portfolio/metrics'),
      staleTime: 5 * 60_000,
    }),
  serverHealth: () =>
    queryOptions({
      queryKey: keys.serverHealth,
      queryFn: () => api.get<Health>('/health', { acceptStatus: [503], refresh: false }),
      refetchInterval: 30_000,
    }),
  ventures: (query: Record<string, string>) =>
    queryOptions({
      queryKey: keys.ventures(query),
      queryFn: ({ signal }) =>
        api.get<VenturePage>('/api/v1/portfolio/ventures', { query, signal }),
    }),
  venture: (slug: string) =>
    queryOptions({
      queryKey: keys.venture(slug),
      queryFn: () => api.get<Venture>(`/api/v1/portfolio/ventures/${encodeURIComponent(slug)}`),
    }),
  ventureHealth: (slug: string) =>
    queryOptions({
      queryKey: keys.health(slug),
      queryFn: () =>
        api.get<VentureHealth>(`/api/v1/portfolio/ventures/${encodeURIComponent(slug)}/health`),
    }),
  ventureKpis: (slug: string) =>
    queryOptions({
      queryKey: keys.kpis(slug),
      queryFn: () => api.get<Series>(`/api/v1/portfolio/ventures/${encodeURIComponent(slug)}/kpis`),
    }),
  workflow: (id: string) =>
    queryOptions({
      queryKey: ['workflows', 'one', id],
      queryFn: () => api.get<WorkflowDetail>(`/api/v1/workflows/${encodeURIComponent(id)}`),
    }),
  workflowVersions: (id: string) =>
    queryOptions({
      queryKey: ['workflows', 'versions', id],
      queryFn: () =>
        api.get<WorkflowVersions>(`/api/v1/workflows/${encodeURIComponent(id)}/versions`),
    }),
  /** A workflow's 20 latest executions (its page). */
  workflowExecutions: (id: string) =>
    queryOptions({
      queryKey: ['workflows', 'executions', 'of', id],
      queryFn: () =>
        api.get<ExecutionPage>('/api/v1/workflows/executions', {
          query: { workflow: id, limit: 20 },
        }),
      refetchInterval: 10_000,
    }),
  execution: (id: string) =>
    queryOptions({
      queryKey: ['workflows', 'execution', id],
      queryFn: () =>
        api.get<ExecutionDetail>(`/api/v1/workflows/executions/${encodeURIComponent(id)}`),
      // Followed while it runs.
      refetchInterval: (query) =>
        query.state.data?.status === 'running' || query.state.data?.status === 'new' ? 2000 : false,
    }),
};

export type VentureSort =
  'name' | 'slug' | 'createdAt' | 'updatedAt' | 'mrr' | 'change' | 'health' | 'lastKpi';

const CURRENCY_KEY = 'iza.reportingCurrency';

/**
 * The reporting currency this person chose for Home and Businesses ('' for the organisation's
 * own), kept in this browser.
 */
export function storedReportingCurrency(): string {
  try {
    const value = window.localStorage.getItem(CURRENCY_KEY) ?? '';
    return /^[A-Z]{3}$/.test(value) ? value : '';
  } catch {
    return '';
  }
}

export function storeReportingCurrency(currency: string): void {
  try {
    if (currency) window.localStorage.setItem(CURRENCY_KEY, currency);
    else window.localStorage.removeItem(CURRENCY_KEY);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
}
export const VENTURE_PAGE_SIZES = [25, 50, 100, 200];

/**
 * Rows per page unless the address says otherwise: 25 on a phone-sized screen (a page is
 * scrolled through there, and laying out a 50-row table is the page's longest task on a phone's
 * CPU), 50 on larger ones.
 */
export const DEFAULT_VENTURE_PAGE_SIZE =
  typeof window !== 'undefined' && window.matchMedia('(max-width: 640px)').matches ? 25 : 50;

/** The Businesses page's view, from its address (`/businesses?search=&category=…`). */
export function ventureListView(params: URLSearchParams) {
  const limit = Number(params.get('limit'));
  return {
    search: params.get('search') ?? '',
    category: params.get('category') ?? '',
    stage: params.get('stage') ?? '',
    sort: (params.get('sort') as VentureSort | null) ?? 'name',
    order: params.get('order') === 'desc' ? ('desc' as const) : ('asc' as const),
    limit: VENTURE_PAGE_SIZES.includes(limit) ? limit : DEFAULT_VENTURE_PAGE_SIZE,
    cursor: params.get('cursor') ?? '',
    currency: params.get('currency') ?? storedReportingCurrency(),
  };
}

/** The query of the ventures list for a view (the key the page and the prefetch share). */
export function ventureListQuery(view: ReturnType<typeof ventureListView>): Record<string, string> {
  const { search, category, stage, sort, order, limit, cursor, currency } = view;
  return { search, category, stage, sort, order, limit: String(limit), cursor, currency };
}

/**
 * Starts, before the first render, the requests the page at `location` makes first: who is
 * signed in and the page's data, all at once. The pages ask for the same queries and pick up
 * the requests already under way. Signed out, the page requests fail with 401 like `/auth/me`
 * and the app sends the person to sign in.
 */
export function prefetchRoute(
  client: QueryClient,
  location: Pick<Location, 'pathname' | 'search'>,
) {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/login' || path === '/invite') return;
  void client.prefetchQuery(queries.me());
  if (path === '/') {
    void client.prefetchQuery(queries.overview(storedReportingCurrency(), ''));
  } else if (path === '/businesses') {
    void client.prefetchQuery(queries.categories());
    void client.prefetchQuery(
      queries.ventures(ventureListQuery(ventureListView(new URLSearchParams(location.search)))),
    );
  } else {
    const match = /^\/businesses\/([^/]+)$/.exec(path);
    const slug = match?.[1] ? safeDecode(match[1]) : null;
    if (slug) {
      void client.prefetchQuery(queries.categories());
      void client.prefetchQuery(queries.metrics());
      void client.prefetchQuery(queries.venture(slug));
      void client.prefetchQuery(queries.ventureHealth(slug));
      void client.prefetchQuery(queries.ventureKpis(slug));
    }
    // A workflow's and an execution's headers are their data (name, state, times): asked for
    // now, not once the page's code has loaded and rendered. An execution's workflow (its name,
    // its canvas) follows its answer.
    const execution = /^\/workflows\/executions\/([^/]+)$/.exec(path);
    const executionId = execution?.[1] ? safeDecode(execution[1]) : null;
    const workflow = execution ? null : /^\/workflows\/([^/]+)$/.exec(path);
    const workflowId = workflow?.[1] ? safeDecode(workflow[1]) : null;
    if (executionId) {
      client
        .fetchQuery(queries.execution(executionId))
        .then((e) => client.prefetchQuery(queries.workflow(e.workflowId)))
        .catch(() => undefined);
    } else if (workflowId) {
      void client.prefetchQuery(queries.workflow(workflowId));
      void client.prefetchQuery(queries.workflowVersions(workflowId));
      void client.prefetchQuery(queries.workflowExecutions(workflowId));
    }
  }
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function useMe() {
  return useQuery(queries.me());
}

export function useCategories() {
  return useQuery(queries.categories());
}

export function useMetrics() {
  return useQuery(queries.metrics());
}

export function useServerHealth() {
  return useQuery(queries.serverHealth());
}

/** What `useFirstAnswers` needs of a query (`useQuery`'s result), or a ready-made answer. */
export type FirstAnswer = { isPending: boolean; failureCount: number } | boolean;

/**
 * Whether a page may draw what lies below its header: every query its first screen is made of
 * has answered (or failed once: its retries do not hold the page back; `true` for a part that
 * is settled by other means). Until then the page shows one `Loading` under its header, then
 * all its panels in one paint, so no panel grows above another when a late answer comes (a
 * layout shift). Once true it stays true: a query whose key changes later (a filter) shows its
 * own loading state in its panel instead of taking the page away (a panel with a filter is best
 * the last one, so nothing moves below it). The panels render in a transition (in slices: the
 * page stays responsive).
 */
export function useFirstAnswers(parts: readonly FirstAnswer[]): boolean {
  const settled = parts.every((part) =>
    typeof part === 'boolean' ? part : !part.isPending || part.failureCount > 0,
  );
  const [answered, setAnswered] = useState(settled);
  // Remembered in state during the render that sees it (React re-renders at once).
  if (settled && !answered) setAnswered(true);
  return useDeferredValue(answered || settled);
}
