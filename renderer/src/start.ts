import { bridge } from './bridge';
import { readSnapshot, writeSnapshot, type Snapshot } from './lib/snapshot';
import { useStore } from './store';

/** Puts the window's last snapshot in the store, so the first render already shows the site list. */
export function hydrate(): Snapshot | null {
  const snapshot = readSnapshot();
  if (!snapshot) return null;
  const loaded = <T>(data: T) => ({ data, loading: false, error: null });
  useStore.setState({
    accounts: loaded(snapshot.accounts),
    ...(snapshot.sites ? { sites: loaded(snapshot.sites) } : {}),
    ...(snapshot.settings ? { settings: loaded(snapshot.settings) } : {}),
  });
  return snapshot;
}

/**
 * Asks the engine for everything the window shows, all at once: one round trip instead of three in a row. The
 * site list comes from the engine's cache (with no account it is empty), so it need not wait for the accounts.
 */
export async function loadAll(snapshot: Snapshot | null): Promise<void> {
  const s = useStore.getState();
  const info = bridge()
    .system.info()
    .then((r) => r.ok && s.setNativeShell(r.value.native))
    .catch(() => undefined);
  await Promise.all([
    info,
    s.loadAccounts(),
    s.loadSettings(),
    s.loadJobs(),
    s.loadSites(false),
    // The local copies (a folder scan, no Pantheon request): the home screen shows them when there are some.
    s.loadCopies(),
    // The desktop app's update (one may be ready from before this window was loaded); unavailable elsewhere.
    s.loadUpdate(),
  ]);
  if (!snapshot) return;
  // A failure looks as it does without a snapshot: what the window remembered is not the engine's answer.
  const st = useStore.getState();
  if (st.accounts.error && st.accounts.data === snapshot.accounts)
    useStore.setState({ accounts: { ...st.accounts, data: null } });
  if (st.sites.error && st.sites.data === snapshot.sites)
    useStore.setState({ sites: { ...st.sites, data: null } });
  if (st.settings.error && st.settings.data === snapshot.settings)
    useStore.setState({ settings: { ...st.settings, data: null } });
}

const whenIdle = (fn: () => void): void => {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 2_000 });
  else setTimeout(fn, 50);
};

/**
 * Keeps the snapshot up to date with what the engine answered. Writing 2,000 sites takes a few milliseconds, so
 * it happens once per change, when the window is idle, never while someone types.
 */
export function keepSnapshot(snapshot: Snapshot | null): () => void {
  let pending = false;
  const write = (): void => {
    pending = false;
    const s = useStore.getState();
    if (!s.accounts.data) return;
    writeSnapshot({ accounts: s.accounts.data, sites: s.sites.data, settings: s.settings.data });
  };
  const unsubscribe = useStore.subscribe((s, prev) => {
    const same =
      s.accounts.data === prev.accounts.data &&
      s.sites.data === prev.sites.data &&
      s.settings.data === prev.settings.data;
    if (same || pending) return;
    pending = true;
    whenIdle(write);
  });
  // The engine's first answers are already in the store: keep them now, unless they are what the window showed.
  const s = useStore.getState();
  const unchanged =
    snapshot &&
    s.accounts.data === snapshot.accounts &&
    s.sites.data === snapshot.sites &&
    s.settings.data === snapshot.settings;
  if (!unchanged) {
    pending = true;
    whenIdle(write);
  }
  return unsubscribe;
}
