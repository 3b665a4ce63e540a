// @vitest-environment jsdom
// The designer's path: "Download files" named on each backup, and the download dialog saying why Download cannot
// be pressed, with the folder tree as the unpacked folder will be (no files_<env>/ level). Real engine, demo sandbox.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveEntryInfo, BackupSet } from '../../../shared/models';
import { DownloadDialog, folderTree } from '../../../renderer/src/components/dialogs';
import { SiteView } from '../../../renderer/src/components/SiteView';
import { siteKey, useStore } from '../../../renderer/src/store';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
beforeAll(async () => {
  app = await realBridge();
}, 60_000);
afterAll(async () => {
  await app?.close();
});
afterEach(cleanup);

const dir = (path: string): ArchiveEntryInfo => ({ path, type: 'directory', size: 0 });
const file = (path: string, size = 1): ArchiveEntryInfo => ({ path, type: 'file', size });

describe('folderTree', () => {
  it("starts below a files archive's files_<env>/ folder, which the download does not keep", () => {
    const tree = folderTree(
      [
        dir('files_live/'),
        dir('files_live/2024/'),
        file('files_live/2024/a.png', 5),
        dir('files_live/2024/01/'),
      ],
      'files',
    );
    expect(tree).toEqual([
      { path: 'files_live/2024', depth: 0, size: 5 },
      { path: 'files_live/2024/01', depth: 1, size: 0 },
    ]);
  });

  it('shows the top level of an archive without that folder, and of a code archive, as they land on disk', () => {
    expect(folderTree([dir('2024/'), file('2024/a.png'), dir('docs/')], 'files').map((f) => f.path)).toEqual([
      '2024',
      'docs',
    ]);
    expect(
      folderTree(
        [dir('site_live_code/'), dir('site_live_code/wp-content/'), file('site_live_code/x')],
        'code',
      ),
    ).toEqual([
      { path: 'site_live_code', depth: 0, size: 1 },
      { path: 'site_live_code/wp-content', depth: 1, size: 0 },
    ]);
    // Something beside the top folder: nothing is left out, so nothing is hidden.
    expect(
      folderTree([dir('files_live/'), dir('files_live/a/'), file('README.txt')], 'files').map((f) => f.path),
    ).toEqual(['files_live', 'files_live/a']);
  });
});

describe('Download files', { timeout: 60_000 }, () => {
  let set: BackupSet;

  it('is a named action on every backup, disabled only with its reason in words in the row', async () => {
    const site = await app.site('acme-blog');
    render(<SiteView site={site} siteKey={siteKey(app.accountId, site.id)} />);
    const table = await screen.findByRole('table', { name: 'Backups of live' }, { timeout: 15_000 });
    const rows = within(table).getAllByRole('row').slice(1);
    const seen = { enabled: 0, disabled: 0 };
    for (const row of rows) {
      const button = within(row).getByRole<HTMLButtonElement>('button', { name: /^Download files…/ });
      if (!button.disabled) {
        seen.enabled++;
        continue;
      }
      seen.disabled++;
      const why = document.getElementById(button.getAttribute('aria-describedby')!);
      expect(row.contains(why)).toBe(true);
      expect(why!.textContent).toMatch(/^(No files in this backup\.|The files are still being backed up\.)$/);
    }
    // The demo's live has backups with and without a files archive.
    expect(seen.enabled).toBeGreaterThan(0);
    expect(seen.disabled).toBeGreaterThan(0);
    const first = rows.find(
      (r) => !within(r).getByRole<HTMLButtonElement>('button', { name: /^Download files…/ }).disabled,
    )!;
    fireEvent.click(within(first).getByRole('button', { name: /^Download files…/ }));
    expect(screen.getByRole('dialog', { name: 'Download the files archive' })).toBeTruthy();
  });

  it('says beside Download why it cannot be pressed, each time, and not after a tooltip', async () => {
    const site = await app.site('acme-blog');
    const key = siteKey(app.accountId, site.id);
    const r = await app.api.backups.list({ accountId: app.accountId, site: site.name, env: 'live' });
    if (!r.ok) throw new Error(r.error.message);
    set = r.value.find((s) => s.archives.files?.finished)!;
    useStore.setState({ settings: { data: null, loading: false, error: null } });
    render(
      <DownloadDialog
        site={site}
        siteKey={key}
        env="live"
        set={set}
        element="files"
        onClose={() => undefined}
      />,
    );
    const dialog = screen.getByRole('dialog', { name: 'Download the files archive' });
    const download = within(dialog).getByRole<HTMLButtonElement>('button', { name: 'Download' });
    const reason = (): string | null => {
      const id = download.getAttribute('aria-describedby');
      return id ? (document.getElementById(id)?.textContent ?? null) : null;
    };
    expect(download.disabled).toBe(true);
    expect(reason()).toBe('Choose the folder to save into.');

    fireEvent.change(within(dialog).getByLabelText('Save into'), { target: { value: '/tmp/somewhere' } });
    expect(download.disabled).toBe(false);
    expect(reason()).toBeNull();

    fireEvent.click(within(dialog).getByLabelText('Only some folders'));
    expect(download.disabled).toBe(true);
    expect(reason()).toMatch(/^Reading the archive’s folders…$|^Pick at least one folder/);
    const year = await within(dialog).findByRole('checkbox', { name: /^2024\// }, { timeout: 15_000 });
    expect(reason()).toBe('Pick at least one folder to unpack, or choose to unpack everything.');
    expect(within(dialog).queryByRole('checkbox', { name: /^files_live\// })).toBeNull();
    fireEvent.click(year);
    expect(download.disabled).toBe(false);
    expect(reason()).toBeNull();
  });
});
