/**
 * Pantheon keeps the automatic backup's hour and weekly day in UTC; people read and choose them in their own
 * time zone. These convert between the two with an explicit offset (minutes east of UTC), so they are pure.
 */

/** Day names as Pantheon's schedule numbers them: 0 = Sunday. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const WEEK = 7 * 1440;
const two = (n: number): string => String(n).padStart(2, '0');

/** A moment of the week: weekday (0 = Sunday), hour and minute. */
export interface WeekSlot {
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const slotOf = (minutesOfWeek: number): WeekSlot => {
  const m = ((minutesOfWeek % WEEK) + WEEK) % WEEK;
  return { day: Math.floor(m / 1440), hour: Math.floor((m % 1440) / 60), minute: m % 60 };
};

/** A UTC weekday and hour as local time, `offsetMinutes` east of UTC (it may be another day). */
export function utcSlotToLocal(dayUtc: number, hourUtc: number, offsetMinutes: number): WeekSlot {
  return slotOf(dayUtc * 1440 + hourUtc * 60 + offsetMinutes);
}

/** A local weekday and time as UTC: the reverse of utcSlotToLocal. */
export function localSlotToUtc(slot: WeekSlot, offsetMinutes: number): WeekSlot {
  return slotOf(slot.day * 1440 + slot.hour * 60 + slot.minute - offsetMinutes);
}

/**
 * The UTC weekday to save so that a backup at `hourUtc` falls on `dayLocal` here: the hour stays Pantheon's,
 * only the day moves when the offset carries it over midnight.
 */
export function utcDayForLocalDay(dayLocal: number, hourUtc: number, offsetMinutes: number): number {
  // How many days the offset moves the hour: -1, 0 or +1 (offsets stay within ±14 hours).
  const shift = Math.floor((hourUtc * 60 + offsetMinutes) / 1440);
  return (((dayLocal - shift) % 7) + 7) % 7;
}

/** `UTC+02:00`, `UTC-03:30`, or `UTC` for no offset. */
export function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const abs = Math.abs(offsetMinutes);
  return `UTC${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** `18:00`. */
export const clock = (hour: number, minute = 0): string => `${two(hour)}:${two(minute)}`;

/** The local zone's offset (minutes east of UTC) at a moment: DST makes it depend on when. */
export const offsetAt = (epochMs: number = Date.now()): number => -new Date(epochMs).getTimezoneOffset();

/** The local zone, named for people: `Europe/Berlin (UTC+01:00)`, or `UTC`. */
export function zoneLabel(
  offsetMinutes: number,
  zone = Intl.DateTimeFormat().resolvedOptions().timeZone,
): string {
  const utc = offsetLabel(offsetMinutes);
  if (!zone || /^(Etc\/)?(UTC|GMT|Universal|Zulu)$/i.test(zone)) return utc;
  return `${zone} (${utc})`;
}

/**
 * The offset that applies to the next daily backup at `hourUtc` after `now`: the one to show it with (a
 * schedule read in winter for a backup tonight uses tonight's offset, not a summer one).
 */
export function offsetForNextRun(hourUtc: number, now: number = Date.now()): number {
  const d = new Date(now);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hourUtc);
  if (t <= now) t += 86_400_000;
  return offsetAt(t);
}
