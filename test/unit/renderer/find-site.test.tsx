// @vitest-environment jsdom
// Finding a site from the keyboard, on the real engine and sandbox: the search box and the list (one Tab stop,
// arrows, Enter), recent sites on top, and the quick switcher (Ctrl-K from anywhere).
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/App';
import { readRecents, RECENT_KEPT } from '../../../renderer/src/lib/recents';
import { useStore } from '../../../renderer/src/store';
import { stubMatchMedia } from './match-media';
import { fakeLayout } from './jsdom-layout';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let unlayout: () => void = () => undefined;
const initial = useStore.getState();
beforeAll(async () => {
  app = await realBridge();
  // The virtualized list has rows in view only with a layout, which jsdom does not do.
  unlayout = fakeLayout(600);
}, 60_000);
afterAll(async () => {
  unlayout();
  await app?.close();
});
beforeEach(async () => {
  stubMatchMedia();
  localStorage.clear();
  useStore.setState({ ...initial, recent: [] }, true);
  render(<App />);
  const s = useStore.getState();
  await Promise.all([s.loadAccounts(), s.loadSettings(), s.loadSites(false)]);
  const n = useStore.getState().sites.data!.sites.length;
  await screen.findByText(`${n} of ${n} sites`);
});
afterEach(cleanup);

const search = () => screen.getByLabelText('Search sites') as HTMLInputElement;
const list = () => screen.getByRole('list', { name: 'Site list' });
const rowNames = () =>
  [...list().querySelectorAll<HTMLElement>('.site-row-title')].map((t) => t.firstChild!.textContent);
const focused = () => document.activeElement as HTMLElement;
const type = async (text: string, count: number) => {
  fireEvent.change(search(), { target: { value: text } });
  await screen.findByText(new RegExp(`^${count} of \\d+ sites$`));
};
const key = (el: Element, k: string, extra: object = {}) => fireEvent.keyDown(el, { key: k, ...extra });

describe('the site list from the keyboard', () => {
  it('is one Tab stop; ArrowDown from the search box enters it, arrows move, ArrowUp at the top goes back', async () => {
    await type('acme', 5);
    const buttons = within(list()).getAllByRole('button');
    expect(buttons.map((b) => b.tabIndex).filter((t) => t === 0)).toHaveLength(1);
    expect(buttons.filter((b) => b.tabIndex === -1)).toHaveLength(buttons.length - 1);
    // Natural order within equal matches: every label starts with "Acme".
    expect(rowNames()).toEqual([
      'Acme Blog',
      'Acme Events',
      'Acme Intranet',
      'Acme Landing Page',
      'Acme Shop',
    ]);

    search().focus();
    key(search(), 'ArrowDown');
    await waitFor(() => expect(focused().textContent).toContain('Acme Blog'));
    key(focused(), 'ArrowDown');
    await waitFor(() => expect(focused().textContent).toContain('Acme Events'));
    // The Tab stop moved with the focus: still one.
    expect(
      within(list())
        .getAllByRole('button')
        .filter((b) => b.tabIndex === 0),
    ).toEqual([focused()]);
    key(focused(), 'End');
    await waitFor(() => expect(focused().textContent).toContain('Acme Shop'));
    key(focused(), 'Home');
    await waitFor(() => expect(focused().textContent).toContain('Acme Blog'));
    key(focused(), 'ArrowUp');
    expect(focused()).toBe(search());
  });

  it('sends letters typed in the list to the search box', async () => {
    await type('acme', 5);
    key(search(), 'ArrowDown');
    await waitFor(() => expect(focused().textContent).toContain('Acme Blog'));
    key(focused(), ' ');
    key(focused(), 'e');
    expect(focused()).toBe(search());
    expect(search().value).toBe('acmee');
    // "acmee" still finds sites (letters in order): into the list again, and Backspace goes back.
    await waitFor(() =>
      expect(rowNames()).not.toEqual([
        'Acme Blog',
        'Acme Events',
        'Acme Intranet',
        'Acme Landing Page',
        'Acme Shop',
      ]),
    );
    key(search(), 'ArrowDown');
    await waitFor(() => expect(focused().closest('ul')).toBe(list()));
    key(focused(), 'Backspace');
    expect(focused()).toBe(search());
    expect(search().value).toBe('acme');
  });

  it('opens the best match of a mistyped name with Enter, then focuses its row', async () => {
    await type('acme blgo', 1);
    search().focus();
    key(search(), 'Enter');
    await screen.findByRole('heading', { level: 1, name: 'Acme Blog' });
    await waitFor(() => expect(focused().textContent).toContain('Acme Blog'));
    expect(focused().getAttribute('aria-current')).toBe('true');
    expect(focused().tabIndex).toBe(0);
  });

  it('lists the sites opened last on top, newest first, kept for the next start and never more than ten', async () => {
    const row = (label: string) => within(list()).getAllByRole('button', { name: new RegExp(label) })[0]!;
    fireEvent.click(row('Acme Shop'));
    fireEvent.click(row('Dana Sandbox'));
    await waitFor(() => expect(rowNames().slice(0, 2)).toEqual(['Dana Sandbox', 'Acme Shop']));
    const recentRows = [...list().querySelectorAll('.site-row')].slice(0, 3);
    expect(recentRows.map((r) => within(r as HTMLElement).queryByText('Recent') !== null)).toEqual([
      true,
      true,
      false,
    ]);
    // Every site is still listed in its place below them.
    expect(rowNames().slice(2)).toContain('Acme Shop');
    const keys = useStore.getState().recent;
    expect(readRecents()).toEqual(keys);
    // With a query, no group: the matches in their order.
    await type('acme shop', 1);
    expect(rowNames()).toEqual(['Acme Shop']);

    act(() => {
      for (let i = 0; i < 25; i++) useStore.getState().select(`acct|site-${i}`);
    });
    expect(readRecents()).toHaveLength(RECENT_KEPT);
    expect(readRecents()[0]).toBe('acct|site-24');
  });
});

describe('the quick switcher', () => {
  it('opens with Ctrl+K from another view; a typo, the arrows and Enter open a site and focus its row', async () => {
    act(() => useStore.getState().setView('jobs'));
    const jobs = screen.getByRole('button', { name: /^Jobs/ });
    jobs.focus();
    key(document.body, 'k', { ctrlKey: true });
    const dialog = await screen.findByRole('dialog', { name: 'Go to a site' });
    const box = within(dialog).getByRole('combobox', { name: 'Site name or label' });
    expect(focused()).toBe(box);

    fireEvent.change(box, { target: { value: 'glbex' } });
    const options = () => within(dialog).getAllByRole('option');
    await waitFor(() =>
      expect(options().map((o) => o.querySelector('.site-row-title')!.firstChild!.textContent)).toEqual([
        'Globex Careers',
        'Globex Corporate Site',
        'Globex Documentation',
      ]),
    );
    expect(box.getAttribute('aria-activedescendant')).toBe(options()[0]!.id);
    key(box, 'ArrowDown');
    expect(box.getAttribute('aria-activedescendant')).toBe(options()[1]!.id);
    expect(options()[1]!.getAttribute('aria-selected')).toBe('true');
    key(box, 'ArrowUp');
    key(box, 'ArrowUp'); // wraps to the last
    expect(box.getAttribute('aria-activedescendant')).toBe(options()[2]!.id);
    key(box, 'Enter');

    await screen.findByRole('heading', { level: 1, name: 'Globex Documentation' });
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(focused().textContent).toContain('Globex Documentation'));
    expect(focused().closest('ul')).toBe(list());
  });

  it('closes with Escape and gives the focus back; is not opened over another dialog', async () => {
    search().focus();
    key(search(), 'k', { ctrlKey: true });
    const dialog = await screen.findByRole('dialog', { name: 'Go to a site' });
    // With nothing typed: every site, in natural order.
    expect(within(dialog).getAllByRole('option')).toHaveLength(useStore.getState().sites.data!.sites.length);
    key(focused(), 'Escape');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(focused()).toBe(search());

    // The top bar's button opens it too; Ctrl+K while it (a dialog) is open does not open a second one.
    fireEvent.click(screen.getByRole('button', { name: /^Go to site/ }));
    await screen.findByRole('dialog', { name: 'Go to a site' });
    key(document.body, 'k', { ctrlKey: true });
    expect(screen.getAllByRole('dialog')).toHaveLength(1);
  });
});
