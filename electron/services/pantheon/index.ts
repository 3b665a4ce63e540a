/** The Pantheon API client and its pure helpers. */
export {
  PantheonClient,
  sleep,
  type PantheonClientOptions,
  type PantheonUser,
  type AccountSites,
} from './client';
export { parseCatalog, groupBackupSets, latestFinished, findBackupSet } from './catalog';
export { fetchAllPages } from './paging';
export { resolveApiUrl, isPantheon, PANTHEON_API_URL } from './config';
export { DEFAULT_RETRY, isRetriedStatus, type RetryPolicy } from './http';
export {
  orderEnvironments,
  toWorkflow,
  toSchedule,
  workflowFailureMessage,
  deployTagFromRef,
} from './mappers';
