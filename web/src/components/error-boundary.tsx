import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/**
 * Keeps the shell standing when a page fails to render or its code cannot be loaded (offline
 * with a page that was never cached, or a deployment replaced the files).
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(_error: Error, _info: ErrorInfo): void {
    // Shown on the page; nothing to report to.
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const loading = /dynamically imported module|Importing a module script failed/i.test(
      error.message,
    );
    return (
      <div className="notice notice-error" role="alert">
        <h1>{loading ? 'This page could not be loaded' : 'This page failed'}</h1>
        <p>
          {loading
            ? navigator.onLine
              ? 'Its code could not be fetched: IZA OS may have been updated. Reload the page.'
              : 'You are offline and this page is not stored on this device yet.'
            : error.message}
        </p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
