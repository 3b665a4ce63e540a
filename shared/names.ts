import { localDay } from './dates';

/**
 * The default names of what a restore creates, one rule for the engine and the app's dialog: the local day a
 * person recognises, not the UTC one.
 */

/** `lifeboat/<env>-<YYYY-MM-DD>`. */
export const defaultBranchName = (env: string, date: Date = new Date()): string =>
  `lifeboat/${env}-${localDay(date)}`;

/** `<site>_<env>_<YYYYMMDD>`, lower case, only what MySQL names allow, at most 64 characters. */
export function defaultDatabaseName(site: string, env: string, date: Date = new Date()): string {
  const stamp = localDay(date).replace(/-/g, '');
  const base = `${site}_${env}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${base.slice(0, 64 - stamp.length - 1)}_${stamp}`;
}
