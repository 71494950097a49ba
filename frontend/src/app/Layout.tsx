import { Link, Outlet, useLocation } from 'react-router';
import { UserMenu } from '../features/auth/components/UserMenu';
import { MobileNav, type NavItem } from './MobileNav';

export function Layout() {
  const { pathname, search } = useLocation();
  const onJobs = pathname.startsWith('/dashboard/training-jobs') || pathname.startsWith('/training-jobs');
  const onQueue = onJobs && new URLSearchParams(search).get('tab') === 'queue';
  const items: NavItem[] = [
    { to: '/dashboard/training-jobs', label: 'Jobs', active: onJobs && !onQueue },
    { to: '/dashboard/training-jobs?tab=queue', label: 'Queue', active: onQueue },
  ];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          {/* The link's name is its visible text ("LoRA Pipeline Training Jobs"), also on phones
              where the text is visually hidden next to the logo. */}
          <Link to="/dashboard/training-jobs" className="brand">
            <span className="brand__logo" aria-hidden="true">
              ◢
            </span>
            <span className="brand__text">
              <span className="brand__name">LoRA Pipeline</span>
              <span className="brand__sub">Training Jobs</span>
            </span>
          </Link>
          <nav className="topnav" aria-label="Main">
            {items.map((item) => (
              <Link key={item.to} to={item.to} className={`topnav__link${item.active ? ' topnav__link--active' : ''}`} aria-current={item.active ? 'page' : undefined}>
                {item.label}
              </Link>
            ))}
          </nav>
          <div className="topbar__spacer" />
          <MobileNav items={[...items, { to: '/settings/api-tokens', label: 'API tokens', active: pathname.startsWith('/settings/api-tokens') }]} />
          <UserMenu />
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
