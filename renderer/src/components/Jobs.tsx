import { useMemo, useState } from 'react';
import type { Job, JobLogEntry } from '@shared/models';
import { bridge } from '../bridge';
import { localDateTime } from '../lib/format';
import { useStore } from '../store';
import { countsSteps, describedBy, Dialog, EmptyState, ErrorState, ProgressBar } from './common';
import { CopyActions } from './dialogs';

const PHASE: Record<Job['progress']['phase'], string> = {
  queued: 'Waiting',
  'creating-backup': 'Creating backup on Pantheon',
  downloading: 'Downloading',
  verifying: 'Verifying',
  extracting: 'Extracting',
  'checking-out': 'Checking out',
  importing: 'Importing the database',
  finishing: 'Finishing',
};

const STATE: Record<Job['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** What a running job is doing, in words: a restore on Pantheon is not an import into a local database. */
const phaseOf = (job: Job): string =>
  job.kind === 'pantheon-restore' && job.progress.phase !== 'queued'
    ? 'Restoring on Pantheon'
    : PHASE[job.progress.phase];

const finished = (job: Job): boolean => job.state !== 'running' && job.state !== 'queued';

/** A line of a job's log in words: what it started, what it was doing, how it ended. */
function logWords(line: JobLogEntry): string {
  const said = line.message ? `: ${line.message}` : '';
  switch (line.state) {
    case 'queued':
      return line.message === 'Retried' ? 'Queued again (retried)' : `Queued${said}`;
    case 'running':
      return `Started${said}`;
    case 'succeeded':
      return `Done${said}`;
    case 'failed':
      return `Failed${said}`;
    case 'cancelled':
      return `Cancelled${line.message && line.message !== 'Cancelled.' ? said : ''}`;
    default:
      return `${PHASE[line.phase]}${said}`;
  }
}

/** The clock time of a log line; the date too when the line is not of the day the job started. */
function logTime(iso: string, started: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  if (d.toDateString() !== new Date(started).toDateString()) return localDateTime(d.getTime() / 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The phases a job went through, with their times: folded away until asked for (and only then drawn). */
function JobLog({ job }: { readonly job: Job }) {
  const [open, setOpen] = useState(false);
  const log = job.log ?? [];
  if (log.length === 0) return null;
  return (
    <details className="job-log" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Log <span className="visually-hidden">of {job.title}</span> ({log.length}{' '}
        {log.length === 1 ? 'line' : 'lines'})
      </summary>
      {open && (
        <ol aria-label={`Log of ${job.title}`}>
          {log.map((line, i) => (
            <li key={i}>
              <time dateTime={line.at}>{logTime(line.at, job.createdAt)}</time> {logWords(line)}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}

/**
 * Every job, newest first: progress while running; cancel, retry (which resumes downloads), show in folder, the
 * log of its phases, and clearing finished cards (one, or all of them; a running job is never cleared).
 */
export function JobsView() {
  const jobsById = useStore((s) => s.jobs);
  const native = useStore((s) => s.nativeShell);
  const toast = useStore((s) => s.toast);
  const upsert = useStore((s) => s.upsertJob);
  const loadJobs = useStore((s) => s.loadJobs);
  const jobs = useMemo(
    () => Object.values(jobsById).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)),
    [jobsById],
  );
  const anyFinished = jobs.some(finished);
  const clear = async (job?: Job): Promise<void> => {
    const r = await bridge().jobs.clear(job ? { jobId: job.id } : undefined);
    if (!r.ok) return toast('error', r.error.message);
    // The list as the journal has it now: the cleared jobs are gone, from every window's history.
    await loadJobs();
  };
  // Retrying a restore on Pantheon replaces the environment there again: asked once more, never one click.
  const [confirmRetry, setConfirmRetry] = useState<Job | null>(null);
  const act = async (kind: 'cancel' | 'retry', job: Job): Promise<void> => {
    const r = await bridge().jobs[kind]({ jobId: job.id });
    if (!r.ok) return toast('error', r.error.message);
    upsert(r.value);
  };
  return (
    <main className="page" aria-labelledby="jobs-title">
      <div className="row spread">
        <h1 id="jobs-title">Jobs</h1>
        {anyFinished && (
          <button type="button" onClick={() => void clear()}>
            Clear finished
          </button>
        )}
      </div>
      {jobs.length === 0 && (
        <EmptyState title="No jobs yet">
          Backups, downloads and restores you start show up here, with their progress.
        </EmptyState>
      )}
      <ul className="card-list" aria-label="Jobs">
        {jobs.map((job) => (
          <li key={job.id} className={`card job job-${job.state}`} aria-label={job.title}>
            <div className="row spread">
              <div>
                <strong>{job.title}</strong>
                <div className="hint">
                  <span className={`badge badge-state-${job.state}`}>{STATE[job.state]}</span>{' '}
                  {job.state === 'running' && phaseOf(job)} · started{' '}
                  {localDateTime(Date.parse(job.createdAt) / 1000)}
                </div>
              </div>
              <div className="row">
                {(job.state === 'running' || job.state === 'queued') && (
                  <button type="button" onClick={() => void act('cancel', job)}>
                    Cancel
                  </button>
                )}
                {(job.state === 'failed' || job.state === 'cancelled') && (
                  <button
                    type="button"
                    onClick={() =>
                      job.kind === 'pantheon-restore' ? setConfirmRetry(job) : void act('retry', job)
                    }
                  >
                    {job.kind === 'create-backup' || job.kind === 'pantheon-restore' ? 'Retry' : 'Resume'}
                  </button>
                )}
                {job.state === 'succeeded' && job.outputPath && native && job.kind !== 'restore' && (
                  <button
                    type="button"
                    onClick={() => void bridge().system.showInFolder({ path: job.outputPath! })}
                  >
                    Show in folder
                  </button>
                )}
                {finished(job) && (
                  <button type="button" onClick={() => void clear(job)}>
                    Clear <span className="visually-hidden">{job.title}</span>
                  </button>
                )}
              </div>
            </div>
            {job.state === 'running' && (
              <ProgressBar
                progress={job.progress}
                label={`Progress of ${job.title}`}
                steps={countsSteps(job.kind)}
                atLeast={job.kind === 'mirror'}
              />
            )}
            {job.state === 'succeeded' && job.outputPath && <p className="path">{job.outputPath}</p>}
            {/* A restore made a local copy: what to do next with it, as its dialog offered when it ended. */}
            {job.state === 'succeeded' && job.kind === 'restore' && job.outputPath && (
              <CopyActions path={job.outputPath} />
            )}
            {job.error && job.state === 'failed' && <p className="error-text">{job.error.message}</p>}
            {/* A cancel someone asked for is no error: said plainly, and only when it says more than the badge. */}
            {job.state === 'cancelled' && job.error && job.error.message !== 'Cancelled.' && (
              <p className="hint">{job.error.message}</p>
            )}
            <JobLog job={job} />
          </li>
        ))}
      </ul>
      {confirmRetry && (
        <RetryOnPantheon
          job={confirmRetry}
          onClose={() => setConfirmRetry(null)}
          onStarted={(job) => {
            setConfirmRetry(null);
            upsert(job);
          }}
        />
      )}
    </main>
  );
}

/**
 * Retrying a restore on Pantheon replaces the environment there again, so it asks for the site's name as the first
 * time did; the main side checks it against the site as Pantheon names it now, not against the stored job.
 */
function RetryOnPantheon({
  job,
  onClose,
  onStarted,
}: {
  readonly job: Job;
  readonly onClose: () => void;
  readonly onStarted: (job: Job) => void;
}) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const retry = async (): Promise<void> => {
    setBusy(true);
    const r = await bridge().jobs.retry({ jobId: job.id, confirmSiteName: typed });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    onStarted(r.value);
  };
  return (
    <Dialog title="Restore on Pantheon again?" onClose={onClose}>
      <div className="stack">
        <p>
          {job.title}. Running it again replaces what the environment has on Pantheon now, including anything
          changed there since.
        </p>
        <label>
          <span id="retry-confirm-why">To confirm, type the site&apos;s name</span>
          <input
            type="text"
            value={typed}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => {
              setTyped(e.target.value);
              setError(null);
            }}
          />
        </label>
        {error && <ErrorState title="The restore did not start again" error={{ message: error }} />}
        <div className="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            disabled={busy || typed.trim() === ''}
            {...describedBy(typed.trim() === '' ? 'retry-confirm-why' : null)}
            onClick={() => void retry()}
          >
            Restore again
          </button>
        </div>
      </div>
    </Dialog>
  );
}
