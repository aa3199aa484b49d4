import { useQueryClient } from '@tanstack/react-query';
import {
  lazy,
  Suspense,
  useDeferredValue,
  useEffect,
  type LazyExoticComponent,
  type ReactNode,
} from 'react';
import { Navigate, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError, setUnauthenticatedHandler } from './api/client.ts';
import { useMe } from './api/queries.ts';
import { PageErrorBoundary } from './components/error-boundary.tsx';
import { Shell } from './components/shell.tsx';
import { ErrorNotice, Loading } from './components/ui.tsx';
import { BusinessesPage } from './pages/businesses.page.tsx';
import { HomePage } from './pages/home.page.tsx';
import { LoginPage } from './pages/login.page.tsx';
import { VenturePage } from './pages/venture.page.tsx';

/**
 * Route-level code splitting: the pages people open first (Home, Businesses, a venture) are in
 * the entry, so opening them waits for no further script; the others (and Recharts, with the
 * charts) load on demand. A page's code is asked for by `preloadPage` as the app starts, beside
 * `/auth/me` and the page's data, not once the person is known and the page renders.
 */
function page<K extends string>(
  load: () => Promise<Record<K, () => ReactNode>>,
  name: K,
): LazyExoticComponent<() => ReactNode> & { preload: () => void } {
  let loading: Promise<Record<K, () => ReactNode>> | undefined;
  const start = () => (loading ??= load());
  const component = lazy(() => start().then((module) => ({ default: module[name] })));
  return Object.assign(component, {
    preload: () => void start().catch(() => (loading = undefined)),
  });
}

const FinancialPage = page(() => import('./pages/financial.page.tsx'), 'FinancialPage');
const WorkflowsPage = page(() => import('./pages/workflows.page.tsx'), 'WorkflowsPage');
const WorkflowPage = page(() => import('./pages/workflow.page.tsx'), 'WorkflowPage');
const ExecutionPage = page(() => import('./pages/execution.page.tsx'), 'ExecutionPage');
const AgentsPage = page(() => import('./pages/agents.page.tsx'), 'AgentsPage');
const MonitoringPage = page(() => import('./pages/monitoring.page.tsx'), 'MonitoringPage');
const SettingsPage = page(() => import('./pages/settings.page.tsx'), 'SettingsPage');
const InvitePage = page(() => import('./pages/invite.page.tsx'), 'InvitePage');
const NotFoundPage = page(() => import('./pages/not-found.page.tsx'), 'NotFoundPage');

/** The pages loaded on demand, by the first part of their path. */
const LAZY_PAGES: Record<string, { preload: () => void }> = {
  financial: FinancialPage,
  agents: AgentsPage,
  monitoring: MonitoringPage,
  settings: SettingsPage,
  invite: InvitePage,
};

/** Starts loading the code of the page at `pathname` (nothing for the pages in the entry). */
export function preloadPage(pathname: string): void {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] === 'workflows') {
    if (parts.length === 1) WorkflowsPage.preload();
    else if (parts[1] === 'executions') ExecutionPage.preload();
    else WorkflowPage.preload();
    return;
  }
  if (parts[0]) LAZY_PAGES[parts[0]]?.preload();
}

export function App() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      const here = window.location.pathname + window.location.search;
      if (window.location.pathname === '/login' || window.location.pathname === '/invite') return;
      queryClient.clear();
      void navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    });
  }, [navigate, queryClient]);

  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        path="/invite"
        element={
          <Suspense fallback={null}>
            <InvitePage />
          </Suspense>
        }
      />
      <Route element={<RequireSignIn />}>
        <Route index element={<HomePage />} />
        <Route path="businesses" element={<BusinessesPage />} />
        <Route path="businesses/:slug" element={<VenturePage />} />
        <Route path="financial" element={<FinancialPage />} />
        <Route path="workflows" element={<WorkflowsPage />} />
        <Route path="workflows/:id" element={<WorkflowPage />} />
        <Route path="workflows/executions/:id" element={<ExecutionPage />} />
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
  // The shell and the page mount in a transition once the answer is in: React renders them in
  // slices between which the browser stays responsive, not in one long task.
  const answered = useDeferredValue(!me.isPending);
  if (me.isPending || !answered) {
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
