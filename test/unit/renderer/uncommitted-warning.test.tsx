// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CreateBackupDialog } from '../../../renderer/src/components/dialogs';
import { subscribeEvents } from '../../../renderer/src/events';
import { clientFor, FRAN } from '../../helpers/sandbox';
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

const createButton = () => screen.getByRole<HTMLButtonElement>('button', { name: 'Create backup' });
const WARNING = '3 files changed on dev in SFTP mode are not committed and will not be in this backup.';
/** Waits until the dialog has heard back about uncommitted changes. */
const checked = () =>
  waitFor(() => expect(screen.queryByText(/Checking for uncommitted changes/)).toBeNull(), {
    timeout: 15_000,
  });

describe('uncommitted SFTP changes before a backup', { timeout: 60_000 }, () => {
  it('names the count, shows the paths, and needs an explicit go-ahead before the backup starts', async () => {
    const site = await app.site('globex-careers');
    render(<CreateBackupDialog site={site} env="dev" onClose={() => undefined} />);
    // The dialog is usable at once; only its create button waits for the check.
    expect(screen.getByRole('status').textContent).toContain('Checking for uncommitted changes');
    expect(screen.getByRole<HTMLInputElement>('radio', { name: '1 month' }).disabled).toBe(false);
    expect(createButton().disabled).toBe(true);
    const alert = await screen.findByRole('alert', undefined, { timeout: 15_000 });
    expect(alert.querySelector('strong')!.textContent).toBe(WARNING);
    expect(createButton().disabled).toBe(true);
    const paths = [...screen.getByRole('list', { name: 'Uncommitted files' }).querySelectorAll('li')].map(
      (li) => li.textContent,
    );
    expect(paths).toEqual([
      'wp-content/plugins/job-board/legacy.php',
      'wp-content/themes/careers/style.css',
      'wp-content/uploads/.htaccess',
    ]);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Back up without them' }));
    expect(createButton().disabled).toBe(false);
    fireEvent.click(createButton());
    await screen.findByText(/The backup is ready/, undefined, { timeout: 30_000 });
    const client = clientFor(app.sandbox, FRAN);
    const [newest] = await client.listBackupSets(await client.getSite('globex-careers'), 'dev');
    expect(newest).toMatchObject({ initiator: 'manual' });
  });

  it('does not warn about a backup of only the database: the changes are code', async () => {
    const site = await app.site('globex-careers');
    render(<CreateBackupDialog site={site} env="dev" onClose={() => undefined} />);
    await screen.findByRole('alert', undefined, { timeout: 15_000 });
    fireEvent.click(screen.getByRole('radio', { name: 'Database' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(createButton().disabled).toBe(false);
    fireEvent.click(screen.getByRole('radio', { name: 'Code' }));
    expect(screen.getByRole('alert')).toBeTruthy();
    expect(createButton().disabled).toBe(true);
  });

  it('says nothing for a git-mode environment (null) or a clean SFTP one', async () => {
    for (const [name, env] of [
      ['globex-careers', 'live'],
      ['acme-blog', 'dev'],
    ] as const) {
      const site = await app.site(name);
      const r = await app.api.environments.uncommitted({ accountId: app.accountId, siteId: name, env });
      expect(r.ok && (r.value === null || r.value.files === 0), `${name}.${env}`).toBe(true);
      render(<CreateBackupDialog site={site} env={env} onClose={() => undefined} />);
      await checked();
      expect(screen.queryByRole('alert')).toBeNull();
      expect(createButton().disabled).toBe(false);
      cleanup();
    }
  });
});
