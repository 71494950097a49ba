import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../lib/api-client';

export function ErrorState({ title = 'Could not load data', error, onRetry, retrying }: { title?: string; error: unknown; onRetry?: () => void; retrying?: boolean }) {
  return (
    <div className="state state--error" role="alert">
      <div className="state__icon" aria-hidden="true">!</div>
      <h2 className="state__title">{title}</h2>
      <p className="state__text">{errorMessage(error)}</p>
      {onRetry ? (
        <button type="button" className="btn btn--secondary" onClick={onRetry} disabled={retrying}>
          {retrying ? 'Retrying…' : 'Retry'}
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, text, action, icon = '∅' }: { title: string; text?: ReactNode; action?: ReactNode; icon?: string }) {
  return (
    <div className="state state--empty" data-testid="empty-state">
      <div className="state__icon" aria-hidden="true">{icon}</div>
      <h2 className="state__title">{title}</h2>
      {text ? <p className="state__text">{text}</p> : null}
      {action}
    </div>
  );
}

export function NotFound({ what = 'page' }: { what?: string }) {
  return (
    <div className="page">
      <div className="state state--empty" data-testid="not-found">
        <div className="state__icon" aria-hidden="true">404</div>
        <h1 className="state__title">{what === 'page' ? 'Page not found' : `${what} not found`}</h1>
        <p className="state__text">It may have been deleted, or the link is wrong.</p>
        <Link className="btn btn--primary" to="/dashboard/training-jobs">
          Back to training jobs
        </Link>
      </div>
    </div>
  );
}

export function VisuallyHidden({ children }: { children: ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}
