import type { ApiErrorBody } from './api-types';

/** An error response from the API in the project's one error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;

  constructor(status: number, code: string, message: string, fields: Record<string, string[]> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  get isAuthError(): boolean {
    return this.status === 401 || this.code === 'not_authenticated';
  }

  get isNotFound(): boolean {
    return this.status === 404 || this.code === 'not_found';
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(name: string, cookieString: string = document.cookie): string | null {
  for (const part of cookieString.split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

let csrfPromise: Promise<void> | null = null;

/** Makes sure the `csrftoken` cookie is set (GET /api/auth/csrf sets it). */
export async function ensureCsrf(force = false): Promise<void> {
  if (!force && readCookie('csrftoken')) return;
  if (!csrfPromise) {
    csrfPromise = fetch('/api/auth/csrf', { credentials: 'same-origin' })
      .then(() => undefined)
      .finally(() => {
        csrfPromise = null;
      });
  }
  return csrfPromise;
}

/** Turns any failed response into an ApiError, tolerating non-JSON bodies. */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const err = (body as ApiErrorBody | null)?.error;
  if (err && typeof err === 'object') {
    return new ApiError(res.status, err.code ?? 'error', err.message ?? res.statusText, err.fields ?? {});
  }
  const detail = (body as { detail?: string } | null)?.detail;
  const code =
    res.status === 401
      ? 'not_authenticated'
      : res.status === 404
        ? 'not_found'
        : res.status === 409
          ? 'conflict'
          : res.status === 413
            ? 'payload_too_large'
            : res.status === 429
              ? 'throttled'
              : res.status >= 500
                ? 'server_error'
                : 'error';
  const message =
    detail ??
    (res.status >= 500 ? 'The server had a problem. Please try again.' : res.statusText || `Request failed (${res.status})`);
  return new ApiError(res.status, code, message);
}

export type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>;

export function buildQuery(params: Query = {}): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) sp.set(k, v.join(','));
    } else {
      sp.set(k, String(v));
    }
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

/** fetch wrapper: JSON in/out, session cookie, CSRF header on unsafe methods, ApiError on failure. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = (opts.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) {
    body = opts.body;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const send = async (): Promise<Response> => {
    if (UNSAFE.has(method)) {
      await ensureCsrf();
      const token = readCookie('csrftoken');
      if (token) headers['X-CSRFToken'] = token;
    }
    return fetch(`${path}${buildQuery(opts.query)}`, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  };
  let res = await send();
  if (res.status === 403 && UNSAFE.has(method)) {
    // A stale/rotated CSRF token (e.g. after login) — refresh it once and retry.
    const clone = res.clone();
    const err = await toApiError(clone);
    if (/csrf/i.test(err.message) || err.code === 'csrf_failed') {
      await ensureCsrf(true);
      res = await send();
    }
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204 || res.status === 205) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** What the app says when the session has ended (the API's own words name the framework's
 *  credentials); the sign-in page shows at the same moment (lib/query-client.ts). */
export const SESSION_ENDED_MESSAGE = 'Your session has ended. Sign in again to continue.';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.isAuthError ? SESSION_ENDED_MESSAGE : error.message;
  if (error instanceof Error) {
    if (error.name === 'TypeError') return 'Network error — check your connection and try again.';
    return error.message;
  }
  return 'Something went wrong.';
}
