import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type LazyExoticComponent, type ReactNode } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError, setUnauthenticatedHandler } from './api/client.ts';
import { useMe } from './api/queries.ts';
import { PageErrorBoundary } from './components/error-boundary.tsx';
import { Shell } from './components/shell.tsx';
import { ErrorNotice, Loading } from './components/ui.tsx';
import { LoginPage } from './pages/login.page.tsx';

/** Route-level code splitting: each page (and Recharts with the pages that chart) loads on demand. */
function page<K extends string>(
  load: () => Promise<Record<K, () => ReactNode>>,
  name: K,
): LazyExoticComponent<() => ReactNode> {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

const HomePage = page(() => import('./pages/home.page.tsx'), 'HomePage');
const BusinessesPage = page(() => import('./pages/businesses.page.tsx'), 'BusinessesPage');
const VenturePage = page(() => import('./pages/venture.page.tsx'), 'VenturePage');
const FinancialPage = page(() => import('./pages/financial.page.tsx'), 'FinancialPage');
const WorkflowsPage = page(() => import('./pages/workflows.page.tsx'), 'WorkflowsPage');
const AgentsPage = page(() => import('./pages/agents.page.tsx'), 'AgentsPage');
const MonitoringPage = page(() => import('./pages/monitoring.page.tsx'), 'MonitoringPage');
const SettingsPage = page(() => import('./pages/settings.page.tsx'), 'SettingsPage');
const NotFoundPage = page(() => import('./pages/not-found.page.tsx'), 'NotFoundPage');

export function App() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      const here = window.location.pathname + window.location.search;
      if (window.location.pathname === '/login') return;
      queryClient.clear();
      void navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    });
  }, [navigate, queryClient]);

  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireSignIn />}>
        <Route index element={<HomePage />} />
        <Route path="businesses" element={<BusinessesPage />} />
        <Route path="businesses/:slug" element={<VenturePage />} />
        <Route path="financial" element={<FinancialPage />} />
        <Route path="workflows" element={<WorkflowsPage />} />
        <Route path="agents" element={<AgentsPage />} />
        <Route path="monitoring" element={<MonitoringPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** The signed-in part: the shell around the page. Offline, the shell still shows (cached). */
function RequireSignIn() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <div className="boot">
        <Loading label="Opening IZA OS…" />
      </div>
    );
  }
  if (me.error instanceof ApiError && me.error.status === 401) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (me.error && !(me.error instanceof ApiError && me.error.code === 'network_error')) {
    return (
      <div className="boot">
        <ErrorNotice error={me.error} title="IZA OS could not tell who you are" />
      </div>
    );
  }
  return (
    <Shell me={me.data ?? null}>
      <PageErrorBoundary key={location.pathname}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </PageErrorBoundary>
    </Shell>
  );
}
