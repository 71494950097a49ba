import { useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { useJobWatch, useSetJobWatch } from '../api/watch-job';
import { notificationApi } from './browser';
import './notifications.css';

/**
 * "Notify me when this job ends": asks for the browser's permission when turned on, then the
 * NotificationCenter (mounted by the layout) shows a notification when the job ends or pauses,
 * on whatever page of the app is open.
 */
export function NotifyToggle({ jobId, finished }: { jobId: string; finished: boolean }) {
  const watch = useJobWatch(jobId);
  const set = useSetJobWatch(jobId);
  const [problem, setProblem] = useState<string | null>(null);
  if (finished) return null;
  const api = notificationApi();
  const on = !!watch.data?.watching;

  const toggle = async () => {
    setProblem(null);
    if (!on && api) {
      const permission = api.permission === 'default' ? await api.requestPermission() : api.permission;
      if (permission === 'denied') {
        setProblem('Notifications are blocked for this site: allow them in the browser to be told when the job ends.');
        return;
      }
    }
    set.mutate(!on, { onError: (e) => setProblem(errorMessage(e)) });
  };

  return (
    <div className="notify-toggle" data-testid="notify-toggle">
      <button
        type="button"
        className={`btn btn--sm ${on ? 'btn--primary' : 'btn--secondary'}`}
        aria-pressed={on}
        onClick={() => void toggle()}
        disabled={watch.isPending || set.isPending}
        data-testid="notify-button"
      >
        {on ? '✓ Notifying you when this job ends' : 'Notify me when this job ends'}
      </button>
      {!api ? <span className="notify-toggle__note">This browser cannot show notifications; you will see a message in the app instead.</span> : null}
      {problem ? (
        <span className="field__error" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
