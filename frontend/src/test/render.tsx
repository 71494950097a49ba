import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderOptions } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { vi } from 'vitest';
import { ToastProvider } from '../components/Toast';
import type { User } from '../lib/api-types';
import { queryKeys } from '../lib/query-keys';

export const testUser: User = { id: 1, username: 'ada', display_name: 'Ada Lovelace', email: 'ada@example.com', is_manager: false };

export function makeClient(user: User | null = testUser): QueryClient {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
  qc.setQueryData(queryKeys.me, user);
  return qc;
}

export function renderWithProviders(
  ui: ReactElement,
  { route = '/', path, client = makeClient(), ...opts }: { route?: string; path?: string; client?: QueryClient } & Omit<RenderOptions, 'wrapper'> = {},
) {
  const Wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>
      <ToastProvider>
        <MemoryRouter initialEntries={[route]}>
          {path ? (
            <Routes>
              <Route path={path} element={children} />
              <Route path="*" element={<div data-testid="navigated-away" />} />
            </Routes>
          ) : (
            children
          )}
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>
  );
  return { client, ...render(ui, { wrapper: Wrapper, ...opts }) };
}

type Handler = (url: URL, init: RequestInit) => { status?: number; body?: unknown } | undefined;

/** Replaces global fetch with a router over (method, path); records calls. */
export function mockFetch(handler: Handler) {
  const calls: { method: string; url: URL; body: unknown }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.toString(), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    let body: unknown = init.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep the string */
      }
    }
    calls.push({ method, url, body });
    const res = handler(url, { ...init, method }) ?? { status: 404, body: { error: { code: 'not_found', message: 'Not found.', fields: {} } } };
    const status = res.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(res.body ?? {}), { status, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}
