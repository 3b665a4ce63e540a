// @vitest-environment jsdom
// The small promises of issue 10 §3, on the real engine and the demo sandbox: the site page links to Pantheon's
// Dashboard and shows PHP and the lock; a frozen site and every disabled action say why in words a screen reader
// reads; a demo session is marked in the top bar; backups are kept "until" a date; "Something went wrong" is kept
// for what Lifeboat did not expect.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupName } from '../../../shared/dates';
import { App } from '../../../renderer/src/App';
import { ErrorState } from '../../../renderer/src/components/common';
import { SiteView } from '../../../renderer/src/components/SiteView';
import { keptUntil, localDateTime, relativeTime, shortDate } from '../../../renderer/src/lib/format';
import { siteKey, useStore } from '../../../renderer/src/store';
import { stubMatchMedia } from './match-media';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
beforeAll(async () => {
  app = await realBridge();
}, 60_000);
afterAll(async () => {
  await app?.close();
});
beforeEach(() => stubMatchMedia());
afterEach(cleanup);

/** Every disabled button in `root` points at words that say why it is disabled. */
function expectReasons(root: HTMLElement): number {
  const disabled = within(root)
    .queryAllByRole<HTMLButtonElement>('button')
    .filter((b) => b.disabled);
  for (const b of disabled) {
    const id = b.getAttribute('aria-describedby');
    expect({ button: b.textContent, describedBy: id }).toEqual({
      button: b.textContent,
      describedBy: expect.any(String),
    });
    expect({ button: b.textContent, why: document.getElementById(id!)?.textContent?.trim() }).toEqual({
      button: b.textContent,
      why: expect.stringMatching(/\w/),
    });
  }
  return disabled.length;
}

describe('the site page', { timeout: 60_000 }, () => {
  it("links to the site and each environment on Pantheon's Dashboard, with PHP and the lock", async () => {
    const site = await app.site('acme-shop');
    render(<SiteView site={site} siteKey={siteKey(app.accountId, site.id)} />);
    const live = await screen.findByRole('tab', { name: /^live/ }, { timeout: 15_000 });
    expect(live.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('link', { name: 'Open in Pantheon Dashboard' }).getAttribute('href')).toBe(
      `https://dashboard.pantheon.io/sites/${site.id}`,
    );
    const panel = screen.getByRole('tabpanel');
    expect(
      within(panel).getByRole('link', { name: 'Open live in Pantheon Dashboard' }).getAttribute('href'),
    ).toBe(`https://dashboard.pantheon.io/sites/${site.id}#live`);
    expect(panel.textContent).toContain('PHP 8.2');
    expect(panel.textContent).toContain('not locked');
    // The sandbox locks the test environment of its shops.
    fireEvent.click(screen.getByRole('tab', { name: /^test/ }));
    const test = screen.getByRole('tabpanel');
    expect(test.textContent).toContain('locked: visitors need a username and password');
    expect(
      within(test).getByRole('link', { name: 'Open test in Pantheon Dashboard' }).getAttribute('href'),
    ).toBe(`https://dashboard.pantheon.io/sites/${site.id}#test`);
  });

  it('says why a frozen site cannot be backed up or restored on Pantheon, for every disabled button', async () => {
    const site = await app.site('acme-intranet');
    expect(site.frozen).toBe(true);
    render(<SiteView site={site} siteKey={siteKey(app.accountId, site.id)} />);
    // Its live was never deployed: the app opens on dev, which has backups.
    const table = await screen.findByRole('table', { name: 'Backups of dev' }, { timeout: 15_000 });
    const create = screen.getAllByRole<HTMLButtonElement>('button', { name: 'Create backup' })[0]!;
    expect(create.disabled).toBe(true);
    expect(document.getElementById(create.getAttribute('aria-describedby')!)!.textContent).toContain(
      'Acme Intranet is frozen',
    );
    const onPantheon = within(table).getAllByRole<HTMLButtonElement>('button', {
      name: /^Restore on Pantheon/,
    });
    expect(
      onPantheon.every((b) => b.disabled && b.getAttribute('aria-describedby') === 'frozen-reason'),
    ).toBe(true);
    expect(expectReasons(screen.getByRole('main'))).toBeGreaterThanOrEqual(1 + onPantheon.length);
  });

  it('names when Pantheon deletes a backup in one wording: "kept until"', async () => {
    const site = await app.site('acme-blog');
    render(<SiteView site={site} siteKey={siteKey(app.accountId, site.id)} />);
    const table = await screen.findByRole('table', { name: 'Backups of live' }, { timeout: 15_000 });
    expect(table.textContent).toMatch(
      /kept until [A-Z][a-z]{2} \d{1,2}(, \d{4})? \((in \d+ days|tomorrow|in \d+ hours?)\)/,
    );
    expect(table.textContent).not.toMatch(/expires/i);
    expectReasons(screen.getByRole('main'));
  });
});

describe('the top bar', { timeout: 60_000 }, () => {
  it('marks a demo sandbox session as such', async () => {
    await act(() => useStore.getState().loadAccounts());
    expect(useStore.getState().accounts.data?.every((a) => a.demo)).toBe(true);
    render(<App />);
    const bar = screen.getByRole('banner');
    expect(within(bar).getByText('Demo sandbox')).toBeTruthy();
    expect(bar.textContent).toContain('nothing reaches Pantheon');
  });
});

describe('words for errors and dates', () => {
  it('heads only an unexpected error with "Something went wrong"; any other is its own message', () => {
    render(
      <ErrorState
        error={{ code: 'network', message: 'Pantheon could not be reached. Check the network.' }}
      />,
    );
    const expected = screen.getByRole('alert');
    expect(expected.textContent).toBe('Pantheon could not be reached. Check the network.');
    cleanup();
    render(<ErrorState error={{ message: 'The folder is not empty.' }} />);
    expect(screen.getByRole('alert').textContent).toBe('The folder is not empty.');
    cleanup();
    render(
      <ErrorState
        error={{ code: 'internal', message: 'Something went wrong inside Lifeboat: x is undefined' }}
      />,
    );
    const internal = screen.getByRole('alert');
    expect(within(internal).getByText('Something went wrong inside Lifeboat').tagName).toBe('STRONG');
    expect(internal.textContent).toBe('Something went wrong inside Lifeboatx is undefined');
    cleanup();
    render(
      <ErrorState
        title="Could not read the backups"
        error={{ code: 'server', message: 'Pantheon answered 502.' }}
      />,
    );
    expect(screen.getByRole('alert').textContent).toBe('Could not read the backupsPantheon answered 502.');
  });

  it('writes a moment as job titles name backups, and expiry as "kept until"', () => {
    const now = new Date(2026, 10, 30, 12, 0).getTime();
    const at = new Date(2026, 10, 29, 14, 5).getTime() / 1000;
    expect(localDateTime(at, now)).toBe('Nov 29, 14:05');
    expect(`backup of ${localDateTime(at, now)}`).toBe(backupName(at, now));
    expect(localDateTime(new Date(2025, 0, 2, 9, 30).getTime() / 1000, now)).toBe('Jan 2 2025, 09:30');
    expect(shortDate(new Date(2026, 10, 29, 14, 5).toISOString(), new Date(now))).toBe('Nov 29');
    expect(shortDate(new Date(2025, 0, 2).toISOString(), new Date(now))).toBe('Jan 2, 2025');
    expect(keptUntil(now / 1000 + 8 * 86400, now)).toBe('kept until Dec 8 (in 8 days)');
    expect(keptUntil(now / 1000 + 86400, now)).toBe('kept until Dec 1 (tomorrow)');
    expect(keptUntil(now / 1000 + 5 * 3600, now)).toBe('kept until Nov 30 (in 5 hours)');
    expect(keptUntil(now / 1000 - 60, now)).toBe('kept until Nov 30 (due to be deleted)');
    expect(relativeTime(now / 1000 - 3 * 86400, now)).toBe('3 days ago');
  });
});
