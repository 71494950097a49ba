import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { fetchLogView, logsKey, MAX_LINES, type LogLine } from '../api/get-logs';
import { JobLogs } from './JobLogs';
import { QueryClient } from '@tanstack/react-query';

afterEach(() => vi.unstubAllGlobals());

const line = (id: number, message: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({
  id,
  attempt: 1,
  seq: id,
  created_at: '2026-11-30T12:00:00.000Z',
  stream,
  level: '',
  message,
});

describe('JobLogs', () => {
  it('loads the tail, then follows with after=<cursor> and appends only new lines', async () => {
    let after: string | null = null;
    const api = mockFetch((url) => {
      if (url.pathname !== '/api/training/jobs/j1/logs') return undefined;
      after = url.searchParams.get('after');
      if (after === null) return { body: { job_id: 'j1', lines: [line(1, 'step 1/4 · loss 2.1'), line(2, 'boom', 'stderr')], next_cursor: 2, has_more: false, job_finished: false } };
      return { body: { job_id: 'j1', lines: after === '2' ? [line(3, 'step 2/4 · loss 1.9')] : [], next_cursor: after === '2' ? 3 : Number(after), has_more: false, job_finished: false } };
    });
    renderWithProviders(<JobLogs jobId="j1" live />);
    expect(await screen.findByText('step 1/4 · loss 2.1')).toBeTruthy();
    expect(screen.getAllByTestId('log-line')[1].dataset.stream).toBe('stderr');
    await waitFor(() => expect(screen.getAllByTestId('log-line')).toHaveLength(3), { timeout: 5000 });
    expect(screen.getAllByTestId('log-line').map((el) => el.textContent)).toEqual([
      expect.stringContaining('step 1/4'),
      expect.stringContaining('boom'),
      expect.stringContaining('step 2/4'),
    ]);
    expect(api.calls.some((c) => c.url.searchParams.get('after') === '2')).toBe(true);
    expect(screen.getByTestId('log-download').getAttribute('href')).toBe('/api/training/jobs/j1/logs/download');
  });

  it('searches on the server and says when nothing matches; a finished job cannot follow', async () => {
    const api = mockFetch((url) => {
      if (url.pathname !== '/api/training/jobs/j2/logs') return undefined;
      const search = url.searchParams.get('search');
      const lines = search ? [] : [line(1, 'hello')];
      return { body: { job_id: 'j2', lines, next_cursor: lines.length, has_more: false, job_finished: true } };
    });
    renderWithProviders(<JobLogs jobId="j2" live={false} />);
    expect(await screen.findByText('hello')).toBeTruthy();
    expect((screen.getByTestId('log-follow') as HTMLInputElement).disabled).toBe(true);
    await userEvent.type(screen.getByTestId('log-search'), 'traceback');
    expect(await screen.findByText('No log lines match these filters.')).toBeTruthy();
    expect(api.calls.some((c) => c.url.searchParams.get('search') === 'traceback')).toBe(true);
    expect(screen.getByTestId('log-download').getAttribute('href')).toBe('/api/training/jobs/j2/logs/download?search=traceback');
  });

  it('keeps at most MAX_LINES in memory and then offers older lines', async () => {
    const qc = new QueryClient();
    const many = Array.from({ length: MAX_LINES }, (_, i) => line(i + 1, `l${i + 1}`));
    qc.setQueryData(logsKey('j3', {}), { lines: many, cursor: MAX_LINES, hasOlder: false, finished: false });
    mockFetch(() => ({ body: { job_id: 'j3', lines: [line(MAX_LINES + 1, 'new')], next_cursor: MAX_LINES + 1, has_more: false, job_finished: false } }));
    const view = await fetchLogView(qc, 'j3', {});
    expect(view.lines).toHaveLength(MAX_LINES);
    expect(view.lines[0].id).toBe(2);
    expect(view.lines[MAX_LINES - 1].message).toBe('new');
    expect(view.hasOlder).toBe(true);
    expect(view.cursor).toBe(MAX_LINES + 1);
  });
});
