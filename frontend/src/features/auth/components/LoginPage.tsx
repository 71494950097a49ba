import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { useLogin } from '../api/login';

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useLogin();
  const fieldErrors = login.error instanceof ApiError ? login.error.fields : {};

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ username: username.trim(), password });
  };

  return (
    <main className="login">
      <div className="login__card card">
        <div className="login__brand">
          <span className="brand__logo" aria-hidden="true">
            ◢
          </span>
          <div>
            <div className="brand__name">LoRA Pipeline</div>
            <div className="brand__sub">Training Jobs</div>
          </div>
        </div>
        <h1 className="login__title">Sign in</h1>
        <p className="muted">Watch and manage your team&apos;s LoRA fine-tuning jobs.</p>
        <form onSubmit={onSubmit} className="form" noValidate aria-label="Sign in">
          {login.isError && !Object.keys(fieldErrors).length ? (
            <div className="alert alert--error" role="alert">
              {login.error instanceof ApiError && (login.error.status === 400 || login.error.status === 401 || login.error.status === 403)
                ? login.error.message || 'Invalid username or password.'
                : errorMessage(login.error)}
            </div>
          ) : null}
          <div className="field">
            <label className="field__label" htmlFor="login-username">
              Username
            </label>
            <input
              id="login-username"
              className="input"
              name="username"
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
              autoFocus
              aria-invalid={!!fieldErrors.username}
              aria-describedby={fieldErrors.username ? 'login-username-error' : undefined}
            />
            {fieldErrors.username ? (
              <span className="field__error" id="login-username-error">
                {fieldErrors.username.join(' ')}
              </span>
            ) : null}
          </div>
          <div className="field">
            <label className="field__label" htmlFor="login-password">
              Password
            </label>
            <input
              id="login-password"
              className="input"
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              aria-invalid={!!fieldErrors.password}
              aria-describedby={fieldErrors.password ? 'login-password-error' : undefined}
            />
            {fieldErrors.password ? (
              <span className="field__error" id="login-password-error" role="alert">
                {fieldErrors.password.join(' ')}
              </span>
            ) : null}
          </div>
          <button type="submit" className="btn btn--primary btn--block" disabled={login.isPending || !username || !password}>
            {login.isPending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
