import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { NotificationCenter } from './NotificationCenter';
import { NotifyToggle } from './NotifyToggle';

afterEach(() => vi.unstubAllGlobals());

class FakeNotification {
  static permission: NotificationPermission = 'default';
  static shown: { title: string; body?: string }[] = [];
  static requestPermission = vi.fn(async () => {
    FakeNotification.permission = 'granted';
    return 'granted' as NotificationPermission;
  });
  onclick: (() => void) | null = null;
  constructor(title: string, opts?: NotificationOptions) {
    FakeNotification.shown.push({ title, body: opts?.body });
  }
  close() {}
}

describe('NotifyToggle and NotificationCenter', () => {
  it('asks for permission, watches the job, then shows its outcome once and acknowledges it', async () => {
    vi.stubGlobal('Notification', FakeNotification);
    let watching = false;
    let outcome: unknown[] = [];
    const api = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/csrf') return { status: 204 };
      if (url.pathname === '/api/training/jobs/j1/watch' && init.method === 'GET') return { body: { watching } };
      if (url.pathname === '/api/training/jobs/j1/watch' && init.method === 'PUT') {
        watching = true;
        return { body: { watching } };
      }
      if (url.pathname === '/api/training/notifications') return { body: { results: outcome, watching: watching && !outcome.length ? ['j1'] : [] } };
      if (url.pathname === '/api/training/notifications/ack') {
        outcome = [];
        return { body: { acknowledged: 1 } };
      }
      return undefined;
    });
    const { client } = renderWithProviders(
      <>
        <NotificationCenter signedIn />
        <NotifyToggle jobId="j1" finished={false} />
      </>,
    );
    const button = await screen.findByTestId('notify-button');
    expect(button.getAttribute('aria-pressed')).toBe('false');
    await userEvent.click(button);
    expect(FakeNotification.requestPermission).toHaveBeenCalled();
    await waitFor(() => expect(screen.getByTestId('notify-button').getAttribute('aria-pressed')).toBe('true'));
    expect(api.calls.find((c) => c.method === 'PUT')?.body).toEqual({ watching: true });

    outcome = [{ job_id: 'j1', job_name: 'llama r16', status: 'failed', at: '2026-11-30T12:00:00Z' }];
    await act(() => client.invalidateQueries({ queryKey: ['notifications', 'list'] }));
    await waitFor(() => expect(FakeNotification.shown).toEqual([{ title: 'Training job failed', body: 'llama r16 failed' }]));
    expect((await screen.findByTestId('toast')).textContent).toContain('llama r16 failed');
    await waitFor(() => expect(api.calls.find((c) => c.url.pathname === '/api/training/notifications/ack')?.body).toEqual({ job_ids: ['j1'] }));
  });

  it('shows nothing for a finished job', () => {
    mockFetch(() => undefined);
    renderWithProviders(<NotifyToggle jobId="j2" finished />);
    expect(screen.queryByTestId('notify-toggle')).toBeNull();
  });
});
