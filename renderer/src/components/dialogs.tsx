import { useEffect, useMemo, useState } from 'react';
import {
  ELEMENTS,
  type ArchiveEntryInfo,
  type BackupSet,
  type Element,
  type Job,
  type RestorePreview,
  type Site,
  type UncommittedChanges,
} from '@shared/models';
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
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
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

/** Follows one job from the store: its progress, then its outcome. */
function JobStatus({ jobId, doneText }: { jobId: string; doneText: string }) {
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
        {job.outputPath && <p className="path">{job.outputPath}</p>}
        {job.outputPath && native && (
          <button type="button" onClick={() => void bridge().system.showInFolder({ path: job.outputPath! })}>
            Show in folder
          </button>
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

/** Directories of an archive listing, as a tree two levels deep below the top folder. */
function folderTree(entries: readonly ArchiveEntryInfo[]): { path: string; depth: number; size: number }[] {
  const sizes = new Map<string, number>();
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let d = 1; d <= Math.min(3, parts.length - (e.type === 'directory' ? 0 : 1)); d++) {
      const p = parts.slice(0, d).join('/');
      sizes.set(p, (sizes.get(p) ?? 0) + (e.type === 'file' ? e.size : 0));
    }
  }
  return [...sizes.entries()]
    .map(([path, size]) => ({ path, depth: path.split('/').length - 1, size }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Download one archive as it is; for code and files, optionally unpack only some folders. */
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
  const [pickFolders, setPickFolders] = useState(false);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const archive = set.archives[element]!;
  useEffect(() => {
    if (pickFolders && element !== 'database' && !tree) void loadTree(siteKey, env, set.folder, element);
  }, [pickFolders, element, tree, loadTree, siteKey, env, set.folder]);
  const folders = useMemo(() => (tree?.data ? folderTree(tree.data).filter((f) => f.depth > 0) : []), [tree]);
  const start = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const include = pickFolders ? [...chosen].map((p) => `${p}/`) : [];
    const r = await bridge().restores.download({
      accountId: split(siteKey).accountId,
      site: site.name,
      env,
      folder: set.folder,
      element,
      targetDir: dir,
      include,
    });
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setJobId(r.value.id);
  };
  return (
    <Dialog title={`Download the ${element} archive`} onClose={onClose} wide>
      <p className="hint">
        {archive.filename} · {formatBytes(archive.size)} · made{' '}
        {archive.date ? localDateTime(archive.date) : '—'}
      </p>
      {jobId ? (
        <JobStatus jobId={jobId} doneText="Downloaded and verified." />
      ) : (
        <form className="stack" onSubmit={start}>
          <FolderField id="download-dir" label="Save into" value={dir} onChange={setDir} />
          {element !== 'database' && (
            <Check checked={pickFolders} onChange={setPickFolders}>
              Also unpack only some folders
            </Check>
          )}
          {pickFolders && (
            <fieldset className="tree">
              <legend>Folders to unpack</legend>
              {tree?.loading && <Loading what="the archive's folders (this reads the whole archive)" />}
              {tree?.error && (
                <ErrorState
                  error={tree.error}
                  onRetry={() => void loadTree(siteKey, env, set.folder, element as 'code' | 'files')}
                />
              )}
              {folders.map((f) => (
                <label
                  key={f.path}
                  className="choice tree-item"
                  style={{ paddingLeft: `${(f.depth - 1) * 1.25}rem` }}
                >
                  <input
                    type="checkbox"
                    checked={chosen.has(f.path)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.target.checked) next.add(f.path);
                      else next.delete(f.path);
                      setChosen(next);
                    }}
                  />
                  {f.path.split('/').pop()}/ <span className="hint">{formatBytes(f.size)}</span>
                </label>
              ))}
            </fieldset>
          )}
          {error && <ErrorState error={{ message: error }} />}
          <div className="row end">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="submit"
              className="primary"
              disabled={dir.trim() === '' || (pickFolders && chosen.size === 0)}
            >
              Download
            </button>
          </div>
        </form>
      )}
    </Dialog>
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

/** Restore locally: what, from which backup, where, on which branch; a summary of every write and conflict before it starts. */
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
  const [folderName, setFolderName] = useState(`${site.name}-${env}`);
  const [branch, setBranch] = useState(defaultBranchName(env));
  const [intoRepo, setIntoRepo] = useState('');
  const [checkout, setCheckout] = useState(false);
  const [importDb, setImportDb] = useState(false);
  const [dbName, setDbName] = useState('');
  const [replaceDb, setReplaceDb] = useState(false);
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [preview, setPreview] = useState<RestorePreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  const request = () => ({
    accountId: split(siteKey).accountId,
    site: site.name,
    env,
    backup,
    elements,
    targetDir: dir,
    folderName,
    ...(elements.includes('code') ? { branch } : {}),
    ...(intoRepo.trim() && elements.includes('code')
      ? { intoRepo: intoRepo.trim(), checkoutIntoRepo: checkout }
      : {}),
    ...(importDb && elements.includes('database')
      ? { importDatabase: { ...(dbName.trim() ? { name: dbName.trim() } : {}), replace: replaceDb } }
      : {}),
    include: words(include),
    exclude: words(exclude),
  });
  const review = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await bridge().restores.preview(request());
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setPreview(r.value);
  };
  const start = async (): Promise<void> => {
    setBusy(true);
    const r = await bridge().restores.start(request());
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setJobId(r.value.id);
  };
  const toggle = (el: Element, on: boolean): void => {
    setPreview(null);
    setElements(
      on
        ? (['code', 'database', 'files'] as const).filter((x) => x === el || elements.includes(x))
        : elements.filter((x) => x !== el),
    );
  };
  const changed =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      setPreview(null);
      set(v);
    };
  if (jobId) {
    return (
      <Dialog title={`Restore ${site.name}.${env} locally`} onClose={onClose}>
        <JobStatus jobId={jobId} doneText="Restored. Everything is in place." />
        <p className="hint">You can close this; the job keeps running and is listed under Jobs.</p>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Restore ${site.name}.${env} locally`} onClose={onClose} wide>
      <form className="stack" onSubmit={review}>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="restore-backup">Backup</label>
            <select id="restore-backup" value={backup} onChange={(e) => changed(setBackup)(e.target.value)}>
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
        <div className="grid-2">
          <FolderField id="restore-dir" label="Into the folder" value={dir} onChange={changed(setDir)} />
          <div className="field">
            <label htmlFor="restore-name">New folder name</label>
            <input
              id="restore-name"
              type="text"
              value={folderName}
              onChange={(e) => changed(setFolderName)(e.target.value)}
            />
          </div>
        </div>
        {elements.includes('code') && (
          <div className="grid-2">
            <div className="field">
              <label htmlFor="restore-branch">Branch</label>
              <input
                id="restore-branch"
                type="text"
                value={branch}
                onChange={(e) => changed(setBranch)(e.target.value)}
                spellCheck={false}
              />
            </div>
            <div className="field">
              <label htmlFor="restore-repo">Also into my existing clone (optional)</label>
              <input
                id="restore-repo"
                type="text"
                value={intoRepo}
                onChange={(e) => changed(setIntoRepo)(e.target.value)}
                placeholder="/path/to/my/clone"
                spellCheck={false}
              />
              {intoRepo.trim() && (
                <Check checked={checkout} onChange={changed(setCheckout)}>
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
            <Check checked={importDb} onChange={changed(setImportDb)} disabled={!settings?.database}>
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
                    placeholder={defaultDatabaseName(site.name, env)}
                    onChange={(e) => changed(setDbName)(e.target.value)}
                  />
                </label>
                <Check checked={replaceDb} onChange={changed(setReplaceDb)}>
                  Replace it if it exists
                </Check>
              </div>
            )}
          </fieldset>
        )}
        {elements.includes('files') && (
          <div className="grid-2">
            <div className="field">
              <label htmlFor="restore-include">Only these folders (optional)</label>
              <input
                id="restore-include"
                type="text"
                value={include}
                onChange={(e) => changed(setInclude)(e.target.value)}
                placeholder={`files_${env}/2024/`}
              />
            </div>
            <div className="field">
              <label htmlFor="restore-exclude">Leave out (optional)</label>
              <input
                id="restore-exclude"
                type="text"
                value={exclude}
                onChange={(e) => changed(setExclude)(e.target.value)}
                placeholder="styles/, css/, js/"
              />
            </div>
          </div>
        )}
        {error && <ErrorState error={{ message: error }} />}
        {preview && (
          <section className="summary" aria-labelledby="summary-title">
            <h3 id="summary-title">What will happen</h3>
            <ul>
              {preview.writes.map((w) => (
                <li key={`${w.kind}:${w.target}`}>{w.description}</li>
              ))}
            </ul>
            <p className="hint">
              About {formatBytes(preview.downloadBytes)} on disk; {formatBytes(preview.freeBytes)} free.
            </p>
            {preview.conflicts.length > 0 && (
              <div className="state state-error" role="alert">
                <strong>Fix these first</strong>
                <ul>
                  {preview.conflicts.map((c) => (
                    <li key={c.message}>{c.message}</li>
                  ))}
                </ul>
              </div>
            )}
          </section>
        )}
        <div className="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {!preview ? (
            <button
              type="submit"
              className="primary"
              disabled={busy || elements.length === 0 || dir.trim() === ''}
            >
              {busy ? 'Checking…' : 'Review'}
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => void start()}
              disabled={busy || preview.conflicts.length > 0}
            >
              Start restore
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
