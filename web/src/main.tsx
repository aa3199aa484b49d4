import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client.ts';
import { prefetchRoute } from './api/queries.ts';
import { App, preloadPage } from './app.tsx';
import { warmFormatters } from './format.ts';
import { applyTheme, currentTheme, storedTheme, systemTheme } from './theme.ts';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';

// The locale data of the page's first figures loads in a worker, off the main thread, while the
// page's requests are under way.
warmFormatters();

// The theme before the first paint of React (no inline script: the CSP forbids them).
applyTheme(currentTheme());
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  if (!storedTheme()) applyTheme(systemTheme());
});

/** How long after `load` the service worker is registered (see below). */
const SERVICE_WORKER_DELAY_MS = 5_000;

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      retry: (count, error) =>
        count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});

// The page's requests and its code start now, together with /auth/me (not one after the other,
// nor the code after the answer), while the browser sets up the rest.
prefetchRoute(queryClient, window.location);
preloadPage(window.location.pathname);

const root = document.getElementById('root');
if (root) {
  // In a transition: React renders the first screen in slices, not in one long task.
  startTransition(() => {
    createRoot(root).render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </QueryClientProvider>
      </StrictMode>,
    );
  });
}

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  // Once the page has loaded and settled: installing the worker precaches every file of the
  // build (and the browser compiles the scripts it caches), work that would otherwise compete
  // with the first screen on a slow phone.
  const register = () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  };
  window.addEventListener('load', () => {
    setTimeout(() => {
      if ('requestIdleCallback' in window) requestIdleCallback(register, { timeout: 5_000 });
      else register();
    }, SERVICE_WORKER_DELAY_MS);
  });
}
