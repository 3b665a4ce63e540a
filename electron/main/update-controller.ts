/**
 * The desktop app's `app` domain of the contract (update state, check, restart) over an updater given as plain
 * functions, so the whole flow runs under plain Node in tests; updates.ts hands it electron-updater's autoUpdater.
 */
import type { AppApi } from '@shared/api/contract';
import { validate } from '@shared/api/schemas';
import type { Job, UpdateState } from '@shared/models';
import { fail, ok, type Result } from '@shared/result';
import { redact } from '../services/log/redact';
import { initialUpdateState, isBusy, reduceUpdate, restartBlocker, type UpdaterEvent } from './update-policy';

/** What electron-updater's checkForUpdates answers, as far as this uses it. */
export interface UpdateCheck {
  readonly isUpdateAvailable?: boolean;
  readonly updateInfo?: { readonly version: string };
  /** The background download (autoDownload); its failure also arrives as an `error` event. */
  readonly downloadPromise?: Promise<unknown> | null;
}

/** The updater and the app around it. */
export interface UpdateControllerOptions {
  /** The version running now. */
  readonly current: string;
  /** Why this copy does not update itself (updatesOffReason), or null. */
  readonly offReason: string | null;
  /** Asks the release provider; resolves once the check is done (null: the updater is not active). */
  readonly check: () => Promise<UpdateCheck | null>;
  /** Quits and installs the downloaded update. */
  readonly install: () => void;
  /** The jobs quitting would stop (queued or running, of every Lifeboat process); null when they cannot be listed. */
  readonly activeJobs: () => Promise<readonly Pick<Job, 'kind' | 'title'>[] | null>;
  /** Runs just before `install`: stops the engine so the journal is written (nothing runs by then). */
  readonly beforeInstall?: () => Promise<void>;
  /**
   * The install failed after `beforeInstall` ran (the updater's `error` event while installing: a cancelled
   * password prompt for the deb, a failed installer): the engine is stopped, so the app must start again.
   */
  readonly afterFailedInstall?: () => void;
  /** Where every change of the state goes (the windows). */
  readonly emit: (state: UpdateState) => void;
  /** Where problems and decisions are logged; every line is redacted first. */
  readonly log: (line: string) => void;
  /** How long after a job changed a pending restart looks again (jobs often change in bursts). */
  readonly settleMs?: number;
  /** How often a pending restart looks again when no job event comes (a CLI job ends in another process). */
  readonly pollMs?: number;
}

/** The update flow of the desktop app. */
export interface UpdateController {
  /** The contract's `app` domain. */
  readonly api: AppApi['app'];
  /** Takes one event of the updater. */
  handle(event: UpdaterEvent): void;
  /** The check at start: never throws; what it finds is only the state (a notice when an update is ready). */
  checkAtStart(): Promise<void>;
  /** A job changed: a restart waiting for the jobs looks whether it can go now. */
  jobsChanged(): void;
  state(): UpdateState;
  /** Stops the timers (tests). */
  dispose(): void;
}

const invalid = (message: string): Result<never> =>
  fail({ code: 'invalid-request', message, retryable: false });

/** The update flow over `options.check` and `options.install`, with the decisions of update-policy.ts. */
export function createUpdateController(options: UpdateControllerOptions): UpdateController {
  const log = (line: string): void => options.log(`[updates] ${redact(line)}`);
  let state = initialUpdateState(options.current, options.offReason);
  let inFlight: Promise<UpdateState> | null = null;
  let installing = false;
  /** beforeInstall has run: the engine is stopped for an install. */
  let engineStopped = false;
  let settle: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;

  const set = (next: UpdateState): void => {
    if (JSON.stringify(next) === JSON.stringify(state)) return;
    state = next;
    if (!state.restartPending && poll) {
      clearInterval(poll);
      poll = undefined;
    }
    options.emit(state);
  };

  /** The engine was stopped for an install that did not happen: say so, and let the app start again. */
  const installFailed = (why: string): void => {
    installing = false;
    engineStopped = false;
    log(`could not restart to update: ${why}`);
    const { restartPending: _, ...rest } = state;
    set({
      ...rest,
      reason: `Installing Lifeboat${state.version ? ` ${state.version}` : ''} failed: ${redact(why)}`,
    });
    options.afterFailedInstall?.();
  };

  const handle = (event: UpdaterEvent): void => {
    if (event.type === 'error') {
      const e = event.error as { code?: unknown; message?: unknown } | null;
      const message = typeof e?.message === 'string' ? e.message : String(event.error);
      log(
        `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${message.split('\n').slice(0, 3).join(' | ')}`,
      );
      // quitAndInstall reports a failed install as an event and does not quit: the app would stay open with
      // its engine stopped and a Restart button that does nothing.
      if (engineStopped) return installFailed(message.split('\n')[0] ?? message);
    }
    set(reduceUpdate(state, event));
  };

  const runCheck = (): Promise<UpdateState> => {
    if (state.status === 'unavailable' || isBusy(state)) return Promise.resolve(state);
    inFlight ??= (async () => {
      try {
        handle({ type: 'checking' });
        const result = await options.check();
        if (result === null) {
          set({
            status: 'unavailable',
            current: options.current,
            reason: 'This build does not update itself.',
          });
        } else {
          // Its failure is reported by the updater's `error` event; unhandled here it would only be noise.
          result.downloadPromise?.catch(() => undefined);
          // The updater's events normally moved the state on already; its answer covers any it did not send.
          if (state.status === 'checking') {
            const version = result.updateInfo?.version;
            handle(
              result.isUpdateAvailable && version
                ? { type: 'available', version }
                : { type: 'not-available' },
            );
          }
        }
      } catch (error) {
        // Usually the `error` event came first and said the same.
        if (state.status === 'checking') handle({ type: 'error', error });
      } finally {
        inFlight = null;
      }
      return state;
    })();
    return inFlight;
  };

  /**
   * Quits and installs, unless a job started meanwhile: then the restart waits for the jobs. `pending`: called by
   * a waiting restart's timers, which go no further once the person called the wait off.
   */
  const installNow = async (pending = false): Promise<void> => {
    if (installing || (pending && !state.restartPending)) return;
    installing = true;
    try {
      const blocker = restartBlocker(await options.activeJobs());
      // Called off while the jobs were being listed.
      if (pending && !state.restartPending) {
        installing = false;
        return;
      }
      if (blocker !== null) {
        installing = false;
        waitForJobs();
        return;
      }
      log(`restarting to install Lifeboat ${state.version ?? ''}`.trim());
      await options.beforeInstall?.();
      engineStopped = true;
      options.install();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (engineStopped) installFailed(why);
      else {
        installing = false;
        log(`could not restart to update: ${why}`);
      }
    }
  };

  const waitForJobs = (): void => {
    if (state.status !== 'ready') return;
    set({
      ...state,
      restartPending: true,
      reason: `Lifeboat ${state.version} is ready: Lifeboat restarts to update as soon as no job is running.`,
    });
    poll ??= setInterval(() => void installNow(true), options.pollMs ?? 30_000);
  };

  const api: AppApi['app'] = {
    updateState: async () => ok(state),
    checkForUpdates: async () => ok(await runCheck()),
    async restartToUpdate(req) {
      const v = validate('restartToUpdate', req);
      if (!v.ok) return invalid(v.message);
      const when = v.value?.when ?? 'now';
      if (when === 'cancel') {
        clearTimeout(settle);
        if (state.restartPending && state.status === 'ready') {
          const { restartPending: _, ...rest } = state;
          set({ ...rest, reason: `Lifeboat ${state.version} is ready: restart Lifeboat to update.` });
        }
        return ok(state);
      }
      if (state.status !== 'ready')
        return invalid(
          state.status === 'unavailable' && state.reason
            ? state.reason
            : 'No update is ready to install yet.',
        );
      if (installing) return ok(state);
      const blocker = restartBlocker(await options.activeJobs());
      if (blocker === null) {
        void installNow();
        return ok(state);
      }
      if (when === 'when-idle') {
        waitForJobs();
        return ok(state);
      }
      return fail({ code: 'conflict', message: blocker, retryable: true });
    },
  };

  return {
    api,
    handle,
    async checkAtStart() {
      if (state.status === 'unavailable') {
        log(`not checking: ${state.reason ?? 'off'}`);
        return;
      }
      await runCheck();
    },
    jobsChanged() {
      if (!state.restartPending || installing) return;
      clearTimeout(settle);
      settle = setTimeout(() => void installNow(true), options.settleMs ?? 1_000);
    },
    state: () => state,
    dispose() {
      clearTimeout(settle);
      if (poll) clearInterval(poll);
      poll = undefined;
    },
  };
}
