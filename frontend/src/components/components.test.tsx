import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { StatusBadge } from './Badge';
import { pageSummary, Pagination } from './Pagination';
import { Tabs } from './Tabs';

function TabsHarness() {
  const [v, setV] = useState<'a' | 'b' | 'c'>('a');
  return (
    <Tabs
      label="Views"
      idPrefix="t"
      panelId="p"
      value={v}
      onChange={setV}
      items={[
        { key: 'a', label: 'Alpha' },
        { key: 'b', label: 'Beta' },
        { key: 'c', label: 'Gamma' },
      ]}
    />
  );
}

describe('Tabs', () => {
  it('moves selection with arrow keys, Home and End', async () => {
    const user = userEvent.setup();
    render(<TabsHarness />);
    await user.click(screen.getByRole('tab', { name: 'Alpha' }));
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Beta' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tab', { name: 'Beta' })).toHaveFocus();
    await user.keyboard('{End}');
    expect(screen.getByRole('tab', { name: 'Gamma' })).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Alpha' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tab', { name: 'Beta' })).toHaveAttribute('tabindex', '-1');
  });
});

describe('Pagination', () => {
  it('summarises ranges and pages', () => {
    expect(pageSummary({ page: 1, totalPages: 2, count: 47, pageSize: 25, noun: 'jobs' })).toBe('Showing 1–25 of 47 jobs');
    expect(pageSummary({ page: 2, totalPages: 2, count: 47, pageSize: 25, noun: 'jobs' })).toBe('Showing 26–47 of 47 jobs');
    expect(pageSummary({ page: 1, totalPages: 0, count: 0, pageSize: 25, noun: 'jobs' })).toBe('Showing 0 jobs');
    expect(pageSummary({ page: 1, totalPages: 12, count: 580, pageSize: 50, variant: 'pages' })).toBe('Page 1 of 12');
  });
  it('disables Previous on the first page and Next on the last', async () => {
    const onPage = vi.fn();
    const { rerender } = render(<Pagination page={1} totalPages={2} count={47} pageSize={25} onPageChange={onPage} />);
    expect(screen.getByRole('button', { name: /Previous/ })).toBeDisabled();
    await userEvent.setup().click(screen.getByRole('button', { name: /Next/ }));
    expect(onPage).toHaveBeenCalledWith(2);
    rerender(<Pagination page={2} totalPages={2} count={47} pageSize={25} onPageChange={onPage} />);
    expect(screen.getByRole('button', { name: /Next/ })).toBeDisabled();
  });
});

describe('StatusBadge', () => {
  it('has a text alternative and the status colour', () => {
    render(<StatusBadge status="cancelled" />);
    const b = screen.getByLabelText('Status: Cancelled');
    expect(b).toHaveClass('badge--orange');
    expect(b).toHaveTextContent('Cancelled');
  });
  it('marks recovering jobs yellow', () => {
    render(<StatusBadge status="queued" recovering />);
    expect(screen.getByTestId('status-badge')).toHaveClass('badge--yellow');
  });
});
