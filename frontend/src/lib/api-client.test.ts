import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, buildQuery, readCookie, toApiError } from './api-client';
import { mockFetch } from '../test/render';

afterEach(() => vi.unstubAllGlobals());

describe('api client', () => {
  it('reads cookies', () => {
    expect(readCookie('csrftoken', 'a=1; csrftoken=xyz%3D; b=2')).toBe('xyz=');
    expect(readCookie('csrftoken', 'a=1')).toBeNull();
  });

  it('builds query strings, skipping empty values', () => {
    expect(buildQuery({ a: 1, b: '', c: null, d: undefined, e: ['x', 'y'], f: [] })).toBe('?a=1&e=x%2Cy');
    expect(buildQuery({})).toBe('');
  });

  it('parses the error shape', async () => {
    const e = await toApiError(new Response(JSON.stringify({ error: { code: 'validation_error', message: 'Bad.', fields: { name: ['Required.'] } } }), { status: 400 }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 400, code: 'validation_error', message: 'Bad.', fields: { name: ['Required.'] } });
  });

  it('survives non-JSON error bodies', async () => {
    const e = await toApiError(new Response('<html>oops</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(e.code).toBe('server_error');
    expect(e.message).toMatch(/server had a problem/);
    const nf = await toApiError(new Response('', { status: 404 }));
    expect(nf.isNotFound).toBe(true);
  });

  it('sends X-CSRFToken on unsafe methods and JSON bodies', async () => {
    document.cookie = 'csrftoken=tok';
    const { fn } = mockFetch(() => ({ body: { ok: true } }));
    await api('/api/x', { method: 'POST', body: { a: 1 } });
    const init = fn.mock.calls[0][1] as RequestInit;
    expect((init.headers as Record<string, string>)['X-CSRFToken']).toBe('tok');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"a":1}');
    await api('/api/x');
    expect(((fn.mock.calls[1][1] as RequestInit).headers as Record<string, string>)['X-CSRFToken']).toBeUndefined();
  });

  it('refreshes the CSRF token once when it is rejected', async () => {
    document.cookie = 'csrftoken=old';
    let posts = 0;
    const { calls } = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/csrf') return { status: 204 };
      if (init.method === 'POST') {
        posts++;
        return posts === 1 ? { status: 403, body: { error: { code: 'permission_denied', message: 'CSRF Failed: CSRF token incorrect.', fields: {} } } } : { body: { ok: 1 } };
      }
      return undefined;
    });
    await expect(api('/api/y', { method: 'POST', body: {} })).resolves.toEqual({ ok: 1 });
    expect(calls.map((c) => c.url.pathname)).toEqual(['/api/y', '/api/auth/csrf', '/api/y']);
  });

  it('returns undefined for 204', async () => {
    mockFetch(() => ({ status: 204 }));
    await expect(api('/api/z', { method: 'DELETE' })).resolves.toBeUndefined();
  });
});

describe('errorMessage', () => {
  it('says the session ended instead of the API wording for auth errors', async () => {
    const { errorMessage, SESSION_ENDED_MESSAGE } = await import('./api-client');
    expect(errorMessage(new ApiError(401, 'not_authenticated', 'Authentication credentials were not provided.'))).toBe(SESSION_ENDED_MESSAGE);
    expect(errorMessage(new ApiError(403, 'not_authenticated', 'Authentication credentials were not provided.'))).toBe('Your session has ended. Sign in again to continue.');
    expect(errorMessage(new ApiError(403, 'permission_denied', 'Only the creator can cancel it.'))).toBe('Only the creator can cancel it.');
  });
});
