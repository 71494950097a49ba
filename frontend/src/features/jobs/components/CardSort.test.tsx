import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { CardSort } from './CardSort';

describe('CardSort', () => {
  it('shows the current ordering and sends the chosen one', async () => {
    const onSort = vi.fn();
    render(<CardSort ordering="-created_at" onSort={onSort} />);
    const select = screen.getByLabelText('Sort by');
    expect(select).toHaveDisplayValue('Newest first');
    await userEvent.setup().selectOptions(select, 'Most expensive');
    expect(onSort).toHaveBeenCalledWith('-cost');
  });
});
