import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DATES = join(import.meta.dirname, '../../../electron/cli/dates.ts');
const GIT = join(import.meta.dirname, '../../../electron/services/git/git.ts');
const MYSQL = join(import.meta.dirname, '../../../electron/services/database/mysql.ts');

/** 2026-11-29 00:00 UTC, a backup folder's epoch; and one in July, when Auckland is on standard time. */
const NOV = 1795910400;
const JUL = 1783900800;
const IN_2026 = Date.UTC(2026, 10, 30);
const IN_2027 = Date.UTC(2027, 0, 2);

/** The date functions as a process in `tz` sees them: the zone is the process's, so each runs in its own. */
async function inZone(tz: string): Promise<Record<string, unknown>> {
  const script = `
    import * as d from ${JSON.stringify(DATES)};
    import { defaultBranchName } from ${JSON.stringify(GIT)};
    import { defaultDatabaseName } from ${JSON.stringify(MYSQL)};
    console.log(JSON.stringify({
      nov: d.localDateTime(${NOV}),
      jul: d.localDateTime(${JUL}),
      iso: d.isoUtc(${NOV}),
      name: d.backupName(${NOV}, ${IN_2026}),
      nameNextYear: d.backupName(${NOV}, ${IN_2027}),
      folder: d.backupNameOfFolder('${NOV}_automated', ${IN_2026}),
      daily: d.nextScheduled(16, null, ${IN_2026}),
      weekly: d.nextScheduled(16, 5, ${IN_2026}),
      branch: defaultBranchName('live', new Date((${NOV} + 12 * 3600) * 1000)),
      database: defaultDatabaseName('acme-blog', 'live', new Date((${NOV} + 12 * 3600) * 1000)),
    }));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, TZ: tz },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('dates in the local time zone (TZ honoured)', () => {
  it('in Pacific/Auckland: local time with the offset of that date, the UTC slot on its local day', async () => {
    expect(await inZone('Pacific/Auckland')).toEqual({
      nov: '2026-11-29 13:00 +13:00',
      jul: '2026-07-13 12:00 +12:00',
      iso: '2026-11-29T00:00:00.000Z',
      name: 'backup of Nov 29, 13:00',
      nameNextYear: 'backup of Nov 29 2026, 13:00',
      folder: 'backup of Nov 29, 13:00',
      daily: { epochSeconds: 1796054400, localDay: 'Tuesday', localTime: '05:00 +13:00' },
      // Friday 16:00 UTC is Saturday morning in Auckland.
      weekly: { epochSeconds: 1796400000, localDay: 'Saturday', localTime: '05:00 +13:00' },
      // Default names carry the local day: 12:00 UTC on the 29th is already the 30th in Auckland.
      branch: 'lifeboat/live-2026-11-30',
      database: 'acme_blog_live_20261130',
    });
  });

  it('in UTC: the same moments, offset +00:00; --json’s ISO form does not change with the zone', async () => {
    expect(await inZone('UTC')).toEqual({
      nov: '2026-11-29 00:00 +00:00',
      jul: '2026-07-13 00:00 +00:00',
      iso: '2026-11-29T00:00:00.000Z',
      name: 'backup of Nov 29, 00:00',
      nameNextYear: 'backup of Nov 29 2026, 00:00',
      folder: 'backup of Nov 29, 00:00',
      daily: { epochSeconds: 1796054400, localDay: 'Monday', localTime: '16:00 +00:00' },
      weekly: { epochSeconds: 1796400000, localDay: 'Friday', localTime: '16:00 +00:00' },
      branch: 'lifeboat/live-2026-11-29',
      database: 'acme_blog_live_20261129',
    });
  });
});

describe('times from the API that no date can hold', () => {
  it('an hour or day outside the day and week is an unknown slot, answered at once (1e10 once looped forever)', async () => {
    const AUTOMATIC = join(import.meta.dirname, '../../../electron/cli/commands/backups-automatic.ts');
    // In a process of its own, bounded: a loop without end would otherwise stop this whole test run.
    const script = `
      import * as d from ${JSON.stringify(DATES)};
      import { describeSchedule } from ${JSON.stringify(AUTOMATIC)};
      const s = { enabled: true, weeklyDay: 5, dailyHourUtc: 1e10, weeklyRetentionDays: 32, days: [] };
      console.log(JSON.stringify({
        slots: [[1e10, 5], [1e10, null], [24, null], [-1, 5], [16.5, null], [16, 7], [16, -1], [Number.NaN, 1]]
          .map(([h, day]) => d.nextScheduled(h, day, ${IN_2026})),
        lines: describeSchedule(s, ${IN_2026}),
      }));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: 'UTC' },
      timeout: 20_000,
    });
    const out = JSON.parse(stdout) as { slots: unknown[]; lines: string[] };
    expect(out.slots).toEqual([null, null, null, null, null, null, null, null]);
    expect(out.lines[0]).toMatch(/^Automatic backups are on, at an unknown hour/);
    expect(out.lines.join('\n')).not.toMatch(/NaN|undefined/);
  }, 30_000);

  it('a moment beyond what Date represents is "unknown" in text and null for JSON, never a thrown error', async () => {
    const d = await import('../../../electron/cli/dates');
    for (const t of [1e20, -1e20, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(d.localDateTime(t)).toBe('unknown');
      expect(d.isoUtc(t)).toBeNull();
      expect(d.epochOrNull(t)).toBeNull();
    }
    expect(d.localDateTimeOr(1e20)).toBe('unknown');
    expect(d.epochOrNull(NOV)).toBe(NOV);
    expect(d.isoUtc(NOV)).toBe('2026-11-29T00:00:00.000Z');
  });
});
