import type { Element, MirrorProfile, MirrorSelection } from '@shared/models';
import { andList } from '@shared/format';
import { backupNameOfFolder } from '@shared/dates';

/**
 * Job titles, made in one place for the app and the CLI: a backup is named by its date (`backup of Nov 29,
 * 14:05`), never by its folder id. Each title starts with its kind's verb and names `site.env`, as
 * `titleFitsPlan` (plans.ts) expects.
 */

/** How a title names the backup a job uses: its date, or what `latest` / `new` will pick. */
export function titleBackup(backup: string | null | undefined): string {
  if (!backup || backup === 'latest') return 'the latest backup';
  if (backup === 'new') return 'a new backup';
  return `the ${backupNameOfFolder(backup)}`;
}

/** `Restore acme-blog.live from the backup of Nov 29, 14:05 into /home/me/Sites/acme-blog-live`. */
export const restoreTitle = (siteEnv: string, backup: string | null | undefined, path: string): string =>
  `Restore ${siteEnv} from ${titleBackup(backup)} into ${path}`;

/** `Update acme-blog.live in /home/me/Sites/acme-blog-live from the backup of Nov 30, 00:00`. */
export const updateTitle = (siteEnv: string, path: string, backup: string | null | undefined): string =>
  `Update ${siteEnv} in ${path} from ${titleBackup(backup)}`;

/** `Download the files archive of acme-blog.live from the backup of Nov 29, 14:05`. */
export const downloadTitle = (element: Element, siteEnv: string, folder: string): string =>
  `Download the ${element} archive of ${siteEnv} from ${titleBackup(folder)}`;

/**
 * Which sites a selection takes, in words: `acme-blog and fran-bakery`, `sites matching "acme", tagged priority`,
 * `sites of Globex`, `every site`.
 */
export function selectionWords(s: MirrorSelection): string {
  const picked =
    s.sites.length === 0
      ? []
      : [s.sites.length <= 3 ? andList(s.sites) : `${s.sites.length} sites picked by hand`];
  const any = [...s.queries.map((q) => `sites matching "${q}"`), ...picked];
  const narrow = [
    s.org && `of ${s.org}`,
    s.tag && `tagged ${s.tag}`,
    s.account && `seen by ${s.account}`,
  ].filter((x): x is string => Boolean(x));
  if (any.length === 0) return narrow.length === 0 ? 'every site' : `sites ${narrow.join(', ')}`;
  return [any.join(' or '), ...narrow].join(', ');
}

/** `Mirror sites matching "acme" (live; code, database and files) into /srv/mirror`. */
export const mirrorTitle = (p: MirrorProfile): string =>
  `Mirror ${selectionWords(p.selection)} (${p.envs.join(', ')}; ${andList(p.elements)}) into ${p.root}`;
