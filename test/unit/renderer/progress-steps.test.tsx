// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/models';
import { JobsView } from '../../../renderer/src/components/Jobs';
import { useStore } from '../../../renderer/src/store';

afterEach(cleanup);

/** A restore on Pantheon of code and files, as the engine reports it half way: one part per workflow. */
const running: Job = {
  id: 'j1',
  kind: 'pantheon-restore',
  title: 'Restore acme-blog.live on Pantheon from the backup of Nov 29, 00:00 (code and files)',
  state: 'running',
  createdAt: '2026-11-30T10:00:00.000Z',
  finishedAt: null,
  progress: {
    phase: 'importing',
    bytesDone: 15,
    bytesTotal: 15,
    bytesPerSecond: 3,
    etaSeconds: 0,
    parts: [
      { label: 'Restored the code', bytesDone: 11, bytesTotal: 11 },
      { label: 'Restoring the files', bytesDone: 1, bytesTotal: 4 },
    ],
    message: 'Restoring the files',
  },
};

describe('a restore on Pantheon in the jobs panel', () => {
  it('counts workflow steps, per workflow, and never bytes', () => {
    useStore.setState({ jobs: { [running.id]: running } });
    render(<JobsView />);
    const job = screen.getByRole('listitem', { name: running.title });
    expect(job.textContent).toContain('Restoring on Pantheon');
    expect(job.textContent).not.toContain('Importing the database');
    expect(job.textContent).toContain('Restored the code · step 11 of 11');
    expect(job.textContent).toContain('Restoring the files · step 1 of 4');
    expect(job.textContent).not.toMatch(/\d+ B\b|bytes|\/s/);
    const bar = within(job).getByRole('progressbar');
    // The bar follows the workflow that is running, not a sum over workflows of different lengths.
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(bar.getAttribute('aria-valuetext')).toBe('Restoring the files: step 1 of 4');
  });

  it('asks again before a failed restore on Pantheon is retried', () => {
    const failed: Job = {
      ...running,
      state: 'failed',
      finishedAt: '2026-11-30T10:01:00.000Z',
      error: { code: 'network', message: 'Pantheon did not answer.' },
    };
    useStore.setState({ jobs: { [failed.id]: failed } });
    render(<JobsView />);
    fireEvent.click(
      within(screen.getByRole('listitem', { name: failed.title })).getByRole('button', { name: 'Retry' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'Restore on Pantheon again?' });
    const again = within(dialog).getByRole('button', { name: 'Restore again' }) as HTMLButtonElement;
    expect(again.className).toContain('danger');
    // The site's name is typed again, as the first time: one click is never enough.
    expect(again.disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText(/type the site's name/), {
      target: { value: 'acme-blog' },
    });
    expect(again.disabled).toBe(false);
  });
});

describe('a mirror in the jobs panel', () => {
  it('says its total is a lower bound and shows no percentage that could run backwards', () => {
    const mirror: Job = {
      ...running,
      id: 'm1',
      kind: 'mirror',
      title: 'Mirror 12 sites into /srv/mirror',
      progress: {
        phase: 'downloading',
        bytesDone: 3_000_000,
        bytesTotal: 4_000_000,
        bytesPerSecond: 1_000_000,
        etaSeconds: null,
        parts: [],
      },
    };
    useStore.setState({ jobs: { [mirror.id]: mirror } });
    render(<JobsView />);
    const job = screen.getByRole('listitem', { name: mirror.title });
    expect(job.textContent).toMatch(/3(\.0)? MB of at least 4(\.0)? MB/);
    expect(job.textContent).not.toContain('75%');
    expect(within(job).getByRole('progressbar').getAttribute('aria-valuenow')).toBeNull();
  });
});
