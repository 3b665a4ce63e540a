import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { AccountsView, Welcome } from './components/Accounts';
import { EmptyState, ErrorState, Loading } from './components/common';
import { JobsView } from './components/Jobs';
import { LocalCopiesView } from './components/LocalCopies';
import { MirrorView } from './components/Mirror';
import { MAC_KEYS, QuickSwitcher, SWITCHER_KEYS } from './components/QuickSwitcher';
import { SettingsView } from './components/Settings';
import { SiteList } from './components/SiteList';
import { SiteView } from './components/SiteView';
import { UpdateNotice } from './components/Updates';
import type { SiteList as Sites } from '@shared/api/contract';
import type { Site } from '@shared/models';
import { useStore, type SiteKey, type View } from './store';

const NAV: { view: View; label: string }[] = [
  { view: 'sites', label: 'Sites' },
  { view: 'copies', label: 'Local copies' },
  { view: 'mirror', label: 'Mirror' },
  { view: 'jobs', label: 'Jobs' },
  { view: 'accounts', label: 'Accounts' },
  { view: 'settings', label: 'Settings' },
];

const indexes = new WeakMap<Sites, Map<string, Site>>();
/**
 * A site of the list by key, through an index built once per list: this runs on every store update (each
 * progress event of every download), where a search of 2,000 sites would add up.
 */
function siteByKey(list: Sites | null, key: SiteKey): Site | undefined {
  if (!list) return undefined;
  let index = indexes.get(list);
  if (!index) {
    index = new Map();
    // The first of two equal keys wins, as the search it replaces found it.
    for (const x of list.sites) {
      const k = `${x.accountId}|${x.id}`;
      if (!index.has(k)) index.set(k, x);
    }
    indexes.set(list, index);
  }
  return index.get(key);
}

/** The window: navigation, the current view, and toasts. */
export function App() {
  const { accounts, view, selected, toasts, theme } = useStore(
    useShallow((s) => ({
      accounts: s.accounts,
      view: s.view,
      selected: s.selected,
      toasts: s.toasts,
      theme: s.settings.data?.theme ?? 'system',
    })),
  );
  const running = useStore(
    (s) => Object.values(s.jobs).filter((j) => j.state === 'running' || j.state === 'queued').length,
  );
  const site = useStore((s) => (s.selected ? siteByKey(s.sites.data, s.selected) : undefined));
  const hasCopies = useStore((s) => (s.copies.data?.length ?? 0) > 0);
  const setView = useStore((s) => s.setView);
  const dismiss = useStore((s) => s.dismissToast);
  const loadAccounts = useStore((s) => s.loadAccounts);
  const [switcher, setSwitcher] = useState(false);

  useEffect(() => {
    // Ctrl-K (⌘K on a Mac, where Ctrl-K deletes to the end of a line) from anywhere: the quick switcher.
    const onKey = (e: KeyboardEvent): void => {
      if (e.key.toLowerCase() !== 'k' || e.altKey || e.shiftKey || !(MAC_KEYS ? e.metaKey : e.ctrlKey))
        return;
      e.preventDefault();
      // Not over another dialog (its work would be lost when the site changes), nor before there is a list.
      if (document.querySelector('[aria-modal="true"]') || !useStore.getState().accounts.data?.length) return;
      setSwitcher(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    // "system" follows the OS setting, live.
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = (): void => {
      document.documentElement.dataset.theme =
        theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);

  if (!accounts.data && accounts.error) {
    return (
      <ErrorState
        title="Lifeboat could not start"
        error={accounts.error}
        onRetry={() => void loadAccounts()}
      />
    );
  }
  if (!accounts.data) return <Loading what="Lifeboat" />;
  if (accounts.data.length === 0) return <Welcome />;
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <svg viewBox="0 0 64 64" width="22" height="22" aria-hidden="true">
            <circle cx="32" cy="32" r="30" fill="#1d5fd1" />
            <path d="M14 38h36l-6 10H20z" fill="#fff" />
            <path d="M31 12v24h2V12z" fill="#fff" />
            <path d="M33 14l12 18H33z" fill="#ffd166" />
            <path d="M31 18L21 32h10z" fill="#e6f0ff" />
          </svg>
          Lifeboat
        </span>
        {/* A demo session is marked as such, so made-up sites are never taken for a real account's. */}
        {accounts.data.some((a) => a.demo) && (
          <span className="demo-marker" id="demo-marker">
            Demo sandbox
            <span className="visually-hidden">
              : made-up sites on this computer; nothing reaches Pantheon
            </span>
          </span>
        )}
        <nav aria-label="Main">
          {NAV.map((n) => (
            <button
              key={n.view}
              type="button"
              className={`nav-button${view === n.view ? ' active' : ''}`}
              aria-current={view === n.view ? 'page' : undefined}
              onClick={() => setView(n.view)}
            >
              {n.label}
              {n.view === 'jobs' && running > 0 && (
                <span className="count" aria-label={`${running} running`}>
                  {running}
                </span>
              )}
            </button>
          ))}
        </nav>
        <button
          type="button"
          className="switcher-button"
          aria-keyshortcuts={MAC_KEYS ? 'Meta+K' : 'Control+K'}
          onClick={() => setSwitcher(true)}
        >
          Go to site… <kbd>{SWITCHER_KEYS}</kbd>
        </button>
      </header>
      <UpdateNotice />
      <div className="content">
        {view === 'sites' && (
          <div className="split">
            <SiteList />
            {site && selected ? (
              <SiteView key={selected} site={site} siteKey={selected} />
            ) : hasCopies ? (
              // With no site chosen, the home screen is what this computer already has.
              <LocalCopiesView home />
            ) : (
              <main className="site-view">
                <EmptyState title="Choose a site">
                  Pick a site on the left to see its environments and backups.
                </EmptyState>
              </main>
            )}
          </div>
        )}
        {view === 'copies' && <LocalCopiesView />}
        {view === 'mirror' && <MirrorView />}
        {view === 'jobs' && <JobsView />}
        {view === 'accounts' && <AccountsView />}
        {view === 'settings' && <SettingsView />}
      </div>
      {switcher && <QuickSwitcher onClose={() => setSwitcher(false)} />}
      <div className="toasts" role="log" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            <span>{t.text}</span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
