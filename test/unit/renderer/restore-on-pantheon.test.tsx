// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupSet, Site } from '../../../shared/models';
import { RestoreOnPantheonDialog } from '../../../renderer/src/components/dialogs';
import { subscribeEvents } from '../../../renderer/src/events';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let unsubscribe: () => void = () => undefined;
beforeAll(async () => {
  app = await realBridge();
  unsubscribe = subscribeEvents();
}, 60_000);
afterAll(async () => {
  unsubscribe();
  await app?.close();
});
afterEach(cleanup);

/** The newest finished backup set of an environment, as the app lists it. */
async function newestSet(site: Site, env: string): Promise<BackupSet> {
  const r = await app.api.backups.list({ accountId: app.accountId, site: site.name, env });
  if (!r.ok) throw new Error(r.error.message);
  const set = r.value.find((s) => s.finished);
  if (!set) throw new Error(`No finished backup of ${site.name}.${env}.`);
  return set;
}

const restoreButton = () => screen.getByRole<HTMLButtonElement>('button', { name: 'Restore on Pantheon' });
const confirmField = () => screen.getByLabelText<HTMLInputElement>(/type the site's name/i);
const type = (value: string) => fireEvent.change(confirmField(), { target: { value } });

describe('Restore on Pantheon dialog', { timeout: 60_000 }, () => {
  it('keeps the restore disabled until the exact site name is typed, case included', async () => {
    const site = await app.site('acme-blog');
    const set = await newestSet(site, 'live');
    render(<RestoreOnPantheonDialog site={site} env="live" set={set} onClose={() => undefined} />);
    expect(restoreButton().disabled).toBe(true);
    for (const wrong of [
      'acme',
      'Acme-blog',
      'ACME-BLOG',
      'acme-blog ',
      ' acme-blog',
      'Acme Blog',
      site.id,
    ]) {
      type(wrong);
      expect(restoreButton().disabled, `typed "${wrong}"`).toBe(true);
    }
    type('acme-blog');
    expect(restoreButton().disabled).toBe(false);
    // Nothing to replace is nothing to confirm.
    for (const name of ['Code', 'Database', 'Files']) fireEvent.click(screen.getByRole('checkbox', { name }));
    expect(restoreButton().disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Files' }));
    expect(restoreButton().disabled).toBe(false);
    // The restore button is never what Enter or the first focus reaches.
    expect(restoreButton().type).toBe('button');
    expect(restoreButton().className).not.toContain('primary');
    expect(document.activeElement).not.toBe(restoreButton());
    expect(app.sandbox.restores).toEqual([]);
  });

  it('says what it replaces: site, environment, the backup in local time, the chosen elements', async () => {
    const site = await app.site('acme-blog');
    const set = await newestSet(site, 'live');
    render(<RestoreOnPantheonDialog site={site} env="live" set={set} onClose={() => undefined} />);
    const dialog = screen.getByRole('dialog', { name: 'Restore acme-blog.live on Pantheon' });
    expect(dialog.textContent).toContain('This overwrites live of Acme Blog on Pantheon.');
    expect(dialog.textContent).toContain(
      'The code, database and files that live has on Pantheon now will be replaced',
    );
    expect(dialog.textContent).toContain('Make a backup of live first');
    const made = Object.values(set.archives).find((a) => a?.date)!.date!;
    expect(dialog.textContent).toContain(
      new Date(made * 1000).toLocaleString(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
      }),
    );
    fireEvent.click(screen.getByRole('checkbox', { name: 'Database' }));
    expect(dialog.textContent).toContain('The code and files that live has on Pantheon now');
  });

  it('once confirmed, restores exactly the chosen archives of that backup on Pantheon, as a job to the end', async () => {
    const site = await app.site('acme-blog');
    const set = await newestSet(site, 'live');
    const before = app.sandbox.restores.length;
    render(<RestoreOnPantheonDialog site={site} env="live" set={set} onClose={() => undefined} />);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Database' }));
    type('acme-blog');
    fireEvent.click(restoreButton());
    await screen.findByText(/acme-blog\.live was restored on Pantheon/, undefined, { timeout: 30_000 });
    expect(app.sandbox.restores.slice(before).map((r) => [r.site, r.env, r.element, r.folder])).toEqual([
      ['acme-blog', 'live', 'code', set.folder],
      ['acme-blog', 'live', 'files', set.folder],
    ]);
    const jobs = await app.api.jobs.list();
    expect(jobs.ok && jobs.value[0]).toMatchObject({ kind: 'pantheon-restore', state: 'succeeded' });
  });

  it("shows the refusal with the Result's message, and restores nothing", async () => {
    const site = await app.site('acme-blog');
    const set = await newestSet(site, 'live');
    // A backup that is no longer in the catalog (deleted on Pantheon since the list was read).
    const gone: BackupSet = { ...set, folder: '1600000000_backup' };
    const before = app.sandbox.restores.length;
    render(<RestoreOnPantheonDialog site={site} env="live" set={gone} onClose={() => undefined} />);
    type('acme-blog');
    fireEvent.click(restoreButton());
    const alert = await screen.findByRole('alert', undefined, { timeout: 15_000 });
    const refused = await app.api.backups.restoreOnPantheon({
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'live',
      folder: gone.folder,
      elements: ['code', 'database', 'files'],
      confirmSiteName: 'acme-blog',
    });
    expect(refused.ok).toBe(false);
    expect(within(alert).getByText(refused.ok ? '' : refused.error.message)).toBeTruthy();
    expect(app.sandbox.restores.length).toBe(before);
  });

  it('is refused for a frozen site, with the reason', async () => {
    const site = await app.site('acme-intranet');
    expect(site.frozen).toBe(true);
    const set = await newestSet(site, 'live');
    render(<RestoreOnPantheonDialog site={site} env="live" set={set} onClose={() => undefined} />);
    expect(screen.getByRole('alert').textContent).toContain('Pantheon does not restore a frozen site');
    expect(confirmField().disabled).toBe(true);
    expect(restoreButton().disabled).toBe(true);
  });
});
