import type { Site } from '@shared/models';

/** A site prepared for searching: its lower-cased name, label, organizations and tags, built once per list. */
export interface SiteRow {
  readonly site: Site;
  readonly key: `${string}|${string}`;
  readonly haystack: string;
}

/** Filters of the site list; empty strings mean "any". */
export interface SiteFilterValues {
  readonly framework: string;
  readonly organization: string;
  readonly account: string;
}

/** Rows for a site list (done once when the list changes, not per keystroke). */
export function siteRows(sites: readonly Site[]): SiteRow[] {
  return sites.map((site) => ({
    site,
    key: `${site.accountId}|${site.id}`,
    haystack: [site.name, site.label, ...site.organizations, ...site.tags].join('\n').toLowerCase(),
  }));
}

/** The rows matching a query and filters, favourites first, otherwise in list order. */
export function filterSites(
  rows: readonly SiteRow[],
  query: string,
  filters: SiteFilterValues,
  favourites: readonly string[],
): SiteRow[] {
  const q = query.trim().toLowerCase();
  const fav = new Set(favourites);
  const out = rows.filter(
    (r) =>
      (!q || r.haystack.includes(q)) &&
      (!filters.framework || r.site.framework === filters.framework) &&
      (!filters.organization || r.site.organizations.includes(filters.organization)) &&
      (!filters.account || r.site.accountId === filters.account),
  );
  return out.filter((r) => fav.has(r.site.id)).concat(out.filter((r) => !fav.has(r.site.id)));
}
