import { useMemo, useState } from 'react';
import type { Job } from '@shared/models';
import { bridge } from '../bridge';
import { localDateTime } from '../lib/format';
import { useStore } from '../store';
import { countsSteps, Dialog, EmptyState, ErrorState, ProgressBar } from './common';

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

/** Every job, newest first: progress while running; cancel, retry (which resumes downloads) and show in folder. */
export function JobsView() {
  const jobsById = useStore((s) => s.jobs);
  const native = useStore((s) => s.nativeShell);
  const toast = useStore((s) => s.toast);
  const upsert = useStore((s) => s.upsertJob);
  const jobs = useMemo(
    () => Object.values(jobsById).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)),
    [jobsById],
  );
  // Retrying a restore on Pantheon replaces the environment there again: asked once more, never one click.
  const [confirmRetry, setConfirmRetry] = useState<Job | null>(null);
  const act = async (kind: 'cancel' | 'retry', job: Job): Promise<void> => {
    const r = await bridge().jobs[kind]({ jobId: job.id });
    if (!r.ok) return toast('error', r.error.message);
    upsert(r.value);
  };
  return (
    <main className="page" aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
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
                {job.state === 'succeeded' && job.outputPath && native && (
                  <button
                    type="button"
                    onClick={() => void bridge().system.showInFolder({ path: job.outputPath! })}
                  >
                    Show in folder
                  </button>
                )}
              </div>
            </div>
            {job.state === 'running' && (
              <ProgressBar
                progress={job.progress}
                label={`Progress of ${job.title}`}
                steps={countsSteps(job.kind)}
              />
            )}
            {job.state === 'succeeded' && job.outputPath && <p className="path">{job.outputPath}</p>}
            {job.error && job.state === 'failed' && <p className="error-text">{job.error.message}</p>}
            {/* A cancel someone asked for is no error: said plainly, and only when it says more than the badge. */}
            {job.state === 'cancelled' && job.error && job.error.message !== 'Cancelled.' && (
              <p className="hint">{job.error.message}</p>
            )}
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
          To confirm, type the site&apos;s name
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
            onClick={() => void retry()}
          >
            Restore again
          </button>
        </div>
      </div>
    </Dialog>
  );
}
