import { useEffect, useState } from 'react';
import { bridge } from '../bridge';
import { useStore, type SiteKey } from '../store';
import { ErrorState, Loading } from './common';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The environment's automatic backups: shown, and turned on or off. */
export function ScheduleCard({ siteKey, env, frozen }: { siteKey: SiteKey; env: string; frozen: boolean }) {
  const id = `${siteKey}/${env}`;
  const schedule = useStore((s) => s.schedules[id]);
  const loadSchedule = useStore((s) => s.loadSchedule);
  const toast = useStore((s) => s.toast);
  const [day, setDay] = useState(0);
  const [keep, setKeep] = useState(32);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void loadSchedule(siteKey, env);
  }, [siteKey, env, loadSchedule]);
  const change = async (enabled: boolean): Promise<void> => {
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
      ...(enabled ? { weeklyDay: day, keepWeeklyForDays: keep } : {}),
    });
    setBusy(false);
    if (!r.ok) return toast('error', r.error.message);
    toast('success', enabled ? 'Automatic backups are on.' : 'Automatic backups are off.');
    await loadSchedule(siteKey, env);
  };
  const s = schedule?.data;
  return (
    <section className="card schedule" aria-labelledby="schedule-title">
      <h2 id="schedule-title" className="section-title">
        Automatic backups
      </h2>
      {schedule?.error && (
        <ErrorState error={schedule.error} onRetry={() => void loadSchedule(siteKey, env)} />
      )}
      {!s && schedule?.loading && <Loading what="the schedule" />}
      {s && s.enabled && (
        <div className="row spread">
          <p>
            Daily at {String(s.dailyHourUtc ?? 0).padStart(2, '0')}:00 UTC, kept a week; weekly on{' '}
            {DAYS[s.weeklyDay ?? 0]}, kept {s.weeklyRetentionDays} days.
          </p>
          <button type="button" onClick={() => void change(false)} disabled={busy || frozen}>
            {busy ? 'Turning off…' : 'Turn off'}
          </button>
        </div>
      )}
      {s && !s.enabled && (
        <div className="row wrap">
          <p>Off.</p>
          <label>
            Weekly on{' '}
            <select value={day} onChange={(e) => setDay(Number(e.target.value))}>
              {DAYS.map((d, i) => (
                <option key={d} value={i}>
                  {d}
                </option>
              ))}
            </select>
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
          <button
            type="button"
            onClick={() => void change(true)}
            disabled={busy || frozen || !(keep >= 1 && keep <= 365)}
          >
            {busy ? 'Turning on…' : 'Turn on'}
          </button>
        </div>
      )}
    </section>
  );
}
