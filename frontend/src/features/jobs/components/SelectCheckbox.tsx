import { useEffect, useRef } from 'react';

/** A row's or the header's selection checkbox; `mixed` shows the header's partial state. */
export function SelectCheckbox({ checked, mixed = false, label, onChange, testId }: { checked: boolean; mixed?: boolean; label: string; onChange: (checked: boolean) => void; testId?: string }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = mixed && !checked;
  }, [mixed, checked]);
  return <input ref={ref} type="checkbox" className="checkbox" checked={checked} aria-label={label} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />;
}
