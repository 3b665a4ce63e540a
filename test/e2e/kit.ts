// What the end-to-end journeys share: how they sign in, open a site, review a restore, take a screenshot.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import type { Sandbox } from '../../electron/sandbox';
import { addAccount, expect, expectAccessible, ROOT, trashHome } from './fixtures';

export const run = promisify(execFile);
export const sha = async (p: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');
export const DANA = 'dana@example.com';
export const FRAN = 'fran@example.com';

/** What a journey gets: the page (a browser tab or the Electron window), how to open the app, the sandbox, a temp folder. */
export interface JourneyContext {
  readonly page: Page;
  open(): Promise<void>;
  readonly sandbox: Sandbox;
  readonly work: string;
  /** Only the Chromium run saves the README screenshots. */
  readonly screenshots: boolean;
}

/**
 * Where the run saves the README's screenshots: an ignored folder, so running the tests changes no tracked file.
 * `npm run screenshots` (test/e2e/refresh-screenshots.mjs) runs the journeys and copies them into resources/screenshots/.
 */
export const SCREENSHOTS_DIR = join(ROOT, '.cache', 'screenshots');

export const token = (ctx: JourneyContext, email: string): string =>
  ctx.sandbox.accounts.find((a) => a.email === email)!.machineToken;

export async function capture(ctx: JourneyContext, name: string): Promise<void> {
  await expectAccessible(ctx.page, name);
  if (!ctx.screenshots) return;
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await ctx.page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`) });
}

/**
 * Runs a journey so that an error thrown in the page fails it at once, with that error. Without this, a page whose
 * React tree was torn down by an exception shows as the next action waiting, until the test's whole timeout, for
 * an element that will never appear.
 */
export async function failOnPageError(page: Page, steps: () => Promise<void>): Promise<void> {
  let onError: (e: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    onError = (e) => reject(new Error(`The page threw an uncaught error: ${e.message}`));
  });
  page.on('pageerror', onError);
  const run = steps();
  // Whichever loses the race must not surface later as an unhandled rejection.
  run.catch(() => undefined);
  crashed.catch(() => undefined);
  try {
    await Promise.race([run, crashed]);
  } finally {
    page.off('pageerror', onError);
  }
}

/** A journey: a name and its steps, run so that an error in the page fails it at once. */
export interface Journey {
  readonly name: string;
  run(ctx: JourneyContext): Promise<void>;
}

export const journey = (name: string, steps: (ctx: JourneyContext) => Promise<void>): Journey => ({
  name,
  run: (ctx) => failOnPageError(ctx.page, () => steps(ctx)),
});

export async function openSite(page: Page, label: string): Promise<void> {
  await page
    .getByRole('list', { name: 'Site list' })
    .getByRole('button', { name: new RegExp(label) })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(label) })).toBeVisible();
}

export async function signIn(ctx: JourneyContext, email = DANA): Promise<void> {
  await ctx.open();
  await addAccount(ctx.page, token(ctx, email));
  await expect(ctx.page.getByRole('list', { name: 'Site list' })).toBeVisible();
}

/**
 * Opens "Restore locally" for the open site once its live backups are listed (as a person would, having seen
 * them), points it at `target` and asks for the review.
 */
export async function reviewRestore(page: Page, target: string) {
  await expect(page.getByRole('table', { name: 'Backups of live' })).toBeVisible();
  await page.getByRole('button', { name: 'Restore locally' }).click();
  const dialog = page.getByRole('dialog', { name: /Restore acme-blog\.live/ });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Into the folder').fill(target);
  await expect(dialog.getByLabel('Into the folder')).toHaveValue(target);
  await dialog.getByRole('button', { name: 'Review' }).click();
  return dialog;
}

/** The download dialog of one archive of the newest live backup, opened and pointed at `target`. */
export async function openDownload(page: Page, element: 'files' | 'database', target: string) {
  await firstBackupRow(page)
    .getByRole('button', { name: new RegExp(`Download the ${element} archive`) })
    .click();
  const dialog = page.getByRole('dialog', { name: `Download the ${element} archive` });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Save into').fill(target);
  await expect(dialog.getByLabel('Save into')).toHaveValue(target);
  return dialog;
}

export const firstBackupRow = (page: Page) =>
  page.getByRole('table', { name: 'Backups of live' }).getByRole('row').nth(1);

/**
 * Where the system's trash put `path` (its `files/` entry and `.trashinfo`), or null; Linux only (the XDG trash). The app's trash is the run's
 * own (`XDG_DATA_HOME`, see fixtures) when the run's folder is on the home folder's disk; on another disk the XDG
 * trash spec puts it in that disk's top folder (`.Trash/<uid>` or `.Trash-<uid>`).
 */
export async function trashed(path: string, work: string): Promise<{ entry: string; info: string } | null> {
  const dev = (await lstat(work)).dev;
  const trashes = [join(trashHome(join(work, 'data')), 'Trash')];
  if ((await lstat(homedir())).dev !== dev) {
    let top = work;
    while (dirname(top) !== top && (await lstat(dirname(top))).dev === dev) top = dirname(top);
    const uid = String(process.getuid?.() ?? 0);
    trashes.push(join(top, '.Trash', uid), join(top, `.Trash-${uid}`));
  }
  for (const trash of trashes) {
    const infos = existsSync(join(trash, 'info')) ? await readdir(join(trash, 'info')) : [];
    for (const name of infos) {
      const info = join(trash, 'info', name);
      if ((await readFile(info, 'utf8')).split('\n').includes(`Path=${encodeURI(path)}`))
        return { entry: join(trash, 'files', name.replace(/\.trashinfo$/, '')), info };
    }
  }
  return null;
}
