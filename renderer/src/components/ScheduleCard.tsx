import { useEffect, useState } from 'react';
import { bridge } from '../bridge';
import {
  clock,
  offsetAt,
  offsetForNextRun,
  utcDayForLocalDay,
  utcSlotToLocal,
  WEEKDAYS,
  zoneLabel,
} from '../lib/schedule-time';
import { useStore, type SiteKey } from '../store';
import { describedBy, ErrorState, Loading } from './common';

/** The weekly day and how long its backup is kept: when turning automatic backups on, or changing them. */
function WeeklyFields({
  day,
  setDay,
  keep,
  setKeep,
  dayHint,
}: {
  day: number;
  setDay: (d: number) => void;
  keep: number;
  setKeep: (k: number) => void;
  dayHint?: string;
}) {
  return (
    <>
      <label>
        Weekly on{' '}
        <select value={day} onChange={(e) => setDay(Number(e.target.value))}>
          {WEEKDAYS.map((d, i) => (
            <option key={d} value={i}>
              {d}
            </option>
          ))}
        </select>
        {dayHint && <span className="hint"> {dayHint}</span>}
      </label>
      <label>
        kept{' '}
        <input
          type="number"
          min={1}
          max={365}
          value={keep}
          onChange={(e) => setKeep(Number(e.target.value))}
          className="narrow"
        />{' '}
        days
      </label>
    </>
  );
}

/**
 * The environment's automatic backups: shown in local time (Pantheon keeps the hour and the weekly day in UTC),
 * turned on or off, and their weekly day changed.
 */
export function ScheduleCard({ siteKey, env, frozen }: { siteKey: SiteKey; env: string; frozen: boolean }) {
  const id = `${siteKey}/${env}`;
  const schedule = useStore((s) => s.schedules[id]);
  const loadSchedule = useStore((s) => s.loadSchedule);
  const toast = useStore((s) => s.toast);
  const [day, setDay] = useState(0);
  const [keep, setKeep] = useState(32);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void loadSchedule(siteKey, env);
  }, [siteKey, env, loadSchedule]);
  const s = schedule?.data;
  const hourUtc = s?.enabled ? s.dailyHourUtc : null;
  // The offset of the next run, so a schedule read before a DST change shows the hour it will run at.
  const offset = hourUtc !== null ? offsetForNextRun(hourUtc) : offsetAt();
  const zone = zoneLabel(offset);
  const daily = hourUtc !== null ? utcSlotToLocal(0, hourUtc, offset) : null;
  const weekly =
    hourUtc !== null && s?.weeklyDay != null ? utcSlotToLocal(s.weeklyDay, hourUtc, offset) : null;

  /** `weeklyDayUtc` is Pantheon's day; the request carries no hour (Pantheon keeps or picks it). */
  const change = async (enabled: boolean, weeklyDayUtc?: number): Promise<void> => {
    setBusy(true);
    const [accountId, site] = [
      siteKey.slice(0, siteKey.indexOf('|')),
      siteKey.slice(siteKey.indexOf('|') + 1),
    ];
    const r = await bridge().backups.setSchedule({
      accountId,
      site,
      env,
      enabled,
      ...(enabled ? { weeklyDay: weeklyDayUtc ?? day, keepWeeklyForDays: keep } : {}),
    });
    setBusy(false);
    if (!r.ok) return toast('error', r.error.message);
    setEditing(false);
    toast('success', enabled ? 'Automatic backups are on.' : 'Automatic backups are off.');
    await loadSchedule(siteKey, env);
  };
  const startEditing = (): void => {
    setDay(weekly ? weekly.day : (s?.weeklyDay ?? 0));
    setKeep(s?.weeklyRetentionDays ?? 32);
    setEditing(true);
  };
  const keepOk = keep >= 1 && keep <= 365;
  // A disabled button says why, in words (the site's frozen notice, or the line under the days).
  const frozenWhy = describedBy(frozen ? 'frozen-reason' : null);
  const why = describedBy(frozen ? 'frozen-reason' : keepOk ? null : 'schedule-keep-why');
  const keepWhy = !keepOk && (
    <p className="hint" id="schedule-keep-why">
      Keep weekly backups from 1 to 365 days.
    </p>
  );
  return (
    <section className="card schedule" aria-labelledby="schedule-title">
      <h2 id="schedule-title" className="section-title">
        Automatic backups
      </h2>
      {schedule?.error && (
        <ErrorState error={schedule.error} onRetry={() => void loadSchedule(siteKey, env)} />
      )}
      {!s && schedule?.loading && <Loading what="the schedule" />}
      {s && s.enabled && !editing && (
        <div className="row spread">
          <div>
            {daily ? (
              <p>
                Daily at {clock(daily.hour, daily.minute)}, kept a week
                {weekly && (
                  <>
                    ; weekly on {WEEKDAYS[weekly.day]}, kept {s.weeklyRetentionDays} days
                  </>
                )}
                .
              </p>
            ) : (
              <p>
                Daily at an hour Pantheon chooses, kept a week
                {s.weeklyDay !== null && (
                  <>
                    ; weekly on {WEEKDAYS[s.weeklyDay]} (UTC), kept {s.weeklyRetentionDays} days
                  </>
                )}
                .
              </p>
            )}
            {daily && (
              <p className="hint">
                Times in {zone}; Pantheon keeps them in UTC ({clock(hourUtc!)}
                {s.weeklyDay !== null && weekly?.day !== s.weeklyDay && `, ${WEEKDAYS[s.weeklyDay]}`}).
              </p>
            )}
          </div>
          <div className="row">
            <button type="button" onClick={startEditing} disabled={busy || frozen} {...frozenWhy}>
              Change…
            </button>
            <button type="button" onClick={() => void change(false)} disabled={busy || frozen} {...frozenWhy}>
              {busy ? 'Turning off…' : 'Turn off'}
            </button>
          </div>
        </div>
      )}
      {s && s.enabled && editing && (
        <div className="row wrap">
          <WeeklyFields
            day={day}
            setDay={setDay}
            keep={keep}
            setKeep={setKeep}
            {...(hourUtc === null ? { dayHint: '(UTC)' } : {})}
          />
          <button type="button" onClick={() => setEditing(false)} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            // The chosen day is a local one when the hour is known: Pantheon's day is the UTC day of that moment.
            onClick={() =>
              void change(true, hourUtc === null ? day : utcDayForLocalDay(day, hourUtc, offset))
            }
            disabled={busy || frozen || !keepOk}
            {...why}
          >
            {busy ? 'Saving…' : 'Save'}
          </button>
          {keepWhy}
        </div>
      )}
      {s && !s.enabled && (
        <>
          <div className="row wrap">
            <p>Off.</p>
            <WeeklyFields
              day={day}
              setDay={setDay}
              keep={keep}
              setKeep={setKeep}
              {...(offset !== 0 ? { dayHint: '(UTC)' } : {})}
            />
            <button
              type="button"
              onClick={() => void change(true)}
              disabled={busy || frozen || !keepOk}
              {...why}
            >
              {busy ? 'Turning on…' : 'Turn on'}
            </button>
          </div>
          {keepWhy}
          {offset !== 0 && (
            <p className="hint">
              Pantheon picks the hour and counts days in UTC; once on, the schedule shows here in {zone}.
            </p>
          )}
        </>
      )}
    </section>
  );
}
