import { useMemo } from 'react';
import { tokenizeJson } from '../utils/json-highlight';

export function JsonView({ value, label }: { value: unknown; label: string }) {
  const tokens = useMemo(() => tokenizeJson(value), [value]);
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      <code>
        {tokens.map((t, i) => (t.kind === 'punct' ? t.text : <span key={i} className={`json__${t.kind}`}>{t.text}</span>))}
      </code>
    </pre>
  );
}
