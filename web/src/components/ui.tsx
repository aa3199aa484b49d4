import { useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { ApiError, messageOf } from '../api/client.ts';

/** Sets the document title for a page: "<page> · IZA OS". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · IZA OS`;
  }, [title]);
}

/** A page's heading and its intro, with the document title. */
export function PageHeader(props: { title: string; intro?: ReactNode; actions?: ReactNode }) {
  useTitle(props.title);
  return (
    <div className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.intro ? <p className="intro">{props.intro}</p> : null}
      </div>
      {props.actions ? <div className="page-actions">{props.actions}</div> : null}
    </div>
  );
}

export function Loading(props: { label?: string }) {
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine);
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {online ? (props.label ?? 'Loading…') : 'Waiting for the connection…'}
    </p>
  );
}

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** An error from the API, with its code (and request id, to find it in the server log). */
export function ErrorNotice(props: { error: unknown; title?: string }) {
  const { error } = props;
  const code = error instanceof ApiError ? error.code : null;
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{props.title ?? 'Could not load this'}</strong>
      <p>{messageOf(error)}</p>
      {code ? (
        <p className="muted small">
          Code <code>{code}</code>
          {requestId ? (
            <>
              {' '}
              · request <code>{requestId}</code>
            </>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

export function Empty(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{props.title}</strong>
      {props.children ? <div>{props.children}</div> : null}
    </div>
  );
}

/**
 * One figure. `metric` becomes `data-metric` on the value element, which holds exactly the
 * displayed text, so end-to-end tests can compare it with the database.
 */
export function Figure(props: {
  label: string;
  value: string;
  metric: string;
  sub?: ReactNode;
  tone?: 'up' | 'down' | 'flat';
}) {
  return (
    <div className="figure">
      <dt className="figure-label">{props.label}</dt>
      <dd className="figure-value" data-metric={props.metric}>
        {props.value}
      </dd>
      {props.sub ? (
        <dd className={`figure-sub ${props.tone ? `tone-${props.tone}` : ''}`}>{props.sub}</dd>
      ) : null}
    </div>
  );
}

export function Panel(props: {
  title?: string;
  children: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
  actions?: ReactNode;
  id?: string;
}) {
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <section
      className={`panel ${props.className ?? ''}`}
      aria-labelledby={props.title && props.id ? `${props.id}-title` : undefined}
    >
      {props.title || props.actions ? (
        <div className="panel-head">
          {props.title ? (
            <Heading id={props.id ? `${props.id}-title` : undefined}>{props.title}</Heading>
          ) : null}
          {props.actions}
        </div>
      ) : null}
      {props.children}
    </section>
  );
}

/** When the caller's role lacks a permission, say so instead of showing an error. */
export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}

/** A labelled "All or one of these" select, for filtering a list by state. */
export function ChoiceFilter(props: {
  id: string;
  label: string;
  value: string;
  choices: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <div className="field field-inline">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">All</option>
        {props.choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice.replace('_', ' ')}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A state as a badge: green when it is one of `good`, red when one of `bad`. */
export function StateBadge(props: {
  state: string;
  good: readonly string[];
  bad?: readonly string[];
}) {
  const tone = props.good.includes(props.state)
    ? 'state-up'
    : props.bad?.includes(props.state)
      ? 'state-down'
      : '';
  return <span className={`badge ${tone}`}>{props.state.replace('_', ' ')}</span>;
}
