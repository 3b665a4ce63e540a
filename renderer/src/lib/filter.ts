// The site search lives in shared/ so the CLI runs the same one; the renderer keeps importing it from here.
export {
  filterSites,
  mergeAccounts,
  siteRows,
  type SiteFilterValues,
  type SiteRow,
} from '@shared/site-search';
