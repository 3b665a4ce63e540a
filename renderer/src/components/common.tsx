import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { AppError } from '@shared/result';
import { duration, formatBytes } from '../lib/format';
import type { Job, JobProgress } from '@shared/models';

/**
 * A labelled progress bar (role=progressbar). Transfers show bytes, speed and ETA; Pantheon workflows (`steps`:
 * creating a backup, restoring on Pantheon) show their steps, one line per workflow, never bytes.
 */
export function ProgressBar({
  progress,
  label,
  steps = false,
  atLeast = false,
}: {
  progress: JobProgress;
  label: string;
  steps?: boolean;
  /** The total grows as the work is found (a mirror learns each set's size as it reaches it): no percentage. */
  atLeast?: boolean;
}) {
  // Several workflows (one per element restored) each count their own steps: the bar follows the one running.
  const current = steps
    ? (progress.parts.find((p) => p.bytesTotal === null || p.bytesDone < p.bytesTotal) ??
      progress.parts.at(-1))
    : undefined;
  const [done, total] = current
    ? [current.bytesDone, current.bytesTotal]
    : [progress.bytesDone, progress.bytesTotal];
  const pct = total && !atLeast ? Math.min(100, Math.floor((done / total) * 100)) : null;
  const transfer = !steps && (progress.phase === 'downloading' || progress.phase === 'importing');
  return (
    <div className="progress">
      <div
        className={`progress-track${pct === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(pct !== null ? { 'aria-valuenow': pct } : {})}
        {...(steps && current?.bytesTotal
          ? { 'aria-valuetext': `${current.label}: step ${current.bytesDone} of ${current.bytesTotal}` }
          : {})}
      >
        <div className="progress-fill" style={{ width: pct === null ? '30%' : `${pct}%` }} />
      </div>
      {steps ? (
        progress.parts.length > 0 && (
          <ul className="progress-steps">
            {progress.parts.map((p, i) => (
              <li key={i}>
                {p.label}
                {p.bytesTotal !== null && (
                  <span className="hint">
                    {' '}
                    · step {p.bytesDone} of {p.bytesTotal}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )
      ) : (
        <div className="progress-text">
          {pct !== null && <span>{pct}%</span>}
          {transfer && progress.bytesTotal !== null && (
            <span>
              {formatBytes(progress.bytesDone)} of {atLeast ? 'at least ' : ''}
              {formatBytes(progress.bytesTotal)}
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
      )}
    </div>
  );
}

/**
 * Points a disabled control at the words that say why it is disabled (an element's id), or at nothing: a title
 * alone is not read out by every screen reader, nor seen without a mouse.
 */
export const describedBy = (id: string | null): { 'aria-describedby'?: string } =>
  id ? { 'aria-describedby': id } : {};

/** Pantheon workflows count steps, not bytes. */
export const countsSteps = (kind: Job['kind']): boolean => kind === 'pantheon-restore';

/** The words the engine puts before an error it did not expect (services/errors.ts, `toAppError`). */
const INTERNAL_PREFIX = 'Something went wrong inside Lifeboat: ';

/**
 * An error that says what happened and what to do, with an optional retry. "Something went wrong" heads only an
 * error Lifeboat did not expect (`internal`); any other is its own message, which names the problem (no network,
 * a refused password), under the caller's title if it gives one.
 */
export function ErrorState({
  error,
  onRetry,
  title,
}: {
  error: Pick<AppError, 'message'> & Partial<AppError>;
  onRetry?: () => void;
  title?: string;
}) {
  const unexpected = error.code === 'internal' || error.message.startsWith(INTERNAL_PREFIX);
  const heading = title ?? (unexpected ? 'Something went wrong inside Lifeboat' : null);
  const message =
    heading && !title && error.message.startsWith(INTERNAL_PREFIX)
      ? error.message.slice(INTERNAL_PREFIX.length)
      : error.message;
  return (
    <div className="state state-error" role="alert">
      {heading && <strong>{heading}</strong>}
      <p>{message}</p>
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
        // Focus that fell out of the dialog (the button it was on became disabled, as Review does while it checks)
        // comes back in on the next Tab, instead of going on to the page behind.
        if (!ref.current.contains(document.activeElement)) {
          e.preventDefault();
          (e.shiftKey ? lastItem : firstItem).focus();
        } else if (e.shiftKey && document.activeElement === firstItem) {
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
    // A press outside the dialog does not close it: a click that lands beside a button that just moved (a preview
    // arriving, a conflict line appearing) would otherwise throw away what the person typed. Escape and × close.
    <div className="dialog-backdrop">
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
