import { useState } from 'react';
import { Link } from 'react-router';
import { CancelReasonSelect } from '../../../components/job-dialogs/CancelReasonSelect';
import { ConfirmModal, Modal } from '../../../components/Modal';
import { errorMessage } from '../../../lib/api-client';
import type { BulkActionBody, BulkResult, CancelReason } from '../../../lib/api-types';
import { formatNumber } from '../../../lib/format';
import { useBulkJobs } from '../api/bulk-jobs';
import { bulkFilter, jobsExportUrl } from '../utils/export';

interface Props {
  /** The selected rows of this page (ignored once every matching job is selected). */
  selectedIds: readonly string[];
  /** Every job matching the list's filter is selected, on all pages. */
  allMatching: boolean;
  /** Jobs matching the filter (all pages) and rows on this page. */
  total: number;
  pageRows: number;
  /** The list's API query (filters, sort, page). */
  listQuery: Record<string, string | number>;
  onSelectAllMatching: () => void;
  onClear: () => void;
  /** The bulk request came back (the selection is cleared by the caller). */
  onResult: (result: BulkResult) => void;
}

type Dialog = 'cancel' | 'delete' | null;

/** Shown while rows are selected: how many, select all matching, cancel, delete, export, and
 * compare (2 to 5 selected). */
export function BulkActionBar({ selectedIds, allMatching, total, pageRows, listQuery, onSelectAllMatching, onClear, onResult }: Props) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [reason, setReason] = useState<CancelReason | ''>('');
  const [notes, setNotes] = useState('');
  const bulk = useBulkJobs();
  const count = allMatching ? total : selectedIds.length;
  const noun = count === 1 ? 'job' : 'jobs';
  const target: Pick<BulkActionBody, 'ids' | 'filter'> = allMatching ? { filter: bulkFilter(listQuery) } : { ids: [...selectedIds] };
  const exportUrl = allMatching ? jobsExportUrl(listQuery) : jobsExportUrl(listQuery, selectedIds);
  // The comparison page overlays 2 to 5 runs (the API's bounds); a shareable URL.
  const compareUrl = !allMatching && count >= 2 && count <= 5 ? `/compare?jobs=${selectedIds.join(',')}` : null;

  const run = (body: BulkActionBody) =>
    bulk.mutate(body, {
      onSuccess: (result) => {
        setDialog(null);
        setReason('');
        setNotes('');
        onResult(result);
      },
    });

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions" data-testid="bulk-bar">
      <span className="bulk-bar__count" data-testid="bulk-count">
        {allMatching ? `All ${formatNumber(total)} matching ${noun} selected` : `${formatNumber(count)} selected`}
      </span>
      {!allMatching && selectedIds.length === pageRows && total > pageRows ? (
        <button type="button" className="btn btn--link" onClick={onSelectAllMatching} data-testid="select-all-matching">
          Select all {formatNumber(total)} matching jobs
        </button>
      ) : null}
      <button type="button" className="btn btn--link" onClick={onClear}>
        Clear selection
      </button>
      <span className="bulk-bar__actions">
        <button type="button" className="btn btn--danger btn--sm" onClick={() => setDialog('cancel')} data-testid="bulk-cancel">
          Cancel {noun}…
        </button>
        <button type="button" className="btn btn--secondary btn--sm" onClick={() => setDialog('delete')} data-testid="bulk-delete">
          Delete finished…
        </button>
        <a className="btn btn--secondary btn--sm" href={exportUrl} download data-testid="bulk-export">
          ⤓ Export CSV
        </a>
        {compareUrl ? (
          <Link className="btn btn--secondary btn--sm" to={compareUrl} data-testid="bulk-compare">
            Compare {formatNumber(count)}
          </Link>
        ) : null}
      </span>

      {dialog === 'cancel' ? (
        <Modal
          title={`Cancel ${formatNumber(count)} ${noun}?`}
          onClose={() => setDialog(null)}
          tone="danger"
          size="sm"
          locked={bulk.isPending}
          testId="bulk-cancel-modal"
          footer={
            <>
              <button type="button" className="btn btn--secondary" onClick={() => setDialog(null)} disabled={bulk.isPending}>
                Go Back
              </button>
              <button type="button" className="btn btn--danger" disabled={!reason || bulk.isPending} onClick={() => reason && run({ action: 'cancel', reason, notes, ...target })} data-testid="bulk-cancel-confirm">
                {bulk.isPending ? 'Cancelling…' : `Cancel ${noun}`}
              </button>
            </>
          }
        >
          <p>Running jobs stop at their next step; queued ones never start. Jobs you may not cancel, or that already finished, are left as they are and listed afterwards.</p>
          <label className="field">
            <span className="field__label">Reason (for all)</span>
            <CancelReasonSelect value={reason} onChange={setReason} data-testid="bulk-cancel-reason" />
          </label>
          <label className="field">
            <span className="field__label">Notes (optional)</span>
            <textarea className="textarea" value={notes} maxLength={2000} onChange={(e) => setNotes(e.target.value)} />
          </label>
          {bulk.isError ? <p className="field__error">{errorMessage(bulk.error)}</p> : null}
        </Modal>
      ) : null}

      {dialog === 'delete' ? (
        <ConfirmModal
          title={`Delete ${formatNumber(count)} ${noun}?`}
          testId="bulk-delete-modal"
          message={
            <>
              <p>Finished jobs among them are deleted with their metrics, events and checkpoints. This cannot be undone. Unfinished jobs and jobs you may not delete are left as they are and listed afterwards.</p>
              {bulk.isError ? <p className="field__error">{errorMessage(bulk.error)}</p> : null}
            </>
          }
          confirmLabel="Delete finished jobs"
          busyLabel="Deleting…"
          busy={bulk.isPending}
          onClose={() => setDialog(null)}
          onConfirm={() => run({ action: 'delete', notes: '', ...target })}
        />
      ) : null}
    </div>
  );
}
