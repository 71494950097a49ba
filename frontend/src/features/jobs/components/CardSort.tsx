import { useId } from 'react';
import type { SortField } from '../utils/url-state';

/** Every ordering the jobs API accepts, as the phone's sort menu words it. */
export const CARD_SORT_OPTIONS: { value: `${'' | '-'}${SortField}`; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'name', label: 'Name A → Z' },
  { value: '-name', label: 'Name Z → A' },
  { value: 'status', label: 'Status' },
  { value: '-started_at', label: 'Started most recently' },
  { value: '-duration', label: 'Longest running' },
  { value: 'duration', label: 'Shortest running' },
  { value: '-cost', label: 'Most expensive' },
  { value: 'cost', label: 'Cheapest' },
];

/**
 * On phones the jobs table is a list of cards without its sortable headers: this menu sorts it
 * instead (same `ordering` as the headers, kept in the URL). Hidden above 640 px by the stylesheet.
 */
export function CardSort({ ordering, onSort }: { ordering: string; onSort: (ordering: string) => void }) {
  const id = useId();
  const known = CARD_SORT_OPTIONS.some((o) => o.value === ordering);
  return (
    <div className="card-sort" data-testid="card-sort">
      <label htmlFor={id} className="field__label">
        Sort by
      </label>
      <select id={id} className="select" value={ordering} onChange={(e) => onSort(e.target.value)}>
        {known ? null : <option value={ordering}>{ordering.startsWith('-') ? `${ordering.slice(1)} (descending)` : ordering}</option>}
        {CARD_SORT_OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
