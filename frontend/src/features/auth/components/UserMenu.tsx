import { useNavigate } from 'react-router';
import { useUser } from '../../../lib/auth';
import { useLogout } from '../api/logout';

export function UserMenu() {
  const user = useUser();
  const logout = useLogout();
  const navigate = useNavigate();
  if (!user) return null;
  const name = user.display_name || user.username;
  const initials = name
    .split(/\s+/)
    .map((p) => p[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <div className="user-menu" data-testid="user-menu">
      <span className="avatar" aria-hidden="true">
        {initials}
      </span>
      <span className="user-menu__who">
        <span className="user-menu__name">{name}</span>
        {user.is_manager ? <span className="user-menu__role">Manager</span> : null}
      </span>
      <button type="button" className="btn btn--ghost btn--sm hide-sm" onClick={() => navigate('/settings/api-tokens')}>
        API tokens
      </button>
      <button
        type="button"
        className="btn btn--ghost btn--sm"
        onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/dashboard/training-jobs') })}
        disabled={logout.isPending}
      >
        {logout.isPending ? 'Signing out…' : 'Sign out'}
      </button>
    </div>
  );
}
