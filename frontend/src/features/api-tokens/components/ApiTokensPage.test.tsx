import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { ApiTokensPage } from './ApiTokensPage';

afterEach(() => vi.unstubAllGlobals());

const existing = {
  id: 't1',
  name: 'laptop',
  key_prefix: 'lp_abcde',
  created_at: '2026-11-01T10:00:00Z',
  expires_at: null,
  last_used_at: null,
};

describe('ApiTokensPage', () => {
  it('lists tokens, shows a new key once, and revokes', async () => {
    let tokens = [existing];
    const api = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/csrf') return { status: 204 };
      if (url.pathname === '/api/auth/tokens' && init.method === 'GET') return { body: tokens };
      if (url.pathname === '/api/auth/tokens' && init.method === 'POST') {
        const created = { ...existing, id: 't2', name: 'ci', key_prefix: 'lp_newke' };
        tokens = [created, ...tokens];
        return { status: 201, body: { ...created, token: 'lp_newkey-secret' } };
      }
      if (url.pathname === '/api/auth/tokens/t1' && init.method === 'DELETE') {
        tokens = tokens.filter((t) => t.id !== 't1');
        return { status: 204 };
      }
      return undefined;
    });
    renderWithProviders(<ApiTokensPage />);
    expect(await screen.findByText('laptop')).toBeTruthy();

    await userEvent.type(screen.getByPlaceholderText('ci script'), 'ci');
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect((await screen.findByTestId('new-token')).textContent).toContain('lp_newkey-secret');
    const created = api.calls.find((c) => c.method === 'POST' && c.url.pathname === '/api/auth/tokens');
    expect(created?.body).toEqual({ name: 'ci', expires_at: null });

    await userEvent.click(screen.getAllByRole('button', { name: 'Revoke' })[1]);
    await waitFor(() => expect(screen.queryByText('laptop')).toBeNull());
  });
});
