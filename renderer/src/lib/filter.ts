// The CLI's site search lives in shared/ (`lifeboat sites QUERY`). The app's list and quick switcher search with
// lib/site-match.ts instead: the same filters, plus typos, natural order and recent sites.
export {
  filterSites,
  mergeAccounts,
  siteRows,
  type SiteFilterValues,
  type SiteRow,
} from '@shared/site-search';
