import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../lib/api-types';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { tokenizeJson } from '../utils/json-highlight';
import { EventLog } from './EventLog';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const ev = (seq: number, type: JobEvent['type'] = 'status'): JobEvent => ({
  seq,
  attempt: 1,
  created_at: new Date().toISOString(),
  type,
  message: `event ${seq}`,
  payload: { step: seq, ok: true },
});

const pageOf = (events: JobEvent[], total = events.length) => ({ count: total, page: 1, page_size: 50, total_pages: Math.max(1, Math.ceil(total / 50)), next: null, previous: null, results: events });

describe('EventLog', () => {
  it('lists events with type badges, expands JSON, copies it, and filters', async () => {
    const { calls } = mockFetch((url) => (url.pathname.endsWith('/events') ? { body: pageOf([ev(3, 'error'), ev(2, 'metrics'), ev(1)], 580) } : undefined));
    const user = userEvent.setup(); // installs a clipboard stub on navigator
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    renderWithProviders(<EventLog jobId="j1" live={false} />);
    const rows = await screen.findAllByTestId('event-row');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveAttribute('data-type', 'error');
    expect(screen.getByLabelText('Event type: Error')).toHaveClass('badge--red');
    expect(screen.getByLabelText('Event type: Metrics')).toHaveClass('badge--green');
    expect(screen.getByTestId('pagination-summary')).toHaveTextContent('Page 1 of 12');

    await user.click(screen.getAllByRole('button', { name: 'Show event details' })[0]);
    expect(screen.getByLabelText('Payload of event 3')).toHaveTextContent('"step": 3');
    await user.click(screen.getByRole('button', { name: 'Copy JSON' }));
    expect(writeText).toHaveBeenCalledWith(JSON.stringify({ step: 3, ok: true }, null, 2));

    await user.selectOptions(screen.getByLabelText('Filter events by type'), 'error');
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get('type') === 'error')).toBe(true));
    expect(screen.getByTestId('export-csv')).toHaveAttribute('href', '/api/training/jobs/j1/events/export?format=csv&type=error');
    expect(screen.getByTestId('export-json')).toHaveAttribute('href', '/api/training/jobs/j1/events/export?format=json&type=error');
  });

  it('polls every 10 s while live and pulses new events on top', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let events = [ev(1)];
    mockFetch((url) => (url.pathname.endsWith('/events') ? { body: pageOf(events) } : undefined));
    renderWithProviders(<EventLog jobId="j1" live />);
    await screen.findAllByTestId('event-row');
    events = [ev(2, 'checkpoint'), ev(1)];
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_500);
    });
    const rows = await screen.findAllByTestId('event-row');
    await waitFor(() => expect(screen.getAllByTestId('event-row')).toHaveLength(2));
    expect(screen.getAllByTestId('event-row')[0]).toHaveClass('event-row--new');
    expect(rows.length).toBeGreaterThan(0);
  });

  it('has an empty state', async () => {
    mockFetch((url) => (url.pathname.endsWith('/events') ? { body: pageOf([]) } : undefined));
    renderWithProviders(<EventLog jobId="j1" live={false} />);
    expect(await screen.findByText('No events yet')).toBeInTheDocument();
  });
});

describe('tokenizeJson', () => {
  it('labels keys, strings, numbers, booleans and null', () => {
    const kinds = tokenizeJson({ a: 'x', b: 1.5, c: true, d: null }).filter((t) => t.kind !== 'punct');
    expect(kinds).toEqual([
      { kind: 'key', text: '"a"' },
      { kind: 'string', text: '"x"' },
      { kind: 'key', text: '"b"' },
      { kind: 'number', text: '1.5' },
      { kind: 'key', text: '"c"' },
      { kind: 'bool', text: 'true' },
      { kind: 'key', text: '"d"' },
      { kind: 'null', text: 'null' },
    ]);
  });
  it('round-trips the text', () => {
    const v = { msg: 'say "hi": now', n: [-1, 2e-5] };
    expect(tokenizeJson(v).map((t) => t.text).join('')).toBe(JSON.stringify(v, null, 2));
  });
});

describe('EventLog view in the URL', () => {
  it('restores filter, search and page from the URL and asks the API for them', async () => {
    const { calls } = mockFetch((url) => (url.pathname.endsWith('/events') ? { body: { ...pageOf([ev(9, 'warning')], 120), page: 2, total_pages: 3 } } : undefined));
    renderWithProviders(<EventLog jobId="j1" live={false} />, { route: '/training-jobs/j1?tab=events&ev_type=warning&ev_q=truncated&ev_page=2' });
    await screen.findAllByTestId('event-row');
    expect(screen.getByTestId('event-type-filter')).toHaveValue('warning');
    expect(screen.getByLabelText('Search events')).toHaveValue('truncated');
    const asked = calls.map((c) => new URL(c.url, 'http://x')).filter((u) => u.pathname.endsWith('/events'));
    expect(asked[0].searchParams.get('type')).toBe('warning');
    expect(asked[0].searchParams.get('search')).toBe('truncated');
    expect(asked[0].searchParams.get('page')).toBe('2');
  });
});
