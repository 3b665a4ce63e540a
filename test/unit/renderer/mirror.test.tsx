// @vitest-environment jsdom
// The Mirror screen (issue 11 §2) on the real engine and the sandbox (Dana's and Fran's accounts): sites chosen by
// a search and by hand (from the keyboard, in a listbox driven from its search box), the preview of what that
// takes and the command it amounts to, a folder the run would refuse said before Run now (which says why it is
// disabled), Run now with each site's progress (bars that are their values) and the whole run's bytes, speed and
// time left, the report (a failed site highlighted with its code and message, why a site was skipped, a long one
// collapsed), the report again after a reload, the last run of the CLI shown as the last run, and the OS
// scheduler's entry shown whole before Install writes exactly it (here systemctl has no user bus: said, not a
// crash); in the demo, the terminal's command has --demo and no scheduler entry is offered, saying why.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api';
import type { Sandbox } from '../../../electron/sandbox';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { MIRROR_MANIFEST } from '../../../electron/services/mirror/layout';
import { saveMirrorReport } from '../../../electron/services/mirror/reports';
import type { LifeboatBridge } from '../../../shared/api/contract';
import type { AppEventName, AppEvents } from '../../../shared/api/events';
import type { MirrorReport, MirrorSiteReport } from '../../../shared/models';
import { App } from '../../../renderer/src/App';
import { useMirrorDraft } from '../../../renderer/src/components/Mirror';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { stubMatchMedia } from './match-media';

let sandbox: Sandbox;
let work: string;
const engines: Engine[] = [];
let engine: Engine;
let bridge: LifeboatBridge;
/** The bridge the window talks to now (the renderer keeps the first one it is given: this one delegates). */
let current: LifeboatBridge;
const initial = useStore.getState();

/** An engine as the app builds it, on its own data folder, and the bridge the window gets to it. */
function makeApp(dataDir: string): { engine: Engine; bridge: LifeboatBridge } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const e = createEngine({
    dataDir,
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    transfer: fastTransfer(),
    emit: (name, payload) => listeners.get(name)?.forEach((l) => l(payload)),
    // The scheduler entry goes under a temp home: nothing of this test reaches the real ~/.config.
    scheduler: { platform: 'linux', home: join(work, 'home') },
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: Object.fromEntries(
        [DANA, FRAN].map((who) => [who, sandbox.accounts.find((a) => a.email === who)!.machineToken]),
      ),
    }),
  });
  engines.push(e);
  const api = createApi(e);
  return {
    engine: e,
    bridge: {
      ...api,
      on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
        const set = listeners.get(name) ?? new Set();
        set.add(listener as (p: unknown) => void);
        listeners.set(name, set);
        return () => set.delete(listener as (p: unknown) => void);
      },
    },
  };
}

beforeAll(async () => {
  sandbox = await testSandbox();
  work = await mkdtemp(join(tmpdir(), 'lifeboat-mirror-screen-'));
  ({ engine, bridge } = makeApp(join(work, 'data')));
  window.lifeboat = new Proxy({} as LifeboatBridge, {
    get: (_, key) => current[key as keyof LifeboatBridge],
  });
  // Dana's and Fran's own accounts (not the demo's: the scheduler entry is offered for them).
  for (const who of [DANA, FRAN]) {
    const added = await bridge.accounts.add({
      machineToken: sandbox.accounts.find((a) => a.email === who)!.machineToken,
      apiUrl: sandbox.apiUrl,
    });
    if (!added.ok) throw new Error(added.error.message);
  }
}, 60_000);
afterAll(async () => {
  for (const e of engines) {
    e.jobs.cancelAll();
    await e.jobs.flush();
    e.jobs.close();
  }
  await sandbox?.close();
  await rm(work, { recursive: true, force: true });
});

let unsubscribe: () => void = () => undefined;
beforeEach(() => {
  stubMatchMedia();
  useStore.setState(initial, true);
  useMirrorDraft.setState({ fields: null, touched: false });
  sandbox.setFaults({});
  current = bridge;
});
afterEach(() => {
  unsubscribe();
  cleanup();
});

/** The window as it starts (its stores loaded, its events subscribed), on the Mirror screen. */
async function openMirror() {
  const s = useStore.getState();
  await Promise.all([s.loadAccounts(), s.loadSettings(), s.loadJobs(), s.loadSites(false)]);
  unsubscribe = subscribeEvents();
  render(<App />);
  fireEvent.click(
    within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', { name: 'Mirror' }),
  );
  await screen.findByRole('heading', { level: 1, name: 'Mirror' });
  await screen.findByLabelText('Sites matching');
}

const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
const preview = () => screen.getByRole('region', { name: 'What it takes' });
const runNow = () => screen.getByRole('button', { name: 'Run now' });
const install = () => screen.getByRole('button', { name: 'Install for when Lifeboat is closed…' });
/** The words a control's aria-describedby points at. */
const reasonOf = (el: HTMLElement): string => {
  const id = el.getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? '') : '';
};

/** A bar's fill as drawn: its width, and whether it is the sliding "indeterminate" chunk. */
const fillOf = (bar: HTMLElement) => ({
  width: (bar.querySelector('.progress-fill') as HTMLElement).style.width,
  sliding: bar.className.includes('indeterminate'),
});

describe('the Mirror screen', { timeout: 60_000 }, () => {
  it('previews the sites a search and a hand-picked site take, runs them, and shows the report, also after a reload', async () => {
    await openMirror();
    const root = join(work, 'mirror-1');
    type('Mirror into the folder', 'relative/folder');
    type('Sites matching', 'globex');
    // A folder that is not absolute: said in words a person reads (no field name before it).
    await within(preview()).findByText(/^The mirror’s folder is an absolute path/, {}, { timeout: 10_000 });
    type('Mirror into the folder', root);
    await within(preview()).findByText('3 sites through 1 account', {}, { timeout: 10_000 });
    expect(preview().textContent).toContain('globex-careers, globex-docs and globex-www');

    // A site picked by hand, from the keyboard: the dialog's search, the arrow down, Space, Done.
    fireEvent.click(screen.getByRole('button', { name: 'Pick sites by hand…' }));
    const dialog = screen.getByRole('dialog', { name: 'Pick sites to mirror' });
    const search = within(dialog).getByRole('combobox', { name: 'Find sites' });
    expect(document.activeElement).toBe(search);
    fireEvent.change(search, { target: { value: 'bakery' } });
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    const option = within(dialog).getByRole('option', { name: 'The Bakery on Fifth (fran-bakery)' });
    expect(search.getAttribute('aria-activedescendant')).toBe(option.id);
    fireEvent.keyDown(search, { key: ' ' });
    expect(option.getAttribute('aria-selected')).toBe('true');
    expect(within(dialog).getByText(/1 picked/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(
      within(screen.getByRole('list', { name: 'Sites picked by hand' })).getByText('fran-bakery'),
    ).toBeTruthy();
    await within(preview()).findByText('4 sites through 2 accounts', {}, { timeout: 10_000 });
    const command = within(preview()).getByText(/^lifeboat mirror /).textContent!;
    expect(command).toBe(
      `lifeboat mirror --to ${root} --site fran-bakery --env live --element code,database,files --concurrency 4 globex`,
    );

    // The database only, slow downloads: each site's progress is seen, then the report.
    fireEvent.click(screen.getByRole('checkbox', { name: 'Code' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Files' }));
    await within(preview()).findByText(/--element database /, {}, { timeout: 10_000 });
    sandbox.setFaults({ store: { throttleBytesPerSecond: 2_000 } });
    fireEvent.click(runNow());
    const overall = await screen.findByRole('progressbar', { name: 'Sites mirrored' }, { timeout: 10_000 });
    await waitFor(() => expect(overall.getAttribute('aria-valuetext')).toMatch(/^\d of 4 sites$/), {
      timeout: 10_000,
    });
    await screen.findAllByRole('progressbar', { name: /^Progress of (globex|fran)-/ }, { timeout: 10_000 });
    expect(runNow().hasAttribute('disabled')).toBe(true);
    expect(reasonOf(runNow())).toBe('A mirror is running; it can run again once it has finished.');
    sandbox.setFaults({});

    const table = await screen.findByRole('table', { name: 'Mirror report' }, { timeout: 30_000 });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').firstChild!.textContent)).toEqual([
      'fran-bakery',
      'globex-careers',
      'globex-docs',
      'globex-www',
    ]);
    for (const r of rows) expect(within(r).getByText('Downloaded')).toBeTruthy();
    expect(screen.getByText(/^4 sites: 4 downloaded, 0 up to date, 0 failed$/)).toBeTruthy();
    for (const site of ['fran-bakery', 'globex-careers', 'globex-docs', 'globex-www']) {
      const [set] = await readdir(join(root, site, 'live'));
      expect(existsSync(join(root, site, 'live', set!, MIRROR_MANIFEST))).toBe(true);
    }

    // A reload: a new window's store, the jobs read again; the report is still there.
    unsubscribe();
    cleanup();
    useStore.setState(initial, true);
    useMirrorDraft.setState({ fields: null });
    await openMirror();
    const again = await screen.findByRole('table', { name: 'Mirror report' });
    expect(within(again).getAllByRole('row')).toHaveLength(5);
  });

  it('draws each site’s bar at its value (a site not sized yet is an empty track), and the whole run’s bytes, speed and time left', async () => {
    await openMirror();
    type('Mirror into the folder', join(work, 'mirror-bars'));
    type('Sites matching', 'globex');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Code' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Files' }));
    await within(preview()).findByText(/--element database /, {}, { timeout: 10_000 });
    await waitFor(() => expect(runNow().hasAttribute('disabled')).toBe(false));
    // A slow API keeps each site "starting" (its environments not listed yet) long enough to be seen; then slow
    // downloads, so the sizes are known while the bytes come.
    sandbox.setFaults({ api: { slowMs: 1_500 } });
    fireEvent.click(runNow());
    const starting = await screen.findAllByRole(
      'progressbar',
      { name: /^Progress of globex-/ },
      { timeout: 20_000 },
    );
    expect(starting[0]!.getAttribute('aria-valuetext')).toMatch(/: starting$/);
    // Not a sliding chunk that reads as a value, nor part of a bar: an empty track, said "starting".
    for (const bar of starting) expect(fillOf(bar)).toEqual({ width: '0%', sliding: false });
    sandbox.setFaults({ store: { throttleBytesPerSecond: 3_000 } });

    const line = () => document.querySelector('.mirror-overall')?.textContent ?? '';
    // While sites are still to be sized, the total is a lower bound, and no time left is told from it.
    await waitFor(() => expect(line()).toMatch(/^[\d.]+ (bytes|kB) (so far|of at least [\d.]+ (bytes|kB))/), {
      timeout: 20_000,
    });
    // Once every site has started on its one environment, the total is whole: with the speed, the time left.
    await waitFor(
      () =>
        expect(line()).toMatch(
          /^[\d.]+ (bytes|kB) of [\d.]+ kB · [\d.]+ (bytes|kB)\/s · about \d+:\d\d left$/,
        ),
      { timeout: 30_000 },
    );
    // Every site's bar is drawn at the value it says.
    for (const bar of screen.getAllByRole('progressbar', { name: /^Progress of globex-/ })) {
      const now = bar.getAttribute('aria-valuenow');
      expect(fillOf(bar)).toEqual({ width: `${now ?? 0}%`, sliding: false });
    }
    sandbox.setFaults({});
    await screen.findByText(/^3 sites: 3 downloaded/, {}, { timeout: 30_000 });
  });

  it('picks sites from the search box with the keyboard (a listbox), and picks all those shown at once', async () => {
    await openMirror();
    fireEvent.click(screen.getByRole('button', { name: 'Pick sites by hand…' }));
    const dialog = screen.getByRole('dialog', { name: 'Pick sites to mirror' });
    const search = within(dialog).getByRole('combobox', { name: 'Find sites' });
    const list = within(dialog).getByRole('listbox', { name: 'Sites' });
    expect(search.getAttribute('aria-controls')).toBe(list.id);
    fireEvent.change(search, { target: { value: 'globex' } });
    const options = within(list).getAllByRole('option');
    expect(options).toHaveLength(3);
    for (const o of options) expect(o.textContent).toMatch(/\(globex-(careers|docs|www)\)$/);
    const selected = () => options.map((o) => o.getAttribute('aria-selected'));
    const active = () => search.getAttribute('aria-activedescendant');
    // No row highlighted: Space is the search's (a space typed), nothing is picked.
    expect(fireEvent.keyDown(search, { key: ' ' })).toBe(true);
    expect(selected()).toEqual(['false', 'false', 'false']);
    // Down twice, up once: the first row. Enter picks it, Enter again unpicks it, Space picks it (not typed).
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(active()).toBe(options[1]!.id);
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    expect(active()).toBe(options[0]!.id);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(selected()).toEqual(['true', 'false', 'false']);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(selected()).toEqual(['false', 'false', 'false']);
    expect(fireEvent.keyDown(search, { key: ' ' })).toBe(false);
    expect(selected()).toEqual(['true', 'false', 'false']);
    // Up from the first row: no highlight, and Space types again.
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    expect(active()).toBeNull();
    expect(fireEvent.keyDown(search, { key: ' ' })).toBe(true);
    // Typing drops the highlight too.
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    fireEvent.change(search, { target: { value: 'globex-' } });
    expect(active()).toBeNull();
    // Every site shown, at once.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pick all shown' }));
    expect(
      within(list)
        .getAllByRole('option')
        .map((o) => o.getAttribute('aria-selected')),
    ).toEqual(['true', 'true', 'true']);
    expect(within(dialog).getByText(/3 picked/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(
      within(screen.getByRole('list', { name: 'Sites picked by hand' }))
        .getAllByRole('listitem')
        .map((li) => li.firstChild!.textContent)
        .sort(),
    ).toEqual(['globex-careers', 'globex-docs', 'globex-www']);
  });

  it('puts a failed site first in the report, highlighted, with its error code and message', async () => {
    await openMirror();
    const sites = useStore.getState().sites.data!.sites;
    const docs = sites.find((s) => s.name === 'globex-docs')!;
    // globex-docs's environments cannot be listed: that site fails, the other two do not.
    sandbox.setFaults({
      api: { script: [{ path: `sites/${docs.id}/environments`, status: 500, times: 100 }] },
    });
    type('Mirror into the folder', join(work, 'mirror-2'));
    type('Sites matching', 'globex');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Code' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Files' }));
    await within(preview()).findByText(/--element database /, {}, { timeout: 10_000 });
    await waitFor(() => expect(runNow().hasAttribute('disabled')).toBe(false));
    fireEvent.click(runNow());
    // The screen shows the newest run: this one's report once it has ended (the last test's until then).
    await screen.findByRole('heading', { name: /^Mirroring now/ }, { timeout: 10_000 });
    await screen.findByRole('heading', { name: /^Last run/ }, { timeout: 30_000 });
    const rows = within(screen.getByRole('table', { name: 'Mirror report' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows).toHaveLength(3);
    expect(within(rows[0]!).getByRole('rowheader').firstChild!.textContent).toBe('globex-docs');
    expect(rows[0]!.className).toBe('report-failed');
    expect(within(rows[0]!).getByText('Failed')).toBeTruthy();
    expect(rows[0]!.textContent).toMatch(/server: /);
    expect(rows.slice(1).map((r) => r.className)).toEqual(['', '']);
    expect(screen.getByText(/^1 of 3 sites failed; the others are mirrored\./)).toBeTruthy();
  });

  it('says in each skipped site’s row why it was skipped (a frozen site, an environment never initialized)', async () => {
    await openMirror();
    type('Mirror into the folder', join(work, 'mirror-skipped'));
    // Dana's acme sites, among them a frozen one and one whose live was never initialized.
    type('Sites matching', 'acme');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Code' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Files' }));
    await within(preview()).findByText(/--element database /, {}, { timeout: 10_000 });
    await within(preview()).findByText('5 sites through 1 account', {}, { timeout: 10_000 });
    await waitFor(() => expect(runNow().hasAttribute('disabled')).toBe(false));
    fireEvent.click(runNow());
    await screen.findByRole('heading', { name: /^Mirroring now/ }, { timeout: 10_000 });
    await screen.findByText(/^5 sites: .*2 skipped/, {}, { timeout: 30_000 });
    const table = screen.getByRole('table', { name: 'Mirror report' });
    const row = (site: string) =>
      within(table)
        .getAllByRole('row')
        .find((r) => r.querySelector('th')?.firstChild?.textContent === site)!;
    // Under the status, in the row: the engine's own words for each.
    expect(within(row('acme-intranet')).getByText('Skipped').parentElement!.textContent).toMatch(/frozen/i);
    expect(within(row('acme-landing')).getByText('Skipped').parentElement!.textContent).toMatch(
      /not initialized/,
    );
  });

  it('shows the scheduler entry whole before Install, which writes exactly it and says when a command failed', async () => {
    await openMirror();
    type('Mirror into the folder', join(work, 'mirror-3'));
    type('Sites matching', 'acme');
    fireEvent.click(screen.getByRole('checkbox', { name: 'While Lifeboat is open, mirror every' }));
    type('Hours between mirrors', '6');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('Saved. Lifeboat mirrors every 6 hours while it is open.');
    expect((await engine.mirror.profile())?.everyHours).toBe(6);
    await waitFor(() => expect(screen.queryByText('Not saved yet')).toBeNull());
    // What the scheduler runs is named where it is shown: the same command as from a terminal.
    await within(preview()).findByText(/^lifeboat mirror --to /, {}, { timeout: 10_000 });
    await waitFor(() => expect(install().hasAttribute('disabled')).toBe(false));
    expect(install().parentElement!.textContent).toMatch(
      /runs the same lifeboat mirror command as “The same from a terminal” above, every 6 hours/,
    );

    fireEvent.click(install());
    const dialog = await screen.findByRole('dialog', { name: 'Mirror when Lifeboat is closed' });
    await within(dialog).findByText(/a systemd user timer that runs this command every 6 hours/);
    const unit = join(work, 'home', '.config', 'systemd', 'user', 'lifeboat-mirror.service');
    const shown = within(dialog).getByRole('region', { name: `Content of ${unit}` }).textContent!;
    expect(shown).toContain('ExecStart=');
    expect(within(dialog).getByText('systemctl --user enable --now lifeboat-mirror.timer')).toBeTruthy();
    // Shown, not written.
    expect(existsSync(unit)).toBe(false);

    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Install' }));
    });
    await waitFor(() => expect(existsSync(unit)).toBe(true), { timeout: 10_000 });
    expect(await readFile(unit, 'utf8')).toBe(shown);
    const outcome = await within(dialog).findByText(
      /^(Installed|The files are written, but a command failed)$/,
    );
    if (outcome.textContent !== 'Installed') {
      // No user bus here: the failing command and what it said, and the files stay.
      expect(within(dialog).getByRole('alert').textContent).toMatch(/systemctl --user/);
    }
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove it' }));
    await within(dialog).findByText(/^Removed 2 files/);
    expect(existsSync(unit)).toBe(false);
  });

  it('says before Run now what the folder’s problem is, and Run now and Install say why they are disabled', async () => {
    await openMirror();
    type('Sites matching', 'globex');
    // A file where the folder should be: the run's own rule, said before anything runs.
    const file = join(work, 'a-file');
    await writeFile(file, 'not a folder');
    type('Mirror into the folder', file);
    await within(preview()).findByText(
      `${file} is a file, not a folder to mirror into.`,
      {},
      { timeout: 10_000 },
    );
    await waitFor(() => expect(reasonOf(runNow())).toBe(`${file} is a file, not a folder to mirror into.`));
    expect(runNow().hasAttribute('disabled')).toBe(true);
    expect(install().hasAttribute('disabled')).toBe(true);
    expect(reasonOf(install())).toBe(`${file} is a file, not a folder to mirror into.`);

    // Somebody else's folder, not empty.
    const foreign = await mkdtemp(join(work, 'foreign-'));
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    type('Mirror into the folder', foreign);
    await waitFor(() => expect(reasonOf(runNow())).toMatch(/is not empty and is not a Lifeboat mirror/), {
      timeout: 10_000,
    });
    expect(preview().textContent).toMatch(/is not empty and is not a Lifeboat mirror/);

    // No folder: the same way, in a plain sentence.
    type('Mirror into the folder', '');
    await waitFor(() => expect(reasonOf(runNow())).toBe('Choose a folder for the mirror.'), {
      timeout: 10_000,
    });
    expect(runNow().hasAttribute('disabled')).toBe(true);

    // No site chosen: disabled too, saying so.
    type('Mirror into the folder', join(work, 'mirror-4'));
    type('Sites matching', 'no-such-site-anywhere');
    await waitFor(() => expect(reasonOf(runNow())).toMatch(/^No site matches this selection/), {
      timeout: 10_000,
    });
    expect(runNow().hasAttribute('disabled')).toBe(true);
    type('Sites matching', '');
    await waitFor(() => expect(reasonOf(runNow())).toMatch(/^Say which sites to mirror/), {
      timeout: 10_000,
    });
    expect(runNow().hasAttribute('disabled')).toBe(true);
    // A change made, so now it is an error in red.
    expect(within(preview()).getByText(/^Say which sites to mirror/).className).toBe('error-text');
  });

  it('shows the last run of the CLI when it is newer than the app’s, refreshed when the window comes back', async () => {
    const dataDir = join(work, 'data');
    const report = (root: string, sites: MirrorSiteReport[]): MirrorReport => {
      const now = new Date().toISOString();
      const count = (s: MirrorSiteReport['status']) => sites.filter((r) => r.status === s).length;
      return {
        root,
        startedAt: now,
        finishedAt: now,
        shard: null,
        sites,
        totals: {
          sites: sites.length,
          downloaded: count('downloaded'),
          upToDate: count('up-to-date'),
          skipped: count('skipped'),
          failed: count('failed'),
          bytes: sites.reduce((n, r) => n + r.bytes, 0),
        },
      };
    };
    const row = (site: string, over: Partial<MirrorSiteReport> = {}): MirrorSiteReport => ({
      site,
      siteId: `id-${site}`,
      account: DANA,
      status: 'up-to-date',
      bytes: 0,
      durationMs: 1200,
      envs: [
        {
          env: 'live',
          status: 'up-to-date',
          path: null,
          backupFolder: null,
          bytes: 0,
          resumedBytes: 0,
          createdBackup: false,
          pruned: [],
        },
      ],
      ...over,
    });
    await saveMirrorReport(
      dataDir,
      report('/srv/by-cron', [
        row('acme-blog', {
          status: 'downloaded',
          bytes: 737_000,
          envs: [
            {
              env: 'live',
              status: 'downloaded',
              path: '/srv/by-cron/acme-blog/live/x',
              backupFolder: '1700000000_backup',
              bytes: 737_000,
              resumedBytes: 0,
              createdBackup: true,
              pruned: ['/srv/by-cron/acme-blog/live/a', '/srv/by-cron/acme-blog/live/b'],
            },
          ],
        }),
      ]),
      'cli',
    );
    await openMirror();
    const heading = await screen.findByRole('heading', { name: /^Last run/ });
    expect(heading.textContent).toMatch(/run from the command line/);
    const table = screen.getByRole('table', { name: 'Mirror report' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    // What the run changed, in the row and in the summary.
    expect(rows[0]!.textContent).toMatch(/made a new backup first; removed 2 older sets/);
    expect(screen.getByText(/1 new backup made first, 2 older sets removed/)).toBeTruthy();
    expect(screen.getAllByText('/srv/by-cron').length).toBeGreaterThan(0);

    // The scheduler runs again while the window is in the back; coming back to it shows that run: 48 sites, the
    // failed one first, then the first ten until "Show all".
    const many = Array.from({ length: 48 }, (_, i) => row(`site-${String(i).padStart(2, '0')}`));
    many[30] = row('site-30', {
      status: 'failed',
      error: { code: 'server', message: 'Pantheon answered 500.' },
    });
    await saveMirrorReport(dataDir, report('/srv/by-cron', many), 'cli');
    await act(async () => {
      fireEvent.focus(window);
    });
    await waitFor(() =>
      expect(within(screen.getByRole('table', { name: 'Mirror report' })).getAllByRole('row')).toHaveLength(
        12,
      ),
    );
    const shown = within(screen.getByRole('table', { name: 'Mirror report' }))
      .getAllByRole('row')
      .slice(1);
    expect(shown[0]!.className).toBe('report-failed');
    expect(within(shown[0]!).getByRole('rowheader').firstChild!.textContent).toBe('site-30');
    fireEvent.click(screen.getByRole('button', { name: 'Show all 48 sites' }));
    expect(within(screen.getByRole('table', { name: 'Mirror report' })).getAllByRole('row')).toHaveLength(49);
  });
});

describe('the Mirror screen in the demo', { timeout: 60_000 }, () => {
  it('says what is missing as a hint on first open, puts --demo in the command, and offers no scheduler entry', async () => {
    // An app that has only started the demo, with no saved mirror.
    const demo = makeApp(join(work, 'demo-data'));
    const started = await demo.bridge.accounts.startDemo();
    if (!started.ok) throw new Error(started.error.message);
    current = demo.bridge;
    await openMirror();

    // Nothing chosen yet: said, in words, not as an error in red; Run now and Install say why they wait.
    const first = await within(preview()).findByText(/^Say which sites to mirror/, {}, { timeout: 10_000 });
    expect(first.className).toBe('hint');
    expect(document.querySelector('main .error-text')).toBeNull();
    expect(runNow().hasAttribute('disabled')).toBe(true);
    expect(reasonOf(runNow())).toMatch(/^Say which sites to mirror/);
    expect(install().hasAttribute('disabled')).toBe(true);
    expect(reasonOf(install())).toMatch(/^Say which sites to mirror/);

    type('Mirror into the folder', join(work, 'demo-mirror'));
    type('Sites matching', 'acme-blog');
    await within(preview()).findByText('1 site through 1 account', {}, { timeout: 10_000 });
    expect(within(preview()).getByText(/^lifeboat mirror /).textContent).toBe(
      `lifeboat mirror --demo --to ${join(work, 'demo-mirror')} --env live --element code,database,files --concurrency 4 acme-blog`,
    );
    await waitFor(() => expect(runNow().hasAttribute('disabled')).toBe(false));
    expect(install().hasAttribute('disabled')).toBe(true);
    expect(reasonOf(install())).toMatch(/^The demo’s sites are made up afresh each time/);
  });
});
