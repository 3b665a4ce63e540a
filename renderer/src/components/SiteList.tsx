import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { relativeTime } from '../lib/format';
import { filterSites, siteRows } from '../lib/filter';
import { useStore } from '../store';
import { EmptyState, ErrorState, Loading } from './common';

const ROW_HEIGHT = 56;

/** One filter of the list: "All …" or one value. */
function FilterSelect(props: {
  label: string;
  all: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">{props.all}</option>
      {props.options.map(([value, text]) => (
        <option key={value} value={value}>
          {text}
        </option>
      ))}
    </select>
  );
}

/** Search, filter, favourites first, and a virtualized list that stays smooth with thousands of sites. */
export function SiteList() {
  const { sites, query, filters, selected, accounts, favourites } = useStore(
    useShallow((s) => ({
      sites: s.sites,
      query: s.query,
      filters: s.filters,
      selected: s.selected,
      accounts: s.accounts.data,
      favourites: s.settings.data?.favourites,
    })),
  );
  const setQuery = useStore((s) => s.setQuery);
  const setFilter = useStore((s) => s.setFilter);
  const select = useStore((s) => s.select);
  const loadSites = useStore((s) => s.loadSites);

  const rows = useMemo(() => siteRows(sites.data?.sites ?? []), [sites.data]);

  const options = useMemo(
    () => ({
      frameworks: [...new Set(rows.map((r) => r.site.framework))].sort(),
      organizations: [...new Set(rows.flatMap((r) => r.site.organizations))].sort(),
    }),
    [rows],
  );

  const visible = useMemo(
    () => filterSites(rows, query, filters, favourites ?? []),
    [rows, query, filters, favourites],
  );
  const favSet = useMemo(() => new Set(favourites ?? []), [favourites]);
  // A mark for the UI benchmark: when the list first shows real rows.
  useEffect(() => {
    if (rows.length > 0 && performance.getEntriesByName('lifeboat:sites-rendered').length === 0)
      performance.mark('lifeboat:sites-rendered');
  }, [rows.length]);
  const parent = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({
    count: visible.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

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
            value={filters.framework}
            onChange={(v) => setFilter('framework', v)}
            options={options.frameworks.map((f) => [f, f])}
          />
          <FilterSelect
            label="Organization"
            all="All organizations"
            value={filters.organization}
            onChange={(v) => setFilter('organization', v)}
            options={options.organizations.map((o) => [o, o])}
          />
          {(accounts?.length ?? 0) > 1 && (
            <FilterSelect
              label="Account"
              all="All accounts"
              value={filters.account}
              onChange={(v) => setFilter('account', v)}
              options={accounts!.map((a) => [a.id, a.email])}
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
          Nothing matches “{query}”. Try fewer letters or clear the filters.
        </EmptyState>
      )}
      <div className="site-scroll" ref={parent} data-testid="site-list">
        <ul className="site-list" style={{ height: virtual.getTotalSize() }} aria-label="Site list">
          {virtual.getVirtualItems().map((v) => {
            const r = visible[v.index]!;
            const active = r.key === selected;
            return (
              <li
                key={r.key}
                className="site-row-wrap"
                style={{ transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
              >
                <button
                  type="button"
                  className={`site-row${active ? ' active' : ''}`}
                  aria-current={active ? 'true' : undefined}
                  onClick={() => select(r.key)}
                >
                  <span className="site-row-title">
                    {favSet.has(r.site.id) && (
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
          })}
        </ul>
      </div>
    </nav>
  );
}
