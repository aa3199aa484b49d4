import { useQuery } from '@tanstack/react-query';
import { api } from './client.ts';
import type { Category, Health, Me, Metric, Rollup } from './types.ts';

/** Query keys: the live-events handler invalidates by these prefixes. */
export const keys = {
  me: ['me'] as const,
  rollups: (month?: string) => ['portfolio', 'rollups', month ?? 'latest'] as const,
  rollupHistory: (to: string, months: number) =>
    ['portfolio', 'rollups', 'history', to, months] as const,
  ventures: (params: Record<string, string>) => ['portfolio', 'ventures', params] as const,
  venture: (slug: string) => ['portfolio', 'venture', slug] as const,
  kpis: (ventureId: string) => ['portfolio', 'kpis', ventureId] as const,
  health: (ventureId: string) => ['portfolio', 'health', ventureId] as const,
  categories: ['portfolio', 'categories'] as const,
  metrics: ['portfolio', 'metrics'] as const,
  entities: ['ledger', 'entities'] as const,
  serverHealth: ['system', 'health'] as const,
};

export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: () => api.get<Me>('/api/v1/auth/me', { refresh: true }),
    staleTime: 60_000,
    retry: false,
  });
}

export function useRollups(month?: string) {
  return useQuery({
    queryKey: keys.rollups(month),
    queryFn: () => api.get<Rollup>('/api/v1/portfolio/rollups', { query: { month } }),
  });
}

export function useCategories() {
  return useQuery({
    queryKey: keys.categories,
    queryFn: () => api.get<Category[]>('/api/v1/portfolio/categories'),
    staleTime: 5 * 60_000,
  });
}

export function useMetrics() {
  return useQuery({
    queryKey: keys.metrics,
    queryFn: () => api.get<Metric[]>('/api/v1/portfolio/metrics'),
    staleTime: 5 * 60_000,
  });
}

export function useServerHealth() {
  return useQuery({
    queryKey: keys.serverHealth,
    queryFn: () => api.get<Health>('/health', { acceptStatus: [503], refresh: false }),
    refetchInterval: 30_000,
  });
}
