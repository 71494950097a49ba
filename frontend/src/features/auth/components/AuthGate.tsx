import type { ReactNode } from 'react';
import { ErrorState } from '../../../components/States';
import { Spinner } from '../../../components/Spinner';
import { useMe } from '../../../lib/auth';
import { LoginPage } from './LoginPage';

/** Renders children for a signed-in user; the sign-in page otherwise. */
export function AuthGate({ children }: { children: ReactNode }) {
  const me = useMe();
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
  if (!me.data) return <LoginPage />;
  return <>{children}</>;
}
