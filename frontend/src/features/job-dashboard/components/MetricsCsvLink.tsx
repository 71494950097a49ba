/** "Download CSV" on the loss curve: every metric point of the job (not downsampled). */
export function MetricsCsvLink({ jobId }: { jobId: string }) {
  return (
    <a className="btn btn--ghost btn--sm" href={`/api/training/jobs/${jobId}/metrics/export`} download data-testid="metrics-csv">
      ⤓ Download CSV
    </a>
  );
}
