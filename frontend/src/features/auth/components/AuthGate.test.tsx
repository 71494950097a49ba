import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../../components/Toast';
import { createQueryClient } from '../../../lib/query-client';
import { mockFetch, testUser } from '../../../test/render';
import { AuthGate } from './AuthGate';
import { UserMenu } from './UserMenu';

afterEach(() => vi.unstubAllGlobals());

function renderGate() {
  const client = createQueryClient();
  render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <MemoryRouter>
          <AuthGate>
            <UserMenu />
            <div data-testid="app">app</div>
          </AuthGate>
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

describe('AuthGate', () => {
  it('signs in, shows who is signed in, and signs out', async () => {
    let signedIn = false;
    const api = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/me') return signedIn ? { body: testUser } : { status: 403, body: { error: { code: 'not_authenticated', message: 'Authentication credentials were not provided.', fields: {} } } };
      if (url.pathname === '/api/auth/csrf') return { status: 204 };
      if (url.pathname === '/api/auth/login') {
        const body = JSON.parse(String(init.body));
        if (body.password !== 'pw') return { status: 400, body: { error: { code: 'invalid_credentials', message: 'Unable to sign in with those credentials.', fields: { password: ['Wrong username or password.'] } } } };
        signedIn = true;
        return { body: testUser };
      }
      if (url.pathname === '/api/auth/logout') {
        signedIn = false;
        return { status: 204 };
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderGate();
    await user.type(await screen.findByLabelText('Username'), 'ada');
    await user.type(screen.getByLabelText('Password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Wrong username or password.')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'pw');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('app')).toBeInTheDocument();
    expect(screen.getByTestId('user-menu')).toHaveTextContent('Ada Lovelace');
    // The login POST carried the CSRF header obtained from /api/auth/csrf first.
    const methods = api.calls.map((c) => `${c.method} ${c.url.pathname}`);
    expect(methods.indexOf('GET /api/auth/csrf')).toBeLessThan(methods.indexOf('POST /api/auth/login'));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    // Sign-out renders the sign-in page, and may render it again right after (the menu's own
    // navigation, then the gate's redirect to /login?next=): an element found on the first
    // render can be detached by the second, so both facts are checked at one moment.
    await waitFor(() => {
      expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
      expect(screen.queryByTestId('app')).not.toBeInTheDocument();
    });
  });

  it('shows the sign-in page when a later request says not_authenticated', async () => {
    let expired = false;
    mockFetch((url) => {
      if (url.pathname === '/api/auth/me') return expired ? { status: 401, body: { error: { code: 'not_authenticated', message: 'x', fields: {} } } } : { body: testUser };
      return undefined;
    });
    const client = createQueryClient();
    render(
      <QueryClientProvider client={client}>
        <ToastProvider>
          <MemoryRouter>
            <AuthGate>
              <div data-testid="app">app</div>
            </AuthGate>
          </MemoryRouter>
        </ToastProvider>
      </QueryClientProvider>,
    );
    expect(await screen.findByTestId('app')).toBeInTheDocument();
    expired = true;
    mockFetch((url) => (url.pathname === '/api/training/jobs' ? { status: 403, body: { error: { code: 'not_authenticated', message: 'expired', fields: {} } } } : undefined));
    await client.fetchQuery({ queryKey: ['jobs', 'list', {}], queryFn: () => import('../../../lib/api-client').then((m) => m.api('/api/training/jobs')) }).catch(() => undefined);
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });
});
