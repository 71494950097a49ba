import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router';
import { useToast } from '../../../components/Toast';
import { useAcknowledgeNotifications, useNotifications } from '../api/get-notifications';
import { notificationApi, OUTCOME_TEXT } from './browser';

/**
 * Shows the outcomes of the jobs the user watches while the app is open: a browser
 * notification when permitted (clicking it opens the job), and always an in-app toast; then
 * marks them shown so no other tab or reload shows them again.
 */
export function NotificationCenter({ signedIn }: { signedIn: boolean }) {
  const list = useNotifications(signedIn);
  const ack = useAcknowledgeNotifications();
  const toast = useToast();
  const navigate = useNavigate();
  const shown = useRef(new Set<string>());

  useEffect(() => {
    const fresh = (list.data?.results ?? []).filter((n) => !shown.current.has(`${n.job_id}:${n.at}`));
    if (fresh.length === 0) return;
    const api = notificationApi();
    for (const n of fresh) {
      shown.current.add(`${n.job_id}:${n.at}`);
      const text = `${n.job_name} ${OUTCOME_TEXT[n.status] ?? n.status}`;
      if (api && api.permission === 'granted') {
        const note = new api('Training job ' + (OUTCOME_TEXT[n.status] ?? n.status), { body: text, tag: `job-${n.job_id}` });
        note.onclick = () => {
          window.focus();
          navigate(`/training-jobs/${n.job_id}`);
          note.close();
        };
      }
      toast.show(text, n.status === 'failed' ? 'error' : 'success', 10_000);
    }
    ack.mutate(fresh.map((n) => n.job_id));
  }, [list.data]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}
