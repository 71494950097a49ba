import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';

export interface NavItem {
  to: string;
  label: string;
  active: boolean;
}

/**
 * The main navigation on phones (≤ 640 px, where the top bar has no room for it): a "Menu"
 * button opening a panel of the same links. Escape or a click outside closes it and gives focus
 * back to the button; following a link closes it.
 */
export function MobileNav({ items }: { items: NavItem[] }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const { pathname, search } = useLocation();

  useEffect(() => setOpen(false), [pathname, search]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    const onPointer = (e: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div className="mobile-nav" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="btn btn--ghost btn--sm mobile-nav__toggle"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        data-testid="mobile-nav-toggle"
      >
        <span aria-hidden="true" className="mobile-nav__icon">
          {open ? '✕' : '☰'}
        </span>
        Menu
      </button>
      {open ? (
        <nav id={panelId} className="mobile-nav__panel" aria-label="Main" data-testid="mobile-nav">
          {items.map((item) => (
            <Link
              key={item.to}
              to={item.to}
              className={`mobile-nav__link${item.active ? ' mobile-nav__link--active' : ''}`}
              aria-current={item.active ? 'page' : undefined}
              onClick={() => setOpen(false)}
            >
              {item.label}
            </Link>
          ))}
        </nav>
      ) : null}
    </div>
  );
}
