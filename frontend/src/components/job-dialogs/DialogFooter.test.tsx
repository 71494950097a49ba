import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api-client';
import { DialogError, DialogFooter } from './DialogFooter';

describe('DialogFooter', () => {
  const setup = (pending: boolean, confirmDisabled?: boolean) => {
    const onBack = vi.fn();
    const onConfirm = vi.fn();
    render(
      <DialogFooter
        backLabel="Keep Training"
        onBack={onBack}
        confirmLabel="Pause Job"
        pendingLabel="Pausing…"
        pending={pending}
        onConfirm={onConfirm}
        confirmDisabled={confirmDisabled}
        confirmClassName="btn--danger"
        confirmTestId="confirm-x"
      />,
    );
    return { onBack, onConfirm, back: screen.getByRole('button', { name: 'Keep Training' }), confirm: screen.getByTestId('confirm-x') };
  };

  it('goes back and confirms when idle', async () => {
    const user = userEvent.setup();
    const { onBack, onConfirm, back, confirm } = setup(false);
    expect(confirm).toHaveTextContent('Pause Job');
    expect(confirm).toHaveClass('btn', 'btn--danger');
    await user.click(confirm);
    await user.click(back);
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(onBack).toHaveBeenCalledTimes(1);
  });

  it('turns both buttons off and says so while the request is pending', () => {
    const { back, confirm } = setup(true);
    expect(confirm).toHaveTextContent('Pausing…');
    expect(confirm).toBeDisabled();
    expect(back).toBeDisabled();
  });

  it('turns only the confirm off for the dialog’s own reasons', () => {
    const { back, confirm } = setup(false, true);
    expect(confirm).toBeDisabled();
    expect(confirm).toHaveTextContent('Pause Job');
    expect(back).toBeEnabled();
  });
});

describe('DialogError', () => {
  it('shows the API’s message as an alert, and nothing without an error', () => {
    const { rerender } = render(<DialogError error={new ApiError(409, 'conflict', 'The job already completed; there is nothing to cancel.')} />);
    expect(screen.getByRole('alert')).toHaveTextContent('The job already completed; there is nothing to cancel.');
    rerender(<DialogError error={null} />);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
