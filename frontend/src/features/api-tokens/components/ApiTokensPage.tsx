import { useState, type FormEvent } from 'react';
import { ApiError } from '../../../lib/api-client';
import type { NewApiToken } from '../../../lib/api-types';
import { useCreateApiToken } from '../api/create-api-token';
import { useApiTokens } from '../api/get-api-tokens';
import { useRevokeApiToken } from '../api/revoke-api-token';

const EXPIRY_DAYS = [
  { label: 'Never', days: 0 },
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
];

function when(value: string | null | undefined, fallback: string): string {
  return value ? new Date(value).toLocaleString() : fallback;
}

/** Settings → API tokens: create (the key is shown once), list and revoke personal tokens. */
export function ApiTokensPage() {
  const tokens = useApiTokens();
  const create = useCreateApiToken();
  const revoke = useRevokeApiToken();
  const [name, setName] = useState('');
  const [days, setDays] = useState(0);
  const [created, setCreated] = useState<NewApiToken | null>(null);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const expires_at = days ? new Date(Date.now() + days * 86_400_000).toISOString() : null;
    create.mutate(
      { name: name.trim() || 'API token', expires_at },
      {
        onSuccess: (token) => {
          setCreated(token);
          setName('');
        },
      },
    );
  };
  const error = create.error instanceof ApiError ? create.error : null;

  return (
    <section className="page" data-testid="api-tokens-page">
      <h1>API tokens</h1>
      <p>
        Scripts authenticate with <code>Authorization: Token &lt;key&gt;</code>. Only a hash of each key
        is stored: copy a new key now, it is not shown again.
      </p>
      <form onSubmit={onSubmit} className="form-row">
        <label>
          Name
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="ci script" />
        </label>
        <label>
          Expires
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {EXPIRY_DAYS.map((o) => (
              <option key={o.days} value={o.days}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {error ? <p role="alert">{error.message}</p> : null}
      {created ? (
        <p role="status" data-testid="new-token">
          New token <strong>{created.name}</strong>: <code>{created.token}</code>
        </p>
      ) : null}
      {tokens.isLoading ? <p>Loading…</p> : null}
      {tokens.data && tokens.data.length === 0 ? <p>No tokens yet.</p> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>
                  <code>{t.key_prefix}…</code>
                </td>
                <td>{when(t.created_at, '')}</td>
                <td>{when(t.expires_at, 'Never')}</td>
                <td>{when(t.last_used_at, 'Never')}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn--ghost btn--sm"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate(t.id)}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
