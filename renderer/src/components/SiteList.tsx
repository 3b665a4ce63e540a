import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { relativeTime } from '../lib/format';
import { filterSites, siteRows, type SiteRow } from '../lib/filter';
import { useStore, type SiteFilters, type SiteKey } from '../store';
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

/** One row of the list; memoized, so a render touches only the rows whose site, place or state changed. */
const SiteRowItem = memo(function SiteRowItem(props: {
  row: SiteRow;
  start: number;
  active: boolean;
  favourite: boolean;
  onSelect: (key: SiteKey) => void;
}) {
  const { row: r, active } = props;
  return (
    <li className="site-row-wrap" style={{ transform: `translateY(${props.start}px)`, height: ROW_HEIGHT }}>
      <button
        type="button"
        className={`site-row${active ? ' active' : ''}`}
        aria-current={active ? 'true' : undefined}
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
        </span>
        <span className="site-row-meta">
          {r.site.name} · {r.site.framework}
          {r.site.organizations.length > 0 && ` · ${r.site.organizations.join(', ')}`}
        </span>
      </button>
    </li>
  );
});

/** The virtualized rows: only the ones in view (plus a few) are in the DOM, however long the list. */
const Rows = memo(function Rows(props: {
  visible: readonly SiteRow[];
  selected: SiteKey | null;
  favourites: ReadonlySet<string>;
  onSelect: (key: SiteKey) => void;
}) {
  const { visible } = props;
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({
    count: visible.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  return (
    <div className="site-scroll" ref={parent} data-testid="site-list">
      <ul className="site-list" style={{ height: virtual.getTotalSize() }} aria-label="Site list">
        {virtual.getVirtualItems().map((v) => {
          const r = visible[v.index]!;
          return (
            <SiteRowItem
              key={r.key}
              row={r}
              start={v.start}
              active={r.key === props.selected}
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

/**
 * Search, filter, favourites first, and a virtualized list that stays smooth with thousands of sites. The search
 * box follows every key at once; the list follows a deferred copy of the query, so React renders it after the
 * keystroke (and skips it for a key already superseded), never inside the key's own event.
 */
export function SiteList() {
  const { sites, query, filters, selected, accounts, favourites } = useStore(
    useShallow((s) => ({
      sites: s.sites,
      query: s.query,
      filters: s.filters,
      selected: s.selected,
      accounts: s.accounts.data,
      favourites: s.settings.data?.favourites ?? NO_FAVOURITES,
    })),
  );
  const setQuery = useStore((s) => s.setQuery);
  const setFilter = useStore((s) => s.setFilter);
  const select = useStore((s) => s.select);
  const loadSites = useStore((s) => s.loadSites);
  const listQuery = useDeferredValue(query);
  const listFilters = useDeferredValue(filters);

  const rows = useMemo(() => siteRows(sites.data?.sites ?? []), [sites.data]);

  const options = useMemo(
    () => ({
      frameworks: [...new Set(rows.map((r) => r.site.framework))].sort().map((f) => [f, f] as const),
      organizations: [...new Set(rows.flatMap((r) => r.site.organizations))]
        .sort()
        .map((o) => [o, o] as const),
    }),
    [rows],
  );
  const accountOptions = useMemo(() => (accounts ?? []).map((a) => [a.id, a.email] as const), [accounts]);

  const visible = useMemo(
    () => filterSites(rows, listQuery, listFilters, favourites),
    [rows, listQuery, listFilters, favourites],
  );
  const favSet = useMemo(() => new Set(favourites), [favourites]);
  // A mark for the UI benchmark: when the list first shows real rows.
  useEffect(() => {
    if (rows.length > 0 && performance.getEntriesByName('lifeboat:sites-rendered').length === 0)
      performance.mark('lifeboat:sites-rendered');
  }, [rows.length]);

  const failed = sites.data?.failedAccounts ?? [];
  return (
    <nav className="sidebar" aria-label="Sites">
      <div className="sidebar-tools">
        <label className="visually-hidden" htmlFor="site-search">
          Search sites
        </label>
        <input
          id="site-search"
          type="search"
          placeholder="Search name, label, organization, tag"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
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
            {visible.length} of {rows.length} sites
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
      {sites.data && rows.length > 0 && visible.length === 0 && (
        <EmptyState title="No match">
          Nothing matches “{listQuery}”. Try fewer letters or clear the filters.
        </EmptyState>
      )}
      <Rows visible={visible} selected={selected} favourites={favSet} onSelect={select} />
    </nav>
  );
}
