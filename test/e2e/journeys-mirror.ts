// The Mirror screen (issue 11 §2): nothing red before any input, sites chosen by a search and one picked by hand
// (from the keyboard) across two accounts, a folder typed, Run now, each site's bar drawn at the value it says
// while the downloads are slow, the report with every site complete (its bytes on one line) and each site's
// verified set on disk; the scheduler entry for when Lifeboat is closed shown whole (and not installed: this run
// must not touch the computer's scheduler).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MirrorManifestSchema } from '../../electron/services/mirror/layout';
import { addAccount, expect, expectAccessible } from './fixtures';
import type { Journey } from './kit';
import { capture, DANA, FRAN, journey, token } from './kit';

export const mirrorJourneys: Journey[] = [
  journey(
    'mirror: sites by a search and by hand through two accounts, run now, the report, the sets on disk',
    async (ctx) => {
      const { page } = ctx;
      await ctx.open();
      await addAccount(page, token(ctx, DANA));
      await expect(page.getByRole('list', { name: 'Site list' })).toBeVisible();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
      await addAccount(page, token(ctx, FRAN));
      await expect(page.getByRole('list', { name: 'Accounts' }).getByText(FRAN)).toBeVisible();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Mirror' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Mirror' })).toBeVisible();
      // Nothing chosen yet: said as a hint, nothing in red, and Run now says why it waits.
      const runNow = page.getByRole('button', { name: 'Run now' });
      await expect(page.locator('#mirror-run-why')).toHaveText(/^Say which sites to mirror/);
      await expect(runNow).toBeDisabled();
      await expect(page.locator('main .error-text')).toHaveCount(0);
      const root = join(ctx.work, 'mirror');
      await page.getByLabel('Mirror into the folder').fill(root);
      await page.getByLabel('Sites matching').fill('globex');
      const preview = page.getByRole('region', { name: 'What it takes' });
      await expect(preview.getByText('3 sites through 1 account')).toBeVisible();

      // One more, Fran's, picked by hand.
      await page.getByRole('button', { name: 'Pick sites by hand…' }).click();
      const pick = page.getByRole('dialog', { name: 'Pick sites to mirror' });
      const find = pick.getByRole('combobox', { name: 'Find sites' });
      await find.fill('bakery');
      await find.press('ArrowDown');
      await find.press('Space');
      await expect(pick.getByRole('option', { name: /fran-bakery/ })).toHaveAttribute(
        'aria-selected',
        'true',
      );
      await expect(find).toHaveValue('bakery');
      await expectAccessible(page, 'mirror-pick');
      await pick.getByRole('button', { name: 'Done' }).click();
      await expect(pick).toHaveCount(0);
      await expect(preview.getByText('4 sites through 2 accounts')).toBeVisible();
      await expect(preview.locator('code.command')).toHaveText(
        `lifeboat mirror --to ${root} --site fran-bakery --env live --element code,database,files --concurrency 4 globex`,
      );

      // Slow downloads: each site's bar is seen under way, drawn at the value its words say.
      ctx.sandbox.setFaults({ store: { throttleBytesPerSecond: 40_000 } });
      await expect(runNow).toBeEnabled();
      await runNow.click();
      const bars = page.getByRole('progressbar', { name: /^Progress of / });
      await expect
        .poll(
          async () => {
            for (const v of await bars.evaluateAll((els) => els.map((e) => e.getAttribute('aria-valuenow'))))
              if (Number(v) >= 5 && Number(v) <= 95) return true;
            return false;
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      const drawn = await bars.evaluateAll((els) =>
        els.map((track) => {
          const fill = track.querySelector('.progress-fill')!;
          return {
            value: Number(track.getAttribute('aria-valuenow') ?? 0),
            drawn: (fill.getBoundingClientRect().width / track.getBoundingClientRect().width) * 100,
          };
        }),
      );
      for (const d of drawn) expect(Math.abs(d.drawn - d.value)).toBeLessThan(1.5);
      await expect(page.locator('.mirror-overall')).toHaveText(/^[\d.]+ (bytes|kB|MB) (so far|of )/);
      await expectAccessible(page, 'mirror-running');
      ctx.sandbox.setFaults({});
      const report = page.getByRole('table', { name: 'Mirror report' });
      await expect(report).toBeVisible({ timeout: 60_000 });
      const rows = report.getByRole('row');
      await expect(rows).toHaveCount(5);
      await expect(report.getByText('Downloaded')).toHaveCount(4);
      await expect(page.getByText('4 sites: 4 downloaded, 0 up to date, 0 failed')).toBeVisible();
      // Each site's bytes on one line, however narrow its column.
      for (const cell of await report.locator('td.nowrap').all())
        await expect(cell).toHaveCSS('white-space', 'nowrap');
      // The focus went to the run when it started: the report is in view.
      await expect(page.getByRole('heading', { name: /^Last run/ })).toBeFocused();
      // The toasts (account added, mirror done) are not the screen's.
      const dismiss = page.locator('.toasts').getByRole('button', { name: 'Dismiss' });
      while ((await dismiss.count()) > 0) await dismiss.first().click();
      await capture(ctx, 'mirror');

      // Each site's newest live backup, complete and verified, where the layout says.
      for (const site of ['fran-bakery', 'globex-careers', 'globex-docs', 'globex-www']) {
        const sets = await readdir(join(root, site, 'live'));
        expect(sets).toHaveLength(1);
        const manifest = MirrorManifestSchema.parse(
          JSON.parse(await readFile(join(root, site, 'live', sets[0]!, 'lifeboat-mirror.json'), 'utf8')),
        );
        expect(manifest.complete).toBe(true);
        expect(manifest.archives.map((a) => a.element).sort()).toEqual(['code', 'database', 'files']);
      }

      // The OS scheduler's entry, shown whole before anything is installed; cancelled here.
      await page.getByRole('button', { name: 'Install for when Lifeboat is closed…' }).click();
      const schedule = page.getByRole('dialog', { name: 'Mirror when Lifeboat is closed' });
      await expect(schedule.getByText(/runs this command every 24 hours/)).toBeVisible();
      await expect(schedule.getByRole('region', { name: /^Content of / }).first()).toBeVisible();
      await capture(ctx, 'mirror-schedule');
      await schedule.getByRole('button', { name: 'Cancel' }).click();
      await expect(schedule).toHaveCount(0);
    },
  ),
];
