/** The longest cancel note the API keeps (CancelSerializer.notes max_length in openapi.yaml). */
export const CANCEL_NOTES_MAX = 2000;

/** What is wrong with the note for this reason, as the dialog says it; undefined when it is fine.
 *  "Other" says nothing by itself, so it needs a note (the API refuses it without one too). */
export function cancelNotesError(reason: string | null | undefined, notes: string): string | undefined {
  if (notes.length > CANCEL_NOTES_MAX) return `Shorten the note to ${CANCEL_NOTES_MAX.toLocaleString('en-US')} characters (${(notes.length - CANCEL_NOTES_MAX).toLocaleString('en-US')} over).`;
  if (reason === 'other' && !notes.trim()) return 'Say why you are cancelling: the reason "Other" needs a note.';
  return undefined;
}

/** "Confirm Cancellation" is enabled only with a reason, a valid note for it AND the
 *  acknowledgement checked, and not while sending. */
export function canConfirmCancel(reason: string | null | undefined, acknowledged: boolean, submitting = false, notes = ''): boolean {
  return !!reason && acknowledged && !submitting && !cancelNotesError(reason, notes);
}
