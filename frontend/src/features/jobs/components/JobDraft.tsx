import { useEffect, useState } from 'react';
import { formatDayTime } from '../../../lib/format';
import { draftStore, type JobDraft } from '../utils/job-draft';
import type { JobFormState } from '../utils/job-form';

export const DRAFT_SAVE_DELAY_MS = 400;

/**
 * Keeps the create form's draft in localStorage under `key`. A draft left from an earlier visit is
 * offered (not applied) until the user restores or discards it; meanwhile nothing is saved, so the
 * offered draft is not overwritten by the fresh form.
 */
export function useJobDraft(key: string | null, form: JobFormState, apply: (form: JobFormState) => void) {
  const [offered, setOffered] = useState<JobDraft | null>(() => (key ? draftStore.load(key) : null));

  useEffect(() => {
    if (!key || offered) return;
    const id = window.setTimeout(() => draftStore.save(key, form), DRAFT_SAVE_DELAY_MS);
    return () => window.clearTimeout(id);
  }, [key, form, offered]);

  return {
    offered,
    restore: () => {
      if (offered) apply(offered.form);
      setOffered(null);
    },
    discard: () => {
      if (key) draftStore.clear(key);
      setOffered(null);
    },
    /** After the job is created the draft has served its purpose. */
    clear: () => {
      if (key) draftStore.clear(key);
    },
  };
}

export function DraftBanner({ draft, onRestore, onDiscard }: { draft: JobDraft; onRestore: () => void; onDiscard: () => void }) {
  const what = draft.form.name.trim() ? `“${draft.form.name.trim()}”` : 'an unnamed job';
  return (
    <div className="alert alert--info" role="status" data-testid="draft-banner">
      <div className="alert__body">
        <div className="alert__title">You have an unfinished job (saved {formatDayTime(draft.savedAt).replace(/^[A-Z]/, (c) => c.toLowerCase())})</div>
        The form for {what} was kept when you left. Restore it, or discard it to start afresh.
        <div className="row" style={{ marginTop: 8 }}>
          <button type="button" className="btn btn--primary btn--sm" onClick={onRestore} data-testid="draft-restore">
            Restore draft
          </button>
          <button type="button" className="btn btn--secondary btn--sm" onClick={onDiscard} data-testid="draft-discard">
            Discard
          </button>
        </div>
      </div>
    </div>
  );
}
