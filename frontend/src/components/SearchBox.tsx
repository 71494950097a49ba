/** The search field of a list (jobs by name, events by message): label, icon and input. */
export function SearchBox({
  value,
  onChange,
  placeholder,
  ariaLabel,
  testId,
}: {
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  ariaLabel: string;
  testId?: string;
}) {
  return (
    <label className="field field--inline field--grow">
      <span className="field__label">Search</span>
      <span className="search-input">
        <span className="search-input__icon" aria-hidden="true">
          ⌕
        </span>
        <input
          className="input"
          type="search"
          placeholder={placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-label={ariaLabel}
          data-testid={testId}
        />
      </span>
    </label>
  );
}
