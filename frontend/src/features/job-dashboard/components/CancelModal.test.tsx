import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { CancelModal } from './CancelModal';

describe('CancelModal notes', () => {
  const setup = (error: unknown = null) => {
    const onConfirm = vi.fn();
    render(<CancelModal job={jobDetail()} elapsedSeconds={60} submitting={false} error={error} onConfirm={onConfirm} onClose={() => undefined} />);
    return { onConfirm, confirm: screen.getByRole('button', { name: 'Confirm Cancellation' }) };
  };

  it('requires a note for "Other" and says so once the user tries to confirm', async () => {
    const user = userEvent.setup();
    const { onConfirm, confirm } = setup();
    await user.selectOptions(screen.getByLabelText(/Reason for cancelling/), 'other');
    const notes = screen.getByTestId('cancel-notes');
    expect(notes).toBeRequired();
    expect(screen.queryByTestId('cancel-notes-error')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('I understand this action cannot be undone'));
    expect(confirm).toBeDisabled();
    expect(screen.getByTestId('cancel-notes-error')).toHaveTextContent('the reason "Other" needs a note');
    expect(notes).toHaveAttribute('aria-invalid', 'true');
    await user.type(notes, 'dataset was the wrong version');
    expect(screen.queryByTestId('cancel-notes-error')).not.toBeInTheDocument();
    await user.click(confirm);
    expect(onConfirm).toHaveBeenCalledWith('other', 'dataset was the wrong version');
  });

  it('counts characters and refuses a note over 2,000 instead of cutting it', async () => {
    const user = userEvent.setup();
    const { confirm } = setup();
    await user.selectOptions(screen.getByLabelText(/Reason for cancelling/), 'testing');
    await user.click(screen.getByLabelText('I understand this action cannot be undone'));
    const notes = screen.getByLabelText('Notes (optional)');
    expect(screen.getByTestId('cancel-notes-counter')).toHaveTextContent('0 / 2,000 characters');
    fireEvent.change(notes, { target: { value: 'y'.repeat(2005) } });
    expect(notes).toHaveValue('y'.repeat(2005));
    expect(screen.getByTestId('cancel-notes-counter')).toHaveTextContent('2,005 / 2,000 characters');
    expect(screen.getByTestId('cancel-notes-error')).toHaveTextContent('Shorten the note to 2,000 characters (5 over).');
    expect(confirm).toBeDisabled();
    fireEvent.change(notes, { target: { value: 'y'.repeat(2000) } });
    expect(confirm).toBeEnabled();
  });
});
