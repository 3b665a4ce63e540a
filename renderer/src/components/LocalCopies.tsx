import { useEffect, useMemo, useRef, useState } from 'react';
import type { LocalCopy } from '@shared/models';
import { bridge } from '../bridge';
import { formatBytes, relativeTime, shortDate } from '../lib/format';
import { useStore } from '../store';
import { AccountChipOf } from './AccountChip';
import { Dialog, EmptyState, ErrorState, Loading } from './common';
import { folderName, SetupCopyDialog, UpdateCopyDialog } from './copy-dialogs';

const ENV_NAMES: Record<string, string> = { live: 'Live', test: 'Test', dev: 'Dev' };
/** Live, Test, Dev; a multidev by its own name. */
const envName = (env: string): string => ENV_NAMES[env] ?? env;

/** "Live, backup of Nov 29, deploy pantheon_live_12": where a copy came from, in one line. */
export function sourceLine(copy: LocalCopy): string {
  const from = `${envName(copy.env)}, backup of ${shortDate(copy.backup.scheduledFor)}`;
  return copy.deployTag ? `${from}, deploy ${copy.deployTag}` : from;
}

/** The size for people, or why there is none. */
const sizeOf = (copy: LocalCopy): string =>
  copy.sizeBytes === null ? 'size not measured' : formatBytes(copy.sizeBytes);

/** What a copy that is not in place means, and what can be done about it here. */
const STATE_NOTE: Record<Exclude<LocalCopy['state'], 'present'>, { badge: string; note: string }> = {
  missing: {
    badge: 'Missing',
    note: 'Its folder is not there any more: moved, renamed or deleted. Forget it to take it off this list; nothing on disk is touched.',
  },
  replaced: {
    badge: 'Replaced',
    note: 'Its folder now holds something else (another restore, or no lifeboat.json of this one), which Lifeboat leaves alone. Forget this copy to take it off the list.',
  },
};

/**
 * The local copies: what was restored on this computer, where, from which backup, whether a newer one exists,
 * and what can be done with each. `home` is the Sites screen's right side while no site is chosen.
 */
export function LocalCopiesView({ home = false }: { home?: boolean }) {
  const copies = useStore((s) => s.copies);
  const loadCopies = useStore((s) => s.loadCopies);
  const native = useStore((s) => s.nativeShell);
  const toast = useStore((s) => s.toast);
  const sites = useStore((s) => s.sites.data);
  const [removing, setRemoving] = useState<LocalCopy | null>(null);
  const [updating, setUpdating] = useState<LocalCopy | null>(null);
  const [settingUp, setSettingUp] = useState<LocalCopy | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // Opening the view asks Pantheon about newer backups (cached there for a few minutes); the lists that
  // `copies.changed` brings in between are not checked again.
  useEffect(() => {
    void loadCopies(true);
  }, [loadCopies]);

  /** A card that went away takes the focus with it: it moves to the heading, not to the page's start. */
  const afterChange = async (): Promise<void> => {
    await loadCopies();
    heading.current?.focus();
  };
  const forget = async (copy: LocalCopy): Promise<void> => {
    const r = await bridge().copies.forget({ copyId: copy.id });
    if (!r.ok) return toast('error', r.error.message);
    toast('info', `Forgot ${folderName(copy.path)}; nothing on disk was touched.`);
    await afterChange();
  };
  const copyPath = async (path: string): Promise<void> => {
    try {
      if (!navigator.clipboard) throw new Error('This window has no clipboard.');
      await navigator.clipboard.writeText(path);
      toast('success', 'Copied the path.');
    } catch (e) {
      toast('error', `Could not copy the path: ${(e as Error).message}`);
    }
  };

  const list = copies.data;
  // The copy knows its site's machine name; the site list, when it has the site, its label as Pantheon shows it.
  const labels = useMemo(() => new Map(sites?.sites.map((x) => [x.id, x.label])), [sites]);
  return (
    <main className={home ? 'site-view' : 'page'} aria-labelledby="copies-title">
      <header className="row spread copies-header">
        <div>
          <h1 id="copies-title" ref={heading} tabIndex={-1}>
            Local copies
          </h1>
          <p className="hint">
            {home
              ? 'What you restored on this computer. Pick a site on the left for its environments and backups.'
              : 'What you restored on this computer, newest first.'}
          </p>
        </div>
        <button type="button" onClick={() => void loadCopies(true)} disabled={copies.loading}>
          {copies.loading && list ? 'Checking…' : 'Refresh'}
        </button>
      </header>
      {copies.error && (
        <ErrorState
          title="Could not list the local copies"
          error={copies.error}
          onRetry={() => void loadCopies(true)}
        />
      )}
      {!list && copies.loading && <Loading what="the local copies" />}
      {list && list.length === 0 && (
        <EmptyState title="No local copies yet">
          <p>
            When you restore a site locally (Sites, then Restore locally), its copy shows up here: where it
            is, which backup it came from, and whether a newer backup exists.
          </p>
        </EmptyState>
      )}
      {list && list.length > 0 && (
        <ul className="card-list" aria-label="Local copies">
          {list.map((copy) => (
            <CopyCard
              key={copy.id}
              copy={copy}
              label={labels.get(copy.site.id) ?? copy.site.name}
              native={native}
              onShow={() => void bridge().system.showInFolder({ path: copy.path })}
              onCopyPath={() => void copyPath(copy.path)}
              onRemove={() => setRemoving(copy)}
              onForget={() => void forget(copy)}
              onUpdate={() => setUpdating(copy)}
              onSetup={() => setSettingUp(copy)}
            />
          ))}
        </ul>
      )}
      {updating && <UpdateCopyDialog copy={updating} onClose={() => setUpdating(null)} />}
      {settingUp && <SetupCopyDialog copy={settingUp} onClose={() => setSettingUp(null)} />}
      {removing && (
        <RemoveDialog
          copy={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            toast('success', `Moved ${folderName(removing.path)} to the trash.`);
            void afterChange();
          }}
        />
      )}
    </main>
  );
}

/** One copy: what it is and where it came from, in a few lines, with its actions. */
function CopyCard({
  copy,
  label,
  native,
  onShow,
  onCopyPath,
  onRemove,
  onForget,
  onUpdate,
  onSetup,
}: {
  copy: LocalCopy;
  label: string;
  native: boolean;
  onShow: () => void;
  onCopyPath: () => void;
  onRemove: () => void;
  onForget: () => void;
  onUpdate: () => void;
  onSetup: () => void;
}) {
  const titleId = `copy-${copy.id}`;
  const toast = useStore((s) => s.toast);
  const setView = useStore((s) => s.setView);
  const [opening, setOpening] = useState<'editor' | 'terminal' | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const open = async (how: 'editor' | 'terminal'): Promise<void> => {
    setOpening(how);
    setOpenError(null);
    const r = await bridge().copies.open({ copyId: copy.id, with: how });
    setOpening(null);
    if (!r.ok) return setOpenError(r.error.message);
    toast(
      'info',
      how === 'editor'
        ? `Opened ${folderName(copy.path)} in your editor.`
        : `Opened a terminal in ${folderName(copy.path)}.`,
    );
  };
  const present = copy.state === 'present';
  const note = present ? null : STATE_NOTE[copy.state];
  const details = [
    `${sizeOf(copy)} on disk`,
    copy.branch && `branch ${copy.branch}`,
    copy.database && `database ${copy.database}`,
  ].filter(Boolean);
  return (
    <li className={`card copy copy-${copy.state}`} aria-labelledby={titleId}>
      <div className="copy-layout">
        <div className="copy-main">
          <h2 id={titleId} className="copy-title">
            {label}
            {label !== copy.site.name && (
              <>
                {' '}
                <span className="copy-name">{copy.site.name}</span>
              </>
            )}
            {/* Spaces between the parts keep the heading (and the card it names) readable aloud. */}
            {note && (
              <>
                {' '}
                <span className={`badge badge-${copy.state}`}>{note.badge}</span>
              </>
            )}
            {present && copy.newerBackup && (
              <>
                {' '}
                <span className="badge badge-newer">
                  Newer backup available ({shortDate(copy.newerBackup.scheduledFor)})
                </span>
              </>
            )}
          </h2>
          <p className="copy-source">
            {copy.accountId && (
              <>
                <AccountChipOf accountId={copy.accountId} />{' '}
              </>
            )}
            {sourceLine(copy)}
            <span className="hint"> · restored {relativeTime(Date.parse(copy.restoredAt) / 1000)}</span>
          </p>
          <p className="path">{copy.path}</p>
          <p className="hint copy-details">{details.join(' · ')}</p>
          {note && <p className="copy-note">{note.note}</p>}
          {openError && (
            <div className="state state-error" role="alert">
              <strong>It did not open</strong>
              <p>{openError}</p>
              <div className="row">
                <button type="button" onClick={() => setView('settings')}>
                  Open Settings
                </button>
                <button type="button" onClick={() => setOpenError(null)}>
                  Dismiss
                </button>
              </div>
            </div>
          )}
        </div>
        <div className="copy-actions">
          {present && (
            <>
              <button type="button" className={copy.newerBackup ? 'primary' : undefined} onClick={onUpdate}>
                Update…
              </button>
              <button type="button" disabled={opening !== null} onClick={() => void open('editor')}>
                Open in editor
              </button>
              <button type="button" disabled={opening !== null} onClick={() => void open('terminal')}>
                Open terminal
              </button>
            </>
          )}
          {present && native && (
            <button type="button" onClick={onShow}>
              Show in folder
            </button>
          )}
          <button type="button" onClick={onCopyPath}>
            Copy path
          </button>
          {present && copy.elements.includes('code') && (
            <button type="button" onClick={onSetup}>
              Set up to run locally…
            </button>
          )}
          {present ? (
            <button type="button" className="danger-quiet" onClick={onRemove}>
              Remove…
            </button>
          ) : (
            <button type="button" onClick={onForget}>
              Forget
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

/**
 * Remove asks first, naming the folder, its size, that it goes to the trash (so it can be got back) and that the
 * database is kept. Cancel is the dialog's first button, so Enter on opening it removes nothing.
 */
function RemoveDialog({
  copy,
  onClose,
  onRemoved,
}: {
  copy: LocalCopy;
  onClose: () => void;
  onRemoved: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await bridge().copies.remove({ copyId: copy.id });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    onRemoved();
  };
  return (
    <Dialog title={`Move ${folderName(copy.path)} to the trash?`} onClose={onClose}>
      <div className="stack">
        <p>
          The copy of {copy.site.name} ({sourceLine(copy)}), <strong>{sizeOf(copy)}</strong>, goes to the
          trash, where you can get it back until the trash is emptied.
        </p>
        <p className="path">{copy.path}</p>
        <p>
          {copy.database ? (
            <>
              Its database, <strong>{copy.database}</strong>, is kept: Lifeboat never deletes a database.
            </>
          ) : (
            'No database is touched.'
          )}
        </p>
        {error && <ErrorState title="It was not moved" error={{ message: error }} />}
        <div className="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
            {busy ? 'Moving…' : 'Move to the trash'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
