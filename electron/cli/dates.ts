/**
 * Every date the CLI prints for people: in the local time zone (the process's, so `TZ` is honoured) with its
 * offset, so a reader in Auckland and one in London agree on the moment. `--json` keeps ISO-8601 UTC instead.
 * English month and day names on purpose: the output is the same whatever the locale, like the rest of the CLI.
 */

import { offsetOf, WEEKDAYS } from '@shared/dates';

export { backupName, backupNameOfFolder, folderEpoch, offsetOf, WEEKDAYS } from '@shared/dates';

const two = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-29 00:00 +01:00`: an epoch (seconds) in local time with the offset. */
export function localDateTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())} ${offsetOf(d)}`;
}

/** A date or "pending" when there is none yet (an archive still being written). */
export function localDateTimeOr(epochSeconds: number | null, none = 'pending'): string {
  return epochSeconds === null ? none : localDateTime(epochSeconds);
}

/** ISO-8601 UTC for `--json`: `2026-11-28T23:00:00.000Z`. */
export function isoUtc(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

/**
 * When a UTC schedule slot next comes, in local time: Pantheon keeps the automatic backup's hour (and the
 * weekly day) in UTC, which can be another day here. `day` null means every day.
 */
export function nextScheduled(
  hourUtc: number,
  dayUtc: number | null,
  now: number = Date.now(),
): { readonly epochSeconds: number; readonly localDay: string; readonly localTime: string } {
  const base = new Date(now);
  let t = Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate(), hourUtc);
  while (t <= now || (dayUtc !== null && new Date(t).getUTCDay() !== dayUtc)) t += 86_400_000;
  const d = new Date(t);
  return {
    epochSeconds: t / 1000,
    localDay: WEEKDAYS[d.getDay()]!,
    localTime: `${two(d.getHours())}:${two(d.getMinutes())} ${offsetOf(d)}`,
  };
}
