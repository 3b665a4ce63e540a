/**
 * Dates as people read them, the same in the app, the CLI and the engine's messages: in the local time zone
 * (the process's, so `TZ` is honoured), English month names whatever the locale.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Day names as Pantheon's schedule numbers them: 0 = Sunday. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const two = (n: number): string => String(n).padStart(2, '0');

/** The local offset at that moment: `+01:00`, `-03:30`, `+00:00`. */
export function offsetOf(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/**
 * How messages name a backup: `backup of Nov 29, 00:00` (its folder's moment, local time), with the year
 * when it is not this year's. The folder id (`1795910400_automated`) is for lists and scripts.
 */
export function backupName(epochSeconds: number, now: number = Date.now()): string {
  const d = new Date(epochSeconds * 1000);
  const year = d.getFullYear() === new Date(now).getFullYear() ? '' : ` ${d.getFullYear()}`;
  return `backup of ${MONTHS[d.getMonth()]} ${d.getDate()}${year}, ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The epoch of a backup folder (`1795910400_automated` → 1795910400), or null for anything else. */
export function folderEpoch(folder: string): number | null {
  const m = /^(\d{9,11})_/.exec(folder);
  return m ? Number(m[1]) : null;
}

/** `backup of Nov 29, 00:00` for a folder id, or the folder itself when it carries no date. */
export function backupNameOfFolder(folder: string, now: number = Date.now()): string {
  const epoch = folderEpoch(folder);
  return epoch === null ? `backup ${folder}` : backupName(epoch, now);
}

/** The local calendar day `2026-11-29`, for default branch and database names a person recognises. */
export function localDay(date: Date = new Date()): string {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}
