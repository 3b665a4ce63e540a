import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Site } from '@shared/models';
import { relativeTime } from '../lib/format';
import { naturalSorted, searchRows, searchSites, warmUp, type SearchRow } from '../lib/site-match';
import { useStore, type SiteFilters, type SiteKey } from '../store';
import { AccountChips } from './AccountChip';
import { EmptyState, ErrorState, Loading } from './common';

const ROW_HEIGHT = 56;

/** One filter of the list: "All …" or one value. Memoized: typing in the search never re-renders its options. */
const FilterSelect = memo(function FilterSelect(props: {
  label: string;
  all: string;
  name: keyof SiteFilters;
  value: string;
  onChange: (name: keyof SiteFilters, v: string) => void;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <select
      aria-label={props.label}
      value={props.value}
      onChange={(e) => props.onChange(props.name, e.target.value)}
    >
      <option value="">{props.all}</option>
      {props.options.map(([value, text]) => (
        <option key={value} value={value}>
          {text}
        </option>
      ))}
    </select>
  );
});

/**
 * The list's rows: the recent group, then every match (a recent site is in both). Read by index, without an object
 * per row: a keystroke's search makes no 2,000 new ones. A row's id is unique in the list: the site key, prefixed
 * in the recent group.
 */
class Items {
  constructor(
    private readonly recent: readonly SearchRow[],
    private readonly matches: readonly SearchRow[],
  ) {}
  get length(): number {
    return this.recent.length + this.matches.length;
  }
  isRecent(i: number): boolean {
    return i < this.recent.length;
  }
  row(i: number): SearchRow {
    return this.isRecent(i) ? this.recent[i]! : this.matches[i - this.recent.length]!;
  }
  id(i: number): string {
    return this.isRecent(i) ? `${RECENT}${this.recent[i]!.key}` : this.matches[i - this.recent.length]!.key;
  }
  indexOf(id: string): number {
    if (id.startsWith(RECENT)) return this.recent.findIndex((r) => r.key === id.slice(RECENT.length));
    const i = this.matches.findIndex((r) => r.key === id);
    return i < 0 ? -1 : i + this.recent.length;
  }
  /** The first row of a site. */
  indexOfKey(key: SiteKey): number {
    const i = this.recent.findIndex((r) => r.key === key);
    return i >= 0 ? i : this.indexOf(key);
  }
}
const RECENT = 'recent:';

/** One row of the list; memoized, so a render touches only the rows whose site, place or state changed. */
const SiteRowItem = memo(function SiteRowItem(props: {
  row: SearchRow;
  id: string;
  recent: boolean;
  lastRecent: boolean;
  start: number;
  active: boolean;
  tabStop: boolean;
  favourite: boolean;
  onSelect: (key: SiteKey) => void;
}) {
  const { row: r, active } = props;
  return (
    <li
      className={`site-row-wrap${props.lastRecent ? ' site-row-last-recent' : ''}`}
      style={{ transform: `translateY(${props.start}px)`, height: ROW_HEIGHT }}
    >
      <button
        type="button"
        className={`site-row${active ? ' active' : ''}`}
        aria-current={active ? 'true' : undefined}
        tabIndex={props.tabStop ? 0 : -1}
        data-row={props.id}
        onClick={() => props.onSelect(r.key)}
      >
        <span className="site-row-title">
          {props.favourite && (
            <span className="star" aria-label="Favourite">
              ★
            </span>
          )}
          {r.site.label}
          {r.site.frozen && <span className="badge badge-frozen">Frozen</span>}
          {props.recent && <span className="badge badge-recent">Recent</span>}
        </span>
        <span className="site-row-meta">
          <AccountChips ids={r.site.accountIds ?? [r.site.accountId]} />
          {r.site.name} · {r.site.framework}
          {r.site.organizations.length > 0 && ` · ${r.site.organizations.join(', ')}`}
        </span>
      </button>
    </li>
  );
});

/**
 * The virtualized rows: only the ones in view (plus a few) are in the DOM, however long the list. The list is one
 * Tab stop (roving tabindex): the row `stop` takes the focus, arrows, Home, End and the page keys move it, Enter
 * opens the site, typing goes back to the search box. The row with the Tab stop is always rendered, even when
 * scrolled out of view, so Tab can always reach the list.
 */
const Rows = memo(function Rows(props: {
  items: Items;
  stop: number;
  /** A row to move the focus to once it is rendered (then `onFocused`). */
  focusId: string | null;
  selected: SiteKey | null;
  favourites: ReadonlySet<string>;
  onSelect: (key: SiteKey) => void;
  /** Moves the Tab stop to a row; with `focus`, the focus too. */
  onMove: (id: string, focus: boolean) => void;
  onFocused: (id: string | null) => void;
  /** A key pressed in the list that belongs to the search box: a letter, Backspace, or ArrowUp on the first row. */
  onLeave: (key: string) => void;
}) {
  const { items, stop, focusId, onFocused } = props;
  const parent = useRef<HTMLDivElement>(null);
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      if (stop >= 0 && stop < range.count && !indexes.includes(stop)) {
        indexes.push(stop);
        indexes.sort((a, b) => a - b);
      }
      return indexes;
    },
    [stop],
  );
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({
    count: items.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    rangeExtractor,
  });
  // After every render while a focus is asked for: the row may appear only once the list has measured itself
  // (a list just shown renders no rows at first). A passive effect, so it runs after a closing dialog has handed
  // the focus back to where it came from.
  useEffect(() => {
    if (!focusId) return;
    const index = items.indexOf(focusId);
    // Not in the list (filtered out): the focus stays where it is.
    if (index < 0) return onFocused(null);
    const el = [...(parent.current?.querySelectorAll<HTMLElement>('[data-row]') ?? [])].find(
      (b) => b.dataset.row === focusId,
    );
    virtual.scrollToIndex(index);
    if (!el) return;
    el.focus({ preventScroll: true });
    onFocused(focusId);
  });

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    const id = (e.target as HTMLElement).dataset.row;
    const index = id === undefined ? -1 : items.indexOf(id);
    if (index < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const last = items.length - 1;
    const page = Math.max(1, Math.floor((parent.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1);
    const to =
      e.key === 'ArrowDown'
        ? Math.min(index + 1, last)
        : e.key === 'ArrowUp'
          ? index - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : e.key === 'PageDown'
                ? Math.min(index + page, last)
                : e.key === 'PageUp'
                  ? Math.max(index - page, 0)
                  : null;
    if (to === null) {
      // Typing in the list searches: the letter goes to the search box (Space still opens the row).
      if ((e.key.length === 1 && e.key !== ' ') || e.key === 'Backspace') {
        e.preventDefault();
        props.onLeave(e.key);
      }
      return;
    }
    e.preventDefault();
    if (to < 0) props.onLeave('ArrowUp');
    else {
      virtual.scrollToIndex(to);
      props.onMove(items.id(to), true);
    }
  };

  return (
    <div className="site-scroll" ref={parent} data-testid="site-list">
      <ul
        className="site-list"
        style={{ height: virtual.getTotalSize() }}
        aria-label="Site list"
        onKeyDown={onKeyDown}
        onFocus={(e) => {
          // The Tab stop follows the focus, wherever it came from (a click, a Tab, the arrows).
          const id = (e.target as HTMLElement).dataset.row;
          if (id) props.onMove(id, false);
        }}
      >
        {virtual.getVirtualItems().map((v) => {
          const r = items.row(v.index);
          const id = items.id(v.index);
          const recent = items.isRecent(v.index);
          return (
            <SiteRowItem
              key={id}
              row={r}
              id={id}
              recent={recent}
              lastRecent={recent && !items.isRecent(v.index + 1)}
              start={v.start}
              active={r.key === props.selected}
              tabStop={v.index === stop}
              favourite={props.favourites.has(r.site.id)}
              onSelect={props.onSelect}
            />
          );
        })}
      </ul>
    </div>
  );
});

const NO_FAVOURITES: readonly string[] = [];
const NO_SITES: readonly Site[] = [];

/**
 * Search, filter, recent sites and favourites first, and a virtualized list that stays smooth with thousands of
 * sites. The search box follows every key at once; the list follows a deferred copy of the query, so React renders
 * it after the keystroke (and skips it for a key already superseded), never inside the key's own event. From the
 * search box, ArrowDown moves into the results and Enter opens the best match.
 */
export function SiteList() {
  const { sites, query, filters, selected, accounts, favourites, recent, focusRow } = useStore(
    useShallow((s) => ({
      sites: s.sites,
      query: s.query,
      filters: s.filters,
      selected: s.selected,
      accounts: s.accounts.data,
      favourites: s.settings.data?.favourites ?? NO_FAVOURITES,
      recent: s.recent,
      focusRow: s.focusRow,
    })),
  );
  const setQuery = useStore((s) => s.setQuery);
  const setFilter = useStore((s) => s.setFilter);
  const select = useStore((s) => s.select);
  const rowFocused = useStore((s) => s.rowFocused);
  const loadSites = useStore((s) => s.loadSites);
  const listQuery = useDeferredValue(query);
  const listFilters = useDeferredValue(filters);
  const search = useRef<HTMLInputElement>(null);
  /** The row with the list's Tab stop (for the query it was chosen in), and one to move the focus to once rendered. */
  const [active, setActive] = useState<{ id: string; query: string } | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);

  const rows = useMemo(() => searchRows(sites.data?.sites ?? NO_SITES), [sites.data]);

  const options = useMemo(
    () => ({
      frameworks: [...new Set(rows.map((r) => r.site.framework))].sort().map((f) => [f, f] as const),
      organizations: naturalSorted(new Set(rows.flatMap((r) => r.site.organizations))).map(
        (o) => [o, o] as const,
      ),
    }),
    [rows],
  );
  const accountOptions = useMemo(
    () =>
      (accounts ?? []).map((a) => [a.id, a.label === a.email ? a.email : `${a.label} (${a.email})`] as const),
    [accounts],
  );

  const found = useMemo(
    () => searchSites(rows, listQuery, listFilters, favourites, recent),
    [rows, listQuery, listFilters, favourites, recent],
  );
  const items = useMemo(() => new Items(found.recent, found.matches), [found]);
  const favSet = useMemo(() => new Set(favourites), [favourites]);
  useEffect(() => {
    if (rows.length === 0) return;
    const warm = (): void => warmUp(rows);
    if (typeof requestIdleCallback !== 'function') return void setTimeout(warm, 50);
    const id = requestIdleCallback(warm, { timeout: 2_000 });
    return () => cancelIdleCallback(id);
  }, [rows]);
  // A mark for the UI benchmark: when the list first shows real rows.
  useEffect(() => {
    if (rows.length > 0 && performance.getEntriesByName('lifeboat:sites-rendered').length === 0)
      performance.mark('lifeboat:sites-rendered');
  }, [rows.length]);

  // The list shows what the search box says (not a deferred, older query): only then can a row be focused.
  const current = listQuery === query && listFilters === filters;
  // A site opened from the keyboard (Enter here, the quick switcher): its row takes the focus once it is shown.
  // One the list does not show (filtered out) is asked for all the same, so the request ends there.
  const asked = current && focusRow ? items.indexOfKey(focusRow) : -1;
  const wanted =
    focusId ?? (current && focusRow ? (asked >= 0 ? items.id(asked) : `missing:${focusRow}`) : null);
  // A new search starts the Tab stop afresh: at the open site if it matches, else at the best match.
  const stopId = wanted ?? (active?.query === listQuery ? active.id : null);
  let stop = stopId ? items.indexOf(stopId) : -1;
  if (stop < 0 && selected) stop = items.indexOfKey(selected);
  if (stop < 0 && items.length > 0) stop = 0;

  const onMove = useCallback(
    (id: string, focus: boolean) => {
      setActive({ id, query: listQuery });
      if (focus) setFocusId(id);
    },
    [listQuery],
  );
  const onFocused = useCallback(
    (id: string | null) => {
      if (id) setActive({ id, query: listQuery });
      setFocusId(null);
      rowFocused();
    },
    [rowFocused, listQuery],
  );
  const onLeave = useCallback(
    (key: string) => {
      const input = search.current;
      if (!input) return;
      const q = useStore.getState().query;
      const next = key === 'Backspace' ? q.slice(0, -1) : key.length === 1 ? q + key : q;
      setQuery(next);
      input.focus();
      input.setSelectionRange(next.length, next.length);
    },
    [setQuery],
  );

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown' && items.length > 0) {
      e.preventDefault();
      // Into the results at the top, where the best match is.
      onMove(items.id(0), true);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      // The list may still show an older query for a moment: open the best match of what is typed.
      const best =
        current && items.length > 0
          ? items.row(0)
          : searchSites(rows, query, filters, favourites, recent).matches[0];
      if (best) select(best.key, true);
    }
  };

  const failed = sites.data?.failedAccounts ?? [];
  return (
    <nav className="sidebar" aria-label="Sites">
      <div className="sidebar-tools">
        <label className="visually-hidden" htmlFor="site-search">
          Search sites
        </label>
        <input
          id="site-search"
          ref={search}
          type="search"
          placeholder="Search name, label, organization, tag"
          aria-describedby="site-search-keys"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onSearchKey}
        />
        <span id="site-search-keys" className="visually-hidden">
          Down arrow moves to the results, Enter opens the best match.
        </span>
        <div className="filters">
          <FilterSelect
            label="Framework"
            all="All frameworks"
            name="framework"
            value={filters.framework}
            onChange={setFilter}
            options={options.frameworks}
          />
          <FilterSelect
            label="Organization"
            all="All organizations"
            name="organization"
            value={filters.organization}
            onChange={setFilter}
            options={options.organizations}
          />
          {accountOptions.length > 1 && (
            <FilterSelect
              label="Account"
              all="All accounts"
              name="account"
              value={filters.account}
              onChange={setFilter}
              options={accountOptions}
            />
          )}
        </div>
        <div className="row spread hint">
          <span aria-live="polite">
            {found.matches.length} of {rows.length} sites
          </span>
          <span>
            {sites.data && <>Refreshed {relativeTime(Date.parse(sites.data.fetchedAt) / 1000)} </>}
            <button
              type="button"
              className="link-button"
              onClick={() => void loadSites(true)}
              disabled={sites.loading}
            >
              {sites.loading ? 'Refreshing…' : 'Refresh'}
            </button>
          </span>
        </div>
      </div>
      {failed.length > 0 && (
        <div className="banner" role="status">
          Showing the last list we have for{' '}
          {failed.length === 1 ? 'one account' : `${failed.length} accounts`}: {failed[0]!.message}
        </div>
      )}
      {sites.error && !sites.data && (
        <ErrorState
          error={sites.error}
          onRetry={() => void loadSites(true)}
          title="Could not list your sites"
        />
      )}
      {sites.loading && !sites.data && <Loading what="your sites" />}
      {sites.data && rows.length === 0 && (
        <EmptyState title="No sites yet">This account has no sites, or none you can back up.</EmptyState>
      )}
      {sites.data && rows.length > 0 && found.matches.length === 0 && (
        <EmptyState title="No match">
          Nothing matches “{listQuery}”. Try fewer letters or clear the filters.
        </EmptyState>
      )}
      <Rows
        items={items}
        stop={stop}
        focusId={wanted}
        selected={selected}
        favourites={favSet}
        onSelect={select}
        onMove={onMove}
        onFocused={onFocused}
        onLeave={onLeave}
      />
    </nav>
  );
}
