// @vitest-environment jsdom
// The desktop app's update in the window: the notice under the top bar once an update is downloaded, "Later", the
// Settings row, and a restart that waits for a real running job (a backup on the demo sandbox) instead of stopping
// it. The engine and its jobs are real; the `app` domain is the desktop app's own controller
// (electron/main/update-controller.ts), with a scripted stand-in for electron-updater, which needs Electron.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/App';
import { UpdateNotice, UpdatesSection } from '../../../renderer/src/components/Updates';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { createUpdateController, type UpdateController } from '../../../electron/main/update-controller';
import { isActiveJob } from '../../../electron/main/update-policy';
import type { AppEvents } from '../../../shared/api/events';
import type { LifeboatBridge } from '../../../shared/api/contract';
import { stubMatchMedia } from './match-media';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let controller: UpdateController;
let installs = 0;
let unsubscribe: () => void = () => undefined;
const initial = useStore.getState();

beforeAll(async () => {
  // Each workflow step takes a minute: a backup started here is still running when the restart is asked for.
  app = await realBridge({ workflowStepMs: 60_000 });
  const real = window.lifeboat!;
  const listeners = new Set<(payload: AppEvents['updates.changed']) => void>();
  controller = createUpdateController({
    current: '0.1.0',
    offReason: null,
    // What electron-updater does when the release has 0.2.0: found, downloaded in the background.
    check: async () => {
      controller.handle({ type: 'checking' });
      controller.handle({ type: 'available', version: '0.2.0' });
      controller.handle({ type: 'progress', percent: 100 });
      controller.handle({ type: 'downloaded', version: '0.2.0' });
      return {
        isUpdateAvailable: true,
        updateInfo: { version: '0.2.0' },
        downloadPromise: Promise.resolve([]),
      };
    },
    install: () => void installs++,
    // As electron/main/index.ts asks the engine.
    activeJobs: async () => {
      const r = await app.api.jobs.list();
      return r.ok ? r.value.filter(isActiveJob) : null;
    },
    emit: (update) => listeners.forEach((l) => l({ update })),
    log: () => undefined,
    settleMs: 10,
    pollMs: 200,
  });
  // The desktop shell's bridge: the engine's contract with the main process's own `app` domain and its event.
  const bridge: LifeboatBridge = {
    ...real,
    app: controller.api,
    on(name, listener) {
      if (name !== 'updates.changed') return real.on(name, listener);
      const l = listener as (payload: AppEvents['updates.changed']) => void;
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
  window.lifeboat = bridge;
  // Main tells the controller about every job change, as index.ts does.
  real.on('jobs.updated', () => controller.jobsChanged());
  unsubscribe = subscribeEvents();
}, 60_000);
afterAll(async () => {
  unsubscribe();
  controller?.dispose();
  await app?.close();
});
afterEach(cleanup);

const notice = () => screen.queryByRole('status', { name: 'Update' });

describe('the update notice', { timeout: 60_000 }, () => {
  it('shows nothing in the browser host, whose Settings say updates are the desktop app’s', async () => {
    // The engine's own answer, which the browser host serves.
    const r = await app.api.app.updateState();
    expect(r).toMatchObject({ ok: true, value: { status: 'unavailable' } });
    useStore.setState({ update: r.ok ? r.value : null });
    render(
      <>
        <UpdateNotice />
        <UpdatesSection />
      </>,
    );
    expect(notice()).toBeNull();
    const section = screen.getByRole('region', { name: 'Updates' });
    expect(within(section).getByRole('status').textContent).toMatch(
      /^Updates are managed by the desktop app/,
    );
    expect(within(section).queryByRole('button')).toBeNull();
  });

  it('appears once an update is downloaded; Later puts it off; a restart waits for a running job', async () => {
    useStore.setState({ ...initial }, true);
    stubMatchMedia();
    render(<App />);
    await act(async () => {
      const s = useStore.getState();
      await Promise.all([s.loadAccounts(), s.loadSettings(), s.loadJobs(), s.loadUpdate()]);
    });
    expect(notice()).toBeNull();
    await act(() => controller.checkAtStart());
    const shown = await waitFor(() => notice()!);
    expect(shown.textContent).toContain('Lifeboat 0.2.0 is ready. Restart Lifeboat to update.');
    expect(within(shown).getByRole('button', { name: 'Restart to update' })).toBeTruthy();
    fireEvent.click(within(shown).getByRole('button', { name: 'Later' }));
    expect(notice()).toBeNull();
    expect(installs).toBe(0);

    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    const section = await screen.findByRole('region', { name: 'Updates' });
    expect(within(section).getByRole('status').textContent).toBe(
      'Lifeboat 0.2.0 is ready: restart Lifeboat to update.',
    );
    expect(within(section).getByRole('button', { name: 'Restart to update' })).toBeTruthy();

    // With a job running, Lifeboat restarts only once it has finished, and says so.
    const site = await app.site('acme-blog');
    const started = await app.api.backups.create({
      accountId: app.accountId,
      site: site.id,
      env: 'dev',
      elements: ['code'],
      keepForDays: 7,
    });
    if (!started.ok) throw new Error(started.error.message);
    // The window knows the job runs: it offers to restart once jobs finish, not now.
    const later = await within(section).findByRole('button', { name: 'Restart when jobs finish' });
    expect(within(section).queryByRole('button', { name: 'Restart to update' })).toBeNull();
    // And the main side refuses "now" on its own, naming the job.
    expect(await controller.api.restartToUpdate({ when: 'now' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining(`backup: ${started.value.title}`) },
    });

    fireEvent.click(later);
    await waitFor(() =>
      expect(within(section).getByRole('status').textContent).toBe(
        'Lifeboat 0.2.0 is ready: Lifeboat restarts to update as soon as no job is running.',
      ),
    );
    // Put off with Later before, the notice is back while a restart waits, with the way to call it off.
    const back = await waitFor(() => notice()!);
    expect(back.textContent).toContain('Lifeboat restarts to update as soon as no job is running.');
    expect(within(back).getByRole('button', { name: 'Don’t restart' })).toBeTruthy();
    expect(installs).toBe(0);

    // The job ends (cancelled here): the restart goes ahead, once.
    expect((await app.api.jobs.cancel({ jobId: started.value.id })).ok).toBe(true);
    await waitFor(() => expect(installs).toBe(1), { timeout: 10_000 });
  });
});
