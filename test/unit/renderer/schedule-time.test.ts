import { describe, expect, it } from 'vitest';
import {
  localSlotToUtc,
  offsetLabel,
  utcDayForLocalDay,
  utcSlotToLocal,
  zoneLabel,
} from '../../../renderer/src/lib/schedule-time';

// Pantheon's schedule is in UTC; these take the offset (minutes east of UTC) explicitly.
const TOKYO = 9 * 60;
const NEW_YORK_WINTER = -5 * 60;
const KOLKATA = 5 * 60 + 30;
const ST_JOHNS = -(3 * 60 + 30);

describe('schedule hours between UTC and local time', () => {
  it('moves the hour, and the day when the offset crosses midnight', () => {
    expect(utcSlotToLocal(5, 16, TOKYO)).toEqual({ day: 6, hour: 1, minute: 0 });
    expect(utcSlotToLocal(5, 10, TOKYO)).toEqual({ day: 5, hour: 19, minute: 0 });
    expect(utcSlotToLocal(0, 2, NEW_YORK_WINTER)).toEqual({ day: 6, hour: 21, minute: 0 });
    expect(utcSlotToLocal(6, 20, KOLKATA)).toEqual({ day: 0, hour: 1, minute: 30 });
    expect(utcSlotToLocal(3, 1, ST_JOHNS)).toEqual({ day: 2, hour: 21, minute: 30 });
    expect(utcSlotToLocal(3, 16, 0)).toEqual({ day: 3, hour: 16, minute: 0 });
  });

  it('converts back exactly, for every hour of the week and offsets either side of UTC', () => {
    for (const offset of [TOKYO, NEW_YORK_WINTER, KOLKATA, ST_JOHNS, 14 * 60, -12 * 60, 0])
      for (let day = 0; day < 7; day++)
        for (let hour = 0; hour < 24; hour++)
          expect(localSlotToUtc(utcSlotToLocal(day, hour, offset), offset)).toEqual({ day, hour, minute: 0 });
  });

  it('saves the UTC day on which a backup at the UTC hour falls on the chosen local day', () => {
    // Monday 01:00 in Tokyo is Sunday 16:00 UTC.
    expect(utcDayForLocalDay(1, 16, TOKYO)).toBe(0);
    expect(utcDayForLocalDay(0, 16, TOKYO)).toBe(6);
    expect(utcDayForLocalDay(1, 10, TOKYO)).toBe(1);
    // Saturday 21:00 in New York is Sunday 02:00 UTC.
    expect(utcDayForLocalDay(6, 2, NEW_YORK_WINTER)).toBe(0);
    expect(utcDayForLocalDay(4, 16, 0)).toBe(4);
    for (const offset of [TOKYO, NEW_YORK_WINTER, KOLKATA, ST_JOHNS])
      for (let local = 0; local < 7; local++)
        for (let hour = 0; hour < 24; hour++)
          expect(utcSlotToLocal(utcDayForLocalDay(local, hour, offset), hour, offset).day).toBe(local);
  });

  it('names the zone with its offset', () => {
    expect(offsetLabel(TOKYO)).toBe('UTC+09:00');
    expect(offsetLabel(ST_JOHNS)).toBe('UTC-03:30');
    expect(offsetLabel(0)).toBe('UTC');
    expect(zoneLabel(TOKYO, 'Asia/Tokyo')).toBe('Asia/Tokyo (UTC+09:00)');
    expect(zoneLabel(0, 'Etc/UTC')).toBe('UTC');
    expect(zoneLabel(60, 'Europe/London')).toBe('Europe/London (UTC+01:00)');
  });
});
