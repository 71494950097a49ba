import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeClient, mockFetch, renderWithProviders, testUser } from '../../../test/render';
import { WebhooksPage } from './WebhooksPage';

afterEach(() => vi.unstubAllGlobals());

const hook = {
  id: 'h1',
  name: 'Slack relay',
  url: 'https://hooks.example.com/lora',
  events: ['job.failed'],
  active: true,
  created_at: '2026-11-30T10:00:00Z',
  last_delivery: null,
};

describe('WebhooksPage', () => {
  it('tells members only managers can manage webhooks, and asks nothing of the API', async () => {
    const api = mockFetch(() => undefined);
    renderWithProviders(<WebhooksPage />);
    expect(await screen.findByTestId('webhooks-managers-only')).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('creates a hook (secret shown once), sends a test and shows the delivery log', async () => {
    let hooks: (typeof hook)[] = [];
    let deliveries: unknown[] = [];
    const api = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/csrf') return { status: 204 };
      if (url.pathname === '/api/training/webhooks' && init.method === 'GET') return { body: hooks };
      if (url.pathname === '/api/training/webhooks' && init.method === 'POST') {
        hooks = [hook];
        return { status: 201, body: { ...hook, secret: 'whsec_only-once' } };
      }
      if (url.pathname === '/api/training/webhooks/h1/test') {
        deliveries = [
          { id: 'd1', event: 'webhook.test', job: null, status: 'succeeded', attempts: 1, next_attempt_at: '2026-11-30T10:00:00Z', last_attempt_at: '2026-11-30T10:00:00Z', response_code: 200, error: '', created_at: '2026-11-30T10:00:00Z' },
        ];
        return { status: 202, body: deliveries[0] };
      }
      if (url.pathname === '/api/training/webhooks/h1/deliveries') return { body: { count: deliveries.length, page: 1, page_size: 20, total_pages: 1, results: deliveries } };
      return undefined;
    });
    renderWithProviders(<WebhooksPage />, { client: makeClient({ ...testUser, is_manager: true }) });
    expect(await screen.findByText('No webhooks yet.')).toBeTruthy();
    await userEvent.type(screen.getByTestId('webhook-url'), 'https://hooks.example.com/lora');
    await userEvent.click(screen.getByRole('checkbox', { name: /job\.completed/ }));
    await userEvent.click(screen.getByTestId('webhook-create'));
    expect((await screen.findByTestId('webhook-secret')).textContent).toContain('whsec_only-once');
    const created = api.calls.find((c) => c.method === 'POST' && c.url.pathname === '/api/training/webhooks');
    expect(created?.body).toEqual({ name: 'Webhook', url: 'https://hooks.example.com/lora', events: ['job.failed'], active: true });
    expect(await screen.findByText('Slack relay')).toBeTruthy();
    await userEvent.click(screen.getByTestId('webhook-test'));
    await waitFor(() => expect(screen.getAllByTestId('delivery-row')).toHaveLength(1));
    expect(screen.getByTestId('delivery-row').dataset.status).toBe('succeeded');
    expect(screen.getByTestId('delivery-row').textContent).toContain('200');
  });
});
