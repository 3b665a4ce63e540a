import { useEffect, useId, useMemo, useState, type KeyboardEvent } from 'react';
import { flushSync } from 'react-dom';
import { useShallow } from 'zustand/react/shallow';
import type { Site } from '@shared/models';
import { searchRows, searchSites, type SearchRow } from '../lib/site-match';
import { useStore } from '../store';
import { Dialog } from './common';

/** How many matches the switcher lists: enough to arrow through; the count says how many more there are. */
const SHOWN = 50;
const NO_FILTERS = { framework: '', organization: '', account: '' };
const NO_SITES: readonly Site[] = [];
const NO_FAVOURITES: readonly string[] = [];

/** Whether the keyboard's shortcut key is ⌘ (macOS) rather than Ctrl. */
export const MAC_KEYS = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const SWITCHER_KEYS = MAC_KEYS ? '⌘K' : 'Ctrl+K';

/**
 * The quick switcher (Ctrl/Cmd-K from anywhere): type, arrows, Enter opens the site; Escape closes and the focus
 * goes back to where it was. The same forgiving search as the site list, over every site whatever the list's
 * filters; the focus stays in the text box (a combobox whose active option follows the arrows).
 */
export function QuickSwitcher({ onClose }: { onClose: () => void }) {
  const { sites, favourites, recent } = useStore(
    useShallow((s) => ({
      sites: s.sites.data,
      favourites: s.settings.data?.favourites ?? NO_FAVOURITES,
      recent: s.recent,
    })),
  );
  const select = useStore((s) => s.select);
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState({ query: '', index: 0 });
  const id = useId();
  const listId = `${id}-list`;
  const optionId = (i: number): string => `${id}-option-${i}`;

  const rows = useMemo(() => searchRows(sites?.sites ?? NO_SITES), [sites]);
  const results = useMemo((): readonly SearchRow[] => {
    const found = searchSites(rows, query, NO_FILTERS, favourites, recent);
    if (found.recent.length === 0) return found.matches;
    // With nothing typed: the recent sites first, then the others (each once).
    const first = new Set(found.recent.map((r) => r.key));
    return [...found.recent, ...found.matches.filter((r) => !first.has(r.key))];
  }, [rows, query, favourites, recent]);
  const recentSet = useMemo(() => new Set(recent), [recent]);
  const shown = results.slice(0, SHOWN);
  // A new query starts at its best match.
  const index =
    shown.length === 0 ? -1 : cursor.query === query ? Math.min(cursor.index, shown.length - 1) : 0;

  useEffect(() => {
    if (index >= 0) document.getElementById(`${id}-option-${index}`)?.scrollIntoView({ block: 'nearest' });
  }, [id, index]);

  const open = (row: SearchRow): void => {
    // Closed first, at once: the dialog hands the focus back to where it was, and only then does the site list
    // move it to the opened site's row (not left to how React batches the two updates).
    flushSync(onClose);
    // A site the list's search or filters hide: cleared, so the list shows (and focuses) the open site.
    const { query: listQuery, filters, setQuery: setListQuery, setFilter } = useStore.getState();
    if (!searchSites(rows, listQuery, filters).matches.some((r) => r.key === row.key)) {
      setListQuery('');
      for (const k of ['framework', 'organization', 'account'] as const) setFilter(k, '');
    }
    select(row.key, true);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    const last = shown.length - 1;
    const to =
      e.key === 'ArrowDown'
        ? index >= last
          ? 0
          : index + 1
        : e.key === 'ArrowUp'
          ? index <= 0
            ? last
            : index - 1
          : e.key === 'PageDown'
            ? Math.min(index + 8, last)
            : e.key === 'PageUp'
              ? Math.max(index - 8, 0)
              : null;
    if (to !== null) {
      e.preventDefault();
      if (last >= 0) setCursor({ query, index: to });
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (index >= 0) open(shown[index]!);
    }
  };

  const count = results.length;
  return (
    <Dialog title="Go to a site" onClose={onClose}>
      <input
        className="switcher-input"
        type="text"
        role="combobox"
        aria-label="Site name or label"
        aria-expanded={shown.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={index >= 0 ? optionId(index) : undefined}
        placeholder="Type a site's name; a typo is fine"
        autoComplete="off"
        spellCheck={false}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {!sites && <p className="hint">Loading your sites…</p>}
      <ul id={listId} role="listbox" aria-label="Matching sites" className="switcher-list">
        {shown.map((r, i) => (
          <li
            key={r.key}
            id={optionId(i)}
            role="option"
            aria-selected={i === index}
            className={`switcher-option${i === index ? ' active' : ''}`}
            // The focus stays in the text box; a click opens the site.
            onMouseDown={(e) => e.preventDefault()}
            onMouseMove={() => i !== index && setCursor({ query, index: i })}
            onClick={() => open(r)}
          >
            <span className="site-row-title">
              {r.site.label}
              {r.site.frozen && <span className="badge badge-frozen">Frozen</span>}
              {recentSet.has(r.key) && <span className="badge badge-recent">Recent</span>}
            </span>
            <span className="site-row-meta">
              {r.site.name} · {r.site.framework}
              {r.site.organizations.length > 0 && ` · ${r.site.organizations.join(', ')}`}
            </span>
          </li>
        ))}
      </ul>
      <p className="hint switcher-hint" aria-live="polite">
        {sites &&
          (count === 0
            ? `No site matches “${query.trim()}”.`
            : count > SHOWN
              ? `The best ${SHOWN} of ${count} sites.`
              : `${count} ${count === 1 ? 'site' : 'sites'}.`)}{' '}
        <kbd>↑</kbd> <kbd>↓</kbd> to move, <kbd>Enter</kbd> to open, <kbd>Esc</kbd> to close.
      </p>
    </Dialog>
  );
}
