// @vitest-environment jsdom
// The window's start-up, booted the way the page boots (renderer/src/main.tsx) on the real engine and sandbox:
// what it asks the engine for, and what it paints before the engine answers.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LifeboatBridge } from '../../../shared/api/contract';
import type { Site } from '../../../shared/models';
import { filterSites, siteRows } from '../../../shared/site-search';
import { DANA } from '../../helpers/sandbox';
import { realBridge, type RealBridge } from './real-bridge';
import { stubMatchMedia } from './match-media';
import { fakeLayout } from './jsdom-layout';

let app: RealBridge;
let real: LifeboatBridge;
beforeAll(async () => {
  app = await realBridge();
  real = window.lifeboat!;
}, 60_000);
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  stubMatchMedia();
  // The page boots outside React's test harness, as in a browser.
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

/** The real bridge, with every call recorded and held until `release()`: an engine that has not answered yet. */
function held(bridge: LifeboatBridge) {
  const calls: string[] = [];
  const waiting: (() => void)[] = [];
  let open = false;
  const wrapped = Object.fromEntries(
    Object.entries(bridge).map(([domain, value]) => {
      if (typeof value === 'function') return [domain, value];
      const methods = Object.entries(value as Record<string, (req?: unknown) => Promise<unknown>>).map(
        ([name, fn]) => [
          name,
          async (req?: unknown) => {
            calls.push(`${domain}.${name}`);
            if (!open) await new Promise<void>((r) => waiting.push(r));
            return fn(req);
          },
        ],
      );
      return [domain, Object.fromEntries(methods)];
    }),
  ) as unknown as LifeboatBridge;
  return {
    bridge: wrapped,
    calls,
    release() {
      open = true;
      waiting.splice(0).forEach((r) => r());
    },
  };
}

/** Loads the page's entry point afresh (new store, new bridge), as a reload does; sessionStorage stays. */
async function boot(bridge: LifeboatBridge): Promise<void> {
  document.body.innerHTML = '<div id="root"></div>';
  window.lifeboat = bridge;
  vi.resetModules();
  await import('../../../renderer/src/main');
}

/** The sites as the engine lists them. */
const listed = async (): Promise<readonly Site[]> => {
  const r = await app.api.sites.list();
  if (!r.ok) throw new Error(r.error.message);
  return r.value.sites;
};
const countOf = async (): Promise<number> => (await listed()).length;

describe('start-up', { timeout: 60_000 }, () => {
  it('asks the engine for accounts, sites, settings, jobs and system info at once, not one after another', async () => {
    sessionStorage.clear();
    const engine = held(real);
    await boot(engine.bridge);
    // Nothing has been answered, yet every start-up question is already asked.
    await waitFor(() =>
      expect(engine.calls).toEqual(
        expect.arrayContaining(['system.info', 'accounts.list', 'settings.get', 'jobs.list', 'sites.list']),
      ),
    );
    expect(screen.getByRole('status').textContent).toContain('Loading Lifeboat');
    engine.release();
    const n = await countOf();
    await screen.findByText(`${n} of ${n} sites`, undefined, { timeout: 15_000 });
  });

  it('after a reload, paints the site list the window showed last before the engine answers, then keeps the answer', async () => {
    sessionStorage.clear();
    const n = await countOf();
    await boot(real);
    await screen.findByText(`${n} of ${n} sites`, undefined, { timeout: 15_000 });
    // The window keeps what it showed when it is idle; no token ever reaches it.
    await waitFor(() => expect(sessionStorage.length).toBeGreaterThan(0), { timeout: 5_000 });
    const token = app.sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    expect(JSON.stringify({ ...sessionStorage })).not.toContain(token);

    // The reload: the engine has not answered anything yet.
    const engine = held(real);
    await boot(engine.bridge);
    await screen.findByText(`${n} of ${n} sites`, undefined, { timeout: 2_000 });
    expect(screen.queryByText(/Loading Lifeboat/)).toBeNull();
    // It is a working list: the search narrows it at once, from what it remembered.
    const rows = siteRows(await listed());
    const globex = filterSites(rows, 'globex', { framework: '', organization: '', account: '' }).length;
    expect(globex).toBeGreaterThan(0);
    expect(globex).toBeLessThan(n);
    fireEvent.change(screen.getByLabelText('Search sites'), { target: { value: 'globex' } });
    await screen.findByText(`${globex} of ${n} sites`);

    engine.release();
    // The engine's answer arrives; the list stays as the search left it, and the refresh is ready again.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Refresh' })).toBeTruthy(), {
      timeout: 15_000,
    });
    expect(screen.getByText(`${globex} of ${n} sites`)).toBeTruthy();
  });

  it('shows why it could not start when the engine fails, not the list it remembered', async () => {
    const n = await countOf();
    await boot(real);
    await screen.findByText(`${n} of ${n} sites`, undefined, { timeout: 15_000 });
    await waitFor(() => expect(sessionStorage.length).toBeGreaterThan(0), { timeout: 5_000 });
    const file = join(app.dataDir, 'accounts.json');
    const accounts = await readFile(file, 'utf8');
    await writeFile(file, '{ not json');
    try {
      await boot(real);
      await screen.findByText('Lifeboat could not start', undefined, { timeout: 15_000 });
      expect(screen.getByRole('alert').textContent).toContain('accounts.json is not valid JSON');
      expect(screen.queryByText(`${n} of ${n} sites`)).toBeNull();
    } finally {
      await writeFile(file, accounts);
    }
  });

  it('keeps the same list when the engine answers it unchanged, so 2,000 rows are not rendered again', async () => {
    await boot(real);
    const n = await countOf();
    await screen.findByText(`${n} of ${n} sites`, undefined, { timeout: 15_000 });
    // The store the page booted with (the module registry is the page's until the next boot).
    const { useStore } = await import('../../../renderer/src/store');
    const shown = useStore.getState().sites.data;
    await useStore.getState().loadSites(false);
    expect(useStore.getState().sites.data).toBe(shown);
    // A refresh that brings news (a new time, at least) replaces it.
    await new Promise((r) => setTimeout(r, 5));
    await useStore.getState().loadSites(true);
    expect(useStore.getState().sites.data).not.toBe(shown);
    expect(useStore.getState().sites.data!.fetchedAt > shown!.fetchedAt).toBe(true);
  });

  it('filters by search, framework and organization, lists favourites first, and selects a site', async () => {
    sessionStorage.clear();
    const sites = await listed();
    const n = sites.length;
    const favourite = sites.at(-1)!;
    const saved = await app.api.settings.update({ favourites: [favourite.id] });
    expect(saved.ok).toBe(true);
    // The virtualized list has rows in view only with a layout, which jsdom does not do.
    const unlayout = fakeLayout(600);
    try {
      await boot(real);
      await screen.findByText(`${n} of ${n} sites`, undefined, { timeout: 15_000 });
      const list = screen.getByRole('list', { name: 'Site list' });
      // The favourite comes first, starred, though the engine lists it last.
      await waitFor(() => expect(list.querySelector('li')!.textContent).toContain(favourite.label));
      expect(within(list.querySelector('li')!).getByLabelText('Favourite')).toBeTruthy();

      const rows = siteRows(sites);
      const none = { framework: '', organization: '', account: '' };
      const framework = sites[0]!.framework;
      const byFramework = filterSites(rows, '', { ...none, framework }).length;
      fireEvent.change(screen.getByRole('combobox', { name: 'Framework' }), { target: { value: framework } });
      await screen.findByText(`${byFramework} of ${n} sites`);
      const organization = sites.find((s) => s.organizations.length > 0)!.organizations[0]!;
      const both = filterSites(rows, '', { ...none, framework, organization }).length;
      fireEvent.change(screen.getByRole('combobox', { name: 'Organization' }), {
        target: { value: organization },
      });
      await screen.findByText(`${both} of ${n} sites`);
      fireEvent.change(screen.getByRole('combobox', { name: 'Framework' }), { target: { value: '' } });
      fireEvent.change(screen.getByRole('combobox', { name: 'Organization' }), { target: { value: '' } });
      await screen.findByText(`${n} of ${n} sites`);

      // Clicking a row opens the site and marks the row as the current one.
      const row = within(list).getByRole('button', { name: new RegExp(sites[0]!.label) });
      fireEvent.click(row);
      await screen.findByRole('heading', { name: sites[0]!.label, level: 1 });
      expect(row.getAttribute('aria-current')).toBe('true');
    } finally {
      unlayout();
      await app.api.settings.update({ favourites: [] });
    }
  });
});
