import type { BackupSchedule, Environment, Organization, Site, Workflow } from '@shared/models';
import { saneTime, saneTtl } from './sane';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** A whole number of at least `min` (a step, a task count), else null. */
const count = (v: unknown, min: number): number | null => {
  const n = numOrNull(v);
  return n !== null && Number.isInteger(n) && n >= min && n <= 1_000_000 ? n : null;
};
/** A number that may arrive as a string ("385"), as Pantheon sends some. */
const numish = (v: unknown): number | null =>
  typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : numOrNull(v);

/** A site from a membership payload; older payloads only had `attributes.label`. */
export function toSite(
  raw: unknown,
  accountId: string,
  organizations: readonly string[] = [],
  tags: readonly string[] = [],
): Site {
  const s = obj(raw);
  const upstream = obj(s.upstream);
  return {
    id: str(s.id),
    name: str(s.name),
    label: str(s.label) || str(obj(s.attributes).label) || str(s.name),
    framework: str(s.framework, 'unknown'),
    planName: str(s.plan_name),
    owner: str(s.owner),
    region: str(s.preferred_zone_label),
    frozen: Boolean(s.frozen),
    created: saneTime(s.created) ?? 0,
    upstreamLabel: str(upstream.label),
    organizations,
    tags,
    accountId,
  };
}

/** An organization membership. */
export function toOrganization(raw: unknown): Organization {
  const m = obj(raw);
  const org = obj(m.organization);
  const profile = obj(org.profile);
  return {
    id: str(org.id) || str(m.organization_id) || str(m.id),
    name: str(profile.machine_name),
    label: str(profile.name) || str(profile.machine_name),
    role: str(m.role),
  };
}

const STANDARD = ['dev', 'test', 'live'];

/** Environment ids in Pantheon's display order: dev, test, live, then multidevs by name. */
export function orderEnvironments(ids: readonly string[]): string[] {
  const std = STANDARD.filter((e) => ids.includes(e));
  const multidevs = ids.filter((e) => !STANDARD.includes(e)).sort();
  return [...std, ...multidevs];
}

/** The deploy tag named by a `refs/tags/…` target ref, else null. */
export const deployTagFromRef = (ref: string | null): string | null =>
  ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : null;

/**
 * A PHP version as people write it: Pantheon's `php_version` is "82" (or "7.3", or 7.3 as a number); Terminus
 * shows "82" as "8.2", its first digit, a dot, the rest. Null when there is none.
 */
export function phpVersionOf(v: unknown): string | null {
  const text = str(v).trim();
  if (text === '') return null;
  return /^\d{2,}$/.test(text) ? `${text.slice(0, 1)}.${text.slice(1)}` : text;
}

/**
 * One environment. `initialized` for test/live is `is_initialized` of the entry; Terminus reads it from the
 * settings endpoint, which the caller supplies when the entry lacks it (null when that request failed). When
 * neither says, an environment running a ref (`target_ref`) is initialized, and otherwise it is unknown (null).
 * An entry without a PHP version has the site's (`sitePhpVersion`: the site object's `php_version`), as in
 * Terminus.
 */
export function toEnvironment(
  siteId: string,
  siteName: string,
  id: string,
  raw: unknown,
  initializedFromSettings?: boolean | null,
  sitePhpVersion?: unknown,
): Environment {
  const e = obj(raw);
  const ref = typeof e.target_ref === 'string' && e.target_ref !== '' ? e.target_ref : null;
  const multidev = !STANDARD.includes(id);
  const initialized =
    id === 'dev' || multidev
      ? true
      : typeof e.is_initialized === 'boolean'
        ? e.is_initialized
        : typeof initializedFromSettings === 'boolean'
          ? initializedFromSettings
          : ref !== null
            ? true
            : null;
  const php =
    phpVersionOf(e.php_major_minor_version) ?? phpVersionOf(e.php_version) ?? phpVersionOf(sitePhpVersion);
  return {
    id,
    siteId,
    multidev,
    initialized,
    deployTag: deployTagFromRef(ref),
    targetRef: ref,
    targetCommit: typeof e.target_commit === 'string' ? e.target_commit : null,
    domain: `${id}-${siteName}.${str(e.dns_zone) || 'pantheonsite.io'}`,
    connectionMode: e.on_server_development ? 'sftp' : 'git',
    phpVersion: php,
    locked: Boolean(obj(e.lock).locked),
    createdAt: saneTime(e.environment_created),
  };
}

/** One changed file of an SFTP-mode environment, from Pantheon's diffstat (numbers arrive as strings). */
export interface DiffstatEntry {
  readonly path: string;
  /** Git's letter: M, A, D… (empty when not sent). */
  readonly status: string;
  readonly additions: number | null;
  readonly deletions: number | null;
}

/** The diffstat of an environment: an object keyed by file path, `{}` when clean; null when it is not one. */
export function toDiffstat(raw: unknown): DiffstatEntry[] | null {
  if (Array.isArray(raw)) return raw.length === 0 ? [] : null;
  if (!raw || typeof raw !== 'object') return null;
  return Object.entries(raw as Obj)
    .filter(([path]) => path !== '')
    .map(([path, v]) => {
      const d = obj(v);
      return {
        path,
        status: str(d.status),
        additions: numish(d.additions),
        deletions: numish(d.deletions),
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The failure message of a workflow by Terminus's rules: `final_task.reason`, else the last of
 * `final_task.messages`, else "Workflow failed.". A reason may be an object on newer workflows.
 */
export function workflowFailureMessage(raw: unknown): string {
  const w = obj(raw);
  const task = obj(w.final_task);
  const reason = task.reason;
  if (typeof reason === 'string' && reason.trim()) return reason.trim();
  if (reason && typeof reason === 'object') {
    const parts = Object.entries(reason as Obj).map(([k, v]) => `${k}: ${str(v)}`);
    if (parts.length) return parts.join('; ');
  }
  const messages = Object.entries(obj(task.messages)).sort(([a], [b]) => (a < b ? -1 : 1));
  const last = messages.length ? obj(messages[messages.length - 1]![1]).message : undefined;
  if (typeof last === 'string' && last.trim()) {
    // Terminus rewords this restore message, which Pantheon sends when a restore went wrong.
    return last.trim() === 'Successfully queued restore_site'
      ? 'There was an error while restoring your backup.'
      : last.trim();
  }
  return 'Workflow failed.';
}

/** A workflow; finished when `result` is present and non-null. */
export function toWorkflow(raw: unknown): Workflow {
  const w = obj(raw);
  const result = typeof w.result === 'string' ? w.result : null;
  return {
    id: str(w.id),
    type: str(w.type),
    siteId: str(w.site_id),
    environment: typeof w.environment === 'string' ? w.environment : null,
    description: str(w.description),
    activeDescription: str(w.active_description) || str(w.description),
    phase: str(w.phase),
    result,
    // Counts and times a progress bar and a date can take: a negative step or a time of 1e20 is not said.
    step: count(w.step, 0) ?? 0,
    numberOfTasks: count(w.number_of_tasks, 1) ?? 3,
    createdAt: saneTime(w.created_at),
    finishedAt: saneTime(w.finished_at),
    failureMessage: result !== null && result !== 'succeeded' ? workflowFailureMessage(raw) : null,
  };
}

/** The schedule: the weekly backup is the day with the longest ttl; all null when nothing is scheduled. */
export function toSchedule(raw: unknown): BackupSchedule {
  const o = obj(raw);
  const days = Array.from({ length: 7 }, (_, d) => {
    const v = o[String(d)];
    if (!v || typeof v !== 'object') return null;
    const day = v as Obj;
    // Only an hour of the day is an hour (1e10 would send "next backup" arithmetic looping), and only a sane ttl
    // a retention; anything else is "not said": the hour left to Pantheon, the ttl unknown (0).
    const hour = numish(day.hour);
    return {
      hour: hour !== null && Number.isInteger(hour) && hour >= 0 && hour <= 23 ? hour : null,
      ttl: saneTtl(day.ttl) ?? 0,
    };
  });
  let weekly: number | null = null;
  days.forEach((d, i) => {
    if (d && (weekly === null || d.ttl > days[weekly]!.ttl)) weekly = i;
  });
  const w = weekly === null ? null : days[weekly]!;
  return {
    enabled: weekly !== null,
    weeklyDay: weekly,
    dailyHourUtc: w?.hour ?? null,
    weeklyRetentionDays: w ? Math.round(w.ttl / 86400) : null,
    days,
  };
}
