import { useId, useState, type ReactNode } from 'react';

/** A card with a heading that collapses (handy on phones); open by default. */
export function Section({
  title,
  actions,
  children,
  defaultOpen = true,
  className,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  defaultOpen?: boolean;
  className?: string;
  testId?: string;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const bodyId = useId();
  return (
    <section className={`card section${open ? '' : ' section--collapsed'}${className ? ` ${className}` : ''}`} data-testid={testId}>
      <div className="section__header">
        <h2 className="section__title">
          <button type="button" className="section__toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((o) => !o)}>
            <span className="section__chevron" aria-hidden="true">
              ▾
            </span>
            {title}
          </button>
        </h2>
        {actions && open ? <div className="section__actions">{actions}</div> : null}
      </div>
      <div id={bodyId} className="section__body" hidden={!open}>
        {children}
      </div>
    </section>
  );
}
