// @vitest-environment jsdom
// A job someone cancelled, on the real engine and the demo sandbox: a backup started from its dialog, cancelled,
// then seen in the dialog and on the Jobs page. A cancel is an outcome, not an error.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/models';
import { CreateBackupDialog } from '../../../renderer/src/components/dialogs';
import { JobsView } from '../../../renderer/src/components/Jobs';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let unsubscribe: () => void = () => undefined;
beforeAll(async () => {
  app = await realBridge({ workflowStepMs: 2_000 });
  unsubscribe = subscribeEvents();
}, 60_000);
afterAll(async () => {
  unsubscribe();
  await app?.close();
});
afterEach(cleanup);

/** The error look: red panels, alerts and the generic failure heading. */
function expectNoErrorLook(root: HTMLElement): void {
  expect(within(root).queryByRole('alert')).toBeNull();
  expect(root.querySelector('.state-error, .error-text, .job-failed, .badge-state-failed')).toBeNull();
  expect(root.textContent).not.toContain('Something went wrong');
  expect(root.textContent).not.toContain('It did not work');
}

describe('a job the user cancelled', { timeout: 60_000 }, () => {
  let job: Job;

  it('reads as a neutral "Cancelled" in the dialog that started it', async () => {
    const site = await app.site('acme-blog');
    render(<CreateBackupDialog site={site} env="dev" onClose={() => undefined} />);
    const dialog = screen.getByRole('dialog');
    const create = within(dialog).getByRole<HTMLButtonElement>('button', { name: 'Create backup' });
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    // The workflow takes seconds on this sandbox: the job is still running when it is cancelled.
    await waitFor(() => expect(Object.values(useStore.getState().jobs)).toHaveLength(1));
    const started = Object.values(useStore.getState().jobs)[0]!;
    const r = await app.api.jobs.cancel({ jobId: started.id });
    expect(r.ok).toBe(true);
    await waitFor(() => expect(useStore.getState().jobs[started.id]?.state).toBe('cancelled'));
    job = useStore.getState().jobs[started.id]!;
    const outcome = await within(dialog).findByRole('status');
    expect(outcome.textContent).toContain('Cancelled');
    expect(outcome.className).toContain('state-neutral');
    expectNoErrorLook(dialog);
  });

  it('reads as a neutral "Cancelled" on the Jobs page, with Retry still offered', async () => {
    expect(job?.state).toBe('cancelled');
    act(() => useStore.getState().upsertJob(job));
    render(<JobsView />);
    const card = screen.getByRole('listitem', { name: job.title });
    expect(within(card).getByText('Cancelled').className).toContain('badge-state-cancelled');
    expectNoErrorLook(card);
    expect(within(card).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('still shows a real failure as one', () => {
    const failed: Job = {
      ...job,
      id: `${job.id.slice(0, -4)}ffff`,
      title: `${job.title} (failed)`,
      state: 'failed',
      error: { code: 'server', message: 'Pantheon had a problem.', retryable: true },
    };
    act(() => useStore.getState().upsertJob(failed));
    render(<JobsView />);
    const card = screen.getByRole('listitem', { name: failed.title });
    expect(within(card).getByText('Pantheon had a problem.').className).toContain('error-text');
    expect(within(card).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});
