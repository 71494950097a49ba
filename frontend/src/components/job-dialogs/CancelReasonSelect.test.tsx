import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { CANCEL_REASONS } from '../../lib/status';
import { CancelReasonSelect } from './CancelReasonSelect';

describe('CancelReasonSelect', () => {
  it('lists the placeholder and then every cancel reason, in order', () => {
    render(<CancelReasonSelect aria-label="Reason" value="" onChange={() => {}} />);
    const options = screen.getAllByRole('option') as HTMLOptionElement[];
    expect(options.map((o) => [o.value, o.textContent])).toEqual([['', 'Select a reason…'], ...CANCEL_REASONS.map((r) => [r.value, r.label])]);
    expect(screen.getByLabelText('Reason')).toHaveValue('');
  });

  it('reports the chosen reason, and the placeholder as empty', async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(<CancelReasonSelect aria-label="Reason" value="testing" onChange={onChange} />);
    const select = screen.getByLabelText('Reason');
    expect(select).toHaveValue('testing');
    await user.selectOptions(select, 'cost_too_high');
    expect(onChange).toHaveBeenLastCalledWith('cost_too_high');
    await user.selectOptions(select, '');
    expect(onChange).toHaveBeenLastCalledWith('');
  });
});
