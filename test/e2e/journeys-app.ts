// Journeys of the app's small promises (issue 10 §3): a finished job cleared after reading its log, the database
// connection tested from Settings against a real MariaDB server, a frozen site that says why, a demo session marked.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { mariadbUnavailable, startMariaDb } from '../helpers/mariadb';
import type { Journey } from './kit';
import { expect, test } from './fixtures';
import { capture, journey, openDownload, openSite, signIn } from './kit';

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: new RegExp(`^${name}`) });

/** The app journeys: jobs, settings, frozen sites, the demo. */
export const appJourneys: Journey[] = [
  journey('a finished job shows the log of its phases, and is cleared for good', async (ctx) => {
    const { page } = ctx;
    await signIn(ctx);
    await openSite(page, 'Acme Blog');
    const dialog = await openDownload(page, 'database', join(ctx.work, 'dl'));
    await dialog.getByRole('button', { name: 'Download' }).click();
    await expect(dialog.getByText('Downloaded and verified.')).toBeVisible({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await nav(page, 'Jobs').click();
    // Named by the backup's date, never its folder id.
    const card = page.getByRole('listitem', {
      name: /^Download the database archive of acme-blog\.live from the backup of /,
    });
    await expect(card).toBeVisible();
    await expect(card).not.toHaveAccessibleName(/\d{9,11}_(backup|automated)/);
    await card.getByText(/^Log/).click();
    const log = card.getByRole('list', { name: /^Log of / });
    await expect(log.getByRole('listitem').first()).toHaveText(/^\d\d:\d\d:\d\d Queued$/);
    await expect(log.getByRole('listitem').last()).toHaveText(/^\d\d:\d\d:\d\d Done$/);
    await expect(log).toContainText('Downloading: Downloading');
    await capture(ctx, 'job-log');
    await card.getByRole('button', { name: /^Clear / }).click();
    await expect(card).toHaveCount(0);
    await expect(page.getByText('No jobs yet')).toBeVisible();
    // Cleared from the journal, not only from the page.
    await page.reload();
    await nav(page, 'Jobs').click();
    await expect(page.getByText('No jobs yet')).toBeVisible();
  }),
  journey(
    'Settings: test the database connection against a real server, and keep what was typed',
    async (ctx) => {
      const { page } = ctx;
      const why = await mariadbUnavailable();
      test.skip(why !== null, `MariaDB unavailable: ${why}`);
      const db = await startMariaDb();
      try {
        await signIn(ctx);
        await nav(page, 'Settings').click();
        await page.getByLabel('I have a local MySQL or MariaDB server').check();
        await page.getByLabel('Host').fill('127.0.0.1');
        await page.getByLabel('Port').fill('1');
        await page.getByRole('button', { name: 'Test connection' }).click();
        await expect(page.getByRole('alert')).toHaveText(
          'The connection test failed' +
            'No database server answers on 127.0.0.1:1. Check that MySQL or MariaDB is running and that this is its host and port.',
        );
        await page.getByLabel('Port').fill(String(db.port));
        await page.getByLabel('User').fill('root');
        await page.getByRole('button', { name: 'Test connection' }).click();
        const version = (await db.query('SELECT VERSION()')).trim();
        await expect(
          page.getByText(`Connected to root@127.0.0.1:${db.port}: the server is ${version}.`),
        ).toBeVisible();
        await expect(page.getByRole('alert')).toHaveCount(0);
        await capture(ctx, 'settings-database-test');
        // Leaving before saving loses nothing.
        await nav(page, 'Jobs').click();
        await nav(page, 'Settings').click();
        await expect(page.getByText(/^Unsaved changes/)).toBeVisible();
        await expect(page.getByLabel('Port')).toHaveValue(String(db.port));
        await page.getByRole('button', { name: 'Save settings' }).click();
        await expect(page.getByText('Settings saved.')).toBeVisible();
        await expect(page.getByText(/^Unsaved changes/)).toHaveCount(0);
      } finally {
        await db.stop();
      }
    },
  ),
  journey('the demo is marked as one, and a frozen site says why it cannot be backed up', async (ctx) => {
    const { page } = ctx;
    await ctx.open();
    await page.getByRole('button', { name: 'Try the demo sandbox' }).click();
    await expect(page.getByRole('banner').getByText('Demo sandbox')).toBeVisible();
    await openSite(page, 'Acme Intranet');
    const create = page.getByRole('button', { name: 'Create backup' }).first();
    await expect(create).toBeDisabled();
    await expect(create).toHaveAccessibleDescription(
      /Acme Intranet is frozen: Pantheon neither backs up nor restores/,
    );
    await expect(page.getByText(/Acme Intranet is frozen/)).toBeVisible();
    await expect(page.getByRole('link', { name: 'Open in Pantheon Dashboard' })).toHaveAttribute(
      'href',
      /^https:\/\/dashboard\.pantheon\.io\/sites\/[0-9a-f-]{36}$/,
    );
    await expect(page.getByRole('tabpanel')).toContainText('PHP 8.2');
    await capture(ctx, 'frozen-site');
  }),
];
