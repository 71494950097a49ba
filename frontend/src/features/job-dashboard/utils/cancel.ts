/** "Confirm Cancellation" is enabled only with a reason AND the acknowledgement checked, and not while sending. */
export function canConfirmCancel(reason: string | null | undefined, acknowledged: boolean, submitting = false): boolean {
  return !!reason && acknowledged && !submitting;
}
