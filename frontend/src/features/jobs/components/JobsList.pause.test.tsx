import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobDetail, JobListItem } from '../../../lib/api-types';
import { jobDetail, jobListItem, jobPause, resumeOptions } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { DEFAULT_STATE } from '../utils/url-state';
import { JobsList } from './JobsList';

afterEach(() => {
  vi.unstubAllGlobals();
});

const ID = '11111111-1111-1111-1111-111111111111';
const page = (results: JobListItem[]) => ({ count: results.length, page: 1, page_size: 25, total_pages: 1, next: null, previous: null, results });

/** The list with one row; the job's detail as `detail` answers; pause/resume answer `after`. */
function setup(row: JobListItem, detail: JobDetail, after?: JobDetail) {
  const api = mockFetch((url, init) => {
    if (url.pathname === '/api/training/jobs') return { body: page([row]) };
    if (url.pathname === `/api/training/jobs/${ID}` && init.method === 'GET') return { body: detail };
    if (url.pathname === `/api/training/jobs/${ID}/pause` && init.method === 'POST') return { body: after };
    if (url.pathname === `/api/training/jobs/${ID}/resume` && init.method === 'POST') return { body: after };
    if (url.pathname === `/api/training/jobs/${ID}/resume-options`) return { body: resumeOptions({ suggestion: null }) };
    if (url.pathname === `/api/training/jobs/${ID}/pauses`) return { body: { active_seconds: 0, paused_seconds: 0, pauses: [] } };
    return undefined;
  });
  renderWithProviders(<JobsList state={DEFAULT_STATE} onChange={vi.fn()} />, { route: '/dashboard/training-jobs' });
  const listCalls = () => api.calls.filter((c) => c.method === 'GET' && c.url.pathname === '/api/training/jobs').length;
  return { api, listCalls };
}

async function menuItems(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Actions for Elena Morales Financial' }));
  return screen.getAllByRole('menuitem').map((i) => i.textContent);
}

describe('JobsList row menu: Pause and Resume', () => {
  it('offers Pause (not Resume) for a running job the API allows to be paused', async () => {
    const user = userEvent.setup();
    setup(jobListItem({ allowed_actions: ['cancel', 'pause'] }), jobDetail());
    expect(await menuItems(user)).toEqual(['View Details', 'Duplicate', 'Pause Job', 'Cancel Job']);
  });

  it('offers Resume (not Pause) for a paused job the API allows to be resumed', async () => {
    const user = userEvent.setup();
    setup(jobListItem({ status: 'paused', allowed_actions: ['cancel', 'resume'] }), jobDetail());
    expect(await menuItems(user)).toEqual(['View Details', 'Duplicate', 'Resume Training', 'Cancel Job']);
  });

  it("offers neither on a teammate's running job (no allowed actions)", async () => {
    const user = userEvent.setup();
    setup(jobListItem({ allowed_actions: [] }), jobDetail());
    expect(await menuItems(user)).toEqual(['View Details', 'Duplicate']);
  });

  it('pauses through the job page’s confirmation dialog, sends the request and refreshes the list', async () => {
    const user = userEvent.setup();
    const running = jobDetail({ allowed_actions: ['cancel', 'pause'], checkpoint_count: 4 });
    const pausing = jobDetail({ allowed_actions: ['cancel'], pause: { ...jobPause(), state: 'requested', paused_at: null } });
    const { api, listCalls } = setup(jobListItem({ allowed_actions: ['cancel', 'pause'] }), running, pausing);
    await menuItems(user);
    await user.click(screen.getByRole('menuitem', { name: 'Pause Job' }));
    const dialog = await screen.findByTestId('pause-modal');
    expect(dialog).toHaveAccessibleName('Pause Training Job?');
    // The job page's dialog, with the job as it stands.
    expect(within(dialog).getByTestId('pause-current-state')).toHaveTextContent('Step 850 of 2,000');
    expect(within(dialog).getByTestId('pause-current-state')).toHaveTextContent('$22.18');
    expect(within(dialog).getByTestId('pause-current-state')).toHaveTextContent('4');
    const before = listCalls();
    await user.click(within(dialog).getByTestId('confirm-pause'));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(api.calls.filter((c) => c.method === 'POST').map((c) => c.url.pathname)).toEqual([`/api/training/jobs/${ID}/pause`]);
    await waitFor(() => expect(listCalls()).toBeGreaterThan(before));
    expect(screen.getByTestId('toast')).toHaveTextContent('Pause requested: the job pauses after step 850');
  });

  it('resumes through the resume dialog (GPU type and estimate), sends the request and refreshes the list', async () => {
    const user = userEvent.setup();
    const paused = jobDetail({ status: 'paused', allowed_actions: ['cancel', 'resume'], pause: jobPause() });
    const queued = jobDetail({ status: 'queued', stage: null, allowed_actions: ['cancel', 'remove_from_queue'] });
    const { api, listCalls } = setup(jobListItem({ status: 'paused', allowed_actions: ['cancel', 'resume'] }), paused, queued);
    await menuItems(user);
    await user.click(screen.getByRole('menuitem', { name: 'Resume Training' }));
    const dialog = await screen.findByTestId('resume-modal');
    expect(dialog).toHaveAccessibleName('Resume Training');
    expect(await within(dialog).findByTestId('resume-estimate-cost')).toHaveTextContent('$2.00–3.00');
    expect(within(dialog).getByTestId('resume-estimate-total')).toHaveTextContent('$24.18–25.18');
    const before = listCalls();
    await user.click(within(dialog).getByTestId('confirm-resume'));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const post = api.calls.find((c) => c.method === 'POST')!;
    expect(post.url.pathname).toBe(`/api/training/jobs/${ID}/resume`);
    expect(post.body).toEqual({});
    await waitFor(() => expect(listCalls()).toBeGreaterThan(before));
    expect(screen.getByTestId('toast')).toHaveTextContent('Job resumed on H100: back in the queue.');
  });

  it('a job that moved on since the list was drawn opens no dialog: it says so and refreshes the list', async () => {
    const user = userEvent.setup();
    const finalizing = jobDetail({ stage: 'finalization', allowed_actions: ['cancel'] });
    const { api, listCalls } = setup(jobListItem({ allowed_actions: ['cancel', 'pause'] }), finalizing);
    await menuItems(user);
    const before = listCalls();
    await user.click(screen.getByRole('menuitem', { name: 'Pause Job' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not pause “Elena Morales Financial”: it is running now.');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(listCalls()).toBeGreaterThan(before));
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });
});
