// @vitest-environment jsdom
// The Local copies view on a stand-in bridge: the engine's registry is built and tested on its own (services/copies);
// here the page gets lists in the contract's shape, and what it shows and asks for is checked.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LifeboatBridge } from '../../../shared/api/contract';
import type { AppEventName, AppEvents } from '../../../shared/api/events';
import type { LocalCopy, Site } from '../../../shared/models';
import type { Result } from '../../../shared/result';
import { App } from '../../../renderer/src/App';
import { LocalCopiesView } from '../../../renderer/src/components/LocalCopies';
import { subscribeEvents } from '../../../renderer/src/events';
import { useStore } from '../../../renderer/src/store';
import { stubMatchMedia } from './match-media';

const YEAR = new Date().getFullYear();
const ok = <T,>(value: T): Result<T> => ({ ok: true, value });

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
  restoredAt: new Date(Date.now() - 3 * 86400_000).toISOString(),
  lastUpdate: null,
  newerBackup: null,
};
const newer = { folder: '1795996800_automated', scheduledFor: `${YEAR}-11-30T12:00:00.000Z` };
const missing: LocalCopy = {
  ...live,
  id: '6f1c2a8e-7a7b-4c1e-9d55-0d9a1d1c0002',
  path: '/home/dana/Sites/acme-events-dev',
  state: 'missing',
  site: { id: 'site-2', name: 'acme-events', framework: 'drupal8' },
  env: 'dev',
  deployTag: null,
  database: null,
};
const replaced: LocalCopy = {
  ...live,
  id: '6f1c2a8e-7a7b-4c1e-9d55-0d9a1d1c0003',
  path: '/home/dana/Sites/globex-test',
  state: 'replaced',
  site: { id: 'site-3', name: 'globex', framework: 'wordpress' },
  env: 'test',
  deployTag: 'pantheon_test_4',
};

/** What the stand-in engine was asked, and what it answers. */
const calls: { method: string; req: unknown }[] = [];
let registry: LocalCopy[] = [];
/** What the stand-in engine answers to a list with `checkNewer` (the environment's newest backup). */
let newerFor: Record<string, LocalCopy['newerBackup']> = {};
let removeAnswer: Result<null> = ok(null);
const listeners = new Map<string, Set<(payload: unknown) => void>>();
const emit = <K extends AppEventName>(name: K, payload: AppEvents[K]): void =>
  listeners.get(name)?.forEach((l) => l(payload));

const fake = {
  copies: {
    list: async (req?: { checkNewer?: boolean }) => {
      calls.push({ method: 'copies.list', req });
      return ok(
        registry.map((c) => ({ ...c, newerBackup: req?.checkNewer ? (newerFor[c.id] ?? null) : null })),
      );
    },
    remove: async (req: { copyId: string }) => {
      calls.push({ method: 'copies.remove', req });
      if (removeAnswer.ok) registry = registry.filter((c) => c.id !== req.copyId);
      return removeAnswer;
    },
    forget: async (req: { copyId: string }) => {
      calls.push({ method: 'copies.forget', req });
      registry = registry.filter((c) => c.id !== req.copyId);
      return ok(null);
    },
  },
  system: {
    showInFolder: async (req: { path: string }) => {
      calls.push({ method: 'system.showInFolder', req });
      return ok(null);
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
});
beforeEach(() => {
  calls.length = 0;
  registry = [];
  newerFor = {};
  removeAnswer = ok(null);
  useStore.setState(initial, true);
});
afterEach(cleanup);

const card = (name: string) => screen.getByRole('listitem', { name: new RegExp(`^${name}`) });
const listOf = () => screen.findByRole('list', { name: 'Local copies' });

describe('Local copies view', () => {
  it('explains what will appear when there is no copy yet', async () => {
    render(<LocalCopiesView />);
    const empty = await screen.findByText('No local copies yet');
    expect(empty.parentElement!.textContent).toContain('When you restore a site locally');
    expect(screen.queryByRole('list', { name: 'Local copies' })).toBeNull();
  });

  it('shows a copy’s source and age in one line, its path, size, branch, database and a newer backup', async () => {
    registry = [live];
    newerFor = { [live.id]: newer };
    render(<LocalCopiesView />);
    await listOf();
    // Opening the view is when Pantheon is asked about newer backups.
    expect(calls).toContainEqual({ method: 'copies.list', req: { checkNewer: true } });
    const item = card('acme-blog');
    await within(item).findByText('Newer backup available (Nov 30)');
    expect(item.textContent).toContain(
      'Live, backup of Nov 29, deploy pantheon_live_12 · restored 3 days ago',
    );
    expect(within(item).getByText(live.path)).toBeTruthy();
    expect(item.textContent).toContain(
      '2.1 GB on disk · branch lifeboat/live-2026-11-29 · database acme_blog_live',
    );
    // In the browser there is no file manager to open: the action is not offered.
    expect(within(item).queryByRole('button', { name: 'Show in folder' })).toBeNull();
    expect(within(item).getByRole('button', { name: 'Copy path' })).toBeTruthy();
    expect(within(item).getByRole('button', { name: 'Remove…' })).toBeTruthy();
    expect(within(item).queryByRole('button', { name: 'Forget' })).toBeNull();
    // A newer backup makes Update the card's primary action.
    expect(within(item).getByRole('button', { name: 'Update…' }).className).toBe('primary');
  });

  it('offers Show in folder in the desktop app, and copies the path', async () => {
    registry = [live];
    useStore.setState({ nativeShell: true });
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: async (text: string) => void copied.push(text) },
    });
    try {
      render(<LocalCopiesView />);
      await listOf();
      fireEvent.click(within(card('acme-blog')).getByRole('button', { name: 'Show in folder' }));
      expect(calls).toContainEqual({ method: 'system.showInFolder', req: { path: live.path } });
      fireEvent.click(within(card('acme-blog')).getByRole('button', { name: 'Copy path' }));
      await waitFor(() => expect(copied).toEqual([live.path]));
      expect(useStore.getState().toasts.map((t) => t.text)).toContain('Copied the path.');
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
    }
  });

  it('marks missing and replaced copies, says what to do, and offers Forget instead of Remove', async () => {
    registry = [missing, replaced];
    // A check against Pantheon is never shown for a copy that is not in place.
    newerFor = { [replaced.id]: newer };
    render(<LocalCopiesView />);
    await listOf();
    const gone = card('acme-events');
    expect(within(gone).getByText('Missing')).toBeTruthy();
    expect(gone.textContent).toContain('Its folder is not there any more');
    expect(gone.textContent).toContain('Dev, backup of Nov 29 · restored');
    const other = card('globex');
    expect(within(other).getByText('Replaced')).toBeTruthy();
    expect(other.textContent).toContain('Its folder now holds something else');
    expect(within(other).queryByText(/Newer backup available/)).toBeNull();
    for (const item of [gone, other]) {
      expect(within(item).queryByRole('button', { name: 'Remove…' })).toBeNull();
      expect(within(item).queryByRole('button', { name: 'Show in folder' })).toBeNull();
    }
    fireEvent.click(within(gone).getByRole('button', { name: 'Forget' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: /^acme-events/ })).toBeNull());
    expect(calls).toContainEqual({ method: 'copies.forget', req: { copyId: missing.id } });
    expect(card('globex')).toBeTruthy();
  });

  it('asks before Remove, naming the size, the trash and the database kept; then the copy is gone', async () => {
    registry = [live];
    render(<LocalCopiesView />);
    await listOf();
    fireEvent.click(within(card('acme-blog')).getByRole('button', { name: 'Remove…' }));
    const dialog = screen.getByRole('dialog', { name: 'Move acme-blog-live to the trash?' });
    expect(dialog.textContent).toContain('2.1 GB');
    expect(dialog.textContent).toContain('goes to the trash');
    expect(dialog.textContent).toContain('Its database, acme_blog_live, is kept');
    // The safe choice has the focus: Enter right away removes nothing.
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.some((c) => c.method === 'copies.remove')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Move to the trash' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls).toContainEqual({ method: 'copies.remove', req: { copyId: live.id } });
    await screen.findByText('No local copies yet');
    expect(useStore.getState().toasts.map((t) => t.text)).toContain('Moved acme-blog-live to the trash.');
    // The focus is not lost with the card: it is on the view's heading.
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Local copies', level: 1 }));
  });

  it('keeps the dialog open with the engine’s reason when the removal is refused', async () => {
    registry = [live];
    removeAnswer = {
      ok: false,
      error: { code: 'conflict', message: 'That folder is not this copy any more; forget it instead.' },
    };
    render(<LocalCopiesView />);
    await listOf();
    fireEvent.click(within(card('acme-blog')).getByRole('button', { name: 'Remove…' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Move to the trash' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('That folder is not this copy any more; forget it instead.');
    expect(card('acme-blog')).toBeTruthy();
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('follows copies.changed without asking Pantheon again, keeping the newer backup of the same copy only', async () => {
    const off = subscribeEvents();
    try {
      registry = [live];
      newerFor = { [live.id]: newer };
      render(<LocalCopiesView />);
      await within(await listOf()).findByText('Newer backup available (Nov 30)');
      const asked = calls.length;
      // A restore elsewhere registered another copy: the engine sends the whole list, unchecked.
      act(() => emit('copies.changed', { copies: [missing, live] }));
      expect(card('acme-events')).toBeTruthy();
      expect(within(card('acme-blog')).getByText('Newer backup available (Nov 30)')).toBeTruthy();
      expect(calls.length).toBe(asked);
      // The copy was restored again from that newer backup: the badge no longer applies.
      act(() => emit('copies.changed', { copies: [{ ...live, backup: newer }] }));
      expect(screen.queryByRole('listitem', { name: /^acme-events/ })).toBeNull();
      expect(within(card('acme-blog')).queryByText(/Newer backup available/)).toBeNull();
      expect(card('acme-blog').textContent).toContain('Live, backup of Nov 30');
    } finally {
      off();
    }
  });

  it('a slow check against Pantheon does not bring back a copy removed meanwhile', async () => {
    registry = [missing, live];
    newerFor = { [live.id]: newer };
    let answer: () => void = () => undefined;
    const list = fake.copies.list;
    fake.copies.list = (async (req) => {
      const r = await list(req);
      await new Promise<void>((resolve) => (answer = resolve));
      return r;
    }) as typeof list;
    try {
      const loading = useStore.getState().loadCopies(true);
      await waitFor(() => expect(calls.length).toBe(1));
      useStore.getState().setCopies([live]);
      answer();
      await loading;
      const shown = useStore.getState().copies.data!;
      expect(shown.map((c) => c.id)).toEqual([live.id]);
      expect(shown[0]!.newerBackup).toEqual(newer);
    } finally {
      fake.copies.list = list;
    }
  });
});

describe('Local copies in the app', () => {
  beforeEach(() => {
    stubMatchMedia();
    const loaded = <T,>(data: T) => ({ data, loading: false, error: null });
    useStore.setState({
      accounts: loaded([
        { id: 'acct-1', email: 'dana@example.com', fullName: 'Dana', apiUrl: null, demo: true } as never,
      ]),
      sites: loaded({ sites: [], failedAccounts: [], fetchedAt: new Date().toISOString() } as never),
    });
  });

  it('is the home screen while no site is chosen and there are copies; otherwise the hint to choose one', async () => {
    useStore.setState({ copies: { data: [live], loading: false, error: null } });
    render(<App />);
    expect(screen.getByRole('main', { name: 'Local copies' })).toBeTruthy();
    await listOf();
    cleanup();
    useStore.setState({ copies: { data: [], loading: false, error: null } });
    render(<App />);
    expect(screen.getByText('Choose a site')).toBeTruthy();
    expect(screen.queryByRole('main', { name: 'Local copies' })).toBeNull();
  });

  it('has its own entry in the main navigation, and names a copy’s site as the site list does', async () => {
    registry = [live];
    useStore.setState({
      copies: { data: [], loading: false, error: null },
      sites: {
        data: {
          sites: [
            {
              id: live.site.id,
              name: live.site.name,
              label: 'Acme Blog',
              framework: 'wordpress',
              planName: 'Basic',
              owner: 'dana',
              region: 'us',
              frozen: false,
              created: 0,
              upstreamLabel: 'WordPress',
              organizations: [],
              tags: [],
              accountId: 'acct-1',
            } satisfies Site,
          ],
          failedAccounts: [],
          fetchedAt: new Date().toISOString(),
        } as never,
        loading: false,
        error: null,
      },
    });
    render(<App />);
    const entry = within(screen.getByRole('navigation', { name: 'Main' })).getByRole('button', {
      name: 'Local copies',
    });
    fireEvent.click(entry);
    expect(entry.getAttribute('aria-current')).toBe('page');
    expect(within(await listOf()).getByText(live.path)).toBeTruthy();
    expect(screen.getByRole('heading', { level: 2, name: 'Acme Blog acme-blog' })).toBeTruthy();
  });
});
