// @vitest-environment jsdom
// The Local copies card's actions (Open in editor, Open terminal, Update…, Set up to run locally…) and the editor
// and terminal fields of Settings, on a stand-in bridge that answers in the contract's shapes: the engine's side of
// each is tested on its own (integration/copies); here, what the page asks for and what it shows of the answers.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LifeboatBridge } from '../../../shared/api/contract';
import type { AppEventName, AppEvents } from '../../../shared/api/events';
import type {
  Job,
  LocalCopy,
  LocalSetupPlan,
  LocalSetupResult,
  RestorePreview,
  Settings,
} from '../../../shared/models';
import type { Result } from '../../../shared/result';
import { LocalCopiesView } from '../../../renderer/src/components/LocalCopies';
import { SettingsView } from '../../../renderer/src/components/Settings';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { stubMatchMedia } from './match-media';

const ok = <T,>(value: T): Result<T> => ({ ok: true, value });
const YEAR = new Date().getFullYear();

const live: LocalCopy = {
  id: '6f1c2a8e-7a7b-4c1e-9d55-0d9a1d1c0001',
  path: '/home/dana/Sites/acme-blog-live',
  state: 'present',
  site: { id: 'site-1', name: 'acme-blog', framework: 'wordpress' },
  env: 'live',
  accountId: 'acct-1',
  backup: { folder: '1795910400_automated', scheduledFor: `${YEAR}-11-29T12:00:00.000Z` },
  elements: ['code', 'database', 'files'],
  deployTag: 'pantheon_live_12',
  branch: 'lifeboat/live-2026-11-29',
  database: 'acme_blog_live',
  sizeBytes: 2_140_000_000,
  restoredAt: `${YEAR}-11-29T13:00:00.000Z`,
  lastUpdate: null,
  newerBackup: { folder: '1795996800_automated', scheduledFor: `${YEAR}-11-30T12:00:00.000Z` },
};
const missing: LocalCopy = { ...live, id: '6f1c2a8e-7a7b-4c1e-9d55-0d9a1d1c0002', state: 'missing' };

const updatePreview = (over: Partial<RestorePreview> = {}): RestorePreview => ({
  path: live.path,
  backupFolder: '1795996800_automated',
  elements: ['code', 'database', 'files'],
  branch: 'lifeboat/live-2026-11-30',
  databaseName: 'acme_blog_live_20261130',
  update: true,
  downloadBytes: 3_000_000,
  freeBytes: 50_000_000_000,
  writes: [
    {
      kind: 'branch',
      target: 'lifeboat/live-2026-11-30',
      description: 'the live code on branch lifeboat/live-2026-11-30, checked out',
    },
    {
      kind: 'database',
      target: 'acme_blog_live_20261130',
      description: 'the database into acme_blog_live_20261130',
    },
  ],
  conflicts: [],
  ...over,
});

const setupPlan = (over: Partial<LocalSetupPlan> = {}): LocalSetupPlan => ({
  copyId: live.id,
  path: live.path,
  framework: 'wordpress',
  database: 'acme_blog_live',
  rewrite: { from: ['https://live-acme-blog.pantheonsite.io'], to: 'http://acme-blog-live.ddev.site' },
  writes: [{ kind: 'file', target: `${live.path}/wp-config-local.php`, description: 'wp-config-local.php' }],
  conflicts: [],
  notes: [],
  ...over,
});

const job = (state: Job['state'], over: Partial<Job> = {}): Job => ({
  id: 'job-1',
  kind: 'restore',
  title: 'Update acme-blog.live in /home/dana/Sites/acme-blog-live',
  state,
  progress: {
    phase: state === 'running' ? 'downloading' : 'finishing',
    ...(state === 'running' ? { message: 'Downloading the files archive' } : {}),
    bytesDone: 0,
    bytesTotal: null,
    bytesPerSecond: null,
    etaSeconds: null,
    parts: [],
  },
  createdAt: new Date().toISOString(),
  finishedAt: state === 'running' ? null : new Date().toISOString(),
  ...over,
});

/** What the stand-in engine was asked, and what it answers. */
const calls: { method: string; req: unknown }[] = [];
let registry: LocalCopy[] = [];
let openAnswer: Result<null> = ok(null);
let previewUpdate: (req: Record<string, unknown>) => RestorePreview = () => updatePreview();
let previewSetup: (req: Record<string, unknown>) => LocalSetupPlan = () => setupPlan();
let settings: Settings;
const listeners = new Map<string, Set<(payload: unknown) => void>>();
const emit = <K extends AppEventName>(name: K, payload: AppEvents[K]): void =>
  listeners.get(name)?.forEach((l) => l(payload));
const asked = (method: string) => calls.filter((c) => c.method === method).map((c) => c.req);

const fake = {
  copies: {
    list: async (req?: unknown) => (calls.push({ method: 'copies.list', req }), ok(registry)),
    open: async (req: unknown) => (calls.push({ method: 'copies.open', req }), openAnswer),
    previewUpdate: async (req: Record<string, unknown>) => (
      calls.push({ method: 'copies.previewUpdate', req }),
      ok(previewUpdate(req))
    ),
    update: async (req: unknown) => (calls.push({ method: 'copies.update', req }), ok(job('running'))),
    previewSetup: async (req: Record<string, unknown>) => {
      calls.push({ method: 'copies.previewSetup', req });
      if (typeof req.url === 'string' && !/^https?:\/\//.test(req.url))
        return {
          ok: false,
          error: { code: 'invalid-request', message: 'url: A local address such as http://mysite.local.' },
        };
      return ok(previewSetup(req));
    },
    setup: async (req: Record<string, unknown>): Promise<Result<LocalSetupResult>> => {
      calls.push({ method: 'copies.setup', req });
      const plan = previewSetup(req);
      return ok({
        plan,
        rewritten: [
          { table: 'wp_options', rows: 3 },
          { table: 'wp_posts', rows: 12 },
        ],
        next: ['ddev start && ddev import-db --file=database/acme.sql.gz', 'ddev launch'],
      });
    },
  },
  backups: {
    list: async (req: unknown) => (
      calls.push({ method: 'backups.list', req }),
      ok([
        {
          folder: '1795996800_automated',
          scheduledFor: 1795996800,
          initiator: 'automated',
          finished: true,
          archives: {},
        },
        {
          folder: '1795910400_automated',
          scheduledFor: 1795910400,
          initiator: 'automated',
          finished: true,
          archives: {},
        },
      ])
    ),
  },
  // Settings asks which system the engine runs on (a named pipe on Windows, a socket elsewhere).
  system: {
    info: async () =>
      ok({
        version: '0.1.0',
        platform: 'linux',
        keychainAvailable: true,
        dataDir: '/home/dana/.config/Lifeboat',
        native: false,
        demoRunning: false,
      }),
  },
  // Settings → Tools asks where git and the client are.
  tools: {
    find: async () =>
      ok({
        git: { found: { path: '/usr/bin/git', version: 'git version 2.47.1', via: 'path' }, error: null },
        mysqlClient: {
          found: { path: '/usr/bin/mariadb', version: 'mariadb from 11.4.4-MariaDB', via: 'path' },
          error: null,
        },
      }),
  },
  settings: {
    update: async (req: Partial<Settings>) => {
      calls.push({ method: 'settings.update', req });
      settings = { ...settings, ...req };
      return ok(settings);
    },
  },
  on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
    const set = listeners.get(name) ?? new Set();
    set.add(listener as (p: unknown) => void);
    listeners.set(name, set);
    return () => set.delete(listener as (p: unknown) => void);
  },
} as unknown as LifeboatBridge;

const initial = useStore.getState();
beforeAll(() => {
  window.lifeboat = fake;
  // Settings previews the theme as chosen, through matchMedia.
  stubMatchMedia();
});
beforeEach(() => {
  calls.length = 0;
  registry = [live];
  openAnswer = ok(null);
  previewUpdate = () => updatePreview();
  previewSetup = () => setupPlan();
  settings = {
    defaultRestoreDir: '/home/dana/Lifeboat',
    parallelDownloads: 3,
    database: null,
    theme: 'system',
    favourites: [],
    editorCommand: null,
    terminalCommand: null,
    tools: { git: null, mysqlClient: null },
  };
  useStore.setState(initial, true);
});
afterEach(cleanup);

const card = async (name = 'acme-blog') => {
  await screen.findByRole('list', { name: 'Local copies' });
  return screen.getByRole('listitem', { name: new RegExp(`^${name}`) });
};

describe('Open in editor and Open terminal', () => {
  it('asks the engine to open the copy, and says so', async () => {
    render(<LocalCopiesView />);
    const item = await card();
    fireEvent.click(within(item).getByRole('button', { name: 'Open in editor' }));
    await waitFor(() => expect(asked('copies.open')).toEqual([{ copyId: live.id, with: 'editor' }]));
    fireEvent.click(within(item).getByRole('button', { name: 'Open terminal' }));
    await waitFor(() => expect(asked('copies.open')).toHaveLength(2));
    expect(asked('copies.open')[1]).toEqual({ copyId: live.id, with: 'terminal' });
    expect(useStore.getState().toasts.map((t) => t.text)).toEqual([
      'Opened acme-blog-live in your editor.',
      'Opened a terminal in acme-blog-live.',
    ]);
  });

  it('shows why it did not open in the card, with the way to Settings', async () => {
    openAnswer = {
      ok: false,
      error: {
        code: 'not-found',
        message:
          'No editor was found on this computer (Lifeboat looked for code, …). Set the Editor command in Settings.',
      },
    };
    render(<LocalCopiesView />);
    const item = await card();
    fireEvent.click(within(item).getByRole('button', { name: 'Open in editor' }));
    const alert = await within(item).findByRole('alert');
    expect(alert.textContent).toContain('Set the Editor command in Settings.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Open Settings' }));
    expect(useStore.getState().view).toBe('settings');
  });

  it('offers the copy’s own actions for a copy in place only', async () => {
    registry = [live, { ...missing, path: '/home/dana/Sites/gone', site: { ...live.site, name: 'gone' } }];
    render(<LocalCopiesView />);
    const present = await card('acme-blog');
    const gone = await card('gone');
    for (const name of ['Open in editor', 'Open terminal', 'Update…', 'Set up to run locally…']) {
      expect(within(present).getByRole('button', { name })).toBeTruthy();
      expect(within(gone).queryByRole('button', { name })).toBeNull();
    }
  });
});

describe('Update…', () => {
  it('previews the update as it opens and as options change, then starts it with the same request', async () => {
    render(<LocalCopiesView />);
    fireEvent.click(within(await card()).getByRole('button', { name: 'Update…' }));
    const dialog = screen.getByRole('dialog', { name: 'Update acme-blog-live' });
    // What the update will do: the preview's own writes, with the room it needs.
    await within(dialog).findByText('the live code on branch lifeboat/live-2026-11-30, checked out');
    expect(asked('copies.previewUpdate')).toEqual([{ copyId: live.id, database: {} }]);
    expect(within(dialog).getByRole('button', { name: 'Start update' })).toHaveProperty('disabled', false);

    // The copy's backups are offered, newest first, this copy's own marked.
    const backup = within(dialog).getByLabelText('Backup') as HTMLSelectElement;
    await waitFor(() => expect(backup.options.length).toBe(3));
    expect(backup.options[2]!.textContent).toContain('this copy’s');
    fireEvent.change(backup, { target: { value: '1795996800_automated' } });
    fireEvent.click(within(dialog).getByLabelText(/Replace acme_blog_live/));
    await waitFor(() =>
      expect(asked('copies.previewUpdate').at(-1)).toEqual({
        copyId: live.id,
        backup: '1795996800_automated',
        database: { name: 'acme_blog_live', replace: true },
      }),
    );
    fireEvent.click(within(dialog).getByLabelText('Leave the database as it is'));
    await waitFor(() =>
      expect(asked('copies.previewUpdate').at(-1)).toEqual({
        copyId: live.id,
        backup: '1795996800_automated',
        database: null,
      }),
    );
    fireEvent.click(within(dialog).getByLabelText('Into a new database'));
    // Typed key by key: asked once the typing rests, not once per key.
    const name = within(dialog).getByLabelText('New database name (optional)');
    for (let n = 1; n <= 'acme_fresh'.length; n++)
      fireEvent.change(name, { target: { value: 'acme_fresh'.slice(0, n) } });
    await waitFor(() =>
      expect(asked('copies.previewUpdate').at(-1)).toMatchObject({ database: { name: 'acme_fresh' } }),
    );
    expect(
      asked('copies.previewUpdate').filter((r) =>
        'acme_fresh'.startsWith((r as { database?: { name?: string } }).database?.name ?? '-'),
      ),
    ).toHaveLength(1);
    const request = asked('copies.previewUpdate').at(-1);
    await waitFor(() =>
      expect(within(dialog).getByRole('button', { name: 'Start update' })).toHaveProperty('disabled', false),
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start update' }));
    await waitFor(() => expect(asked('copies.update')).toEqual([request]));
  });

  it('shows conflicts with what to do, and local edits can be replaced (kept aside) to go on', async () => {
    previewUpdate = (req) =>
      updatePreview({
        conflicts: req.replaceLocalEdits
          ? []
          : [
              {
                kind: 'files',
                code: 'conflict',
                message:
                  '2 files changed in the copy since it was restored (wp-content/uploads/a.jpg, b.jpg).',
              },
            ],
      });
    render(<LocalCopiesView />);
    fireEvent.click(within(await card()).getByRole('button', { name: 'Update…' }));
    const dialog = screen.getByRole('dialog');
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('2 files changed in the copy since it was restored');
    expect(dialog.textContent).toContain('tick “Also replace files I changed in this copy”');
    expect(within(dialog).getByRole('button', { name: 'Start update' })).toHaveProperty('disabled', true);
    fireEvent.click(within(dialog).getByLabelText(/Also replace files I changed in this copy/));
    // The old answer stays while the new one is asked; Start waits for the new one.
    expect(within(dialog).getByRole('button', { name: 'Start update' })).toHaveProperty('disabled', true);
    await waitFor(() =>
      expect(asked('copies.previewUpdate').at(-1)).toMatchObject({ replaceLocalEdits: true }),
    );
    await waitFor(() => expect(within(dialog).queryByRole('alert')).toBeNull());
    expect(within(dialog).getByRole('button', { name: 'Start update' })).toHaveProperty('disabled', false);
  });

  it('follows the job, then shows the copy’s new backup, deploy tag, branch and database', async () => {
    const off = subscribeEvents();
    try {
      render(<LocalCopiesView />);
      fireEvent.click(within(await card()).getByRole('button', { name: 'Update…' }));
      const dialog = screen.getByRole('dialog');
      await within(dialog).findByText(/checked out/);
      await waitFor(() =>
        expect(within(dialog).getByRole('button', { name: 'Start update' })).toHaveProperty(
          'disabled',
          false,
        ),
      );
      fireEvent.click(within(dialog).getByRole('button', { name: 'Start update' }));
      await within(dialog).findByRole('progressbar');
      expect(dialog.textContent).toContain('Downloading the files archive');
      const updated: LocalCopy = {
        ...live,
        backup: live.newerBackup!,
        deployTag: 'pantheon_live_13',
        branch: 'lifeboat/live-2026-11-30',
        database: 'acme_blog_live_20261130',
        restoredAt: `${YEAR}-11-30T13:00:00.000Z`,
        newerBackup: null,
      };
      registry = [updated];
      act(() => {
        emit('copies.changed', { copies: [updated] });
        emit('jobs.updated', { job: job('succeeded', { outputPath: live.path }) });
      });
      const now = await within(dialog).findByLabelText('The copy now');
      expect(now.textContent).toContain('Deploy tagpantheon_live_13');
      expect(now.textContent).toContain('Branchlifeboat/live-2026-11-30 (checked out)');
      expect(now.textContent).toContain('Databaseacme_blog_live_20261130');
      expect(now.textContent).toContain('Nov 30');
    } finally {
      off();
    }
  });
});

describe('Set up to run locally…', () => {
  it('previews with the plan’s own URL, re-asks with a typed one and DDEV, runs, and offers the next commands to copy', async () => {
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void copied.push(text) },
    });
    previewSetup = (req) =>
      setupPlan({
        rewrite: {
          from: ['https://live-acme-blog.pantheonsite.io'],
          to: typeof req.url === 'string' ? req.url : 'http://acme-blog-live.ddev.site',
        },
        writes: [
          {
            kind: 'database',
            target: 'acme_blog_live',
            description: `the URLs of acme_blog_live -> ${typeof req.url === 'string' ? req.url : 'http://acme-blog-live.ddev.site'}`,
          },
          {
            kind: 'file',
            target: `${live.path}/wp-config-local.php`,
            description: 'wp-config-local.php with the local database',
          },
          ...(req.ddev
            ? [
                {
                  kind: 'file' as const,
                  target: `${live.path}/.ddev/config.yaml`,
                  description: '.ddev/config.yaml',
                },
              ]
            : []),
        ],
        notes: ['wp-config.php loads wp-config-local.php.'],
      });
    try {
      render(<LocalCopiesView />);
      fireEvent.click(within(await card()).getByRole('button', { name: 'Set up to run locally…' }));
      const dialog = screen.getByRole('dialog', { name: 'Set up acme-blog-live to run locally' });
      await within(dialog).findByText('wp-config-local.php with the local database');
      expect(asked('copies.previewSetup')).toEqual([{ copyId: live.id }]);
      const url = within(dialog).getByLabelText('Local address') as HTMLInputElement;
      expect(url.value).toBe('http://acme-blog-live.ddev.site');
      // The URL rewrite is one of the plan's writes, named by the plan.
      expect(dialog.textContent).toContain('the URLs of acme_blog_live -> http://acme-blog-live.ddev.site');
      expect(dialog.textContent).toContain('wp-config.php loads wp-config-local.php.');

      // A typo in the address: the engine's reason, and nothing can run.
      fireEvent.change(url, { target: { value: 'acme.test' } });
      await within(dialog).findByText(/A local address such as http:\/\/mysite.local/);
      expect(within(dialog).getByRole('button', { name: 'Set up' })).toHaveProperty('disabled', true);

      fireEvent.change(url, { target: { value: 'http://acme.test' } });
      fireEvent.click(within(dialog).getByLabelText(/DDEV/));
      await within(dialog).findByText('.ddev/config.yaml');
      expect(asked('copies.previewSetup').at(-1)).toEqual({
        copyId: live.id,
        url: 'http://acme.test',
        ddev: true,
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Set up' }));
      await within(dialog).findByText('Set up. The site is ready to start.');
      expect(asked('copies.setup')).toEqual([{ copyId: live.id, url: 'http://acme.test', ddev: true }]);
      expect(dialog.textContent).toContain(
        '15 values rewritten to http://acme.test (wp_options: 3, wp_posts: 12)',
      );
      const copy = within(dialog).getByRole('button', { name: 'Copy ddev launch' });
      fireEvent.click(copy);
      await waitFor(() => expect(copied).toEqual(['ddev launch']));
      fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
      expect(screen.queryByRole('dialog')).toBeNull();
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
    }
  });

  it('does not run while the plan has conflicts, and says what is in the way', async () => {
    previewSetup = () =>
      setupPlan({
        conflicts: [
          {
            kind: 'files',
            code: 'conflict',
            message: 'wp-config-local.php is already there and is yours: Lifeboat does not overwrite it.',
          },
        ],
      });
    render(<LocalCopiesView />);
    fireEvent.click(within(await card()).getByRole('button', { name: 'Set up to run locally…' }));
    const dialog = screen.getByRole('dialog');
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('Lifeboat does not overwrite it.');
    expect(within(dialog).getByRole('button', { name: 'Set up' })).toHaveProperty('disabled', true);
  });
});

describe('Settings: editor and terminal commands', () => {
  it('saves both, an emptied one as null (the one found on this computer)', async () => {
    settings = { ...settings, terminalCommand: 'kitty --directory {path}' };
    useStore.getState().setSettings(settings);
    render(<SettingsView />);
    const editor = screen.getByLabelText('Editor command') as HTMLInputElement;
    const terminal = screen.getByLabelText('Terminal command') as HTMLInputElement;
    expect(terminal.value).toBe('kitty --directory {path}');
    expect(editor.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(editor.getAttribute('aria-describedby')!)!.textContent).toContain(
      '{path}',
    );
    fireEvent.change(editor, { target: { value: '  zed --new  ' } });
    fireEvent.change(terminal, { target: { value: ' ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(asked('settings.update')).toHaveLength(1));
    expect(asked('settings.update')[0]).toMatchObject({ editorCommand: 'zed --new', terminalCommand: null });
  });
});
