// Accounts you can tell apart (issue 10 §3): two accounts that both see the Globex sites, each site listed once
// with both accounts' chips; the site page says which account it uses and lets the person choose the other
// (remembered after a reload); an account renamed and recoloured on the Accounts page shows so on its rows.
import { addAccount, expect } from './fixtures';
import type { Journey } from './kit';
import { capture, DANA, FRAN, journey, openSite, token } from './kit';

export const accountsJourneys: Journey[] = [
  journey(
    'two accounts: a shared site listed once with both, its account chosen on its page, an account renamed',
    async (ctx) => {
      const { page } = ctx;
      await ctx.open();
      await addAccount(page, token(ctx, DANA));
      const list = page.getByRole('list', { name: 'Site list' });
      await expect(list.getByRole('button', { name: /Acme Blog/ })).toBeVisible();
      await page.getByRole('button', { name: 'Accounts' }).click();
      await addAccount(page, token(ctx, FRAN));
      await expect(page.getByRole('list', { name: 'Accounts' }).getByText(FRAN)).toBeVisible();
      await page.getByRole('button', { name: 'Sites' }).click();

      // Dana sees 9 sites, Fran 6, and both the three Globex ones: 12 rows, the shared ones with both chips.
      await expect(page.getByText('12 of 12 sites')).toBeVisible();
      const www = list.getByRole('button', { name: /Globex Corporate Site/ });
      await expect(www).toHaveCount(1);
      await expect(www.locator('.account-chip')).toHaveText(['Dana Developer', 'Fran Freelancer']);
      await expect(list.getByRole('button', { name: /Acme Blog/ }).locator('.account-chip')).toHaveText([
        'Dana Developer',
      ]);

      // The site page says which account it uses; the other is a choice away, and the choice is kept.
      await openSite(page, 'Globex Corporate Site');
      const account = page.getByRole('combobox', { name: 'Account for this site' });
      await expect(account.locator('option:checked')).toHaveText('Dana Developer (dana@example.com)');
      await account.selectOption({ label: 'Fran Freelancer (fran@example.com)' });
      await expect(account.locator('option:checked')).toHaveText('Fran Freelancer (fran@example.com)');
      await expect(account).toBeFocused();
      await expect(page.locator('.site-account .account-chip')).toHaveText('Fran Freelancer');
      // The page is the site as Fran sees it, environments and all.
      await expect(page.getByRole('tab', { name: /live/ })).toHaveAttribute('aria-selected', 'true');
      await page.reload();
      // Opened last, it is now also on top among the recent sites: either row opens it.
      await www.first().click();
      await expect(
        page.getByRole('combobox', { name: 'Account for this site' }).locator('option:checked'),
      ).toHaveText('Fran Freelancer (fran@example.com)');

      // Renamed and recoloured on the Accounts page: every row of that account says so.
      await page.getByRole('button', { name: 'Accounts' }).click();
      const accounts = page.getByRole('list', { name: 'Accounts' });
      await accounts.getByRole('button', { name: `Rename or recolour ${FRAN}` }).click();
      const form = accounts.getByRole('form', { name: `Name and colour of ${FRAN}` });
      await expect(form.getByLabel('Name')).toBeFocused();
      await form.getByLabel('Name').fill('Globex (client)');
      await form.getByRole('radio', { name: 'Orange' }).check();
      await capture(ctx, 'accounts');
      await form.getByRole('button', { name: 'Save' }).click();
      await expect(form).toHaveCount(0);
      await expect(accounts.locator('.account-chip')).toHaveText(['Dana Developer', 'Globex (client)']);
      await expect(accounts.locator('.account-chip.account-orange')).toHaveText('Globex (client)');
      await page.getByRole('button', { name: 'Sites' }).click();
      // Its row in the list (the last one: the first is among the recent sites).
      await expect(www.last().locator('.account-chip')).toHaveText(['Dana Developer', 'Globex (client)']);
      await expect(list.getByRole('button', { name: /Fran Portfolio/ }).locator('.account-chip')).toHaveText([
        'Globex (client)',
      ]);
    },
  ),
];
