// @vitest-environment jsdom
// The Mirror screen (issue 11 §2) on the real engine and the demo sandbox (Dana's and Fran's accounts): sites
// chosen by a search and by hand (from the keyboard), the preview of what that takes and the command it amounts
// to, a folder that is not absolute refused in words, Run now with each site's progress, the report (a failed
// site highlighted with its code and message), the report again after a reload, and the OS scheduler's entry
// shown whole before Install writes exactly it (here systemctl has no user bus: said, not a crash).
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api';
import type { Sandbox } from '../../../electron/sandbox';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { MIRROR_MANIFEST } from '../../../electron/services/mirror/layout';
import type { LifeboatBridge } from '../../../shared/api/contract';
import type { AppEventName, AppEvents } from '../../../shared/api/events';
import { App } from '../../../renderer/src/App';
import { useMirrorDraft } from '../../../renderer/src/components/Mirror';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { stubMatchMedia } from './match-media';

let sandbox: Sandbox;
let engine: Engine;
let work: string;
const initial = useStore.getState();

beforeAll(async () => {
  sandbox = await testSandbox();
  work = await mkdtemp(join(tmpdir(), 'lifeboat-mirror-screen-'));
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  engine = createEngine({
    dataDir: join(work, 'data'),
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
  const api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  const bridge: LifeboatBridge = {
    ...api,
    on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
  window.lifeboat = bridge;
}, 60_000);
afterAll(async () => {
  engine?.jobs.cancelAll();
  await engine?.jobs.flush();
  engine?.jobs.close();
  await sandbox?.close();
  await rm(work, { recursive: true, force: true });
});

let unsubscribe: () => void = () => undefined;
beforeEach(() => {
  stubMatchMedia();
  useStore.setState(initial, true);
  useMirrorDraft.setState({ fields: null });
  sandbox.setFaults({});
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

describe('the Mirror screen', { timeout: 60_000 }, () => {
  it('previews the sites a search and a hand-picked site take, runs them, and shows the report, also after a reload', async () => {
    await openMirror();
    const root = join(work, 'mirror-1');
    type('Mirror into the folder', 'relative/folder');
    type('Sites matching', 'globex');
    // A folder that is not absolute: said in words where the preview would be.
    await within(preview()).findByText(
      /^root: The mirror’s folder is an absolute path/,
      {},
      { timeout: 10_000 },
    );
    type('Mirror into the folder', root);
    await within(preview()).findByText('3 sites through 1 account', {}, { timeout: 10_000 });
    expect(preview().textContent).toContain('globex-careers, globex-docs and globex-www');

    // A site picked by hand, from the keyboard: the dialog's search, Space on its box, Done.
    fireEvent.click(screen.getByRole('button', { name: 'Pick sites by hand…' }));
    const dialog = screen.getByRole('dialog', { name: 'Pick sites to mirror' });
    const search = within(dialog).getByLabelText('Find sites');
    expect(document.activeElement).toBe(search);
    fireEvent.change(search, { target: { value: 'bakery' } });
    const box = within(dialog).getByRole('checkbox', { name: 'The Bakery on Fifth (fran-bakery)' });
    box.focus();
    fireEvent.click(box);
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
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    const overall = await screen.findByRole('progressbar', { name: 'Sites mirrored' }, { timeout: 10_000 });
    await waitFor(() => expect(overall.getAttribute('aria-valuetext')).toMatch(/^\d of 4 sites$/), {
      timeout: 10_000,
    });
    await screen.findAllByRole('progressbar', { name: /^Progress of (globex|fran)-/ }, { timeout: 10_000 });
    expect(screen.getByRole('button', { name: 'Run now' }).hasAttribute('disabled')).toBe(true);
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
    await within(preview()).findByText('3 sites through 1 account', {}, { timeout: 10_000 });
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    // The screen shows the newest run: this one's report once it has ended (the last test's, of 4, until then).
    const rows = await waitFor(
      () => {
        const found = within(screen.getByRole('table', { name: 'Mirror report' }))
          .getAllByRole('row')
          .slice(1);
        expect(found).toHaveLength(3);
        return found;
      },
      { timeout: 30_000 },
    );
    expect(within(rows[0]!).getByRole('rowheader').firstChild!.textContent).toBe('globex-docs');
    expect(rows[0]!.className).toBe('report-failed');
    expect(within(rows[0]!).getByText('Failed')).toBeTruthy();
    expect(rows[0]!.textContent).toMatch(/server: /);
    expect(rows.slice(1).map((r) => r.className)).toEqual(['', '']);
    expect(screen.getByText(/^1 of 3 sites failed; the others are mirrored\./)).toBeTruthy();
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

    fireEvent.click(screen.getByRole('button', { name: 'Install for when Lifeboat is closed…' }));
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
});
