import { Link, Outlet, useLocation } from 'react-router';
import { UserMenu } from '../features/auth/components/UserMenu';
import { NotificationCenter } from '../features/notifications/components/NotificationCenter';

export function Layout() {
  const { pathname, search } = useLocation();
  const onJobs = pathname.startsWith('/dashboard/training-jobs') || pathname.startsWith('/training-jobs');
  const onQueue = onJobs && new URLSearchParams(search).get('tab') === 'queue';
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link to="/dashboard/training-jobs" className="brand" aria-label="LoRA Pipeline home">
            <span className="brand__logo" aria-hidden="true">
              ◢
            </span>
            <span className="brand__text">
              <span className="brand__name">LoRA Pipeline</span>
              <span className="brand__sub">Training Jobs</span>
            </span>
          </Link>
          <nav className="topnav" aria-label="Main">
            <Link
              to="/dashboard/training-jobs"
              className={`topnav__link${onJobs && !onQueue ? ' topnav__link--active' : ''}`}
              aria-current={onJobs && !onQueue ? 'page' : undefined}
            >
              Jobs
            </Link>
            <Link
              to="/dashboard/training-jobs?tab=queue"
              className={`topnav__link${onQueue ? ' topnav__link--active' : ''}`}
              aria-current={onQueue ? 'page' : undefined}
            >
              Queue
            </Link>
          </nav>
          <div className="topbar__spacer" />
          <UserMenu />
        </div>
      </header>
      <NotificationCenter signedIn />
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
