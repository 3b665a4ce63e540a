import type { Site } from './models';

/** A site prepared for searching: its lower-cased name, label, organizations and tags, built once per list. */
export interface SiteRow {
  readonly site: Site;
  readonly key: `${string}|${string}`;
  readonly haystack: string;
}

/** Filters of the site list; empty strings (or an absent `tag`) mean "any". */
export interface SiteFilterValues {
  readonly framework: string;
  readonly organization: string;
  readonly account: string;
  /** One of the site's tags (organization tags), matched exactly. */
  readonly tag?: string;
}

/** Rows for a site list (done once when the list changes, not per keystroke). */
export function siteRows(sites: readonly Site[]): SiteRow[] {
  return sites.map((site) => ({
    site,
    key: `${site.accountId}|${site.id}`,
    haystack: [site.name, site.label, ...site.organizations, ...site.tags].join('\n').toLowerCase(),
  }));
}

/**
 * The rows matching a query and filters, favourites first, otherwise in list order: the one site search of the
 * app and the CLI (`lifeboat sites QUERY --org --tag --framework --account`).
 */
export function filterSites(
  rows: readonly SiteRow[],
  query: string,
  filters: SiteFilterValues,
  favourites: readonly string[] = [],
): SiteRow[] {
  const q = query.trim().toLowerCase();
  const fav = new Set(favourites);
  const out = rows.filter(
    (r) =>
      (!q || r.haystack.includes(q)) &&
      (!filters.framework || r.site.framework === filters.framework) &&
      (!filters.organization || r.site.organizations.includes(filters.organization)) &&
      (!filters.account || (r.site.accountIds ?? [r.site.accountId]).includes(filters.account)) &&
      (!filters.tag || r.site.tags.includes(filters.tag)),
  );
  return out.filter((r) => fav.has(r.site.id)).concat(out.filter((r) => !fav.has(r.site.id)));
}

/**
 * Lists a site seen by several accounts once, with every account that sees it, in the order the sites first
 * appear. Organizations and tags are combined, as each account may see the site through different ones.
 */
export function mergeAccounts(sites: readonly Site[]): { site: Site; accountIds: string[] }[] {
  const byId = new Map<string, { site: Site; accountIds: string[] }>();
  for (const s of sites) {
    const seen = byId.get(s.id);
    if (!seen) {
      byId.set(s.id, { site: s, accountIds: [s.accountId] });
      continue;
    }
    if (!seen.accountIds.includes(s.accountId)) seen.accountIds.push(s.accountId);
    const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
    seen.site = {
      ...seen.site,
      organizations: union(seen.site.organizations, s.organizations),
      tags: union(seen.site.tags, s.tags),
    };
  }
  return [...byId.values()];
}
