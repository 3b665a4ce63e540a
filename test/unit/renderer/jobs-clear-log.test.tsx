// @vitest-environment jsdom
// The Jobs page on the real engine and the demo sandbox (issue 10 §3): a finished card can be cleared, one or all
// finished at once, never a running one; each card folds out the log of its phases with their times.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/models';
import { JobsView } from '../../../renderer/src/components/Jobs';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let unsubscribe: () => void = () => undefined;
beforeAll(async () => {
  // Workflows take seconds here: a backup being created is still running while the test looks at it.
  app = await realBridge({ workflowStepMs: 2_000 });
  unsubscribe = subscribeEvents();
}, 60_000);
afterAll(async () => {
  unsubscribe();
  await app?.close();
});
afterEach(cleanup);

const ok = async <T,>(r: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>) => {
  const res = await r;
  if (!res.ok) throw new Error(res.error.message);
  return res.value;
};

describe('the Jobs page', { timeout: 60_000 }, () => {
  let download: Job;
  let failed: Job;
  let running: Job;

  it('folds out the log of a finished job: its phases, what they said, and when', async () => {
    const sets = await ok(app.api.backups.list({ accountId: app.accountId, site: 'acme-blog', env: 'live' }));
    const folder = sets.find((s) => s.finished && s.archives.database)!.folder;
    download = await ok(
      app.api.restores.download({
        accountId: app.accountId,
        site: 'acme-blog',
        env: 'live',
        folder,
        element: 'database',
        targetDir: app.dataDir,
      }),
    );
    // A job whose plan cannot run fails at once, as a real failure.
    failed = await app.engine.jobs.submit('download', 'Download the code archive of acme-blog.dev', {});
    await app.engine.jobs.wait(download.id);
    await app.engine.jobs.wait(failed.id);
    await act(() => useStore.getState().loadJobs());
    render(<JobsView />);
    const card = screen.getByRole('listitem', { name: download.title });
    const log = within(card).getByText(/^Log/).closest('details')!;
    expect(log.open).toBe(false);
    fireEvent.click(within(log).getByText(/^Log/));
    // Drawn once opened (the toggle event comes a moment later).
    const lines = (await within(log).findAllByRole('listitem')).map((li) => li.textContent);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d Queued$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d Started$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d Downloading: Downloading \S+\.sql\.gz$/),
    );
    expect(lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d Done$/);
    // Each time is the real moment, machine-readable too.
    for (const t of within(log).getAllByText(/^\d\d:\d\d:\d\d$/))
      expect(Number.isNaN(Date.parse(t.getAttribute('datetime')!))).toBe(false);
    const failedCard = screen.getByRole('listitem', { name: failed.title });
    fireEvent.click(within(failedCard).getByText(/^Log/));
    expect((await within(failedCard).findAllByRole('listitem')).at(-1)!.textContent).toMatch(
      /^\d\d:\d\d:\d\d Failed: This job's saved plan is not valid/,
    );
  });

  it('clears one finished card, from the journal too', async () => {
    render(<JobsView />);
    fireEvent.click(screen.getByRole('button', { name: `Clear ${failed.title}` }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: failed.title })).toBeNull());
    expect(screen.getByRole('listitem', { name: download.title })).toBeTruthy();
    expect((await app.engine.jobs.list()).map((j) => j.id)).not.toContain(failed.id);
  });

  it('clears every finished card at once, and never a running one (which offers no Clear)', async () => {
    running = await ok(
      app.api.backups.create({
        accountId: app.accountId,
        site: 'acme-blog',
        env: 'dev',
        elements: ['database'],
        keepForDays: 1,
      }),
    );
    await waitFor(() => expect(useStore.getState().jobs[running.id]?.state).toBe('running'));
    render(<JobsView />);
    const runningCard = screen.getByRole('listitem', { name: running.title });
    expect(within(runningCard).queryByRole('button', { name: /^Clear/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Clear finished' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: download.title })).toBeNull());
    expect(screen.getByRole('listitem', { name: running.title })).toBeTruthy();
    expect((await app.engine.jobs.list()).map((j) => j.id)).toEqual([running.id]);
    // With nothing finished left, there is nothing to clear.
    expect(screen.queryByRole('button', { name: 'Clear finished' })).toBeNull();
    await ok(app.api.jobs.cancel({ jobId: running.id }));
  });
});
