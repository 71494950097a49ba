import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../../components/Toast';
import { createQueryClient } from '../../../lib/query-client';
import { mockFetch, testUser } from '../../../test/render';
import { AfterSignIn, AuthGate, safeNext } from './AuthGate';

afterEach(() => vi.unstubAllGlobals());

function Where() {
  const { pathname, search } = useLocation();
  return <div data-testid="where">{`${pathname}${search}`}</div>;
}

describe('signed-out sessions', () => {
  it('only follows next to pages of this app', () => {
    expect(safeNext('/training-jobs/7?tab=events')).toBe('/training-jobs/7?tab=events');
    expect(safeNext(null)).toBe('/dashboard/training-jobs');
    expect(safeNext('https://evil.example/')).toBe('/dashboard/training-jobs');
    expect(safeNext('//evil.example/x')).toBe('/dashboard/training-jobs');
    expect(safeNext('/\\evil.example')).toBe('/dashboard/training-jobs');
    expect(safeNext('/login?next=/x')).toBe('/dashboard/training-jobs');
  });

  it('sends a signed-out visitor to sign-in and back to the page they wanted', async () => {
    let signedIn = false;
    mockFetch((url) => {
      if (url.pathname === '/api/auth/me') return signedIn ? { body: testUser } : { status: 403, body: { error: { code: 'not_authenticated', message: 'Authentication credentials were not provided.', fields: {} } } };
      if (url.pathname === '/api/auth/csrf') return { status: 204 };
      if (url.pathname === '/api/auth/login') {
        signedIn = true;
        return { body: testUser };
      }
      return undefined;
    });
    render(
      <QueryClientProvider client={createQueryClient()}>
        <ToastProvider>
          <MemoryRouter initialEntries={['/training-jobs/42?tab=events']}>
            <AuthGate>
              <Routes>
                <Route path="login" element={<AfterSignIn />} />
                <Route path="*" element={<Where />} />
              </Routes>
            </AuthGate>
          </MemoryRouter>
        </ToastProvider>
      </QueryClientProvider>,
    );
    const user = userEvent.setup();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText(/Authentication credentials/)).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Username'), 'ada');
    await user.type(screen.getByLabelText('Password'), 'pw');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('where')).toHaveTextContent('/training-jobs/42?tab=events');
  });
});
