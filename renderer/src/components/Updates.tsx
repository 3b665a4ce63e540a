import type { UpdateState } from '@shared/models';
import { useStore } from '../store';

/** Queued and running jobs: what quitting to install an update would stop. */
const useRunningJobs = (): number =>
  useStore((s) => Object.values(s.jobs).filter((j) => j.state === 'running' || j.state === 'queued').length);

/** What Settings says about updates, from the state the main side sent. */
export function updateWords(update: UpdateState | null, checking: boolean): string {
  if (checking || update?.status === 'checking') return 'Checking for updates…';
  if (!update) return 'Lifeboat could not tell whether updates are available.';
  if (update.reason) return update.reason;
  switch (update.status) {
    case 'idle':
      return 'Lifeboat looks for updates each time it starts.';
    case 'up-to-date':
      return `Lifeboat ${update.current} is the newest version.`;
    case 'available':
    case 'downloading':
      return `Downloading Lifeboat ${update.version ?? 'update'}${update.percent !== undefined ? `: ${update.percent}%` : ''}.`;
    case 'ready':
      return `Lifeboat ${update.version ?? 'update'} is ready: restart Lifeboat to update.`;
    case 'error':
      return 'The last update check failed.';
    case 'unavailable':
      return 'This Lifeboat does not update itself.';
  }
}

/**
 * The restart choices for a downloaded update: at once when no job runs; otherwise "when they finish" (quitting
 * would stop them), and a restart that waits can be called off.
 */
function RestartButtons({ update, running }: { update: UpdateState; running: number }) {
  const restart = useStore((s) => s.restartToUpdate);
  if (update.restartPending)
    return (
      <button type="button" onClick={() => void restart('cancel')}>
        Don’t restart
      </button>
    );
  return running > 0 ? (
    <button type="button" className="primary" onClick={() => void restart('when-idle')}>
      Restart when jobs finish
    </button>
  ) : (
    <button type="button" className="primary" onClick={() => void restart('now')}>
      Restart to update
    </button>
  );
}

/**
 * The calm notice of a downloaded update, under the top bar: restart now (never while jobs run: then it offers to
 * restart once they finish) or later (it installs when Lifeboat quits). Nothing shows for a failed check.
 */
export function UpdateNotice() {
  const update = useStore((s) => s.update);
  const later = useStore((s) => s.updateLater);
  const problem = useStore((s) => s.updateProblem);
  const putOff = useStore((s) => s.updateLaterFor);
  const running = useRunningJobs();
  if (update?.status !== 'ready' || (later === update.version && !update.restartPending)) return null;
  const jobs = running === 1 ? 'A job is running' : `${running} jobs are running`;
  return (
    <div className="update-notice" role="status" aria-label="Update">
      <p>
        <strong>Lifeboat {update.version} is ready.</strong>{' '}
        {update.restartPending
          ? 'Lifeboat restarts to update as soon as no job is running.'
          : running > 0
            ? `${jobs}: restarting now would stop ${running === 1 ? 'it' : 'them'}.`
            : 'Restart Lifeboat to update.'}
        {problem && <span className="update-problem"> {problem}</span>}
      </p>
      <div className="row">
        <RestartButtons update={update} running={running} />
        {!update.restartPending && (
          <button type="button" onClick={() => putOff(update.version ?? '')}>
            Later
          </button>
        )}
      </div>
    </div>
  );
}

/** Settings → Updates: where this Lifeboat stands, a check on demand, and the restart when one is ready. */
export function UpdatesSection() {
  const update = useStore((s) => s.update);
  const checking = useStore((s) => s.updateChecking);
  const problem = useStore((s) => s.updateProblem);
  const check = useStore((s) => s.checkForUpdates);
  const running = useRunningJobs();
  const status = update?.status;
  const busy = checking || status === 'checking' || status === 'available' || status === 'downloading';
  return (
    <section className="card stack" aria-labelledby="updates-title">
      <h2 id="updates-title">Updates</h2>
      {update && update.status !== 'unavailable' && (
        <p className="hint">This is Lifeboat {update.current}.</p>
      )}
      <p id="updates-status" role="status">
        {updateWords(update, checking)}
      </p>
      {problem && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        {update && status !== 'unavailable' && status !== 'ready' && (
          <button
            type="button"
            onClick={() => void check()}
            disabled={busy}
            aria-describedby="updates-status"
          >
            Check for updates
          </button>
        )}
        {update && status === 'ready' && <RestartButtons update={update} running={running} />}
      </div>
    </section>
  );
}
