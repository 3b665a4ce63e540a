import type { BackupSchedule } from '@shared/models';
import { weekdayNumber } from '../../services/pantheon/client';
import { LifeboatError } from '../../services/errors';
import { EXIT } from '../exit-codes';
import { positiveInt, siteEnv, siteWithEnv, type RunContext } from '../context';
import { nextScheduled, WEEKDAYS } from '../dates';
import { UsageError, type CommandSpec, type PositionalSpec } from '../registry';

const SITE_ENV: PositionalSpec = {
  name: 'SITE.ENV',
  required: true,
  description: 'the site and environment (acme-blog.live)',
};

/** How long Pantheon keeps a daily automatic backup; the weekly one must be kept longer to mean anything. */
const DAILY_KEEP_DAYS = 8;

/** The schedule in words, with Pantheon's UTC hour (and the weekly day it falls on) in local time. */
export function describeSchedule(s: BackupSchedule, now: number = Date.now()): string[] {
  if (!s.enabled) return ['Automatic backups are off.'];
  // Numbers from the API: a day outside 0–6 or an hour outside 0–23 is said to be unknown, not computed with.
  const weekly = s.weeklyDay === null ? null : (WEEKDAYS[s.weeklyDay] ?? 'unknown day');
  const kept = s.weeklyRetentionDays === null ? 'an unknown number of' : String(s.weeklyRetentionDays);
  if (s.dailyHourUtc === null)
    return [
      'Automatic backups are on, at an hour Pantheon chooses.',
      `Daily backups are kept ${DAILY_KEEP_DAYS} days${weekly ? `; the ${weekly} (UTC) backup ${kept} days` : ''}.`,
    ];
  const daily = nextScheduled(s.dailyHourUtc, null, now);
  if (!daily)
    return [
      `Automatic backups are on, at an unknown hour (Pantheon answered ${JSON.stringify(s.dailyHourUtc)}); daily backups are kept ${DAILY_KEEP_DAYS} days.`,
      ...(weekly ? [`The ${weekly} (UTC) backup is kept ${kept} days.`] : []),
    ];
  const utc = `${String(s.dailyHourUtc).padStart(2, '0')}:00 UTC`;
  const lines = [
    `Automatic backups are on: every day at ${daily.localTime} (${utc}), kept ${DAILY_KEEP_DAYS} days.`,
  ];
  if (s.weeklyDay !== null) {
    const w = nextScheduled(s.dailyHourUtc, s.weeklyDay, now);
    lines.push(
      w
        ? `The ${w.localDay} backup (${weekly} ${utc}) is kept ${kept} days.`
        : `The weekly backup (an unknown day, Pantheon answered ${JSON.stringify(s.weeklyDay)}) is kept ${kept} days.`,
    );
  }
  return lines;
}

/** `--day` as 0–6, checked before connecting. */
function dayOf(ctx: RunContext): number | undefined {
  const day = ctx.str('day');
  if (day === undefined) return undefined;
  try {
    return weekdayNumber(day);
  } catch (e) {
    throw new UsageError(e instanceof LifeboatError ? e.message : String(e));
  }
}

/** `lifeboat backups automatic info SITE.ENV`. */
export const automaticInfo: CommandSpec = {
  name: 'backups automatic info',
  summary: 'Show the automatic backup schedule of an environment (its hour in local time)',
  positionals: [SITE_ENV],
  flags: {},
  examples: ['lifeboat backups automatic info acme-blog.live'],
  json: [
    {
      type: 'object',
      fields: {
        enabled: 'boolean',
        weeklyDay: 'number|null',
        dailyHourUtc: 'number|null',
        weeklyRetentionDays: 'number|null',
        days: 'object[]',
      },
      note: 'the shared model BackupSchedule; weeklyDay 0 = Sunday; the hour is UTC, as Pantheon keeps it; days has null for a day without a backup',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    const schedule = await client.getSchedule(site, ref.env);
    ctx.print(ctx.json ? JSON.stringify(schedule) : describeSchedule(schedule).join('\n'));
    return EXIT.ok;
  },
};

/** `lifeboat backups automatic enable SITE.ENV`. */
export const automaticEnable: CommandSpec = {
  name: 'backups automatic enable',
  summary: 'Turn automatic backups on: daily, kept 8 days, and a weekly one kept longer',
  description:
    'As Terminus’s backup:automatic:enable: a daily backup kept 8 days, and the one of --day (a random day ' +
    'when not given) kept --keep-for days, which must be more than those 8. Pantheon picks the hour. The ' +
    'change is a workflow, not waited for.',
  positionals: [SITE_ENV],
  flags: {
    day: {
      type: 'string',
      value: 'DAY',
      description: 'the weekly backup’s day: Sunday … Saturday (or Sun, Mon, …) or 0 … 6, 0 being Sunday',
    },
    'keep-for': {
      type: 'string',
      value: 'DAYS',
      description: 'keep the weekly backup this many days: 9 or more (default 32)',
    },
  },
  examples: [
    'lifeboat backups automatic enable acme-blog.live',
    'lifeboat backups automatic enable acme-blog.live --day Friday --keep-for 60',
  ],
  json: [
    {
      type: 'object',
      fields: { id: 'string', type: 'string', result: 'string|null' },
      note: 'the shared model Workflow of the change',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const day = dayOf(ctx);
    const keep = positiveInt(ctx.str('keep-for'), '--keep-for', 32);
    // Pantheon keeps the weekly backup as long as the longest retention asked for: a shorter one would
    // silently leave it at the daily 8 days, not the "kept longer" this promises.
    if (keep <= DAILY_KEEP_DAYS)
      throw new UsageError(
        `--keep-for ${keep} is not longer than the ${DAILY_KEEP_DAYS} days every daily backup is kept, so the weekly backup would be kept ${DAILY_KEEP_DAYS} days too: give ${DAILY_KEEP_DAYS + 1} or more.`,
      );
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    const wf = await client.enableSchedule(site, ref.env, day, keep);
    ctx.print(
      ctx.json
        ? JSON.stringify(wf)
        : `Automatic backups of ${ref.site}.${ref.env} are being turned on: daily, kept ${DAILY_KEEP_DAYS} days${
            day === undefined ? '' : `; the ${WEEKDAYS[day]} backup kept ${keep} days`
          } (workflow ${wf.id}).`,
    );
    return EXIT.ok;
  },
};

/** `lifeboat backups automatic disable SITE.ENV`. */
export const automaticDisable: CommandSpec = {
  name: 'backups automatic disable',
  summary: 'Turn automatic backups off (existing backups are kept until they expire)',
  positionals: [SITE_ENV],
  flags: {},
  examples: ['lifeboat backups automatic disable acme-blog.live'],
  json: [{ type: 'object', fields: { site: 'string', env: 'string', enabled: 'boolean' } }],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    await client.disableSchedule(site, ref.env);
    ctx.print(
      ctx.json
        ? JSON.stringify({ site: ref.site, env: ref.env, enabled: false })
        : `Automatic backups of ${ref.site}.${ref.env} are off. Existing backups are kept until they expire.`,
    );
    return EXIT.ok;
  },
};
