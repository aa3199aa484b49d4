/**
 * The dashboard's HTTP client. Every JSON answer of IZA OS is the envelope
 * `{ success, data, error: { code, message, details }, metadata }`: `request()` returns `data`
 * or throws an `ApiError` with the code and message. Writes carry the CSRF token (the readable
 * `iza_csrf` cookie) as `x-csrf-token`. A 401 triggers one cookie refresh
 * (`POST /api/v1/auth/refresh`) and a retry; when that fails the unauthenticated handler runs
 * (the app sends the person to /login).
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly requestId: string | null;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
    requestId?: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId ?? null;
  }
}

interface Envelope<T> {
  success: boolean;
  data?: T;
  error?: { code: string; message: string; details?: unknown };
  metadata?: { timestamp: string; requestId: string; version: string };
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  /** false: a 401 is the answer (sign-in itself, routes only the local administrator may call). */
  refresh?: boolean;
  /** Statuses whose enveloped `data` is still an answer (e.g. 503 from /health). */
  acceptStatus?: readonly number[];
  signal?: AbortSignal;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
let onUnauthenticated: () => void = () => undefined;
let refreshing: Promise<boolean> | null = null;

/** What to do when the session cannot be refreshed (set once by the app). */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

function urlOf(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (!SAFE.has(method)) {
    const csrf = readCookie('iza_csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.signal) init.signal = options.signal;
  return fetch(urlOf(path, options.query), init);
}

/** One refresh at a time, shared by every request that met a 401 meanwhile. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= send('/api/v1/auth/refresh', { method: 'POST', body: {} })
    .then((response) => response.ok)
    .catch(() => false)
    .finally(() => {
      window.setTimeout(() => (refreshing = null), 0);
    });
  return refreshing;
}

async function parse<T>(response: Response, options: RequestOptions): Promise<T> {
  const requestId = response.headers.get('x-request-id');
  let body: Envelope<T> | undefined;
  try {
    body = (await response.json()) as Envelope<T>;
  } catch {
    throw new ApiError(
      response.status,
      response.ok ? 'invalid_response' : `http_${response.status}`,
      response.ok
        ? 'The server answered with something that is not JSON'
        : `The server answered ${response.status} ${response.statusText}`.trim(),
      undefined,
      requestId,
    );
  }
  const accepted = response.ok || (options.acceptStatus ?? []).includes(response.status);
  if (accepted && body.data !== undefined && body.error === undefined) return body.data;
  throw new ApiError(
    response.status,
    body.error?.code ?? `http_${response.status}`,
    body.error?.message ?? `The server answered ${response.status}`,
    body.error?.details,
    body.metadata?.requestId ?? requestId,
  );
}

/** Calls the API and returns the envelope's `data` (see the module comment). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await send(path, options);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The server cannot be reached (offline?)');
  }
  if (response.status === 401 && options.refresh !== false) {
    if (await refreshSession()) {
      response = await send(path, options);
      if (response.status !== 401) return parse<T>(response, options);
    }
    onUnauthenticated();
  }
  return parse<T>(response, options);
}

export const api = {
  get: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, options),
  post: <T>(path: string, body: unknown = {}, options: Omit<RequestOptions, 'method'> = {}) =>
    request<T>(path, { ...options, method: 'POST', body }),
  patch: <T>(path: string, body: unknown, options: Omit<RequestOptions, 'method'> = {}) =>
    request<T>(path, { ...options, method: 'PATCH', body }),
  put: <T>(path: string, body: unknown, options: Omit<RequestOptions, 'method'> = {}) =>
    request<T>(path, { ...options, method: 'PUT', body }),
  delete: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...options, method: 'DELETE' }),
};

/** A human sentence for any error a query or mutation threw. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}
