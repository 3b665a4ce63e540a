/**
 * The sites opened last, newest first, kept in this window's localStorage: they survive a restart of the desktop
 * app. They are site keys (account and site ids), nothing secret; never more than `RECENT_KEPT`, so the list
 * cannot grow. Where storage is refused, recents last as long as the window.
 */
import type { SiteKey } from '../store/types';

export const RECENT_KEPT = 10;
const KEY = 'lifeboat:recent-sites:v1';

const storage = (): Storage | null => {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
};

const isKey = (k: unknown): k is SiteKey => typeof k === 'string' && k.indexOf('|') > 0;

/** The recents this window kept; anything unreadable counts as none. */
export function readRecents(): SiteKey[] {
  try {
    const list = JSON.parse(storage()?.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(list) ? [...new Set(list.filter(isKey))].slice(0, RECENT_KEPT) : [];
  } catch {
    return [];
  }
}

/** `key` first, then the others it had, at most `RECENT_KEPT`; kept for the next start. */
export function addRecent(recent: readonly SiteKey[], key: SiteKey): readonly SiteKey[] {
  // Already the newest: the same list, so nothing that shows it renders again.
  if (recent[0] === key) return recent;
  const next = [key, ...recent.filter((k) => k !== key)].slice(0, RECENT_KEPT);
  try {
    storage()?.setItem(KEY, JSON.stringify(next));
  } catch {
    // A full or refused storage: the recents still work until the window closes.
  }
  return next;
}
