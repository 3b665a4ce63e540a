import type { Element } from '@shared/models';
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
