// Local copies that stay current and run (issue 10 §1-2): Update from a newer backup, and Set up to run locally
// with the URLs rewritten in the copy's own database.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Page } from '@playwright/test';
import * as tar from 'tar';
import type { Sandbox } from '../../electron/sandbox';
import { mariadbUnavailable, startMariaDb } from '../helpers/mariadb';
import { clientFor } from '../helpers/sandbox';
import { expect, test } from './fixtures';
import type { Journey } from './kit';
import { capture, DANA, journey, openSite, reviewRestore, run, signIn } from './kit';

/** The size every journey here checks its dialogs at: a small laptop's window. */
const SMALL = { width: 1024, height: 640 };

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * What live has after a deploy and an edit on the site, served for its backups from now on: the code at the next
 * deploy, pantheon_live_13, and the files with one image changed, one deleted and one added. Returns the paths
 * (inside the files archive's top folder) of the changed and the deleted one.
 */
async function deployAndEditLive(
  sandbox: Sandbox,
  work: string,
): Promise<{ changed: string; deleted: string; added: string }> {
  const dir = await mkdtemp(join(work, 'next-live-'));
  // A deploy to live: its API names pantheon_live_13 from now on, and its code archive carries it (beside every
  // earlier tag). The files, edited on the site, are served for live's backups from now on.
  expect(sandbox.deploy('acme-blog', 'live')).toBe('pantheon_live_13');
  const files = join(dir, 'files');
  await mkdir(files);
  // node-tar, not a tar program: Windows's PATH may find Git's GNU tar first, which takes C: for a remote host.
  await tar.x({ file: (await sandbox.archive('acme-blog', 'live', 'files')).path, cwd: files });
  const [filesTop] = await readdir(files);
  const all = (await filesUnder(join(files, filesTop!))).filter((f) => f.endsWith('.png'));
  const [changed, deleted] = all as [string, string];
  await writeFile(join(files, filesTop!, changed), 'a new version of this image');
  await rm(join(files, filesTop!, deleted));
  const added = join(dirname(changed), 'added-after-the-restore.txt');
  await writeFile(join(files, filesTop!, added), 'new on live');
  await tar.c({ gzip: true, file: join(dir, 'files.tar.gz'), cwd: files }, [filesTop!]);

  sandbox.serveArchive('acme-blog', 'live', 'files', join(dir, 'files.tar.gz'));
  return { changed, deleted, added };
}

/** Makes a new backup of live on the sandbox and waits for it: the copy is no longer the newest live has. */
async function newerBackup(sandbox: Sandbox): Promise<void> {
  const client = clientFor(sandbox, DANA);
  const site = await client.getSite('acme-blog');
  await client.waitForWorkflow(
    site.id,
    await client.createBackup(site, 'live', ['code', 'database', 'files']),
  );
}

/**
 * Restores Acme Blog's live into `parent` from the restore dialog and waits for it; with `importDatabase`, the
 * database is imported too (ticked before the review, so the review is of the whole restore).
 */
async function restoreLive(page: Page, parent: string, importDatabase = false): Promise<void> {
  await openSite(page, 'Acme Blog');
  let dialog;
  if (importDatabase) {
    await expect(page.getByRole('table', { name: 'Backups of live' })).toBeVisible();
    await page.getByRole('button', { name: 'Restore locally' }).click();
    dialog = page.getByRole('dialog', { name: /Restore acme-blog\.live/ });
    await dialog.getByLabel('Into the folder').fill(parent);
    await dialog.getByLabel('Import it into my local database').check();
    await dialog.getByRole('button', { name: 'Review' }).click();
  } else dialog = await reviewRestore(page, parent);
  await expect(dialog.getByRole('heading', { name: 'What will happen' })).toBeVisible({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Start restore' }).click();
  await expect(dialog.getByText('Restored. Everything is in place.')).toBeVisible({ timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
}

/** The Local copies view, and the card of the copy in `root`. */
async function copyCard(page: Page, root: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Local copies' }).click();
  const card = page
    .getByRole('list', { name: 'Local copies' })
    .getByRole('listitem')
    .filter({ hasText: root });
  await expect(card).toHaveCount(1);
  return card;
}

/** Dismisses the toasts, so that a screenshot shows the screen and not what led to it. */
async function dismissToasts(page: Page): Promise<void> {
  const dismiss = page.getByRole('log').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

export const copiesJourneys: Journey[] = [
  journey(
    'update a local copy: a newer backup (new deploy, changed files) is previewed, applied, the replaced files kept aside',
    async (ctx) => {
      const { page, sandbox } = ctx;
      const parent = join(ctx.work, 'sites');
      const root = join(parent, 'acme-blog-live');
      await signIn(ctx);
      await restoreLive(page, parent);
      const uploads = join(root, 'wp-content', 'uploads');
      const before = await filesUnder(uploads);

      const live = await deployAndEditLive(sandbox, ctx.work);
      await newerBackup(sandbox);
      // The files archive's paths, below its top folder (files_live/), are the copy's below wp-content/uploads.
      const { changed, deleted } = live;
      expect(before).toEqual(expect.arrayContaining([changed, deleted]));
      const oldChanged = await readFile(join(uploads, changed));

      await page.setViewportSize(SMALL);
      const card = await copyCard(page, root);
      await expect(card.getByText(/Newer backup available/)).toBeVisible({ timeout: 20_000 });
      await dismissToasts(page);
      // Keyboard: Update… is reached and opened from the card.
      await card.getByRole('button', { name: 'Update…' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Update acme-blog-live' });
      await expect(dialog.getByRole('heading', { name: 'What will happen' })).toBeVisible({
        timeout: 30_000,
      });
      const start = dialog.getByRole('button', { name: 'Start update' });
      await expect(start).toBeEnabled();
      await expect(start).toBeInViewport();
      await capture(ctx, 'update-copy');
      await start.click();
      await expect(dialog.getByText('Updated. Everything is in place.')).toBeVisible({ timeout: 90_000 });
      const now = dialog.getByLabel('The copy now');
      await expect(now).toContainText('Deploy tagpantheon_live_13');
      const branch = (await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: root })).stdout.trim();
      await expect(now).toContainText(`Branch${branch} (checked out)`);
      // What it did to the files, and where the replaced ones are (checked on disk below).
      await expect(dialog).toContainText('1 added, 1 replaced, 1 removed');
      await expect(dialog).toContainText(/The 2 replaced or removed files are kept in .*uploads\.before-/);
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();

      // The card says where the copy is now.
      await expect(card).toContainText(/deploy pantheon_live_13/);
      await expect(card.getByText(/Newer backup available/)).toHaveCount(0);

      // On disk: the new branch at the new deploy tag, checked out; the files as the new backup has them.
      expect(
        (await run('git', ['describe', '--tags', '--exact-match', 'HEAD'], { cwd: root })).stdout.trim(),
      ).toBe('pantheon_live_13');
      expect(branch).toMatch(/^lifeboat\/live-/);
      expect(await readFile(join(uploads, changed), 'utf8')).toBe('a new version of this image');
      expect(existsSync(join(uploads, deleted))).toBe(false);
      expect(await readFile(join(uploads, live.added), 'utf8')).toBe('new on live');
      // What the update replaced or removed is kept aside, beside the files folder, with its relative paths.
      const aside = (await readdir(dirname(uploads))).filter((n) => n.startsWith('uploads.before-'));
      expect(aside).toHaveLength(1);
      const kept = join(dirname(uploads), aside[0]!);
      expect(await filesUnder(kept)).toEqual([changed, deleted].sort());
      expect(await readFile(join(kept, changed))).toEqual(oldChanged);
      expect(JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8'))).toMatchObject({
        code: { tag: 'pantheon_live_13' },
      });
    },
  ),
  journey(
    'set up a WordPress copy to run locally: its URLs are rewritten in the copy’s own new database',
    async (ctx) => {
      const { page } = ctx;
      const why = await mariadbUnavailable();
      test.skip(why !== null, `MariaDB unavailable: ${why}`);
      const db = await startMariaDb();
      try {
        const parent = join(ctx.work, 'wp');
        const root = join(parent, 'acme-blog-live');
        await signIn(ctx);
        // The local database server, as a person sets it in Settings.
        await page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('button', { name: 'Settings' })
          .click();
        await page.getByLabel('I have a local MySQL or MariaDB server').check();
        await page.getByLabel('Or a socket (optional)').fill(db.socket);
        await page.getByLabel('User').fill('root');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await expect(page.getByText('Settings saved.')).toBeVisible();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sites' }).click();
        await restoreLive(page, parent, true);
        const record = JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8')) as {
          database: { importedInto: string };
        };
        const database = record.database.importedInto;
        const option = async (name: string) =>
          (
            await db.query(`SELECT option_value FROM wp_options WHERE option_name = '${name}'`, database)
          ).trim();
        const liveUrl = await option('siteurl');
        expect(liveUrl).toMatch(/^https?:\/\/\S+$/);

        await page.setViewportSize(SMALL);
        const card = await copyCard(page, root);
        await dismissToasts(page);
        await card.getByRole('button', { name: 'Set up to run locally…' }).click();
        const dialog = page.getByRole('dialog', { name: 'Set up acme-blog-live to run locally' });
        const url = dialog.getByLabel('Local address');
        await expect(url).not.toHaveValue('', { timeout: 30_000 });
        await url.fill('http://acme-blog.local');
        await dialog.getByLabel(/DDEV/).check();
        const plan = dialog.getByRole('region', { name: 'What will happen' });
        await expect(plan).toContainText('http://acme-blog.local', { timeout: 30_000 });
        await expect(plan).toContainText('DDEV');
        const go = dialog.getByRole('button', { name: 'Set up' });
        await expect(go).toBeEnabled();
        await expect(go).toBeInViewport();
        await capture(ctx, 'setup-copy');
        await go.click();
        await expect(dialog.getByText('Set up. The site is ready to start.')).toBeVisible({
          timeout: 60_000,
        });
        await expect(dialog.getByRole('button', { name: /^Copy ddev/ }).first()).toBeVisible();

        // In the real database: the site's addresses are the local one now, in the copy's database only.
        expect(await option('siteurl')).toBe('http://acme-blog.local');
        expect(await option('home')).toBe('http://acme-blog.local');
        const host = new URL(liveUrl).host.replace(/'/g, '');
        expect(
          (
            await db.query(`SELECT COUNT(*) FROM wp_options WHERE option_value LIKE '%${host}%'`, database)
          ).trim(),
        ).toBe('0');
        // A serialized option keeps its byte lengths right (PHP would not read it back otherwise).
        const mods = await db.query(
          "SELECT option_value FROM wp_options WHERE option_name LIKE 'theme\\_mods\\_%'",
          database,
        );
        const image = /"header_image";s:(\d+):"([^"]*)"/.exec(mods);
        expect(image?.[2]).toBe('http://acme-blog.local/wp-content/uploads/2024/01/photo-1-1.png');
        expect(Number(image?.[1])).toBe(Buffer.byteLength(image?.[2] ?? ''));
        expect(
          (
            await db.query(`SELECT COUNT(*) FROM wp_posts WHERE post_content LIKE '%${host}%'`, database)
          ).trim(),
        ).toBe('0');
        expect(existsSync(join(root, '.ddev', 'config.yaml'))).toBe(true);
      } finally {
        await db.stop();
      }
    },
  ),
];
