import { Spinner } from '../../../components/Spinner';
import { ErrorState } from '../../../components/States';
import { useDeliveries } from '../api/get-deliveries';

const TONE: Record<string, string> = { succeeded: 'green', failed: 'red', pending: 'yellow', sending: 'blue' };

/** A hook's delivery log: each event, its tries, the receiver's answer and the next retry. */
export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const log = useDeliveries(webhookId);
  if (log.isPending) return <Spinner label="Loading deliveries" />;
  if (log.isError) return <ErrorState title="Could not load the deliveries" error={log.error} onRetry={() => log.refetch()} retrying={log.isFetching} />;
  const rows = log.data.results;
  if (rows.length === 0) return <p className="webhooks__empty">No deliveries yet. Send a test to check the receiver.</p>;
  return (
    <div className="table-wrap">
      <table className="table webhooks__deliveries" data-testid="delivery-log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Tries</th>
            <th scope="col">Response</th>
            <th scope="col">Next try / error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
              <td>{new Date(d.created_at).toLocaleString()}</td>
              <td>
                <code>{d.event}</code>
              </td>
              <td>
                <span className={`badge badge--${TONE[d.status] ?? 'grey'}`}>{d.status}</span>
              </td>
              <td>{d.attempts}</td>
              <td>{d.response_code ?? '—'}</td>
              <td>
                {d.status === 'pending' && d.attempts > 0 ? `retry at ${new Date(d.next_attempt_at).toLocaleTimeString()}` : null}
                {d.error ? <span className="webhooks__error"> {d.error}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
