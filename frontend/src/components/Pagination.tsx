import { formatNumber } from '../lib/format';

interface PaginationProps {
  page: number;
  totalPages: number;
  count: number;
  pageSize: number;
  noun?: string;
  onPageChange: (page: number) => void;
  variant?: 'range' | 'pages';
  disabled?: boolean;
}

/** "Showing 1–25 of 47 jobs" (range) or "Page 1 of 12" (pages), with Previous/Next. */
export function pageSummary({ page, totalPages, count, pageSize, noun = 'items', variant = 'range' }: Omit<PaginationProps, 'onPageChange'>): string {
  if (variant === 'pages') return `Page ${formatNumber(Math.min(page, Math.max(totalPages, 1)))} of ${formatNumber(Math.max(totalPages, 1))}`;
  if (count === 0) return `Showing 0 ${noun}`;
  const start = (page - 1) * pageSize + 1;
  const end = Math.min(count, page * pageSize);
  return `Showing ${formatNumber(start)}–${formatNumber(end)} of ${formatNumber(count)} ${noun}`;
}

export function Pagination(props: PaginationProps) {
  const { page, totalPages, onPageChange, disabled } = props;
  return (
    <nav className="pagination" aria-label="Pagination">
      <span className="pagination__summary" data-testid="pagination-summary">
        {pageSummary(props)}
      </span>
      <div className="pagination__buttons">
        <button type="button" className="btn btn--secondary btn--sm" onClick={() => onPageChange(page - 1)} disabled={disabled || page <= 1}>
          ‹ Previous
        </button>
        <button type="button" className="btn btn--secondary btn--sm" onClick={() => onPageChange(page + 1)} disabled={disabled || page >= totalPages}>
          Next ›
        </button>
      </div>
    </nav>
  );
}
