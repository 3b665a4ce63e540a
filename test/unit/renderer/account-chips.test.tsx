// @vitest-environment jsdom
// Accounts you can tell apart (issue 10 §3), on the real engine and sandbox with Dana and Fran signed in: a site
// both see is one row with both accounts' chips, its page says which account it uses and lets the person choose
// another (remembered by the engine), and the Accounts page renames an account and picks its colour.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/src/App';
import { useStore } from '../../../renderer/src/store';
import { FRAN } from '../../helpers/sandbox';
import { stubMatchMedia } from './match-media';
import { fakeLayout } from './jsdom-layout';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let unlayout: () => void = () => undefined;
let danaId: string;
let franId: string;
const initial = useStore.getState();

beforeAll(async () => {
  app = await realBridge();
  const fran = await app.api.accounts.add({
    machineToken: app.sandbox.accounts.find((a) => a.email === FRAN)!.machineToken,
    apiUrl: app.sandbox.apiUrl,
  });
  if (!fran.ok) throw new Error(fran.error.message);
  danaId = app.accountId;
  franId = fran.value.id;
  // The virtualized list has rows in view only with a layout, which jsdom does not do.
  unlayout = fakeLayout(900);
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
  await act(() => Promise.all([s.loadAccounts(), s.loadSettings(), s.loadSites(true)]));
  await screen.findByText('12 of 12 sites');
});
afterEach(cleanup);

const list = () => screen.getByRole('list', { name: 'Site list' });
/** The row of a site by its label. */
const row = (label: string) =>
  within(list())
    .getAllByRole('button')
    .find((b) => b.querySelector('.site-row-title')?.firstChild?.textContent === label)!;
/** The account names on the chips inside `el`, with their colours. */
const chips = (el: HTMLElement) =>
  [...el.querySelectorAll<HTMLElement>('.account-chip')].map(
    (c) =>
      `${c.textContent} ${[...c.classList].find((k) => k.startsWith('account-') && k !== 'account-chip')}`,
  );

describe('a site two accounts see', () => {
  it('is one row with both accounts’ chips; a site of one account has its chip alone', async () => {
    expect(within(list()).getAllByRole('button', { name: /Globex Corporate Site/ })).toHaveLength(1);
    expect(chips(row('Globex Corporate Site'))).toEqual([
      'Dana Developer account-blue',
      'Fran Freelancer account-green',
    ]);
    expect(chips(row('Acme Blog'))).toEqual(['Dana Developer account-blue']);
    expect(chips(row('The Bakery on Fifth'))).toEqual(['Fran Freelancer account-green']);
    // Filtered by Fran, the Globex sites are hers too, though the app uses them with Dana.
    fireEvent.change(screen.getByLabelText('Account'), { target: { value: franId } });
    await screen.findByText('6 of 12 sites');
  });

  it('its page says which account it uses; choosing the other is remembered and the page follows', async () => {
    fireEvent.click(row('Globex Documentation'));
    const page = await screen.findByRole('main', { name: /Globex Documentation/ });
    const choice = within(page).getByRole<HTMLSelectElement>('combobox', { name: 'Account for this site' });
    expect(choice.value).toBe(danaId);
    expect(
      within(choice)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Dana Developer (dana@example.com)', 'Fran Freelancer (fran@example.com)']);
    expect(chips(choice.parentElement!)).toEqual(['Dana Developer account-blue']);
    fireEvent.change(choice, { target: { value: franId } });
    await waitFor(() => expect(useStore.getState().selected).toBe(`${franId}|${site('globex-docs')}`));
    const after = await screen.findByRole('main', { name: /Globex Documentation/ });
    expect(
      within(after).getByRole<HTMLSelectElement>('combobox', { name: 'Account for this site' }).value,
    ).toBe(franId);
    expect(
      chips(within(after).getByRole('combobox', { name: 'Account for this site' }).parentElement!),
    ).toEqual(['Fran Freelancer account-green']);
    // The engine remembers it: a new list (as after a restart) uses the site with Fran.
    const listed = await app.api.sites.list({});
    expect(listed.ok && listed.value.sites.find((s) => s.name === 'globex-docs')?.accountId).toBe(franId);
    await app.api.sites.chooseAccount({ siteId: site('globex-docs'), accountId: danaId });
  });
});

/** A site's id from the list the store holds. */
function site(name: string): string {
  return useStore.getState().sites.data!.sites.find((s) => s.name === name)!.id;
}

describe('the Accounts page', () => {
  it('renames an account and gives it another colour; its site rows follow', async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Accounts' }));
    const accounts = screen.getByRole('list', { name: 'Accounts' });
    expect(chips(accounts)).toEqual(['Dana Developer account-blue', 'Fran Freelancer account-green']);
    fireEvent.click(within(accounts).getByRole('button', { name: `Rename or recolour ${FRAN}` }));
    const form = within(accounts).getByRole('form', { name: `Name and colour of ${FRAN}` });
    const name = within(form).getByLabelText<HTMLInputElement>('Name');
    expect(name.value).toBe('Fran Freelancer');
    expect(document.activeElement).toBe(name);
    // Every colour is a named choice, never a swatch alone.
    const colours = within(form).getByRole('group', { name: 'Colour' });
    expect(
      within(colours)
        .getAllByRole('radio')
        .map((r) => r.parentElement!.textContent),
    ).toEqual(['Blue', 'Green', 'Purple', 'Orange', 'Teal', 'Pink', 'Brown', 'Slate']);
    fireEvent.change(name, { target: { value: 'Globex (client)' } });
    fireEvent.click(within(colours).getByRole('radio', { name: 'Orange' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(chips(screen.getByRole('list', { name: 'Accounts' }))).toEqual([
        'Dana Developer account-blue',
        'Globex (client) account-orange',
      ]),
    );
    expect(await app.engine.accounts.get(franId)).toMatchObject({
      label: 'Globex (client)',
      colour: 'orange',
    });
    fireEvent.click(screen.getByRole('button', { name: 'Sites' }));
    await screen.findByText('12 of 12 sites');
    expect(chips(row('Globex Corporate Site'))).toEqual([
      'Dana Developer account-blue',
      'Globex (client) account-orange',
    ]);
    await app.engine.accounts.update(franId, { label: 'Fran Freelancer', colour: 'green' });
  });

  it('says why a name is not saved, and keeps the form', async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Accounts' }));
    const accounts = screen.getByRole('list', { name: 'Accounts' });
    fireEvent.click(within(accounts).getByRole('button', { name: `Rename or recolour ${FRAN}` }));
    const form = within(accounts).getByRole('form', { name: `Name and colour of ${FRAN}` });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'two\u0007bells' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('one line of text');
    expect((await app.engine.accounts.get(franId)).label).toBe('Fran Freelancer');
    // Escape leaves without saving; the focus goes back to the button that opened the form.
    fireEvent.keyDown(within(form).getByLabelText('Name'), { key: 'Escape' });
    expect(within(accounts).queryByRole('form')).toBeNull();
    await waitFor(() =>
      expect(document.activeElement).toBe(
        within(accounts).getByRole('button', { name: `Rename or recolour ${FRAN}` }),
      ),
    );
  });
});
