import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import {
  ELEMENTS,
  type ArchiveEntryInfo,
  type BackupSet,
  type Element,
  type Job,
  type RestoreConflict,
  type RestorePreview,
  type Site,
  type UncommittedChanges,
} from '@shared/models';
import type { RequestOf } from '@shared/api/schemas';
import type { Result } from '@shared/result';
import { bridge } from '../bridge';
import { defaultBranchName, defaultDatabaseName } from '@shared/names';
import { andList } from '@shared/format';
import { formatBytes, localDateTime, localDateTimeWithZone } from '../lib/format';
import { useStore, type SiteKey } from '../store';
import { Check, countsSteps, Dialog, ErrorState, Loading, ProgressBar } from './common';

const split = (key: SiteKey): { accountId: string; siteId: string } => ({
  accountId: key.slice(0, key.indexOf('|')),
  siteId: key.slice(key.indexOf('|') + 1),
});
const accountOf = (site: Site): string => site.accountId;

/** A folder path: typed, or picked with the native dialog in the desktop app. */
export function FolderField({
  id,
  label,
  value,
  onChange,
  describedBy,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  /** The id of what is wrong with it, shown beside it. */
  describedBy?: string | undefined;
}) {
  const native = useStore((s) => s.nativeShell);
  const pick = async (): Promise<void> => {
    const r = await bridge().system.pickFolder();
    if (r.ok && r.value) onChange(r.value);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input
          id={id}
          type="text"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          spellCheck={false}
          className="grow"
          {...(describedBy ? { 'aria-invalid': true, 'aria-describedby': describedBy } : {})}
        />
        {native && (
          <button type="button" onClick={() => void pick()}>
            Choose…
          </button>
        )}
      </div>
    </div>
  );
}

/** Follows one job from the store: its progress, then its outcome (`done` says what a success made). */
export function JobStatus({
  jobId,
  doneText,
  done,
}: {
  jobId: string;
  doneText: string;
  done?: (job: Job) => ReactNode;
}) {
  const job = useStore((s) => s.jobs[jobId]) as Job | undefined;
  const native = useStore((s) => s.nativeShell);
  if (!job) return <Loading what="the job" />;
  if (job.state === 'failed')
    return <ErrorState title="It did not work" error={job.error ?? { message: 'Failed.' }} />;
  // A cancel someone asked for is an outcome, not a failure: neutral, announced politely, no alert.
  if (job.state === 'cancelled')
    return (
      <div className="state state-neutral" role="status">
        <strong>Cancelled</strong>
        {job.error && job.error.message !== 'Cancelled.' && <p>{job.error.message}</p>}
      </div>
    );
  if (job.state === 'succeeded') {
    return (
      <div className="state state-success" role="status">
        <strong>{doneText}</strong>
        {done ? (
          done(job)
        ) : (
          <>
            {job.outputPath && <p className="path">{job.outputPath}</p>}
            {job.outputPath && native && (
              <button
                type="button"
                onClick={() => void bridge().system.showInFolder({ path: job.outputPath! })}
              >
                Show in folder
              </button>
            )}
          </>
        )}
      </div>
    );
  }
  return (
    <div role="status" aria-live="polite">
      <p>{job.progress.message ?? job.progress.phase}</p>
      <ProgressBar progress={job.progress} label={job.title} steps={countsSteps(job.kind)} />
    </div>
  );
}

/**
 * Puts a path on the clipboard; what happened is said beside the button that asked (a toast would sit behind an
 * open dialog). The browser may have no clipboard, or refuse.
 */
function useCopyPath(): { copy: (path: string) => Promise<void>; said: ReactNode } {
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const copy = async (path: string): Promise<void> => {
    try {
      if (!navigator.clipboard) throw new Error('This window has no clipboard.');
      await navigator.clipboard.writeText(path);
      setSaid({ ok: true, text: 'Copied the path.' });
    } catch (e) {
      setSaid({ ok: false, text: `Could not copy the path: ${(e as Error).message}` });
    }
  };
  return {
    copy,
    said: (
      <span className={said?.ok === false ? 'error-text' : 'hint'} role="status">
        {said?.text}
      </span>
    ),
  };
}

/**
 * What to do next with a folder a restore made: open it in the file manager (the desktop app only: the browser
 * cannot reach the file manager, so the button is not offered there, as elsewhere), in the editor (through the
 * local copy the restore registered, found by its path), or copy its path.
 */
export function CopyActions({ path }: { path: string }) {
  const native = useStore((s) => s.nativeShell);
  const copy = useStore((s) => s.copies.data?.find((c) => c.path === path && c.state === 'present'));
  const looking = useStore((s) => s.copies.loading);
  const listed = useStore((s) => s.copies.data !== null);
  const loadCopies = useStore((s) => s.loadCopies);
  const copyPath = useCopyPath();
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);
  // The list is read once; a restore that registers a copy sends the new list (copies.changed) by itself.
  useEffect(() => {
    if (!listed) void loadCopies();
  }, [listed, loadCopies]);
  const openInEditor = async (): Promise<void> => {
    if (!copy) return;
    setError(null);
    setOpening(true);
    const r = await bridge().copies.open({ copyId: copy.id, with: 'editor' });
    setOpening(false);
    if (!r.ok) setError(r.error.message);
  };
  const reasonId = useId();
  return (
    <>
      <div className="row wrap">
        {native && (
          <button type="button" onClick={() => void bridge().system.showInFolder({ path })}>
            Open folder
          </button>
        )}
        <button
          type="button"
          onClick={() => void openInEditor()}
          disabled={!copy || opening}
          {...(!copy ? { 'aria-describedby': reasonId } : {})}
        >
          Open in editor
        </button>
        <button type="button" onClick={() => void copyPath.copy(path)}>
          Copy path
        </button>
        {copyPath.said}
      </div>
      {!copy && (
        <p className="hint" id={reasonId}>
          {looking
            ? 'Looking for this copy among the local copies…'
            : 'This folder is not among the local copies, so it cannot be opened from here.'}
        </p>
      )}
      {error && <p className="error-text">{error}</p>}
    </>
  );
}

const PRESETS = [
  { days: 7, label: '1 week' },
  { days: 30, label: '1 month' },
  { days: 180, label: '6 months' },
  { days: 365, label: '1 year' },
];

/** "3 files", "1 file". */
const files = (n: number): string => `${n} ${n === 1 ? 'file' : 'files'}`;

/**
 * Files changed over SFTP and not committed, which the backup will not have: the count, the paths on request,
 * and the person's explicit go-ahead.
 */
function UncommittedWarning({
  env,
  changes,
  accepted,
  onAccept,
}: {
  env: string;
  changes: UncommittedChanges;
  accepted: boolean;
  onAccept: (v: boolean) => void;
}) {
  const n = changes.files;
  const more = n - changes.paths.length;
  return (
    <div className="state state-warning" role="alert">
      <strong>
        {files(n)} changed on {env} in SFTP mode {n === 1 ? 'is' : 'are'} not committed and will not be in
        this backup.
      </strong>
      <p>Commit them on Pantheon first to keep them; what is not committed is in no backup.</p>
      {changes.paths.length > 0 && (
        <details>
          <summary>Show the changed {n === 1 ? 'file' : 'files'}</summary>
          <ul aria-label="Uncommitted files">
            {changes.paths.map((p) => (
              <li key={p} className="path">
                {p}
              </li>
            ))}
            {more > 0 && <li className="hint">and {files(more)} more</li>}
          </ul>
        </details>
      )}
      <Check checked={accepted} onChange={onAccept}>
        Back up without {n === 1 ? 'it' : 'them'}
      </Check>
    </div>
  );
}

/**
 * Create backup: which element, how long to keep it, then the workflow's progress. Uncommitted SFTP changes are
 * looked for as the dialog opens (without holding it up) and, when there are some, must be acknowledged.
 */
export function CreateBackupDialog({ site, env, onClose }: { site: Site; env: string; onClose: () => void }) {
  const [element, setElement] = useState<'all' | Element>('all');
  const [days, setDays] = useState(30);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // undefined while Pantheon is asked; null when there is nothing to warn about or it could not tell.
  const [uncommitted, setUncommitted] = useState<UncommittedChanges | null | undefined>(undefined);
  const [accepted, setAccepted] = useState(false);
  const upsertJob = useStore((s) => s.upsertJob);
  const accountId = accountOf(site);
  useEffect(() => {
    let current = true;
    bridge()
      .environments.uncommitted({ accountId, siteId: site.name, env })
      // A check that fails must not stand in the way of a backup: no warning, as for "unknown".
      .then(
        (r) => current && setUncommitted(r.ok ? r.value : null),
        () => current && setUncommitted(null),
      );
    return () => {
      current = false;
    };
  }, [accountId, site.name, env]);
  // The changes are code: a backup of only the database or the files is not missing anything it would have had.
  const warn = !!uncommitted && uncommitted.files > 0 && (element === 'all' || element === 'code');
  const start = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const r = await bridge().backups.create({
      accountId,
      site: site.name,
      env,
      elements: element === 'all' ? ['code', 'database', 'files'] : [element],
      keepForDays: days,
    });
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setJobId(r.value.id);
  };
  return (
    <Dialog title={`Create a backup of ${site.name}.${env}`} onClose={onClose}>
      {jobId ? (
        <JobStatus jobId={jobId} doneText="The backup is ready; it is now at the top of the list." />
      ) : (
        <form className="stack" onSubmit={start}>
          <fieldset>
            <legend>What to back up</legend>
            {(['all', 'code', 'database', 'files'] as const).map((el) => (
              <label key={el} className="choice">
                <input
                  type="radio"
                  name="element"
                  value={el}
                  checked={element === el}
                  onChange={() => setElement(el)}
                />
                {el === 'all' ? 'Everything (code, database and files)' : el[0]!.toUpperCase() + el.slice(1)}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Keep it for</legend>
            <div className="row wrap">
              {PRESETS.map((p) => (
                <label key={p.days} className="choice">
                  <input
                    type="radio"
                    name="keep"
                    checked={days === p.days}
                    onChange={() => setDays(p.days)}
                  />
                  {p.label}
                </label>
              ))}
              <label>
                or{' '}
                <input
                  type="number"
                  min={1}
                  max={3650}
                  value={days}
                  onChange={(e) => setDays(Number(e.target.value))}
                  className="narrow"
                  aria-label="Days to keep"
                />{' '}
                days
              </label>
            </div>
          </fieldset>
          {warn && uncommitted && (
            <UncommittedWarning env={env} changes={uncommitted} accepted={accepted} onAccept={setAccepted} />
          )}
          {error && <ErrorState error={{ message: error }} />}
          <div className="row end">
            {uncommitted === undefined && (
              <span className="hint row" role="status">
                <span className="spinner" aria-hidden="true" /> Checking for uncommitted changes…
              </span>
            )}
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="submit"
              className="primary"
              disabled={uncommitted === undefined || (warn && !accepted) || !(days >= 1 && days <= 3650)}
            >
              Create backup
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

/** When a backup set was made: its archives' date, else the time it was scheduled for. */
export const madeAt = (set: BackupSet): number =>
  Object.values(set.archives).find((a) => a?.date)?.date ?? set.scheduledFor;

/**
 * Restore on Pantheon: replaces the environment's code, database or files ON PANTHEON with one of its backups.
 * Says exactly what is replaced, suggests a backup first, and starts only once the site's name is typed
 * (exactly, case included); the restore button is never the dialog's default.
 */
export function RestoreOnPantheonDialog({
  site,
  env,
  set,
  onClose,
  onBackupFirst,
}: {
  site: Site;
  env: string;
  set: BackupSet;
  onClose: () => void;
  /** Offered as "make a backup first": closes this and opens Create backup. */
  onBackupFirst?: () => void;
}) {
  const available = ELEMENTS.filter((el) => set.archives[el]?.finished);
  const [elements, setElements] = useState<Element[]>(available);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const upsertJob = useStore((s) => s.upsertJob);
  const when = localDateTimeWithZone(madeAt(set));
  const title = `Restore ${site.name}.${env} on Pantheon`;
  const confirmed = typed === site.name;
  const start = async (): Promise<void> => {
    if (!confirmed || elements.length === 0) return;
    setBusy(true);
    setError(null);
    const r = await bridge().backups.restoreOnPantheon({
      accountId: accountOf(site),
      siteId: site.name,
      env,
      folder: set.folder,
      elements,
      confirmSiteName: typed,
    });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setJobId(r.value.id);
  };
  if (jobId) {
    return (
      <Dialog title={title} onClose={onClose}>
        <JobStatus
          jobId={jobId}
          doneText={`${site.name}.${env} was restored on Pantheon from the backup of ${when}.`}
        />
        <p className="hint">
          You can close this; the restore keeps running on Pantheon and is listed under Jobs.
        </p>
      </Dialog>
    );
  }
  const what = andList(ELEMENTS.filter((el) => elements.includes(el)));
  return (
    <Dialog title={title} onClose={onClose} wide>
      {/* Not a form: Enter in the confirmation field must not start a restore. */}
      <div className="stack">
        <div className="state state-danger">
          <strong>
            This overwrites {env} of {site.label} on Pantheon.
          </strong>
          <p>
            {what
              ? `The ${what} that ${env} has on Pantheon now will be replaced by the backup's, for everyone using the site.`
              : 'Choose what to replace below.'}{' '}
            Lifeboat cannot undo it. Make a backup of {env} first if you may need what it has now.
          </p>
          {onBackupFirst && !site.frozen && (
            <button type="button" onClick={onBackupFirst}>
              Create a backup of {env} first…
            </button>
          )}
        </div>
        <dl className="facts">
          <dt>Site</dt>
          <dd>
            {site.label} ({site.name})
          </dd>
          <dt>Environment</dt>
          <dd>{env}, on Pantheon</dd>
          <dt>From the backup of</dt>
          <dd>
            {when} <span className="hint">({set.initiator})</span>
          </dd>
        </dl>
        <fieldset>
          <legend>Replace on Pantheon</legend>
          {ELEMENTS.map((el) => {
            const has = available.includes(el);
            return (
              <Check
                key={el}
                checked={elements.includes(el)}
                disabled={!has || busy}
                onChange={(on) => setElements(ELEMENTS.filter((x) => (x === el ? on : elements.includes(x))))}
              >
                {el === 'code' ? 'Code' : el === 'database' ? 'Database' : 'Files'}
                {!has && <span className="hint"> (not in this backup)</span>}
              </Check>
            );
          })}
        </fieldset>
        {site.frozen && (
          <ErrorState
            title="This site is frozen"
            error={{ message: 'Pantheon does not restore a frozen site. Unfreeze it on Pantheon first.' }}
          />
        )}
        <div className="field">
          <label htmlFor="confirm-site-name">
            To confirm, type the site&apos;s name, <strong className="path">{site.name}</strong>
          </label>
          <input
            id="confirm-site-name"
            type="text"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            disabled={site.frozen}
          />
        </div>
        {error && <ErrorState title="The restore did not start" error={{ message: error }} />}
        <div className="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => void start()}
            disabled={!confirmed || elements.length === 0 || busy || site.frozen}
          >
            {busy ? 'Starting…' : 'Restore on Pantheon'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/**
 * The top folder a download leaves out when it unpacks a files archive (`files_<env>/`), or null: the same rule as
 * the engine's (electron/services/restore/download-archive.ts), so the tree shows what lands on disk.
 */
export function strippedTop(entries: readonly ArchiveEntryInfo[], element: Element): string | null {
  if (element !== 'files') return null;
  const tops = new Set(entries.map((e) => e.path.replace(/^\.\//, '').split('/')[0]).filter(Boolean));
  const [only] = tops;
  if (tops.size !== 1 || !only || !/^files(_[A-Za-z0-9_-]+)?$/.test(only)) return null;
  const entry = entries.find((e) => e.path.replace(/^\.\//, '').replace(/\/+$/, '') === only);
  return !entry || entry.type === 'directory' ? only : null;
}

/** Folders of an archive listing, three levels deep, as they will be on disk once unpacked. */
export function folderTree(
  entries: readonly ArchiveEntryInfo[],
  element: Element,
): { path: string; depth: number; size: number }[] {
  const top = strippedTop(entries, element);
  const skip = top ? 1 : 0;
  const sizes = new Map<string, number>();
  for (const e of entries) {
    const parts = e.path.replace(/^\.\//, '').replace(/\/+$/, '').split('/').filter(Boolean);
    const deepest = Math.min(skip + 3, parts.length - (e.type === 'directory' ? 0 : 1));
    for (let d = skip + 1; d <= deepest; d++) {
      const p = parts.slice(0, d).join('/');
      sizes.set(p, (sizes.get(p) ?? 0) + (e.type === 'file' ? e.size : 0));
    }
  }
  return [...sizes.entries()]
    .map(([path, size]) => ({ path, depth: path.split('/').length - 1 - skip, size }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** What a download does with a code or files archive besides saving it. */
type Unpack = 'all' | 'some' | 'none';

/**
 * Download one archive as it is; a files or code archive can also be unpacked beside it, whole or only the
 * folders picked from its tree. Download says why whenever it cannot be pressed.
 */
export function DownloadDialog({
  site,
  siteKey,
  env,
  set,
  element,
  onClose,
}: {
  site: Site;
  siteKey: SiteKey;
  env: string;
  set: BackupSet;
  element: Element;
  onClose: () => void;
}) {
  const defaultDir = useStore((s) => s.settings.data?.defaultRestoreDir ?? '');
  const treeId = `${siteKey}/${env}/${set.folder}/${element}`;
  const tree = useStore((s) => s.trees[treeId]);
  const loadTree = useStore((s) => s.loadTree);
  const upsertJob = useStore((s) => s.upsertJob);
  const [dir, setDir] = useState(defaultDir);
  // A designer asks for the files, not a .tar.gz: they are unpacked unless asked otherwise.
  const [unpack, setUnpack] = useState<Unpack>(element === 'files' ? 'all' : 'none');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [jobId, setJobId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reasonId = useId();
  const archive = set.archives[element]!;
  const folderName = archive.filename.replace(/\.tar\.gz$|\.sql\.gz$/, '');
  const canUnpack = element !== 'database';
  useEffect(() => {
    if (unpack === 'some' && element !== 'database' && !tree)
      void loadTree(siteKey, env, set.folder, element);
  }, [unpack, element, tree, loadTree, siteKey, env, set.folder]);
  const folders = useMemo(() => (tree?.data ? folderTree(tree.data, element) : []), [tree, element]);
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const into = `${dir.trim().replace(/[\\/]+$/, '')}${sep}${folderName}`;
  // Why Download cannot be pressed, said beside it (a tooltip alone is missed, and unreachable by keyboard).
  const reason =
    dir.trim() === ''
      ? 'Choose the folder to save into.'
      : unpack === 'some' && tree?.loading
        ? 'Reading the archive’s folders…'
        : unpack === 'some' && tree?.error
          ? 'The archive’s folders could not be read: try again, or unpack everything.'
          : unpack === 'some' && chosen.size === 0
            ? 'Pick at least one folder to unpack, or choose to unpack everything.'
            : null;
  const start = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (reason) return;
    setError(null);
    setBusy(true);
    // "**" names every path: the whole archive is unpacked (the engine unpacks when a pattern is given).
    const include = unpack === 'some' ? [...chosen].map((p) => `${p}/`) : unpack === 'all' ? ['**'] : [];
    const r = await bridge().restores.download({
      accountId: split(siteKey).accountId,
      site: site.name,
      env,
      folder: set.folder,
      element,
      targetDir: dir,
      include,
    });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setJobId(r.value.id);
  };
  const toggleFolder = (path: string, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(path);
    else next.delete(path);
    setChosen(next);
  };
  return (
    <Dialog title={`Download the ${element} archive`} onClose={onClose} wide>
      <div className="stack grow-body">
        <p className="hint">
          {archive.filename} · {formatBytes(archive.size)} · made{' '}
          {archive.date ? localDateTime(archive.date) : '—'}
        </p>
        {jobId ? (
          <JobStatus
            jobId={jobId}
            doneText="Downloaded and verified."
            done={(job) => (
              <>
                {job.outputPath && <p className="path">{job.outputPath}</p>}
                {job.outputPath && <DownloadedActions path={job.outputPath} />}
              </>
            )}
          />
        ) : (
          <form className="stack grow-body" onSubmit={start}>
            <FolderField id="download-dir" label="Save into" value={dir} onChange={setDir} />
            {canUnpack && (
              <fieldset>
                <legend>Unpack</legend>
                <label className="choice">
                  <input
                    type="radio"
                    name="unpack"
                    checked={unpack === 'all'}
                    onChange={() => setUnpack('all')}
                  />
                  Everything
                </label>
                <label className="choice">
                  <input
                    type="radio"
                    name="unpack"
                    checked={unpack === 'some'}
                    onChange={() => setUnpack('some')}
                  />
                  Only some folders
                </label>
                <label className="choice">
                  <input
                    type="radio"
                    name="unpack"
                    checked={unpack === 'none'}
                    onChange={() => setUnpack('none')}
                  />
                  Nothing: keep only the .tar.gz
                </label>
                {unpack !== 'none' && dir.trim() !== '' && (
                  <p className="hint">
                    Into <span className="path">{into}</span>, next to the{' '}
                    {element === 'files' ? '.tar.gz' : 'archive'}.
                  </p>
                )}
              </fieldset>
            )}
            {unpack === 'some' && (
              <fieldset className="tree">
                <legend>Folders to unpack</legend>
                {tree?.loading && <Loading what="the archive's folders (this reads the whole archive)" />}
                {tree?.error && (
                  <ErrorState
                    error={tree.error}
                    onRetry={() => void loadTree(siteKey, env, set.folder, element as 'code' | 'files')}
                  />
                )}
                {tree?.data && folders.length === 0 && <p className="hint">This archive has no folders.</p>}
                {folders.map((f) => (
                  <label
                    key={f.path}
                    className="choice tree-item"
                    style={{ paddingLeft: `${f.depth * 1.25}rem` }}
                  >
                    <input
                      type="checkbox"
                      checked={chosen.has(f.path)}
                      onChange={(e) => toggleFolder(f.path, e.target.checked)}
                    />
                    {f.path.split('/').pop()}/ <span className="hint">{formatBytes(f.size)}</span>
                  </label>
                ))}
              </fieldset>
            )}
            {error && <ErrorState error={{ message: error }} />}
            <div className="row end dialog-actions">
              {reason && (
                <p className="hint grow" id={reasonId}>
                  {reason}
                </p>
              )}
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button
                type="submit"
                className="primary"
                disabled={busy || reason !== null}
                {...(reason ? { 'aria-describedby': reasonId } : {})}
              >
                {busy ? 'Starting…' : 'Download'}
              </button>
            </div>
          </form>
        )}
      </div>
    </Dialog>
  );
}

/** A download's folder: shown in the file manager (desktop app) or its path copied. */
function DownloadedActions({ path }: { path: string }) {
  const native = useStore((s) => s.nativeShell);
  const copyPath = useCopyPath();
  return (
    <div className="row wrap">
      {native && (
        <button type="button" onClick={() => void bridge().system.showInFolder({ path })}>
          Open folder
        </button>
      )}
      <button type="button" onClick={() => void copyPath.copy(path)}>
        Copy path
      </button>
      {copyPath.said}
    </div>
  );
}

const words = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

// One empty list for every render: a selector that returned a fresh [] while the backups load would never equal
// its last result, and zustand 5 would re-render until React gives up (error #185) and the window goes blank.
const NO_SETS: readonly BackupSet[] = [];

/** Where in the restore dialog a problem is shown: next to the field it concerns, or above the actions. */
type Area = 'backup' | 'folder' | 'branch' | 'repo' | 'database' | 'patterns' | 'general';

const AREA_OF_KIND: Record<RestoreConflict['kind'], Area> = {
  backup: 'backup',
  folder: 'folder',
  disk: 'folder',
  branch: 'branch',
  clone: 'repo',
  database: 'database',
  files: 'general',
  busy: 'general',
  tool: 'general',
};

/** A refused request names its field first ("folderName: A folder name, not a path."): placed by that name. */
const AREA_OF_FIELD: Record<string, Area> = {
  backup: 'backup',
  targetDir: 'folder',
  folderName: 'folder',
  branch: 'branch',
  intoRepo: 'repo',
  importDatabase: 'database',
  include: 'patterns',
  exclude: 'patterns',
};

/** The problems of the last check, by the place they are shown. */
function placeProblems(result: Result<RestorePreview> | null): Record<Area, string[]> {
  const out: Record<Area, string[]> = {
    backup: [],
    folder: [],
    branch: [],
    repo: [],
    database: [],
    patterns: [],
    general: [],
  };
  if (!result) return out;
  if (result.ok) {
    for (const c of result.value.conflicts) out[AREA_OF_KIND[c.kind] ?? 'general'].push(c.message);
    return out;
  }
  const m = /^([A-Za-z]+)(?:\.[\w.]+)?: (.*)$/s.exec(result.error.message);
  const area = m ? AREA_OF_FIELD[m[1]!] : undefined;
  if (m && area) out[area].push(m[2]!);
  else out.general.push(result.error.message);
  return out;
}

/** The problems next to one field, referenced by the field's aria-describedby. */
function Problems({ id, items, stale }: { id: string; items: readonly string[]; stale: boolean }) {
  if (items.length === 0) return null;
  return (
    <ul id={id} className={`problems${stale ? ' stale' : ''}`}>
      {items.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

/** aria-invalid and aria-describedby for a field with problems; nothing for one without. */
const flagged = (items: readonly string[], id: string) =>
  items.length > 0 ? { 'aria-invalid': true as const, 'aria-describedby': id } : {};

/** How long the form rests before what it says is checked (the preview reads Pantheon and the disk). */
const CHECK_AFTER_MS = 400;

/**
 * The restore's own preview of a request, asked again once the form has rested for a moment. The last answer is
 * kept while the next is on its way, so problems do not blink out and back at every keystroke; an answer to a
 * request that has changed since is dropped.
 */
function useLivePreview(key: string | null): {
  result: Result<RestorePreview> | null;
  checking: boolean;
  fresh: boolean;
} {
  const [answer, setAnswer] = useState<{ key: string; result: Result<RestorePreview> } | null>(null);
  useEffect(() => {
    if (!key) return;
    let current = true;
    const timer = setTimeout(() => {
      bridge()
        .restores.preview(JSON.parse(key) as RequestOf<'restore'>)
        .catch((e: unknown): Result<RestorePreview> => ({
          ok: false,
          error: { code: 'network', message: (e as Error).message },
        }))
        .then((result) => {
          if (current) setAnswer({ key, result });
        });
    }, CHECK_AFTER_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  // Checking: the form says something the last answer was not about.
  const fresh = !!key && answer?.key === key;
  return key
    ? { result: answer?.result ?? null, checking: !fresh, fresh }
    : { result: null, checking: false, fresh };
}

/** The folder a path ends in. */
const baseName = (path: string): string => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

/**
 * Restore locally: what, from which backup, where, on which branch. What stands in the way is shown next to the
 * field it concerns as the form is filled in (the restore's own preview, asked once typing rests); Review shows
 * the whole plan, every write, before Start. Once the job is done, what it made and what to do with it.
 */
export function RestoreDialog({
  site,
  siteKey,
  env,
  folder,
  onClose,
}: {
  site: Site;
  siteKey: SiteKey;
  env: string;
  folder?: string;
  onClose: () => void;
}) {
  const settings = useStore((s) => s.settings.data);
  const sets = useStore((s) => s.backups[`${siteKey}/${env}`]?.data ?? NO_SETS);
  const upsertJob = useStore((s) => s.upsertJob);
  const [backup, setBackup] = useState<string>(folder ?? 'latest');
  const [elements, setElements] = useState<Element[]>(['code', 'database', 'files']);
  const [dir, setDir] = useState(settings?.defaultRestoreDir ?? '');
  // Empty: the engine's default, the first `<site>-<env>`, `-2`… that does not exist yet (shown from its plan).
  const [folderName, setFolderName] = useState('');
  // Empty: the engine's default, the first `lifeboat/<env>-<date>`, `-2`… the repositories do not have yet.
  const [branch, setBranch] = useState('');
  const [intoRepo, setIntoRepo] = useState('');
  const [checkout, setCheckout] = useState(false);
  const [importDb, setImportDb] = useState(false);
  const [dbName, setDbName] = useState('');
  const [replaceDb, setReplaceDb] = useState(false);
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [reviewed, setReviewed] = useState<{ key: string; preview: RestorePreview } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<{ jobId: string; preview: RestorePreview } | null>(null);
  const ids = useId();

  const request: RequestOf<'restore'> = {
    accountId: split(siteKey).accountId,
    site: site.name,
    env,
    backup,
    elements,
    targetDir: dir,
    ...(folderName.trim() ? { folderName: folderName.trim() } : {}),
    ...(elements.includes('code') && branch.trim() ? { branch: branch.trim() } : {}),
    ...(intoRepo.trim() && elements.includes('code')
      ? { intoRepo: intoRepo.trim(), checkoutIntoRepo: checkout }
      : {}),
    ...(importDb && elements.includes('database')
      ? { importDatabase: { ...(dbName.trim() ? { name: dbName.trim() } : {}), replace: replaceDb } }
      : {}),
    include: words(include),
    exclude: words(exclude),
  };
  const key = JSON.stringify(request);
  const complete = elements.length > 0 && dir.trim() !== '';
  const live = useLivePreview(complete && !started ? key : null);
  const current = reviewed?.key === key ? reviewed.preview : null;
  // What the person sees next to the fields: the reviewed plan when it is the form's, else the last check.
  const shown: Result<RestorePreview> | null = current ? { ok: true, value: current } : live.result;
  const problems = placeProblems(complete ? shown : null);
  const stale = !current && !live.fresh;
  const count = Object.values(problems).reduce((n, p) => n + p.length, 0);
  const planned = shown?.ok ? shown.value : null;

  const review = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const asked = key;
    const r = await bridge().restores.preview(request);
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setReviewed({ key: asked, preview: r.value });
  };
  const start = async (): Promise<void> => {
    if (!current) return;
    setBusy(true);
    setError(null);
    const r = await bridge().restores.start(request);
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setStarted({ jobId: r.value.id, preview: current });
  };
  const toggle = (el: Element, on: boolean): void => {
    setElements(
      on
        ? (['code', 'database', 'files'] as const).filter((x) => x === el || elements.includes(x))
        : elements.filter((x) => x !== el),
    );
  };
  const title = `Restore ${site.name}.${env} locally`;
  if (started) {
    return (
      <Dialog title={title} onClose={onClose} wide>
        <div className="stack">
          <JobStatus
            jobId={started.jobId}
            doneText="Restored. Everything is in place."
            done={(job) => <RestoreOutcome job={job} plan={started.preview} />}
          />
          <RunningHint jobId={started.jobId} />
        </div>
      </Dialog>
    );
  }
  const pid = (area: Area): string => `${ids}-${area}`;
  return (
    <Dialog title={title} onClose={onClose} wide>
      <form className="stack" onSubmit={review}>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="restore-backup">Backup</label>
            <select
              id="restore-backup"
              value={backup}
              onChange={(e) => setBackup(e.target.value)}
              {...flagged(problems.backup, pid('backup'))}
            >
              <option value="latest">The latest backup</option>
              <option value="new">Create a new backup first</option>
              {sets
                .filter((s) => s.finished)
                .map((s) => (
                  <option key={s.folder} value={s.folder}>
                    {localDateTime(s.scheduledFor)} ({s.initiator})
                  </option>
                ))}
            </select>
            <Problems id={pid('backup')} items={problems.backup} stale={stale} />
          </div>
          <fieldset>
            <legend>Restore</legend>
            {(['code', 'database', 'files'] as const).map((el) => (
              <label key={el} className="choice">
                <input
                  type="checkbox"
                  checked={elements.includes(el)}
                  onChange={(e) => toggle(el, e.target.checked)}
                />
                {el === 'code' ? 'Code (git)' : el === 'database' ? 'Database' : 'Files'}
              </label>
            ))}
          </fieldset>
        </div>
        <div className="field-group">
          <div className="grid-2">
            <FolderField
              id="restore-dir"
              label="Into the folder"
              value={dir}
              onChange={setDir}
              describedBy={problems.folder.length ? pid('folder') : undefined}
            />
            <div className="field">
              <label htmlFor="restore-name">New folder name</label>
              <input
                id="restore-name"
                type="text"
                value={folderName}
                placeholder={planned ? baseName(planned.path) : `${site.name}-${env}`}
                onChange={(e) => setFolderName(e.target.value)}
                spellCheck={false}
                {...flagged(problems.folder, pid('folder'))}
              />
            </div>
          </div>
          {complete && planned && problems.folder.length === 0 && (
            <p className="hint creates">
              Creates <span className="path">{planned.path}</span>
            </p>
          )}
          <Problems id={pid('folder')} items={problems.folder} stale={stale} />
        </div>
        {elements.includes('code') && (
          <div className="grid-2">
            <div className="field">
              <label htmlFor="restore-branch">Branch</label>
              <input
                id="restore-branch"
                type="text"
                value={branch}
                placeholder={planned?.branch ?? defaultBranchName(env)}
                onChange={(e) => setBranch(e.target.value)}
                spellCheck={false}
                {...flagged(problems.branch, pid('branch'))}
              />
              <Problems id={pid('branch')} items={problems.branch} stale={stale} />
            </div>
            <div className="field">
              <label htmlFor="restore-repo">Also into my existing clone (optional)</label>
              <input
                id="restore-repo"
                type="text"
                value={intoRepo}
                onChange={(e) => setIntoRepo(e.target.value)}
                placeholder="/path/to/my/clone"
                spellCheck={false}
                {...flagged(problems.repo, pid('repo'))}
              />
              <Problems id={pid('repo')} items={problems.repo} stale={stale} />
              {intoRepo.trim() && (
                <Check checked={checkout} onChange={setCheckout}>
                  Check the branch out there
                </Check>
              )}
            </div>
          </div>
        )}
        {elements.includes('database') && (
          <fieldset>
            <legend>Database</legend>
            <p className="hint">The .sql.gz is always kept as downloaded.</p>
            <Check checked={importDb} onChange={setImportDb} disabled={!settings?.database}>
              Import it into my local database
              {!settings?.database && <span className="hint"> (set up a connection in Settings first)</span>}
            </Check>
            {importDb && (
              <div className="row wrap">
                <label>
                  Database name{' '}
                  <input
                    type="text"
                    value={dbName}
                    placeholder={planned?.databaseName ?? defaultDatabaseName(site.name, env)}
                    onChange={(e) => setDbName(e.target.value)}
                    {...flagged(problems.database, pid('database'))}
                  />
                </label>
                <Check checked={replaceDb} onChange={setReplaceDb}>
                  Replace it if it exists
                </Check>
              </div>
            )}
            <Problems id={pid('database')} items={problems.database} stale={stale} />
          </fieldset>
        )}
        {elements.includes('files') && (
          <div className="field-group">
            <div className="grid-2">
              <div className="field">
                <label htmlFor="restore-include">Only these folders (optional)</label>
                <input
                  id="restore-include"
                  type="text"
                  value={include}
                  onChange={(e) => setInclude(e.target.value)}
                  placeholder="2024/, documents/"
                  {...flagged(problems.patterns, pid('patterns'))}
                />
              </div>
              <div className="field">
                <label htmlFor="restore-exclude">Leave out (optional)</label>
                <input
                  id="restore-exclude"
                  type="text"
                  value={exclude}
                  onChange={(e) => setExclude(e.target.value)}
                  placeholder="styles/, css/, js/"
                  {...flagged(problems.patterns, pid('patterns'))}
                />
              </div>
            </div>
            <Problems id={pid('patterns')} items={problems.patterns} stale={stale} />
          </div>
        )}
        {problems.general.length > 0 && (
          <div className={`state state-error${stale ? ' stale' : ''}`}>
            <strong>Fix this first</strong>
            <ul>
              {problems.general.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          </div>
        )}
        {error && <ErrorState error={{ message: error }} />}
        {current && <PreviewSummary preview={current} />}
        <div className="row end dialog-actions">
          <p className="hint grow check-status" role="status">
            {!complete
              ? dir.trim() === ''
                ? 'Choose the folder to restore into.'
                : 'Choose at least one of code, database and files.'
              : live.checking && !current
                ? 'Checking…'
                : count > 0
                  ? `${count === 1 ? 'One thing' : `${count} things`} to fix before the restore.`
                  : ''}
          </p>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {!current ? (
            <button type="submit" className="primary" disabled={busy || !complete}>
              {busy ? 'Checking…' : 'Review'}
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => void start()}
              disabled={busy || current.conflicts.length > 0}
            >
              Start restore
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}

/** A restore's preview: every write, the room it takes, and what must be fixed first (shared with Update). */
export function PreviewSummary({ preview }: { preview: RestorePreview }) {
  const id = useId();
  return (
    <section className="summary" aria-labelledby={id}>
      <h3 id={id}>What will happen</h3>
      <ul>
        {preview.writes.map((w) => (
          <li key={`${w.kind}:${w.target}`}>{w.description}</li>
        ))}
      </ul>
      <p className="hint">
        About {formatBytes(preview.downloadBytes)} on disk; {formatBytes(preview.freeBytes)} free.
      </p>
      <ConflictList conflicts={preview.conflicts} />
    </section>
  );
}

/** What stands in the way of a plan (a restore's, an update's, a setup's), as one alert; nothing when nothing does. */
export function ConflictList({ conflicts }: { conflicts: readonly RestoreConflict[] }) {
  if (conflicts.length === 0) return null;
  return (
    <div className="state state-error" role="alert">
      <strong>Fix these first</strong>
      <ul>
        {conflicts.map((c) => (
          <li key={c.message}>{c.message}</li>
        ))}
      </ul>
    </div>
  );
}

/** While the job runs, closing the dialog does not stop it. */
function RunningHint({ jobId }: { jobId: string }) {
  const state = useStore((s) => s.jobs[jobId]?.state);
  if (state !== 'queued' && state !== 'running') return null;
  return <p className="hint">You can close this; the job keeps running and is listed under Jobs.</p>;
}

/**
 * What a finished restore made: its folder, branch and database (as the local copies registry recorded them,
 * else as the plan the run carried out said), the database archive, and what to do next.
 */
function RestoreOutcome({ job, plan }: { job: Job; plan: RestorePreview }) {
  const path = job.outputPath ?? plan.path;
  const copy = useStore((s) => s.copies.data?.find((c) => c.path === path && c.state === 'present'));
  const branch = copy?.branch ?? plan.branch;
  const database = copy?.database ?? plan.databaseName;
  const dump = plan.writes.find((w) => w.kind === 'file' && /\.sql\.gz$/.test(w.target));
  return (
    <>
      <dl className="facts" aria-label="What the restore made">
        <dt>Folder</dt>
        <dd className="path">{path}</dd>
        {branch && (
          <>
            <dt>Branch</dt>
            <dd>
              {branch}
              {copy?.deployTag && <span className="hint"> at {copy.deployTag}</span>}
            </dd>
          </>
        )}
        {database && (
          <>
            <dt>Database</dt>
            <dd>{database}</dd>
          </>
        )}
        {dump && (
          <>
            <dt>Database archive</dt>
            {/* The folder, not the file: a backup made first has no file name before the run. */}
            <dd className="path">
              {dump.target.slice(
                0,
                Math.max(dump.target.lastIndexOf('/'), dump.target.lastIndexOf('\\')) + 1,
              )}
            </dd>
          </>
        )}
      </dl>
      <CopyActions path={path} />
    </>
  );
}
