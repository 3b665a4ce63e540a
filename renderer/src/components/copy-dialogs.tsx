import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { RequestOf } from '@shared/api/schemas';
import type { BackupSet, LocalCopy, LocalSetupPlan, LocalSetupResult } from '@shared/models';
import type { Result } from '@shared/result';
import { defaultDatabaseName } from '@shared/names';
import { bridge } from '../bridge';
import { localDateTime, shortDate } from '../lib/format';
import { siteKey, useStore } from '../store';
import { Check, Dialog, ErrorState } from './common';
import { ConflictList, JobStatus, PreviewSummary } from './dialogs';

/** The copy's folder by its own name, as a file manager shows it. */
export const folderName = (path: string): string => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

/** A backup folder the update request accepts (the contract's own pattern). */
const BACKUP_FOLDER = /^\d{9,11}_(backup|automated)$/;

// One empty list for every render (a fresh [] from a selector would re-render forever, see RestoreDialog).
const NO_SETS: readonly BackupSet[] = [];

/**
 * The answer to `call` for the request as it stands, asked again a moment after it last changed (so typing a
 * name asks once, not per key) and only the newest answer kept. `key` is the request as JSON.
 */
export function usePreview<T>(
  key: string,
  call: () => Promise<Result<T>>,
  delayMs = 300,
): { value: T | null; last: T | null; error: string | null; checking: boolean } {
  const [state, setState] = useState<{
    key: string | null;
    value: T | null;
    error: string | null;
    last: T | null;
  }>({ key: null, value: null, error: null, last: null });
  const latest = useRef(call);
  useEffect(() => {
    latest.current = call;
  });
  useEffect(() => {
    let current = true;
    const t = setTimeout(() => {
      latest.current().then(
        (r) =>
          current &&
          setState((s) =>
            r.ok
              ? { key, value: r.value, error: null, last: r.value }
              : { key, value: null, error: r.error.message, last: s.last },
          ),
        (e: Error) => current && setState((s) => ({ key, value: null, error: e.message, last: s.last })),
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [key, delayMs]);
  // An answer for an older request is not shown as this one's.
  const fresh = state.key === key;
  return {
    value: fresh ? state.value : null,
    // The last good answer, shown while the next is asked (so the summary does not blink at every change).
    last: state.last,
    error: fresh ? state.error : null,
    checking: !fresh,
  };
}

/**
 * Beside the actions, kept in view: "Checking…" while a preview is asked, else how many things stand in the way
 * (announced politely, as the restore dialog does).
 */
function CheckStatus({ checking, conflicts }: { checking: boolean; conflicts: number }) {
  return (
    <p className="hint grow" role="status">
      {checking ? (
        <>
          <span className="spinner" aria-hidden="true" /> Checking…
        </>
      ) : conflicts > 0 ? (
        `${conflicts === 1 ? 'One thing' : `${conflicts} things`} to fix first.`
      ) : (
        ''
      )}
    </p>
  );
}

type DatabaseChoice = 'new' | 'replace' | 'skip';

/**
 * Update a copy from a newer backup: the update's own preview (what it writes, what is in the way and what to do),
 * the options a person may want (which backup, the database, local edits), then the job's progress and what
 * changed: the new branch at the new deploy tag, and where the files it replaced were kept.
 */
export function UpdateCopyDialog({ copy, onClose }: { copy: LocalCopy; onClose: () => void }) {
  const key = copy.accountId ? siteKey(copy.accountId, copy.site.id) : null;
  const sets = useStore((s) => (key ? (s.backups[`${key}/${copy.env}`]?.data ?? NO_SETS) : NO_SETS));
  const loadBackups = useStore((s) => s.loadBackups);
  const upsertJob = useStore((s) => s.upsertJob);
  const [backup, setBackup] = useState('latest');
  const [database, setDatabase] = useState<DatabaseChoice>('new');
  const [dbName, setDbName] = useState('');
  const [replaceEdits, setReplaceEdits] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => {
    if (key) void loadBackups(key, copy.env);
  }, [key, copy.env, loadBackups]);

  const request = useMemo((): RequestOf<'copyUpdate'> => {
    const db =
      database === 'skip'
        ? null
        : database === 'replace' && copy.database
          ? { name: copy.database, replace: true }
          : dbName.trim()
            ? { name: dbName.trim() }
            : {};
    return {
      copyId: copy.id,
      ...(backup !== 'latest' ? { backup } : {}),
      ...(copy.database ? { database: db } : {}),
      ...(replaceEdits ? { replaceLocalEdits: true } : {}),
    };
  }, [copy.id, copy.database, backup, database, dbName, replaceEdits]);
  const preview = usePreview(JSON.stringify(request), () => bridge().copies.previewUpdate(request));
  const localEdits = preview.value?.conflicts.some((c) => c.kind === 'files') ?? false;

  const start = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await bridge().copies.update(request);
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    setJobId(r.value.id);
  };
  const title = `Update ${folderName(copy.path)}`;
  if (jobId)
    return (
      <Dialog title={title} onClose={onClose}>
        <UpdateOutcome jobId={jobId} copy={copy} />
      </Dialog>
    );
  const shown = preview.value ?? (preview.checking ? preview.last : null);
  const choices = sets.filter((s) => s.finished && BACKUP_FOLDER.test(s.folder));
  const canStart =
    !busy && !preview.checking && preview.value !== null && preview.value.conflicts.length === 0;
  return (
    <Dialog title={title} onClose={onClose} wide>
      <form className="stack" onSubmit={start}>
        <p>
          {copy.site.name}.{copy.env}, now at the backup of {shortDate(copy.backup.scheduledFor)}
          {copy.deployTag ? `, deploy ${copy.deployTag}` : ''}. Lifeboat brings it up to a newer backup as a
          restore of the same folder: a new branch at the new deploy tag, the files refreshed (what they
          replace is kept aside), the database as you choose. Nothing changes if anything stands in the way.
        </p>
        <p className="path">{copy.path}</p>
        <div className="field">
          <label htmlFor="update-backup">Backup</label>
          <select id="update-backup" value={backup} onChange={(e) => setBackup(e.target.value)}>
            <option value="latest">
              The newest backup
              {copy.newerBackup ? ` (${shortDate(copy.newerBackup.scheduledFor)})` : ''}
            </option>
            {choices.map((s) => (
              <option key={s.folder} value={s.folder}>
                {localDateTime(s.scheduledFor)} ({s.initiator})
                {s.folder === copy.backup.folder ? ' · this copy’s' : ''}
              </option>
            ))}
          </select>
        </div>
        {copy.database && (
          <fieldset>
            <legend>Database</legend>
            <label className="choice">
              <input
                type="radio"
                name="update-database"
                checked={database === 'new'}
                onChange={() => setDatabase('new')}
              />{' '}
              Into a new database
            </label>
            {database === 'new' && (
              <div className="field">
                <label htmlFor="update-db-name">New database name (optional)</label>
                <input
                  id="update-db-name"
                  type="text"
                  value={dbName}
                  placeholder={defaultDatabaseName(copy.site.name, copy.env)}
                  onChange={(e) => setDbName(e.target.value)}
                  spellCheck={false}
                />
              </div>
            )}
            <label className="choice">
              <input
                type="radio"
                name="update-database"
                checked={database === 'replace'}
                onChange={() => setDatabase('replace')}
              />{' '}
              Replace {copy.database} (swapped in at once when the import is complete)
            </label>
            <label className="choice">
              <input
                type="radio"
                name="update-database"
                checked={database === 'skip'}
                onChange={() => setDatabase('skip')}
              />{' '}
              Leave the database as it is
            </label>
          </fieldset>
        )}
        <Check checked={replaceEdits} onChange={setReplaceEdits}>
          Also replace files I changed in this copy{' '}
          <span className="hint">(they are kept aside either way)</span>
        </Check>
        {preview.error && (
          <ErrorState title="Lifeboat cannot update this copy" error={{ message: preview.error }} />
        )}
        {shown && <PreviewSummary preview={shown} />}
        {localEdits && !replaceEdits && (
          <p className="hint">
            To go on with your changed files replaced, tick “Also replace files I changed in this copy”: they
            are moved aside with the files the update replaces, not deleted.
          </p>
        )}
        {error && <ErrorState title="The update did not start" error={{ message: error }} />}
        <div className="row end dialog-actions">
          <CheckStatus checking={preview.checking} conflicts={preview.value?.conflicts.length ?? 0} />
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!canStart}>
            {busy ? 'Starting…' : 'Start update'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The update's job, then what the copy is now, from the registry the job updated. */
function UpdateOutcome({ jobId, copy }: { jobId: string; copy: LocalCopy }) {
  const job = useStore((s) => s.jobs[jobId]);
  const now = useStore((s) => s.copies.data?.find((c) => c.id === copy.id));
  const loadCopies = useStore((s) => s.loadCopies);
  const succeeded = job?.state === 'succeeded';
  // The engine announces the updated copy; asking once more covers a window that missed it.
  useEffect(() => {
    if (succeeded) void loadCopies();
  }, [succeeded, loadCopies]);
  const changed = now && now.restoredAt !== copy.restoredAt ? now : null;
  return (
    <div className="stack">
      <JobStatus jobId={jobId} doneText="Updated. Everything is in place." />
      {succeeded && changed && (
        <dl className="facts" aria-label="The copy now">
          <dt>Backup</dt>
          <dd>{shortDate(changed.backup.scheduledFor)}</dd>
          {changed.deployTag && (
            <>
              <dt>Deploy tag</dt>
              <dd>{changed.deployTag}</dd>
            </>
          )}
          {changed.branch && (
            <>
              <dt>Branch</dt>
              <dd>{changed.branch} (checked out)</dd>
            </>
          )}
          {changed.database && (
            <>
              <dt>Database</dt>
              <dd>{changed.database}</dd>
            </>
          )}
        </dl>
      )}
      {succeeded && changed?.lastUpdate && (
        <p>
          Files: {changed.lastUpdate.unchanged} left as they were, {changed.lastUpdate.added} added,{' '}
          {changed.lastUpdate.replaced} replaced, {changed.lastUpdate.removed} removed.
          {changed.lastUpdate.keptAside && (
            <>
              {' '}
              The {changed.lastUpdate.keptAside.count} replaced or removed{' '}
              {changed.lastUpdate.keptAside.count === 1 ? 'file is' : 'files are'} kept in{' '}
              <code>{changed.lastUpdate.keptAside.path}</code>.
            </>
          )}
        </p>
      )}
      {succeeded && job?.warning && <p className="hint">{job.warning}</p>}
      {!succeeded && (
        <p className="hint">You can close this; the update keeps running and is listed under Jobs.</p>
      )}
    </div>
  );
}

/** Copies a command, saying so (or why it could not) in a toast. */
function useCopyText(): (text: string, what: string) => Promise<void> {
  const toast = useStore((s) => s.toast);
  return async (text, what) => {
    try {
      if (!navigator.clipboard) throw new Error('This window has no clipboard.');
      await navigator.clipboard.writeText(text);
      toast('success', `Copied ${what}.`);
    } catch (e) {
      toast('error', `Could not copy ${what}: ${(e as Error).message}`);
    }
  };
}

/** What a setup writes and rewrites, what is in its way, and what to know. */
function SetupSummary({ plan, done }: { plan: LocalSetupPlan; done?: LocalSetupResult }) {
  const id = useId();
  return (
    <section className="summary" aria-labelledby={id}>
      <h3 id={id}>{done ? 'What was done' : 'What will happen'}</h3>
      <ul>
        {plan.writes.map((w) => (
          <li key={`${w.kind}:${w.target}`}>{w.description}</li>
        ))}
        {/* The rewrite is among the writes; once done, how many values it changed. */}
        {plan.rewrite && done && (
          <li>
            {done.rewritten.reduce((n, t) => n + t.rows, 0)} values rewritten to {plan.rewrite.to}
            {done.rewritten.length > 0 &&
              ` (${done.rewritten.map((t) => `${t.table}: ${t.rows}`).join(', ')})`}
          </li>
        )}
      </ul>
      {plan.notes.length > 0 && (
        <ul aria-label="Good to know">
          {plan.notes.map((n) => (
            <li key={n} className="hint">
              {n}
            </li>
          ))}
        </ul>
      )}
      {!done && <ConflictList conflicts={plan.conflicts} />}
    </section>
  );
}

/**
 * Set up to run locally: the setup's own plan (the settings files, DDEV or Lando configs, the URL rewrite in the
 * copy's database), a local URL for WordPress, then the result with the commands that start the site.
 */
export function SetupCopyDialog({ copy, onClose }: { copy: LocalCopy; onClose: () => void }) {
  const [url, setUrl] = useState<string | null>(null);
  const [ddev, setDdev] = useState(false);
  const [lando, setLando] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<LocalSetupResult | null>(null);
  const copyText = useCopyText();
  const request = useMemo(
    (): RequestOf<'copySetup'> => ({
      copyId: copy.id,
      ...(url?.trim() ? { url: url.trim() } : {}),
      ...(ddev ? { ddev } : {}),
      ...(lando ? { lando } : {}),
    }),
    [copy.id, url, ddev, lando],
  );
  const preview = usePreview(JSON.stringify(request), () => bridge().copies.previewSetup(request));
  // The field shows the plan's own URL until one is typed (the default follows DDEV or Lando when ticked).
  const planned = preview.last;
  const wordpress = planned ? planned.rewrite !== null || planned.framework === 'wordpress' : false;

  const run = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await bridge().copies.setup(request);
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setResult(r.value);
  };
  const title = `Set up ${folderName(copy.path)} to run locally`;
  if (result)
    return (
      <Dialog title={title} onClose={onClose} wide>
        <div className="stack">
          <div className="state state-success" role="status">
            <strong>Set up. The site is ready to start.</strong>
          </div>
          <SetupSummary plan={result.plan} done={result} />
          {result.next.length > 0 && (
            <section>
              <h3>Next, in a terminal in {folderName(copy.path)}</h3>
              <ul className="card-list">
                {result.next.map((cmd) => (
                  <li key={cmd} className="row spread">
                    <code className="path">{cmd}</code>
                    <button type="button" onClick={() => void copyText(cmd, 'the command')}>
                      <span aria-hidden="true">Copy</span>
                      <span className="visually-hidden">Copy {cmd}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <div className="row end dialog-actions">
            <button type="button" className="primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  const shown = preview.value ?? (preview.checking ? preview.last : null);
  const canRun = !busy && !preview.checking && preview.value !== null && preview.value.conflicts.length === 0;
  return (
    <Dialog title={title} onClose={onClose} wide>
      <form className="stack" onSubmit={run}>
        <p>
          Writes the local settings the site needs to run from {folderName(copy.path)}
          {copy.database ? `, with the database ${copy.database}` : ''}. Files you have are never overwritten.
        </p>
        {wordpress && (
          <div className="field">
            <label htmlFor="setup-url">Local address</label>
            <input
              id="setup-url"
              type="text"
              inputMode="url"
              value={url ?? planned?.rewrite?.to ?? ''}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="http://mysite.local"
              spellCheck={false}
              aria-describedby="setup-url-hint"
            />
            <p id="setup-url-hint" className="hint">
              The site’s addresses in its database are rewritten to this one (in this copy’s database only).
            </p>
          </div>
        )}
        <fieldset>
          <legend>Also write a configuration for</legend>
          <Check checked={ddev} onChange={setDdev}>
            DDEV <span className="hint">(.ddev/config.yaml)</span>
          </Check>
          <Check checked={lando} onChange={setLando}>
            Lando <span className="hint">(.lando.yml)</span>
          </Check>
        </fieldset>
        {preview.error && (
          <ErrorState title="Lifeboat cannot set this copy up" error={{ message: preview.error }} />
        )}
        {shown && <SetupSummary plan={shown} />}
        {error && <ErrorState title="The setup did not finish" error={{ message: error }} />}
        <div className="row end dialog-actions">
          <CheckStatus checking={preview.checking} conflicts={preview.value?.conflicts.length ?? 0} />
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!canRun}>
            {busy ? 'Setting up…' : 'Set up'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
