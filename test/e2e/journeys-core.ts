import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { clientFor } from '../helpers/sandbox';
import type { Journey } from './kit';
import { addAccount, expect, expectAccessible } from './fixtures';
import {
  capture,
  DANA,
  firstBackupRow,
  FRAN,
  journey,
  openDownload,
  openSite,
  reviewRestore,
  run,
  sha,
  signIn,
  token,
  trashed,
} from './kit';

/** The first journeys: demo, accounts, restore, local copies, downloads, Pantheon restore, settings. */
export const coreJourneys: Journey[] = [
  journey('first run: the demo sandbox lists sites and search narrows them', async (ctx) => {
    const { page } = ctx;
    await ctx.open();
    await expect(page.getByRole('heading', { name: 'Welcome to Lifeboat' })).toBeVisible();
    await capture(ctx, 'welcome');
    await page.getByRole('button', { name: 'Try the demo sandbox' }).click();
    await expect(
      page.getByRole('list', { name: 'Site list' }).getByRole('button', { name: /Acme Blog/ }),
    ).toBeVisible();
    // Dana sees 9 sites and Fran 6, the three Globex ones both: the demo accounts are listed together, each site once.
    await expect(page.getByText('12 of 12 sites')).toBeVisible();
    await page.getByLabel('Search sites').fill('globex');
    await expect(page.getByText('3 of 12 sites')).toBeVisible();
    await page.getByLabel('Search sites').fill('bakery');
    await expect(page.getByText('1 of 12 sites')).toBeVisible();
    await page.getByLabel('Search sites').fill('');
    await openSite(page, 'Acme Blog');
    await expect(page.getByRole('tab', { name: /live/ })).toHaveAttribute('aria-selected', 'true');
    // Tabs follow the arrow keys.
    await page.getByRole('tab', { name: /live/ }).press('ArrowLeft');
    await expect(page.getByRole('tab', { name: /test/ })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tab', { name: /test/ })).toBeFocused();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('tab', { name: /live/ })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('table', { name: 'Backups of live' })).toBeVisible();
    await capture(ctx, 'sites');
  }),
  journey(
    'accounts: a bad token gets the specific error; good ones list their sites side by side',
    async (ctx) => {
      const { page } = ctx;
      await ctx.open();
      await addAccount(page, 'not-a-real-token-123');
      await expect(page.getByRole('alert')).toContainText('The machine token was rejected by Pantheon');
      await addAccount(page, token(ctx, DANA));
      await expect(
        page.getByRole('list', { name: 'Site list' }).getByRole('button', { name: /Acme Blog/ }),
      ).toBeVisible();
      await page.getByRole('button', { name: 'Accounts' }).click();
      await addAccount(page, token(ctx, FRAN));
      await expect(page.getByRole('list', { name: 'Accounts' }).getByText(FRAN)).toBeVisible();
      await capture(ctx, 'accounts-added');
      await page.getByRole('button', { name: 'Sites' }).click();
      const list = page.getByRole('list', { name: 'Site list' });
      await page.getByLabel('Search sites').fill('fran');
      await expect(list.getByRole('button', { name: /Fran Portfolio/ })).toBeVisible();
      await page.getByLabel('Search sites').fill('acme blog');
      await expect(list.getByRole('button', { name: /Acme Blog/ })).toBeVisible();
    },
  ),
  journey('create a backup (all, 30 days): progress, then the new set at the top', async (ctx) => {
    const { page, sandbox } = ctx;
    await signIn(ctx);
    await openSite(page, 'Acme Events');
    await page.getByRole('button', { name: 'Create backup' }).first().click();
    const dialog = page.getByRole('dialog', { name: /Create a backup/ });
    await dialog.getByLabel('Everything (code, database and files)').check();
    await dialog.getByLabel('1 month').check();
    await capture(ctx, 'create-backup');
    await dialog.getByRole('button', { name: 'Create backup' }).click();
    await expect(dialog.getByRole('progressbar')).toBeVisible();
    await expect(dialog.getByText('The backup is ready')).toBeVisible({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(firstBackupRow(page).getByText('manual')).toBeVisible();
    const client = clientFor(sandbox, DANA);
    const [newest] = await client.listBackupSets(await client.getSite('acme-events'), 'live');
    expect(newest).toMatchObject({ initiator: 'manual' });
    expect(newest!.archives.files!.ttl).toBe(30 * 86400);
  }),
  journey(
    'restore live into a folder: branch at the newest live tag, files in place, database archive, lifeboat.json',
    async (ctx) => {
      const { page, sandbox } = ctx;
      const target = join(ctx.work, 'restores');
      await signIn(ctx);
      await openSite(page, 'Acme Blog');
      const dialog = await reviewRestore(page, target);
      await expect(dialog.getByRole('heading', { name: 'What will happen' })).toBeVisible();
      await capture(ctx, 'restore');
      await dialog.getByRole('button', { name: 'Start restore' }).click();
      await expect(dialog.getByText('Restored. Everything is in place.')).toBeVisible({ timeout: 60_000 });
      const root = join(target, 'acme-blog-live');
      const git = async (...args: string[]) => (await run('git', args, { cwd: root })).stdout.trim();
      expect(await git('rev-parse', '--abbrev-ref', 'HEAD')).toMatch(/^lifeboat\/live-\d{4}-\d\d-\d\d$/);
      expect(await git('describe', '--tags', '--exact-match', 'HEAD')).toBe('pantheon_live_12');
      expect(await readdir(join(root, 'wp-content', 'uploads'))).toContain('2024');
      const db = (await readdir(join(root, 'database')))[0]!;
      expect(await sha(join(root, 'database', db))).toBe(
        (await sandbox.archive('acme-blog', 'live', 'database')).sha256,
      );
      expect(JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8'))).toMatchObject({
        env: 'live',
        code: { tag: 'pantheon_live_12' },
      });
      await dialog.getByRole('button', { name: 'Close' }).click();
      await page.getByRole('button', { name: /^Jobs/ }).click();
      await expect(
        // The job's title (its Clear button and progress bar name it too, for screen readers).
        page.getByRole('list', { name: 'Jobs' }).locator('strong', { hasText: /Restore acme-blog\.live/ }),
      ).toBeVisible();
    },
  ),
  journey(
    'local copies: a restore is listed with its deploy tag and a newer backup; Remove asks with the size and trashes it',
    async (ctx) => {
      const { page, sandbox } = ctx;
      const root = join(ctx.work, 'copies', 'acme-blog-live');
      await signIn(ctx);
      await openSite(page, 'Acme Blog');
      const dialog = await reviewRestore(page, dirname(root));
      await dialog.getByRole('button', { name: 'Start restore' }).click();
      await expect(dialog.getByText('Restored. Everything is in place.')).toBeVisible({ timeout: 60_000 });
      await dialog.getByRole('button', { name: 'Close' }).click();
      // A backup made after the one restored: the copy is no longer the newest live has.
      const client = clientFor(sandbox, DANA);
      const pantheonSite = await client.getSite('acme-blog');
      await client.waitForWorkflow(
        pantheonSite.id,
        await client.createBackup(pantheonSite, 'live', ['code', 'database', 'files']),
      );
      const [newest] = await client.listBackupSets(pantheonSite, 'live');
      const day = new Date(newest!.scheduledFor * 1000).toLocaleDateString('en-US', {
        month: 'short',
        day: 'numeric',
      });

      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('button', { name: 'Local copies' })
        .click();
      const list = page.getByRole('list', { name: 'Local copies' });
      const copy = list.getByRole('listitem').filter({ hasText: root });
      await expect(copy).toHaveCount(1);
      await expect(copy.getByRole('heading', { name: /^Acme Blog acme-blog/ })).toBeVisible();
      await expect(copy).toContainText(/Live, backup of \w+ \d+(, \d{4})?, deploy pantheon_live_12/);
      await expect(copy.getByText(`Newer backup available (${day}`)).toBeVisible();
      // The size the engine measured after the restore, named again when Remove asks.
      const size = (await copy.getByText(/ on disk/).textContent())!.match(/^(.+?) on disk/)![1]!;
      expect(size).toMatch(/^\d+(\.\d)? (bytes|kB|MB|GB)$/);
      // The README's picture shows the view, not the toasts of what led to it.
      const dismiss = page.getByRole('log').getByRole('button', { name: 'Dismiss' });
      while ((await dismiss.count()) > 0) await dismiss.first().click();
      await capture(ctx, 'local-copies');

      // It fits a small window: nothing scrolls sideways and every action of the copy is on screen.
      await page.setViewportSize({ width: 1024, height: 640 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
      for (const name of ['Copy path', 'Remove…'])
        await expect(copy.getByRole('button', { name })).toBeInViewport();

      // By keyboard: Remove opens the question with Cancel focused; Tab, then Enter, moves it to the trash.
      await copy.getByRole('button', { name: 'Remove…' }).focus();
      await page.keyboard.press('Enter');
      const ask = page.getByRole('dialog', { name: 'Move acme-blog-live to the trash?' });
      await expect(ask).toContainText(size);
      await expect(ask).toContainText('goes to the trash');
      await expect(ask).toContainText('No database is touched.');
      await expect(ask.getByRole('button', { name: 'Cancel' })).toBeFocused();
      await expectAccessible(page, 'remove-copy');
      await page.keyboard.press('Tab');
      await expect(ask.getByRole('button', { name: 'Move to the trash' })).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(ask).toBeHidden({ timeout: 30_000 });
      await expect(page.getByText('No local copies yet')).toBeVisible();
      expect(existsSync(root)).toBe(false);
      // Only Linux's trash follows XDG_DATA_HOME (the run's own, see fixtures): on macOS and Windows it is the
      // system's, and the journey checks only that the folder left its place (above).
      if (process.platform === 'linux') {
        const inTrash = await trashed(root, ctx.work);
        expect(inTrash, `${root} in the trash`).not.toBeNull();
        expect(JSON.parse(await readFile(join(inTrash!.entry, 'lifeboat.json'), 'utf8'))).toMatchObject({
          env: 'live',
          code: { tag: 'pantheon_live_12' },
        });
        // A trash outside the run's folder (another disk's) is not left with the test's copy.
        await rm(inTrash!.entry, { recursive: true, force: true });
        await rm(inTrash!.info, { force: true });
      }
    },
  ),
  journey('designer: download only the files archive, with one folder picked from its tree', async (ctx) => {
    const { page, sandbox } = ctx;
    const target = join(ctx.work, 'designer');
    await signIn(ctx);
    await openSite(page, 'Acme Blog');
    const dialog = await openDownload(page, 'files', target);
    await dialog.getByLabel('Only some folders').check();
    await dialog.getByRole('checkbox', { name: /^2024\// }).check();
    await capture(ctx, 'download');
    await dialog.getByRole('button', { name: 'Download' }).click();
    await expect(dialog.getByText('Downloaded and verified.')).toBeVisible({ timeout: 30_000 });
    const archive = (await readdir(target)).find((n) => n.endsWith('_files.tar.gz'))!;
    expect(await sha(join(target, archive))).toBe(
      (await sandbox.archive('acme-blog', 'live', 'files')).sha256,
    );
    // What files_live/ holds, as the tree showed it: no files_live/ level on disk.
    expect(await readdir(join(target, archive.replace('.tar.gz', '')))).toEqual(['2024']);
  }),
  journey('cancel a download half way, resume it, and the result is byte-identical', async (ctx) => {
    const { page, sandbox } = ctx;
    const target = join(ctx.work, 'resume');
    await signIn(ctx);
    await openSite(page, 'Acme Blog');
    sandbox.setFaults({ store: { throttleBytesPerSecond: 30_000, match: '_files.' } });
    const dialog = await openDownload(page, 'files', target);
    await dialog.getByRole('button', { name: 'Download' }).click();
    // The job exists (its progress shows) before the dialog is closed and the Jobs screen looks for it.
    await expect(dialog.getByRole('progressbar')).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: /^Jobs/ }).click();
    const job = page.getByRole('listitem', { name: /Download the files archive of acme-blog.live/ });
    const bar = job.getByRole('progressbar');
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(25);
    // Nearly stall the rest, so a slow screenshot on a loaded machine cannot let the download finish (or reach
    // its verification) before Cancel is clicked: the resume must have bytes left to ask for.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 5_000, match: '_files.' } });
    // The jobs screen for the README, with a download in progress.
    await capture(ctx, 'jobs');
    await job.getByRole('button', { name: 'Cancel' }).click();
    await expect(job.getByText('Cancelled', { exact: true })).toBeVisible();
    expect((await readdir(target)).some((n) => n.endsWith('.part'))).toBe(true);
    sandbox.setFaults({});
    const before = sandbox.requests.length;
    await job.getByRole('button', { name: 'Resume' }).click();
    await expect(job.getByText('Done', { exact: true })).toBeVisible({ timeout: 30_000 });
    // The sandbox logs a request when its response closes, which can lag behind "Done" on a busy machine, and
    // the cancelled (range-less) request may be logged after `before` too: wait for the resumed one, by its Range.
    const resumed = () =>
      sandbox.requests
        .slice(before)
        .filter((r) => r.path.endsWith('_files.tar.gz') && r.method === 'GET' && !r.dropped && r.range)
        .map((r) => r.range);
    await expect.poll(resumed).toEqual([expect.stringMatching(/^bytes=[1-9]\d*-$/)]);
    const archive = (await readdir(target)).find((n) => n.endsWith('_files.tar.gz'))!;
    expect(await sha(join(target, archive))).toBe(
      (await sandbox.archive('acme-blog', 'live', 'files')).sha256,
    );
  }),
  journey('restore opened before the backup list has arrived: the dialog works once it does', async (ctx) => {
    const { page, sandbox } = ctx;
    await signIn(ctx);
    // Every Pantheon answer now takes a while, as on a slow link or a busy machine, so "Restore locally"
    // (shown with the environments) is clicked while the backups are still on their way.
    sandbox.setFaults({ api: { slowMs: 2500 } });
    await openSite(page, 'Acme Blog');
    await page.getByRole('button', { name: 'Restore locally' }).click();
    const dialog = page.getByRole('dialog', { name: /Restore acme-blog\.live/ });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Into the folder').focus();
    // The backups arrive behind the open dialog, and its list of backups to pick from fills in; the person
    // typing the folder meanwhile keeps the focus where it is (a re-render must not move it to the first field,
    // which sends what Playwright's fill types, or a person's typing, elsewhere).
    await expect
      .poll(() => dialog.getByLabel('Backup', { exact: true }).locator('option').count())
      .toBeGreaterThan(2);
    sandbox.setFaults({});
    await expect(dialog.getByLabel('Into the folder')).toBeFocused();
    await dialog.getByLabel('Into the folder').fill(join(ctx.work, 'early'));
    await dialog.getByRole('button', { name: 'Review' }).click();
    await expect(dialog.getByRole('heading', { name: 'What will happen' })).toBeVisible();
  }),
  journey('a non-empty target folder is refused before anything is written', async (ctx) => {
    const { page } = ctx;
    const target = join(ctx.work, 'busy');
    await mkdir(join(target, 'acme-blog-live'), { recursive: true });
    await writeFile(join(target, 'acme-blog-live', 'notes.txt'), 'mine');
    await signIn(ctx);
    await openSite(page, 'Acme Blog');
    await page.getByRole('button', { name: 'Restore locally' }).click();
    const dialog = page.getByRole('dialog', { name: /Restore acme-blog\.live/ });
    await dialog.getByLabel('Into the folder').fill(target);
    // The default is a name that is free (acme-blog-live-2): the one in the way is typed.
    await dialog.getByLabel('New folder name').fill('acme-blog-live');
    await dialog.getByRole('button', { name: 'Review' }).click();
    await expect(dialog.getByRole('alert')).toContainText('already exists and is not empty');
    await expect(dialog.getByRole('button', { name: 'Start restore' })).toBeDisabled();
    expect(await readdir(target)).toEqual(['acme-blog-live']);
    expect(await readdir(join(target, 'acme-blog-live'))).toEqual(['notes.txt']);
  }),
  journey(
    'restore on Pantheon with typed confirmation: the job follows the workflows and Pantheon restored that backup',
    async (ctx) => {
      const { page, sandbox } = ctx;
      await signIn(ctx);
      await openSite(page, 'Acme Blog');
      const client = clientFor(sandbox, DANA);
      const [newest] = await client.listBackupSets(await client.getSite('acme-blog'), 'live');
      await firstBackupRow(page)
        .getByRole('button', { name: /^Restore on Pantheon/ })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Restore acme-blog.live on Pantheon' });
      await expect(dialog).toContainText('This overwrites live of Acme Blog on Pantheon.');
      await expect(dialog).toContainText('Make a backup of live first');
      const restore = dialog.getByRole('button', { name: 'Restore on Pantheon', exact: true });
      const confirm = dialog.getByLabel(/type the site's name/);
      await expect(restore).toBeDisabled();
      await dialog.getByRole('checkbox', { name: 'Database' }).uncheck();
      await confirm.fill('Acme-Blog');
      await expect(restore).toBeDisabled();
      // Enter in the confirmation field starts nothing: the restore is never the default button.
      await confirm.press('Enter');
      await confirm.fill('acme-blog');
      await expect(restore).toBeEnabled();
      await confirm.press('Enter');
      expect(sandbox.restores).toEqual([]);
      await capture(ctx, 'restore-on-pantheon');
      await restore.click();
      await expect(dialog.getByText(/acme-blog\.live was restored on Pantheon/)).toBeVisible({
        timeout: 30_000,
      });
      expect(sandbox.restores.map((r) => [r.site, r.env, r.element, r.folder])).toEqual([
        ['acme-blog', 'live', 'code', newest!.folder],
        ['acme-blog', 'live', 'files', newest!.folder],
      ]);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await page.getByRole('button', { name: /^Jobs/ }).click();
      const job = page.getByRole('listitem', { name: /Restore acme-blog\.live on Pantheon/ });
      await expect(job.getByText('Done', { exact: true })).toBeVisible();
      // A frozen site shows the action, disabled, and says why.
      await page.getByRole('button', { name: 'Sites' }).click();
      await openSite(page, 'Acme Intranet');
      // A Sandbox-plan site: dev is its only environment.
      const frozenRow = page.getByRole('table', { name: 'Backups of dev' }).getByRole('row').nth(1);
      await expect(frozenRow.getByRole('button', { name: /^Restore on Pantheon/ })).toBeDisabled();
      await expect(page.getByText(/Acme Intranet is frozen/)).toBeVisible();
    },
  ),
  journey(
    'SFTP warning before a backup: the uncommitted files are counted, listed and acknowledged',
    async (ctx) => {
      const { page, sandbox } = ctx;
      await signIn(ctx);
      await openSite(page, 'Globex Careers');
      await page.getByRole('tab', { name: /^dev/ }).click();
      await page.getByRole('button', { name: 'Create backup' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Create a backup of globex-careers.dev' });
      const warning = dialog.getByRole('alert');
      await expect(warning).toContainText(
        '3 files changed on dev in SFTP mode are not committed and will not be in this backup.',
      );
      const create = dialog.getByRole('button', { name: 'Create backup' });
      await expect(create).toBeDisabled();
      await warning.getByText('Show the changed files').click();
      await expect(warning.getByRole('list', { name: 'Uncommitted files' }).getByRole('listitem')).toHaveText(
        [
          'wp-content/plugins/job-board/legacy.php',
          'wp-content/themes/careers/style.css',
          'wp-content/uploads/.htaccess',
        ],
      );
      await expectAccessible(page, 'uncommitted-warning');
      await warning.getByLabel('Back up without them').check();
      await create.click();
      await expect(dialog.getByText('The backup is ready')).toBeVisible({ timeout: 30_000 });
      const client = clientFor(sandbox, DANA);
      const [newest] = await client.listBackupSets(await client.getSite('globex-careers'), 'dev');
      expect(newest).toMatchObject({ initiator: 'manual' });
      await dialog.getByRole('button', { name: 'Close' }).click();
      // live is in git mode: nothing to warn about, and nothing to acknowledge.
      await page.getByRole('tab', { name: /^live/ }).click();
      await page.getByRole('button', { name: 'Create backup' }).first().click();
      const live = page.getByRole('dialog', { name: 'Create a backup of globex-careers.live' });
      await expect(live.getByRole('button', { name: 'Create backup' })).toBeEnabled();
      await expect(live.getByRole('alert')).toHaveCount(0);
    },
  ),
  journey('after a reload the job history is still there', async (ctx) => {
    const { page } = ctx;
    await signIn(ctx);
    await openSite(page, 'Acme Blog');
    const dialog = await openDownload(page, 'database', join(ctx.work, 'history'));
    await dialog.getByRole('button', { name: 'Download' }).click();
    await expect(dialog.getByText('Downloaded and verified.')).toBeVisible();
    await page.reload();
    await page.getByRole('button', { name: /^Jobs/ }).click();
    const job = page.getByRole('listitem', { name: /Download the database archive of acme-blog.live/ });
    await expect(job.getByText('Done', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await capture(ctx, 'settings');
  }),
];
