import { backupName } from '@shared/dates';

export { formatBytes } from '@shared/format';

// English, as every other word of the app, whatever the system's locale.
const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 days ago", "in 2 months": an epoch in seconds relative to now. */
export function relativeTime(epochSeconds: number, now = Date.now()): string {
  const diff = epochSeconds * 1000 - now;
  const abs = Math.abs(diff);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86400_000],
    ['month', 30 * 86400_000],
    ['week', 7 * 86400_000],
    ['day', 86400_000],
    ['hour', 3600_000],
    ['minute', 60_000],
  ];
  for (const [unit, ms] of steps) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  return rtf.format(0, 'minute');
}

/**
 * A date and time in the user's time zone, written as the engine names backups in job titles and messages
 * ("Nov 29, 14:05"; "Nov 29 2025, 14:05" in another year): one way of writing a moment across the app.
 */
export function localDateTime(epochSeconds: number, now = Date.now()): string {
  return backupName(epochSeconds, now).replace(/^backup of /, '');
}

/** A day for people, from an ISO time: "Nov 29", with the year when it is not this one ("Nov 29, 2025"). */
export function shortDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // The engine's month names (localDateTime), whatever the system's locale.
  const day = localDateTime(d.getTime() / 1000, now.getTime()).replace(/( \d{4})?, \d\d:\d\d$/, '');
  return d.getFullYear() === now.getFullYear() ? day : `${day}, ${d.getFullYear()}`;
}

/**
 * The one wording for when Pantheon deletes a backup: "kept until Dec 9 (in 8 days)", "(in 5 hours)"; a moment
 * already past: "(due to be deleted)".
 */
export function keptUntil(epochSeconds: number, now = Date.now()): string {
  const left = epochSeconds * 1000 - now;
  const when =
    left <= 0
      ? 'due to be deleted'
      : left < 86400_000
        ? relativeTime(epochSeconds, now)
        : rtf.format(Math.round(left / 86400_000), 'day');
  return `kept until ${shortDate(new Date(epochSeconds * 1000).toISOString(), new Date(now))} (${when})`;
}

/** A date and time in the user's time zone, the zone named: "Nov 29, 2026, 12:00 AM CET". */
export function localDateTimeWithZone(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** 1:05 or 1:02:03. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
    : `${m}:${String(s).padStart(2, '0')}`;
}
