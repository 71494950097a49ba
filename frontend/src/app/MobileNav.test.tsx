import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import { MobileNav } from './MobileNav';

function Where() {
  return <div data-testid="where">{useLocation().search}</div>;
}

describe('MobileNav', () => {
  it('opens a menu of the main links, follows one and closes; Escape closes and refocuses the button', async () => {
    const user = userEvent.setup();
    render(
      <MemoryRouter initialEntries={['/dashboard/training-jobs']}>
        <Routes>
          <Route
            path="*"
            element={
              <>
                <MobileNav items={[{ to: '/dashboard/training-jobs', label: 'Jobs', active: true }, { to: '/dashboard/training-jobs?tab=queue', label: 'Queue', active: false }]} />
                <Where />
              </>
            }
          />
        </Routes>
      </MemoryRouter>,
    );
    const toggle = screen.getByRole('button', { name: 'Menu' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(screen.getByRole('link', { name: 'Jobs' })).toHaveAttribute('aria-current', 'page');
    expect(nav).toContainElement(screen.getByRole('link', { name: 'Queue' }));
    await user.click(screen.getByRole('link', { name: 'Queue' }));
    expect(screen.getByTestId('where')).toHaveTextContent('?tab=queue');
    expect(screen.queryByRole('navigation')).not.toBeInTheDocument();
    await user.click(toggle);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('navigation')).not.toBeInTheDocument();
    expect(toggle).toHaveFocus();
  });
});
