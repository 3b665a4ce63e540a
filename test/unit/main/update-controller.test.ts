// The desktop app's update flow (electron/main/update-controller.ts) under plain Node. electron-updater's
// autoUpdater needs Electron, which cannot start here: a scripted updater stands in for it, sending its events in
// the order electron-updater 6 sends them (checking, available, progress..., downloaded; `error` before a failed
// check rejects). What this checks is the controller's own behaviour around it.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createUpdateController,
  type UpdateCheck,
  type UpdateController,
} from '../../../electron/main/update-controller';
import type { UpdaterEvent } from '../../../electron/main/update-policy';
import type { Job, UpdateState } from '../../../shared/models';
import { until } from '../../helpers/until';

type ActiveJob = Pick<Job, 'kind' | 'title'>;

let controller: UpdateController | null = null;
afterEach(() => controller?.dispose());

/** A controller over a scripted updater; `script` is what one check does. */
function setup(
  options: {
    offReason?: string | null;
    script?: (send: (e: UpdaterEvent) => void) => Promise<UpdateCheck | null>;
    /** What installing does besides being counted (e.g. electron-updater's `error` event of a failed install). */
    onInstall?: (c: UpdateController) => void;
    settleMs?: number;
    pollMs?: number;
    /** How long listing the jobs takes. */
    jobsDelayMs?: number;
  } = {},
) {
  const emitted: UpdateState[] = [];
  const logs: string[] = [];
  const calls = { check: 0, install: 0, beforeInstall: 0, afterFailedInstall: 0 };
  let active: readonly ActiveJob[] | null = [];
  const c = createUpdateController({
    current: '0.1.0',
    offReason: options.offReason ?? null,
    check: async () => {
      calls.check++;
      return (options.script ?? downloads('0.2.0'))((e) => c.handle(e));
    },
    install: () => {
      calls.install++;
      options.onInstall?.(c);
    },
    activeJobs: async () => {
      if (options.jobsDelayMs) await new Promise((r) => setTimeout(r, options.jobsDelayMs));
      return active;
    },
    beforeInstall: async () => void calls.beforeInstall++,
    afterFailedInstall: () => void calls.afterFailedInstall++,
    emit: (s) => emitted.push(s),
    log: (line) => logs.push(line),
    settleMs: options.settleMs ?? 5,
    pollMs: options.pollMs ?? 20,
  });
  controller = c;
  return { c, emitted, logs, calls, setActive: (jobs: readonly ActiveJob[] | null) => (active = jobs) };
}

/** electron-updater finding `version` and downloading it in the background (autoDownload). */
const downloads =
  (version: string) =>
  async (send: (e: UpdaterEvent) => void): Promise<UpdateCheck> => {
    send({ type: 'checking' });
    send({ type: 'available', version });
    const downloadPromise = (async () => {
      await new Promise((r) => setTimeout(r, 5));
      send({ type: 'progress', percent: 50.5 });
      send({ type: 'downloaded', version });
      return ['/tmp/Lifeboat.zip'];
    })();
    return { isUpdateAvailable: true, updateInfo: { version }, downloadPromise };
  };

/** A check that fails as electron-updater's does: the `error` event, then the rejection. */
const fails =
  (error: Error) =>
  async (send: (e: UpdaterEvent) => void): Promise<UpdateCheck> => {
    send({ type: 'checking' });
    send({ type: 'error', error });
    throw error;
  };

const ready = async (c: UpdateController): Promise<void> => {
  await c.checkAtStart();
  await until('the update to be downloaded', async () => c.state().status === 'ready', 5_000);
};

describe('the update check', () => {
  it('does not run when updates are off, and says why', async () => {
    const { c, calls, logs } = setup({ offReason: 'Updates are off in development: …' });
    await c.checkAtStart();
    expect(calls.check).toBe(0);
    expect(await c.api.checkForUpdates()).toEqual({
      ok: true,
      value: { status: 'unavailable', current: '0.1.0', reason: 'Updates are off in development: …' },
    });
    expect(calls.check).toBe(0);
    expect(logs).toEqual(['[updates] not checking: Updates are off in development: …']);
  });

  it('finds, downloads in the background and tells the windows each step; a later check does not start again', async () => {
    const { c, emitted, calls } = setup();
    await ready(c);
    expect(emitted.map((s) => s.status)).toEqual(['checking', 'available', 'downloading', 'ready']);
    expect(emitted[2]!.percent).toBe(50);
    expect((await c.api.updateState()).ok && c.state()).toMatchObject({ status: 'ready', version: '0.2.0' });
    const again = await c.api.checkForUpdates();
    expect(again).toMatchObject({ ok: true, value: { status: 'ready', version: '0.2.0' } });
    expect(calls.check).toBe(1);
  });

  it('answers a check from Settings with what it found, in words', async () => {
    const { c } = setup({
      script: async (send) => {
        send({ type: 'checking' });
        send({ type: 'not-available', version: '0.1.0' });
        return { isUpdateAvailable: false, updateInfo: { version: '0.1.0' } };
      },
    });
    expect(await c.api.checkForUpdates()).toEqual({
      ok: true,
      value: { status: 'up-to-date', current: '0.1.0', reason: 'Lifeboat 0.1.0 is the newest version.' },
    });
  });

  it('keeps a failed check at start quiet: the state says it, the log has it redacted, nothing throws', async () => {
    const signed =
      'https://objects.githubusercontent.com/a/latest-mac.yml?X-Amz-Signature=s3cr3t&X-Amz-Expires=300';
    const { c, logs } = setup({
      script: fails(Object.assign(new Error(`net::ERR_CONNECTION_RESET for ${signed}`), { code: 'ERR_NET' })),
    });
    await expect(c.checkAtStart()).resolves.toBeUndefined();
    expect(c.state()).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/could not reach GitHub/),
    });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^\[updates\] ERR_NET: net::ERR_CONNECTION_RESET/);
    expect(logs.join('\n')).not.toContain('s3cr3t');
    // A check from Settings tries again.
    expect((await c.api.checkForUpdates()).ok).toBe(true);
  });

  it('does not leave a failed background download as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { c } = setup({
        script: async (send) => {
          send({ type: 'checking' });
          send({ type: 'available', version: '0.2.0' });
          const error = Object.assign(new Error('sha512 checksum mismatch'), {
            code: 'ERR_CHECKSUM_MISMATCH',
          });
          const downloadPromise = new Promise((_, reject) =>
            setTimeout(() => (send({ type: 'error', error }), reject(error)), 5),
          );
          return { isUpdateAvailable: true, updateInfo: { version: '0.2.0' }, downloadPromise };
        },
      });
      await c.checkAtStart();
      await until('the download to fail', async () => c.state().status === 'error', 5_000);
      await new Promise((r) => setTimeout(r, 20));
      expect(c.state().reason).toMatch(/^Lifeboat 0\.2\.0 could not be downloaded\. .*could not be verified/);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('restarting to update', () => {
  it('is refused before an update is ready, and for a request that is not one', async () => {
    const { c, calls } = setup();
    expect(await c.api.restartToUpdate()).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: 'No update is ready to install yet.' },
    });
    expect(await c.api.restartToUpdate({ when: 'tomorrow' } as never)).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(calls.install).toBe(0);
  });

  it('stops the engine, then installs, when no job runs', async () => {
    const { c, calls } = setup();
    await ready(c);
    expect(await c.api.restartToUpdate({ when: 'now' })).toMatchObject({
      ok: true,
      value: { status: 'ready' },
    });
    await until('the install', async () => calls.install === 1, 5_000);
    expect(calls.beforeInstall).toBe(1);
  });

  it('refuses "now" while jobs run, naming them; "when-idle" waits for them and then installs once', async () => {
    const { c, calls, emitted, setActive } = setup();
    await ready(c);
    setActive([{ kind: 'download', title: 'acme-blog live files' }]);
    const refused = await c.api.restartToUpdate({ when: 'now' });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'conflict',
        message: expect.stringMatching(/^A job is still running \(download: acme-blog live files\)/),
        retryable: true,
      },
    });
    const waiting = await c.api.restartToUpdate({ when: 'when-idle' });
    expect(waiting).toMatchObject({ ok: true, value: { status: 'ready', restartPending: true } });
    expect(emitted.at(-1)).toMatchObject({
      restartPending: true,
      reason: expect.stringMatching(/as soon as no job/),
    });
    // A job event while the job still runs: nothing happens.
    c.jobsChanged();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.install).toBe(0);
    // The job ends: the restart goes ahead, once.
    setActive([]);
    c.jobsChanged();
    c.jobsChanged();
    await until('the install', async () => calls.install === 1, 5_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.install).toBe(1);
    expect(calls.beforeInstall).toBe(1);
  });

  it('goes ahead without a job event too (a job of another process ended), and can be called off', async () => {
    const { c, calls, setActive } = setup();
    await ready(c);
    setActive(null); // the jobs could not be listed: no licence to restart
    expect(await c.api.restartToUpdate({ when: 'now' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/could not tell whether jobs are running/) },
    });
    expect((await c.api.restartToUpdate({ when: 'when-idle' })).ok).toBe(true);
    expect(await c.api.restartToUpdate({ when: 'cancel' })).toMatchObject({
      ok: true,
      value: { status: 'ready' },
    });
    expect(c.state().restartPending).toBeUndefined();
    setActive([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(calls.install).toBe(0);
    // Asked again while waiting, the poll finds the jobs gone and restarts.
    setActive([{ kind: 'mirror', title: 'Mirror' }]);
    expect((await c.api.restartToUpdate({ when: 'when-idle' })).ok).toBe(true);
    setActive([]);
    await until('the install', async () => calls.install === 1, 5_000);
  });

  it('waits instead when a job starts between the answer and the install', async () => {
    const { c, calls, setActive } = setup();
    await ready(c);
    // The look that answers finds no job; the look just before quitting finds one that started meanwhile.
    setActive([]);
    const answer = c.api.restartToUpdate({ when: 'now' });
    setActive([{ kind: 'restore', title: 'acme-shop' }]);
    expect(await answer).toMatchObject({ ok: true });
    await until('the restart to wait for the job', async () => c.state().restartPending === true, 5_000);
    expect(calls.install).toBe(0);
    expect(calls.beforeInstall).toBe(0);
  });

  it('called off in the second after the last job ended, or while the jobs are being listed: no restart', async () => {
    const settled = setup({ settleMs: 200, pollMs: 60_000 });
    await ready(settled.c);
    settled.setActive([{ kind: 'download', title: 'acme-blog live files' }]);
    expect((await settled.c.api.restartToUpdate({ when: 'when-idle' })).ok).toBe(true);
    settled.setActive([]);
    settled.c.jobsChanged(); // the settle timer starts
    expect((await settled.c.api.restartToUpdate({ when: 'cancel' })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(settled.calls.install).toBe(0);
    settled.c.dispose();

    const listing = setup({ pollMs: 20, jobsDelayMs: 150 });
    await ready(listing.c);
    listing.setActive([{ kind: 'mirror', title: 'Mirror' }]);
    expect((await listing.c.api.restartToUpdate({ when: 'when-idle' })).ok).toBe(true);
    listing.setActive([]);
    await new Promise((r) => setTimeout(r, 60)); // a poll is now listing the jobs
    expect((await listing.c.api.restartToUpdate({ when: 'cancel' })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(listing.calls.install).toBe(0);
  });

  it('an install that fails after the engine stopped (a cancelled password prompt) starts Lifeboat again and says so', async () => {
    const { c, calls } = setup({
      onInstall: (self) =>
        self.handle({ type: 'error', error: new Error('pkexec: authentication cancelled') }),
    });
    await ready(c);
    expect((await c.api.restartToUpdate({ when: 'now' })).ok).toBe(true);
    await until('the failed install to be handled', async () => calls.afterFailedInstall === 1, 5_000);
    expect(calls).toMatchObject({ beforeInstall: 1, install: 1, afterFailedInstall: 1 });
    expect(c.state()).toMatchObject({
      status: 'ready',
      reason: expect.stringMatching(/^Installing Lifeboat 0\.2\.0 failed: pkexec: authentication cancelled/),
    });
  });
});
