import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/States';
import { Spinner } from '../../../components/Spinner';
import { useToast } from '../../../components/Toast';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { useUser } from '../../../lib/auth';
import { useCreateWebhook } from '../api/create-webhook';
import { useDeleteWebhook } from '../api/delete-webhook';
import { useWebhooks } from '../api/get-webhooks';
import { WEBHOOK_EVENTS, type NewWebhook, type Webhook, type WebhookEvent } from '../api/keys';
import { useTestWebhook } from '../api/test-webhook';
import { useUpdateWebhook } from '../api/update-webhook';
import { DeliveryLog } from './DeliveryLog';
import './webhooks.css';

function CreateForm({ onCreated }: { onCreated: (hook: NewWebhook) => void }) {
  const create = useCreateWebhook();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['job.completed', 'job.failed']);
  const fields = create.error instanceof ApiError ? (create.error.fields ?? {}) : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: name.trim() || 'Webhook', url: url.trim(), events, active: true },
      {
        onSuccess: (hook) => {
          onCreated(hook);
          setName('');
          setUrl('');
        },
      },
    );
  };
  const toggle = (ev: WebhookEvent) => setEvents((cur) => (cur.includes(ev) ? cur.filter((x) => x !== ev) : [...cur, ev]));
  return (
    <form className="card webhooks__form" onSubmit={submit} aria-label="Add a webhook" data-testid="webhook-form">
      <h2>Add a webhook</h2>
      <label className="field">
        <span className="field__label">Name</span>
        <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="Slack relay" />
        {fields.name ? <span className="field__error">{fields.name.join(' ')}</span> : null}
      </label>
      <label className="field">
        <span className="field__label">Endpoint URL</span>
        <input className="input" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/lora" data-testid="webhook-url" />
        {fields.url ? <span className="field__error">{fields.url.join(' ')}</span> : null}
      </label>
      <fieldset className="webhooks__events">
        <legend className="field__label">Events</legend>
        {WEBHOOK_EVENTS.map((ev) => (
          <label key={ev.value} className="checkbox">
            <input type="checkbox" checked={events.includes(ev.value)} onChange={() => toggle(ev.value)} />
            <span>
              <code>{ev.value}</code> <span className="webhooks__hint">{ev.hint}</span>
            </span>
          </label>
        ))}
        {fields.events ? <span className="field__error">{fields.events.join(' ')}</span> : null}
      </fieldset>
      {create.isError && !Object.keys(fields).length ? (
        <span className="field__error" role="alert">
          {errorMessage(create.error)}
        </span>
      ) : null}
      <div>
        <button type="submit" className="btn btn--primary" disabled={create.isPending || events.length === 0} data-testid="webhook-create">
          {create.isPending ? 'Adding…' : 'Add webhook'}
        </button>
      </div>
    </form>
  );
}

function HookCard({ hook }: { hook: Webhook }) {
  const test = useTestWebhook();
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const toast = useToast();
  const [showLog, setShowLog] = useState(true);
  return (
    <article className="card webhooks__hook" data-testid="webhook-card" aria-label={`Webhook ${hook.name}`}>
      <header className="webhooks__hook-head">
        <div>
          <h3>{hook.name}</h3>
          <code className="webhooks__url">{hook.url}</code>
          <div className="webhooks__tags">
            {hook.events.map((ev) => (
              <span key={ev} className="badge badge--grey">
                {ev}
              </span>
            ))}
            {hook.active ? <span className="badge badge--green">active</span> : <span className="badge badge--yellow">paused</span>}
          </div>
        </div>
        <div className="webhooks__actions">
          <button
            type="button"
            className="btn btn--secondary btn--sm"
            onClick={() => test.mutate(hook.id, { onSuccess: () => toast.show('Test delivery queued'), onError: (e) => toast.show(errorMessage(e), 'error') })}
            disabled={test.isPending}
            data-testid="webhook-test"
          >
            {test.isPending ? 'Sending…' : 'Send test'}
          </button>
          <button type="button" className="btn btn--ghost btn--sm" onClick={() => update.mutate({ id: hook.id, active: !hook.active })} disabled={update.isPending}>
            {hook.active ? 'Pause' : 'Resume'}
          </button>
          <button
            type="button"
            className="btn btn--ghost btn--sm"
            onClick={() => {
              if (window.confirm(`Delete the webhook “${hook.name}” and its delivery log?`)) remove.mutate(hook.id);
            }}
            disabled={remove.isPending}
          >
            Delete
          </button>
        </div>
      </header>
      <button type="button" className="btn btn--ghost btn--sm" aria-expanded={showLog} onClick={() => setShowLog((v) => !v)}>
        {showLog ? 'Hide deliveries' : 'Show deliveries'}
      </button>
      {showLog ? <DeliveryLog webhookId={hook.id} /> : null}
    </article>
  );
}

/** Settings → Webhooks (managers): the team's outgoing webhooks, "send test", delivery logs. */
export function WebhooksPage() {
  const user = useUser();
  const manager = !!user?.is_manager;
  const hooks = useWebhooks(manager);
  const [created, setCreated] = useState<NewWebhook | null>(null);

  return (
    <section className="page webhooks" data-testid="webhooks-page">
      <h1>Webhooks</h1>
      <p>
        The team's endpoints hear when a job completes, fails, is cancelled or pauses: a JSON POST signed with the hook's secret
        (<code>X-Lora-Signature: t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of "t.body"&gt;</code>). Failed deliveries are retried with
        exponential back-off. The README shows how to verify a delivery.
      </p>
      {!manager ? (
        <div className="state" role="note" data-testid="webhooks-managers-only">
          Only managers can manage the team's webhooks.
        </div>
      ) : (
        <>
          {created ? (
            <div className="card webhooks__secret" role="status" data-testid="webhook-secret">
              <span>
                <strong>Signing secret of “{created.name}”</strong> — copy it now, it is not shown again:
              </span>
              <code className="webhooks__secret-value">{created.secret}</code>
              <button type="button" className="btn btn--ghost btn--sm" onClick={() => setCreated(null)}>
                Done
              </button>
            </div>
          ) : null}
          <CreateForm onCreated={setCreated} />
          {hooks.isPending ? (
            <Spinner label="Loading webhooks" />
          ) : hooks.isError ? (
            <ErrorState title="Could not load the webhooks" error={hooks.error} onRetry={() => hooks.refetch()} retrying={hooks.isFetching} />
          ) : hooks.data.length === 0 ? (
            <p className="webhooks__empty">No webhooks yet.</p>
          ) : (
            hooks.data.map((hook) => <HookCard key={hook.id} hook={hook} />)
          )}
        </>
      )}
    </section>
  );
}
