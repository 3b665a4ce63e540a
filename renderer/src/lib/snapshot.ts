import type { SiteList } from '@shared/api/contract';
import type { Account, Settings } from '../store/model-types';

/**
 * What the window last showed: its accounts, site list and settings. Kept in the tab's sessionStorage (it lives
 * as long as the window and survives a reload, unlike a file any other page on 127.0.0.1 could read later), so a
 * reload paints the site list before the engine has answered; the engine's answer then replaces it. It holds
 * nothing the renderer does not already have: no token ever reaches the renderer.
 */
export interface Snapshot {
  readonly accounts: readonly Account[];
  readonly sites: SiteList | null;
  readonly settings: Settings | null;
}

const KEY = 'lifeboat:snapshot:v1';

const storage = (): Storage | null => {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    // Storage can be refused (opaque origins, privacy settings): start without a snapshot.
    return null;
  }
};

/** The last snapshot of this window, or null when there is none or it is not one this version wrote. */
export function readSnapshot(): Snapshot | null {
  try {
    const text = storage()?.getItem(KEY);
    if (!text) return null;
    const s = JSON.parse(text) as Partial<Snapshot>;
    if (!Array.isArray(s.accounts)) return null;
    if (s.sites !== null && !Array.isArray(s.sites?.sites)) return null;
    return { accounts: s.accounts, sites: s.sites ?? null, settings: s.settings ?? null };
  } catch {
    return null;
  }
}

/** Keeps a snapshot; one too large for the storage quota is dropped rather than left stale. */
export function writeSnapshot(snapshot: Snapshot): void {
  const s = storage();
  if (!s) return;
  try {
    s.setItem(KEY, JSON.stringify(snapshot));
  } catch {
    try {
      s.removeItem(KEY);
    } catch {
      // Nothing more to do: the next start simply waits for the engine.
    }
  }
}
