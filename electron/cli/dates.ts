/**
 * Every date the CLI prints for people: in the local time zone (the process's, so `TZ` is honoured) with its
 * offset, so a reader in Auckland and one in London agree on the moment. With `--json`, the shared models keep
 * seconds since the epoch (UTC) and the CLI's own outputs ISO-8601 UTC ({@link isoUtc}). English month and day
 * names on purpose: the output is the same whatever the locale, like the rest of the CLI.
 *
 * Times come from the API, which may send anything: a moment `Date` cannot hold (finish_time 1e20) is
 * "unknown" in text and null in JSON, never a failure and never `NaN-NaN-NaN`.
 */

import { offsetOf, WEEKDAYS } from '@shared/dates';

export { backupName, backupNameOfFolder, folderEpoch, offsetOf, WEEKDAYS } from '@shared/dates';

const two = (n: number): string => String(n).padStart(2, '0');

/** The moment of an epoch (seconds), or null when it is no number or beyond what `Date` can represent. */
function dateOf(epochSeconds: number): Date | null {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds)) return null;
  const d = new Date(epochSeconds * 1000);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `2026-11-29 00:00 +01:00`: an epoch (seconds) in local time with the offset; `unknown` when unrepresentable. */
export function localDateTime(epochSeconds: number): string {
  const d = dateOf(epochSeconds);
  if (!d) return 'unknown';
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())} ${offsetOf(d)}`;
}

/** A date or "pending" when there is none yet (an archive still being written). */
export function localDateTimeOr(epochSeconds: number | null, none = 'pending'): string {
  return epochSeconds === null ? none : localDateTime(epochSeconds);
}

/** ISO-8601 UTC for `--json`: `2026-11-28T23:00:00.000Z`; null for no moment or one that cannot be represented. */
export function isoUtc(epochSeconds: number | null): string | null {
  return epochSeconds === null ? null : (dateOf(epochSeconds)?.toISOString() ?? null);
}

/** An epoch (seconds) for `--json` output, or null when `Date` cannot represent it (see {@link isoUtc}). */
export const epochOrNull = (epochSeconds: number | null): number | null =>
  epochSeconds === null || dateOf(epochSeconds) === null ? null : epochSeconds;

/**
 * When a UTC schedule slot next comes, in local time: Pantheon keeps the automatic backup's hour (and the
 * weekly day) in UTC, which can be another day here. `day` null means every day. Null when the hour is not a
 * whole hour of a day (0–23) or the day not 0–6: the schedule came from the API, which may send anything.
 */
export function nextScheduled(
  hourUtc: number,
  dayUtc: number | null,
  now: number = Date.now(),
): { readonly epochSeconds: number; readonly localDay: string; readonly localTime: string } | null {
  const whole = (n: number, max: number): boolean => Number.isInteger(n) && n >= 0 && n <= max;
  if (!whole(hourUtc, 23) || (dayUtc !== null && !whole(dayUtc, 6)) || !Number.isFinite(now)) return null;
  const base = new Date(now);
  let t = Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate(), hourUtc);
  if (t <= now) t += 86_400_000;
  // Computed, not searched for: the days to the weekly slot's weekday (0 to 6).
  if (dayUtc !== null) t += ((dayUtc - new Date(t).getUTCDay() + 7) % 7) * 86_400_000;
  const d = new Date(t);
  return {
    epochSeconds: t / 1000,
    localDay: WEEKDAYS[d.getDay()]!,
    localTime: `${two(d.getHours())}:${two(d.getMinutes())} ${offsetOf(d)}`,
  };
}
