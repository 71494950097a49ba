import { Link, NavLink, Outlet } from 'react-router';
import { UserMenu } from '../features/auth/components/UserMenu';

export function Layout() {
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
            <NavLink to="/dashboard/training-jobs" className="topnav__link" end>
              Jobs
            </NavLink>
            <NavLink to="/dashboard/training-jobs?tab=queue" className="topnav__link topnav__link--plain">
              Queue
            </NavLink>
          </nav>
          <div className="topbar__spacer" />
          <UserMenu />
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
