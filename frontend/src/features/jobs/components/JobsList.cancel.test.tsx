import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobListItem } from '../../../lib/api-types';
import { jobDetail, jobListItem } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { DEFAULT_STATE } from '../utils/url-state';
import { JobsList } from './JobsList';

afterEach(() => {
  vi.unstubAllGlobals();
});

const ID = '11111111-1111-1111-1111-111111111111';
const LIST_ROUTE = '/dashboard/training-jobs';
const page = (results: JobListItem[]) => ({ count: results.length, page: 1, page_size: 25, total_pages: 1, next: null, previous: null, results });

/**
 * The list with one running row the API lets the user cancel. The cancel endpoint answers
 * `cancelReply`; once it has answered 2xx, the list shows the row as the API then has it
 * (cancelling), so a refreshed list is visible in the row's status badge.
 */
function setup(cancelReply: { status?: number; body: unknown }) {
  let cancelled = false;
  const api = mockFetch((url, init) => {
    if (url.pathname === '/api/training/jobs') {
      return { body: page([jobListItem(cancelled ? { status: 'cancelling', allowed_actions: [] } : { allowed_actions: ['cancel', 'pause'] })]) };
    }
    if (url.pathname === `/api/training/jobs/${ID}` && init.method === 'GET') return { body: jobDetail({ allowed_actions: ['cancel', 'pause'], checkpoint_count: 4 }) };
    if (url.pathname === `/api/training/jobs/${ID}/cancel` && init.method === 'POST') {
      cancelled = (cancelReply.status ?? 200) < 300;
      return cancelReply;
    }
    return undefined;
  });
  // Routed, so a navigation away from the list shows up as "navigated-away".
  renderWithProviders(<JobsList state={DEFAULT_STATE} onChange={vi.fn()} />, { route: LIST_ROUTE, path: LIST_ROUTE });
  const listCalls = () => api.calls.filter((c) => c.method === 'GET' && c.url.pathname === '/api/training/jobs').length;
  return { api, listCalls };
}

const rowStatus = () => within(screen.getByTestId('job-row')).getByTestId('status-badge');

/** Opens the row's menu, picks Cancel Job, and fills the dialog's reason, note and acknowledgement. */
async function openAndFill(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Actions for Elena Morales Financial' }));
  await user.click(screen.getByRole('menuitem', { name: 'Cancel Job' }));
  const dialog = await screen.findByTestId('cancel-modal');
  await user.selectOptions(within(dialog).getByLabelText(/Reason for cancelling/), 'cost_too_high');
  await user.type(within(dialog).getByLabelText('Notes (optional)'), 'over budget');
  await user.click(within(dialog).getByLabelText('I understand this action cannot be undone'));
  return dialog;
}

describe('JobsList row menu: Cancel', () => {
  it('opens the job page’s cancel dialog on the list, POSTs the reason and refreshes the row', async () => {
    const user = userEvent.setup();
    const { api, listCalls } = setup({ body: jobDetail({ status: 'cancelling', allowed_actions: [] }) });
    expect(await screen.findByTestId('job-row')).toBeInTheDocument();
    expect(rowStatus()).toHaveTextContent('Running');

    const dialog = await openAndFill(user);
    // In place: the list is still there, nothing navigated to the job page.
    expect(screen.queryByTestId('navigated-away')).not.toBeInTheDocument();
    expect(dialog).toHaveAccessibleName('Cancel Training Job?');
    // The job as read just now: its progress, spend and checkpoints, which the row does not carry.
    expect(within(dialog).getByText('43% Complete (Step 850 of 2,000)')).toBeInTheDocument();
    expect(within(dialog).getByTestId('cancel-cost')).toHaveTextContent('$22.18');
    expect(dialog).toHaveTextContent('4 saved checkpoint(s), metrics and logs stay available.');

    const before = listCalls();
    await user.click(within(dialog).getByTestId('confirm-cancel'));
    await waitFor(() => expect(screen.queryByTestId('cancel-modal')).not.toBeInTheDocument());
    const posts = api.calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.url.pathname)).toEqual([`/api/training/jobs/${ID}/cancel`]);
    expect(posts[0].body).toEqual({ reason: 'cost_too_high', notes: 'over budget' });
    expect(screen.getByTestId('toast')).toHaveTextContent('Job cancelled. Final cost: $22.18');
    await waitFor(() => expect(listCalls()).toBeGreaterThan(before));
    await waitFor(() => expect(rowStatus()).toHaveTextContent('Cancelling'));
    expect(screen.queryByTestId('navigated-away')).not.toBeInTheDocument();
  });

  it('keeps the dialog open with the API’s error when the cancel is refused, and refreshes the list', async () => {
    const user = userEvent.setup();
    const message = 'The job already completed; there is nothing to cancel.';
    const { api, listCalls } = setup({ status: 409, body: { error: { code: 'conflict', message, fields: {} } } });
    const dialog = await openAndFill(user);
    const before = listCalls();
    await user.click(within(dialog).getByTestId('confirm-cancel'));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(message);
    expect(screen.getByTestId('cancel-modal')).toBeInTheDocument();
    expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    await waitFor(() => expect(listCalls()).toBeGreaterThan(before));
    // Still the list: the user reads why and closes the dialog themselves.
    await user.click(within(dialog).getByRole('button', { name: 'Go Back' }));
    expect(screen.queryByTestId('cancel-modal')).not.toBeInTheDocument();
    expect(screen.queryByTestId('navigated-away')).not.toBeInTheDocument();
    expect(screen.queryByTestId('toast')).not.toBeInTheDocument();
  });
});
