import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../test/fixtures';
import { CancelModal } from './CancelModal';

describe('CancelModal', () => {
  const setup = (submitting = false) => {
    const onConfirm = vi.fn();
    const onClose = vi.fn();
    render(<CancelModal job={jobDetail()} elapsedSeconds={23000} submitting={submitting} error={null} onConfirm={onConfirm} onClose={onClose} />);
    return { onConfirm, onClose, dialog: screen.getByRole('dialog', { name: 'Cancel Training Job?' }) };
  };

  it('shows progress and cost spent', () => {
    const { dialog } = setup();
    expect(within(dialog).getByText('43% Complete (Step 850 of 2,000)')).toBeInTheDocument();
    expect(within(dialog).getByTestId('cancel-cost')).toHaveTextContent('$22.18');
  });

  it('enables Confirm only with a reason and the acknowledgement', async () => {
    const user = userEvent.setup();
    const { onConfirm } = setup();
    const confirm = screen.getByRole('button', { name: 'Confirm Cancellation' });
    expect(confirm).toBeDisabled();
    await user.selectOptions(screen.getByLabelText(/Reason for cancelling/), 'cost_too_high');
    expect(confirm).toBeDisabled();
    await user.click(screen.getByLabelText('I understand this action cannot be undone'));
    expect(confirm).toBeEnabled();
    await user.type(screen.getByLabelText('Notes (optional)'), 'too slow');
    await user.click(confirm);
    expect(onConfirm).toHaveBeenCalledWith('cost_too_high', 'too slow');
    await user.click(screen.getByLabelText('I understand this action cannot be undone'));
    expect(confirm).toBeDisabled();
  });

  it('focuses the reason first and closes on Escape and Go Back', async () => {
    const user = userEvent.setup();
    const { onClose } = setup();
    expect(screen.getByLabelText(/Reason for cancelling/)).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole('button', { name: 'Go Back' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it('traps focus inside the dialog', async () => {
    const user = userEvent.setup();
    setup();
    const dialog = screen.getByRole('dialog');
    for (let i = 0; i < 10; i++) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    await user.tab({ shift: true });
    expect(dialog.contains(document.activeElement)).toBe(true);
  });

  it('shows Cancelling… and ignores Escape while submitting', () => {
    const { onClose } = setup(true);
    expect(screen.getByRole('button', { name: 'Cancelling…' })).toBeDisabled();
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(onClose).not.toHaveBeenCalled();
  });
});

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
