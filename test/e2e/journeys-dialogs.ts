// Dialogs that fit the window, the restore dialog as it is filled in and when it is done, and the designer's
// "Download files" (issue 10 §3).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';
import type { Journey } from './kit';
import { capture, firstBackupRow, journey, openSite, run, sha, signIn } from './kit';

/** The size the journeys of this file check first: a small laptop's window. */
const SMALL = { width: 1024, height: 640 };
/** The desktop app's minimum window size (electron/main/index.ts: minWidth, minHeight). */
const MINIMUM = { width: 800, height: 560 };

/** Nothing scrolls sideways: neither the page nor the site's column (the two scrollbars once seen at 800 px). */
async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const widths = await page.evaluate(() => {
    const doc = document.scrollingElement!;
    const main = document.querySelector<HTMLElement>('main.site-view');
    // What sticks out past the column's right edge, named so a failure says where to look.
    const edge = main ? main.getBoundingClientRect().right : Infinity;
    const past = main
      ? [...main.querySelectorAll<HTMLElement>('*')]
          .filter((el) => el.getBoundingClientRect().right > edge + 0.5)
          .slice(0, 3)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').slice(0, 40)}"`)
      : [];
    return {
      page: doc.scrollWidth - doc.clientWidth,
      site: main ? main.scrollWidth - main.clientWidth : 0,
      past,
    };
  });
  const { past, ...sizes } = widths;
  expect(sizes, `${where}; sticking out: ${past.join(', ') || 'nothing'}`).toEqual({ page: 0, site: 0 });
}

/**
 * Saves the editor command in Settings: Node running a script that writes the arguments it was started with into
 * `log`, one a line (Node, not a #!/bin/sh script, so that it starts on Windows too).
 */
async function fakeEditor(page: Page, work: string): Promise<string> {
  const script = join(work, 'fake-editor.cjs');
  const log = join(work, 'editor-opened.txt');
  await writeFile(
    script,
    `require('node:fs').writeFileSync(${JSON.stringify(log)}, process.argv.slice(2).map((a) => a + '\\n').join(''));\n`,
  );
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Editor command').fill(`"${process.execPath}" "${script}"`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sites' }).click();
  return log;
}

const description = (field: Locator) => field.evaluate((el) => el.getAttribute('aria-describedby'));

export const dialogsJourneys: Journey[] = [
  journey(
    'restore dialog at 1024×640: a conflict shows as the name is typed, Start is in view, the done state names what was made',
    async (ctx) => {
      const { page } = ctx;
      const target = join(ctx.work, 'sites');
      // A folder of the same name is already there, with something in it.
      await mkdir(join(target, 'acme-blog-live'), { recursive: true });
      await writeFile(join(target, 'acme-blog-live', 'notes.txt'), 'mine');
      await signIn(ctx);
      const opened = await fakeEditor(page, ctx.work);
      await page.setViewportSize(SMALL);
      await openSite(page, 'Acme Blog');
      await expect(page.getByRole('table', { name: 'Backups of live' })).toBeVisible();
      await page.getByRole('button', { name: 'Restore locally' }).click();
      const dialog = page.getByRole('dialog', { name: 'Restore acme-blog.live locally' });
      await dialog.getByLabel('Into the folder').fill(target);

      // The default name is the engine's: the first that does not exist yet, shown as the path it creates.
      await expect(dialog.getByText(`Creates ${join(target, 'acme-blog-live-2')}`)).toBeVisible();
      await expect(dialog.getByLabel('New folder name')).toHaveAttribute('placeholder', 'acme-blog-live-2');

      // Typing the name that exists: the conflict appears next to the field, before any Review.
      const name = dialog.getByLabel('New folder name');
      await name.fill('acme-blog-live');
      await expect(name).toHaveAccessibleDescription(/acme-blog-live already exists and is not empty/);
      await expect(name).toHaveAttribute('aria-invalid', 'true');
      await expect(
        dialog.getByRole('status').filter({ hasText: 'One thing to fix before the restore.' }),
      ).toBeVisible();
      await expect(dialog.getByRole('heading', { name: 'What will happen' })).toHaveCount(0);
      // The advice names only what the app offers: no "update in place" here, which this dialog has no control for.
      await expect(dialog).not.toContainText('in place');

      // Fixed as the person types on: the conflict goes, and the path it creates shows.
      await name.fill('acme-blog-redesign');
      await expect(dialog.getByText(`Creates ${join(target, 'acme-blog-redesign')}`)).toBeVisible();
      await expect(name).not.toHaveAttribute('aria-invalid');
      expect(await description(name)).toBeNull();

      // Review and Start: the actions stay in view in a 640 px window, the plan scrolling above them.
      const review = dialog.getByRole('button', { name: 'Review' });
      await expect(review).toBeInViewport();
      await review.click();
      await expect(dialog.getByRole('heading', { name: 'What will happen' })).toBeVisible();
      const start = dialog.getByRole('button', { name: 'Start restore' });
      await expect(start).toBeInViewport();
      await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeInViewport();
      await start.click();

      await expect(dialog.getByText('Restored. Everything is in place.')).toBeVisible({ timeout: 60_000 });
      const root = join(target, 'acme-blog-redesign');
      const made = dialog.getByRole('definition');
      const facts = dialog.getByLabel('What the restore made');
      await expect(facts).toContainText(`Folder${root}`);
      const branch = (await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: root })).stdout.trim();
      expect(branch).toMatch(/^lifeboat\/live-\d{4}-\d\d-\d\d$/);
      await expect(facts).toContainText(`Branch${branch} at pantheon_live_12`);
      await expect(facts).toContainText(`Database archive${join(root, 'database')}/`);
      expect(await made.count()).toBe(3);
      expect(await readdir(join(root, 'database'))).toHaveLength(1);
      expect(await readFile(join(target, 'acme-blog-live', 'notes.txt'), 'utf8')).toBe('mine');

      // What to do next: the editor opens the copy's folder (found among the local copies by its path).
      const editor = dialog.getByRole('button', { name: 'Open in editor' });
      await expect(editor).toBeEnabled();
      await expect(editor).toBeInViewport();
      await editor.click();
      await expect
        .poll(() => readFile(opened, 'utf8').catch(() => ''), { timeout: 15_000 })
        .toBe(`${root}\n`);
      // The browser cannot open the file manager: Open folder is the desktop app's only.
      await expect(dialog.getByRole('button', { name: 'Open folder' })).toHaveCount(
        (await page.evaluate(() => 'lifeboat' in window)) ? 1 : 0,
      );
      await page
        .context()
        .grantPermissions(['clipboard-read', 'clipboard-write'])
        .catch(() => undefined);
      await dialog.getByRole('button', { name: 'Copy path' }).click();
      await expect(dialog.getByText('Copied the path.')).toBeVisible();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(root);
      await capture(ctx, 'restore-done');
    },
  ),
  journey(
    'designer at 1024×640: "Download files" on a backup, folders picked from the tree, no files_live/ level on disk',
    async (ctx) => {
      const { page, sandbox } = ctx;
      const target = join(ctx.work, 'designer');
      await signIn(ctx);
      await page.setViewportSize(SMALL);
      await openSite(page, 'Acme Blog');
      await firstBackupRow(page)
        .getByRole('button', { name: /^Download files…/ })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Download the files archive' });
      await dialog.getByLabel('Save into').fill(target);
      const download = dialog.getByRole('button', { name: 'Download' });
      // Disabled only with its reason in words beside it.
      await dialog.getByLabel('Only some folders').check();
      await expect(download).toBeDisabled();
      await expect(download).toHaveAccessibleDescription(
        'Pick at least one folder to unpack, or choose to unpack everything.',
      );
      await expect(dialog.getByText('Pick at least one folder to unpack')).toBeVisible();
      // The tree starts below the archive's top folder, as the result will.
      await expect(dialog.getByRole('checkbox', { name: /^files_live\// })).toHaveCount(0);
      await dialog.getByRole('checkbox', { name: /^2024\// }).check();
      await expect(download).toBeEnabled();
      expect(await description(download)).toBeNull();
      await expect(download).toBeInViewport();
      await download.click();
      await expect(dialog.getByText('Downloaded and verified.')).toBeVisible({ timeout: 30_000 });
      const archive = (await readdir(target)).find((n) => n.endsWith('_files.tar.gz'))!;
      expect(await sha(join(target, archive))).toBe(
        (await sandbox.archive('acme-blog', 'live', 'files')).sha256,
      );
      const unpacked = join(target, archive.replace(/\.tar\.gz$/, ''));
      expect(await readdir(unpacked)).toEqual(['2024']);
      await expect(dialog.getByText(unpacked, { exact: true })).toBeVisible();
    },
  ),
  journey(
    'at the minimum window size nothing scrolls sideways and the dialogs keep their actions in view',
    async (ctx) => {
      const { page } = ctx;
      await signIn(ctx);
      await page.setViewportSize(MINIMUM);
      await openSite(page, 'Acme Blog');
      await expect(page.getByRole('table', { name: 'Backups of live' })).toBeVisible();
      await expectNoSidewaysScroll(page, 'the site at 800×560');
      const row = firstBackupRow(page);
      await expect(row.getByRole('button', { name: 'Restore', exact: true })).toBeInViewport();
      for (const name of [/^Download files…/, /^Restore on Pantheon/])
        await expect(row.getByRole('button', { name })).toBeInViewport();

      await page.getByRole('button', { name: 'Restore locally' }).click();
      const restore = page.getByRole('dialog', { name: 'Restore acme-blog.live locally' });
      await restore.getByLabel('Into the folder').fill(join(ctx.work, 'min'));
      await expect(restore.getByText(`Creates ${join(ctx.work, 'min', 'acme-blog-live')}`)).toBeVisible();
      await expectNoSidewaysScroll(page, 'the restore dialog at 800×560');
      // The dialog fits the window and scrolls inside itself; its actions stay on screen.
      const box = (await restore.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(MINIMUM.height);
      await expect(restore.getByRole('button', { name: 'Review' })).toBeInViewport();
      await restore.getByRole('button', { name: 'Review' }).click();
      await expect(restore.getByRole('heading', { name: 'What will happen' })).toBeAttached();
      await expect(restore.getByRole('button', { name: 'Start restore' })).toBeInViewport();
      await expect(restore.getByRole('button', { name: 'Cancel' })).toBeInViewport();
      await restore.getByRole('button', { name: 'Cancel' }).click();

      await firstBackupRow(page)
        .getByRole('button', { name: /^Download files…/ })
        .click();
      const download = page.getByRole('dialog', { name: 'Download the files archive' });
      await download.getByLabel('Only some folders').check();
      await expect(download.getByRole('checkbox', { name: /^2024\// })).toBeVisible();
      await expectNoSidewaysScroll(page, 'the download dialog at 800×560');
      await expect(download.getByRole('button', { name: 'Download' })).toBeInViewport();
      await expect(download.getByRole('button', { name: 'Cancel' })).toBeInViewport();
      await download.getByRole('button', { name: 'Cancel' }).click();

      // The other screens at that size: nothing sideways either.
      const nav = page.getByRole('navigation', { name: 'Main' });
      for (const screen of ['Local copies', 'Jobs', 'Accounts', 'Settings']) {
        await nav.getByRole('button', { name: screen }).click();
        await expect(page.getByRole('heading', { level: 1, name: screen })).toBeVisible();
        await expectNoSidewaysScroll(page, `${screen} at 800×560`);
      }
    },
  ),
];
