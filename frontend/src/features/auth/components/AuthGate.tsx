import type { ReactNode } from 'react';
import { Navigate, useLocation, useSearchParams } from 'react-router';
import { ErrorState } from '../../../components/States';
import { Spinner } from '../../../components/Spinner';
import { useMe } from '../../../lib/auth';
import { LoginPage } from './LoginPage';

export const SIGN_IN_PATH = '/login';
const HOME = '/dashboard/training-jobs';

/** Where to go after signing in: `next` when it is a path of this app, the jobs list otherwise
 *  (never another origin: "//evil.example" and "/\\evil.example" are refused). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return HOME;
  if (next === SIGN_IN_PATH || next.startsWith(`${SIGN_IN_PATH}?`) || next.startsWith(`${SIGN_IN_PATH}/`)) return HOME;
  return next;
}

/**
 * Renders children for a signed-in user. Signed out (never signed in, or the session ended: any
 * request answering not_authenticated drops the user, see lib/query-client.ts) every page goes to
 * the sign-in page at /login?next=<the page>, and back there after signing in.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const me = useMe();
  const { pathname, search, hash } = useLocation();
  if (me.isPending) {
    return (
      <div className="fullpage-center">
        <Spinner label="Checking your session" size={28} />
      </div>
    );
  }
  if (me.isError) {
    return (
      <div className="fullpage-center">
        <ErrorState title="Could not reach the server" error={me.error} onRetry={() => me.refetch()} retrying={me.isFetching} />
      </div>
    );
  }
  if (!me.data) {
    if (pathname !== SIGN_IN_PATH) {
      const next = `${pathname}${search}${hash}`;
      return <Navigate to={next === '/' ? SIGN_IN_PATH : `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}`} replace />;
    }
    return <LoginPage />;
  }
  return <>{children}</>;
}

/** /login once signed in: on to the page the user wanted. */
export function AfterSignIn() {
  const [params] = useSearchParams();
  return <Navigate to={safeNext(params.get('next'))} replace />;
}
