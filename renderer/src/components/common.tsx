import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { AppError } from '@shared/result';
import { duration, formatBytes } from '../lib/format';
import type { JobProgress } from '@shared/models';

/** A labelled progress bar (role=progressbar) with bytes, speed and ETA. */
export function ProgressBar({ progress, label }: { progress: JobProgress; label: string }) {
  const pct = progress.bytesTotal
    ? Math.min(100, Math.floor((progress.bytesDone / progress.bytesTotal) * 100))
    : null;
  const transfer = progress.phase === 'downloading' || progress.phase === 'importing';
  return (
    <div className="progress">
      <div
        className={`progress-track${pct === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(pct !== null ? { 'aria-valuenow': pct } : {})}
      >
        <div className="progress-fill" style={{ width: pct === null ? '30%' : `${pct}%` }} />
      </div>
      <div className="progress-text">
        {pct !== null && <span>{pct}%</span>}
        {transfer && progress.bytesTotal !== null && (
          <span>
            {formatBytes(progress.bytesDone)} of {formatBytes(progress.bytesTotal)}
          </span>
        )}
        {progress.phase === 'creating-backup' && progress.bytesTotal !== null && (
          <span>
            step {progress.bytesDone} of {progress.bytesTotal}
          </span>
        )}
        {transfer && progress.bytesPerSecond !== null && (
          <span>{formatBytes(progress.bytesPerSecond)}/s</span>
        )}
        {transfer && progress.etaSeconds !== null && pct !== 100 && (
          <span>{duration(progress.etaSeconds)} left</span>
        )}
      </div>
    </div>
  );
}

/** An error that says what happened and what to do, with an optional retry. */
export function ErrorState({
  error,
  onRetry,
  title,
}: {
  error: Pick<AppError, 'message'> & Partial<AppError>;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <div className="state state-error" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <p>{error.message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An empty state with a hint and an optional action. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** A loading placeholder announced to screen readers. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

/** A modal dialog: labelled, focus moved in and kept in, Escape closes, focus returns on close. */
export function Dialog({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  // The latest onClose, read when a key is pressed: callers pass a fresh function on every render, and an effect
  // that depended on it would run again on each one, moving focus back to the first field while a person types.
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  }, [onClose]);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>(
      'input, select, textarea, button:not([data-close])',
    );
    (first ?? ref.current)?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') close.current();
      if (e.key === 'Tab' && ref.current) {
        const items = [
          ...ref.current.querySelectorAll<HTMLElement>(
            'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex="0"]',
          ),
        ];
        if (items.length === 0) return;
        const [firstItem, lastItem] = [items[0]!, items[items.length - 1]!];
        if (e.shiftKey && document.activeElement === firstItem) {
          e.preventDefault();
          lastItem.focus();
        } else if (!e.shiftKey && document.activeElement === lastItem) {
          e.preventDefault();
          firstItem.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, []);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        className={`dialog${wide ? ' dialog-wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={id}
        ref={ref}
        tabIndex={-1}
      >
        <header className="dialog-header">
          <h2 id={id}>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" data-close onClick={onClose}>
            ×
          </button>
        </header>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}

/** A labelled checkbox: the box and its words in one clickable label. */
export function Check({
  checked,
  onChange,
  disabled,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <label className="choice">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        disabled={disabled}
      />{' '}
      {children}
    </label>
  );
}
