/** Links of the jobs list's CSV export: the list's filters and sort, every page. */
export function jobsExportUrl(listQuery: Record<string, string | number>, ids?: readonly string[]): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(listQuery)) if (k !== 'page' && k !== 'page_size') sp.set(k, String(v));
  if (ids?.length) sp.set('ids', ids.join(','));
  const qs = sp.toString();
  return `/api/training/jobs/export${qs ? `?${qs}` : ''}`;
}

/** The list's filter as the bulk endpoint takes it (the list's query without page and sort). */
export function bulkFilter(listQuery: Record<string, string | number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(listQuery)) if (!['page', 'page_size', 'ordering'].includes(k)) out[k] = String(v);
  return out;
}
