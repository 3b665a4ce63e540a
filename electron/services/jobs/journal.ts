import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Job, JobPhase, JobState } from '@shared/models';
import { ERROR_CODES } from '@shared/result';
import { LifeboatError } from '../errors';
import { readSmallFile } from '../fs-util';

/**
 * The job journal that every Lifeboat process on a data folder shares (the desktop app, the browser host, each
 * `lifeboat` command): one file per job, `<dataDir>/jobs/<id>.json`, always replaced whole by rename so a reader
 * never sees half a file. Only the process that owns a job writes its file; another process that wants it
 * stopped writes `<id>.cancel` next to it, which the owner notices and removes.
 */

/** The process (and the JobManager in it) that runs a job. */
export interface JobOwner {
  /** Random per JobManager: two managers in one process, or a pid reused later, are told apart. */
  readonly id: string;
  readonly pid: number;
  readonly host: string;
  /** The process's start time as the OS knows it (Linux), so a reused pid is not taken for the owner. */
  readonly pidStart: string | null;
  readonly since: string;
}

/** One job's file. */
export interface JobRecord {
  readonly version: 2;
  readonly job: Job;
  /** What the runner needs to run the job again. Never a secret: it is a plain file (see JobManager.submit). */
  readonly plan: unknown;
  /** Null for a job that no process runs any more (moved over from the old single-file journal). */
  readonly owner: JobOwner | null;
  /** Last time the owner said it was alive; its last sign of life when it is gone. */
  readonly heartbeatAt: string;
}

const JOB_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly JobState[];
const JOB_PHASES = [
  'queued',
  'creating-backup',
  'downloading',
  'verifying',
  'extracting',
  'checking-out',
  'importing',
  'finishing',
] as const satisfies readonly JobPhase[];
// Fails to compile when a phase or state is added to the shared model and not here.
const complete: [
  Exclude<JobPhase, (typeof JOB_PHASES)[number]>,
  Exclude<JobState, (typeof JOB_STATES)[number]>,
] extends [never, never]
  ? true
  : never = true;
void complete;
const num = z.number().finite();

/** Lines a job's log keeps (the newest): a job file stays a few KiB however long the job ran. */
export const LOG_LIMIT = 100;
/** The longest message a log line keeps. */
export const LOG_MESSAGE_LIMIT = 300;

const appError = z.object({
  code: z.enum(ERROR_CODES).catch('internal'),
  message: z.string(),
  detail: z.string().optional(),
  retryable: z.boolean().optional(),
});
const mirrorStatus = z.enum(['downloaded', 'up-to-date', 'skipped', 'failed']);

/** A mirror job's report as a job file keeps it (MirrorReport); one in another shape is dropped, not the job. */
const mirrorReportSchema = z.object({
  root: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  shard: z.object({ index: num, count: num }).nullable(),
  sites: z.array(
    z.object({
      site: z.string(),
      siteId: z.string(),
      account: z.string(),
      status: mirrorStatus,
      bytes: num,
      durationMs: num,
      envs: z.array(
        z.object({
          env: z.string(),
          status: mirrorStatus,
          path: z.string().nullable(),
          backupFolder: z.string().nullable(),
          bytes: num,
          resumedBytes: num,
          createdBackup: z.boolean(),
          pruned: z.array(z.string()),
          note: z.string().optional(),
          error: appError.optional(),
        }),
      ),
      error: appError.optional(),
    }),
  ),
  totals: z.object({
    sites: num,
    downloaded: num,
    upToDate: num,
    skipped: num,
    failed: num,
    bytes: num,
  }),
});

/**
 * A job file as written by any Lifeboat version that shares this folder; anything else is skipped. Tolerant
 * where a newer version may add values (a job kind, a phase, an error code): such a job is still listed.
 */
const recordSchema = z.object({
  version: z.literal(2),
  job: z.object({
    id: z.string().min(1),
    kind: z.string().min(1) as unknown as z.ZodType<Job['kind']>,
    title: z.string(),
    state: z.enum(JOB_STATES),
    progress: z.object({
      phase: z.enum(JOB_PHASES).catch('queued'),
      bytesDone: num,
      bytesTotal: num.nullable(),
      bytesPerSecond: num.nullable(),
      etaSeconds: num.nullable(),
      parts: z.array(z.object({ label: z.string(), bytesDone: num, bytesTotal: num.nullable() })),
      message: z.string().optional(),
    }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    error: appError.optional(),
    outputPath: z.string().optional(),
    warning: z.string().optional(),
    mirror: z
      .object({
        sitesDone: num,
        sitesTotal: num,
        report: mirrorReportSchema.optional().catch(undefined),
        omitted: num.optional(),
        file: z.string().nullable().optional(),
      })
      .optional()
      .catch(undefined),
    // A log another version wrote in a shape this one does not know is dropped, not the job.
    log: z
      .array(
        z.object({
          at: z.string(),
          phase: z.enum(JOB_PHASES).catch('queued'),
          message: z.string().optional(),
          state: z.enum(JOB_STATES).optional().catch(undefined),
        }),
      )
      .max(LOG_LIMIT * 2)
      .optional()
      .catch(undefined),
  }),
  plan: z.unknown(),
  owner: z
    .object({
      id: z.string(),
      pid: z.number().int(),
      host: z.string(),
      pidStart: z.string().nullable(),
      since: z.string(),
    })
    .nullable(),
  heartbeatAt: z.string(),
});

export const jobsDir = (dataDir: string): string => join(dataDir, 'jobs');
export const recordPath = (dir: string, id: string): string => join(dir, `${id}.json`);
export const cancelPath = (dir: string, id: string): string => join(dir, `${id}.cancel`);
export const claimPath = (dir: string, id: string): string => join(dir, `${id}.claim`);

/** The id of a job file's name, or null for any other file (temp files, cancel requests, claims). */
export function idOfFile(name: string): string | null {
  const m = /^([A-Za-z0-9-]{1,64})\.json$/.exec(name);
  return m ? m[1]! : null;
}

/** Owners alive in this process: a record naming this pid with another owner id was left by a closed manager. */
const liveOwners = new Set<string>();

/** A new owner for a JobManager of this process, registered as alive until `retireOwner`. */
export async function newOwner(): Promise<JobOwner> {
  const owner: JobOwner = {
    id: randomUUID(),
    pid: process.pid,
    host: hostname(),
    pidStart: await pidStartOf(process.pid),
    since: new Date().toISOString(),
  };
  liveOwners.add(owner.id);
  return owner;
}

export function retireOwner(owner: JobOwner): void {
  liveOwners.delete(owner.id);
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); null where there is no /proc. */
async function pidStartOf(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * True while the owner of a record can still be running it: on this machine its process exists (the same
 * process, not a reused pid) and its heartbeat is not stale; on another machine (a shared folder) only the
 * heartbeat can tell.
 */
export async function ownerAlive(rec: JobRecord, staleAfterMs: number): Promise<boolean> {
  const o = rec.owner;
  if (!o) return false;
  const stale = Date.now() - Date.parse(rec.heartbeatAt) > staleAfterMs;
  if (o.host !== hostname()) return !stale;
  if (o.pid === process.pid) return liveOwners.has(o.id);
  if (!pidAlive(o.pid)) return false;
  if (o.pidStart !== null) {
    const now = await pidStartOf(o.pid);
    if (now !== null && now !== o.pidStart) return false;
  }
  return !stale;
}

/** The job as a person should see it: one whose owner is gone is interrupted, and can be retried. */
export function interrupted(rec: JobRecord): Job {
  const where = rec.owner
    ? ` (process ${rec.owner.pid}${rec.owner.host === hostname() ? '' : ` on ${rec.owner.host}`})`
    : '';
  return {
    ...rec.job,
    state: 'failed',
    finishedAt: rec.job.finishedAt ?? rec.heartbeatAt,
    error: {
      code: 'cancelled',
      message: `Interrupted: the Lifeboat process running it${where} ended. Retry to resume; finished downloads are kept.`,
      retryable: true,
    },
  };
}

export const isActive = (job: Job): boolean => job.state === 'running' || job.state === 'queued';

/** A job file is a few KiB; anything bigger is not one, and is never read (1 MiB). */
export const MAX_JOB_FILE_BYTES = 1 << 20;

/** A job file, or null when it is missing or is not a job file this version understands. */
export async function readRecord(path: string): Promise<JobRecord | null> {
  const text = await readSmallFile(path, MAX_JOB_FILE_BYTES);
  if (text === null) return null;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as JobRecord) : null;
  } catch {
    return null;
  }
}

const tmpOf = (path: string): string => `${path}.${randomBytes(4).toString('hex')}.tmp`;

/** Writes `text` to `path` through a temp file; `exclusive` never replaces an existing file (returns false). */
async function writeAtomic(path: string, text: string, exclusive = false): Promise<boolean> {
  const tmp = tmpOf(path);
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    if (!exclusive) {
      await rename(tmp, path);
      return true;
    }
    try {
      // link() fails with EEXIST instead of replacing: safe when two processes migrate at once.
      await link(tmp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Replaces a job's file. Recreates the jobs folder if it went, but never a data folder that was removed. */
export async function writeRecord(dir: string, rec: JobRecord): Promise<void> {
  const text = `${JSON.stringify(rec, null, 2)}\n`;
  try {
    await writeAtomic(recordPath(dir, rec.job.id), text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { mode: 0o700 }).catch(() => undefined);
    await writeAtomic(recordPath(dir, rec.job.id), text);
  }
}

/** Asks the owner of a job to cancel it. */
export async function requestCancel(dir: string, id: string, by: JobOwner): Promise<void> {
  const text = JSON.stringify({ requestedAt: new Date().toISOString(), pid: by.pid, host: by.host });
  await writeAtomic(cancelPath(dir, id), `${text}\n`);
}

/** Removes a job's cancel request; true if there was one. */
export async function takeCancel(dir: string, id: string): Promise<boolean> {
  try {
    await rm(cancelPath(dir, id));
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves the jobs of the old single-file journal (`jobs.json`, one process's) into the folder, once. Jobs
 * that were running when that version quit are interrupted, as it would have shown them. A job already in the
 * folder is never replaced, so two processes migrating at once, or a migration cut short, are harmless. The old
 * file is kept as `jobs.json.migrated`.
 */
export async function migrateLegacyJournal(dataDir: string, dir: string): Promise<void> {
  const legacy = join(dataDir, 'jobs.json');
  // The old journal held at most a few hundred jobs; a FIFO or a link to a device there must not hang a reader.
  const text = await readSmallFile(legacy, 16 * MAX_JOB_FILE_BYTES);
  if (text === null) return;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    throw new LifeboatError('io', `${legacy} is not valid JSON. Fix or delete it, then try again.`);
  }
  const entries = (stored as { jobs?: unknown }).jobs;
  if (!Array.isArray(entries))
    throw new LifeboatError('io', `${legacy} is not a Lifeboat job journal. Move it away, then try again.`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const now = new Date().toISOString();
  for (const entry of entries as { job?: Job; plan?: unknown }[]) {
    if (!entry?.job) continue;
    const candidate = {
      version: 2,
      job: entry.job,
      plan: entry.plan ?? null,
      owner: null,
      heartbeatAt: entry.job.finishedAt ?? now,
    };
    const parsed = recordSchema.safeParse(candidate);
    // Anything unreadable stays in jobs.json.migrated; nothing there is deleted.
    if (!parsed.success || idOfFile(`${parsed.data.job.id}.json`) === null) continue;
    const rec = parsed.data as JobRecord;
    const job: Job = isActive(rec.job)
      ? {
          ...rec.job,
          state: 'failed',
          finishedAt: now,
          error: {
            code: 'cancelled',
            message: 'Interrupted when Lifeboat quit. Retry to resume; finished downloads are kept.',
            retryable: true,
          },
        }
      : rec.job;
    await writeAtomic(recordPath(dir, job.id), `${JSON.stringify({ ...rec, job }, null, 2)}\n`, true);
  }
  await rename(legacy, `${legacy}.migrated`).catch((e: NodeJS.ErrnoException) => {
    // Another process moved it first.
    if (e.code !== 'ENOENT') throw e;
  });
}

const SECRET_KEY = /password|passwd|^pass$|^pwd$|secret|token|credential|authorization|cookie|private.?key/i;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

/**
 * Refuses a plan that looks like it holds a secret: plans are stored in plain files that every process
 * reads. A password or token belongs in the keychain (or the environment), and the runner fetches it.
 */
export function assertNoSecrets(plan: unknown, path = 'plan'): void {
  if (typeof plan === 'string') {
    if (URL_WITH_PASSWORD.test(plan))
      throw new LifeboatError(
        'internal',
        `A job plan must hold no secrets; ${path} has a URL with a password.`,
      );
    return;
  }
  if (plan === null || typeof plan !== 'object') return;
  for (const [key, value] of Object.entries(plan)) {
    if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '' && value !== false)
      throw new LifeboatError('internal', `A job plan must hold no secrets; ${path}.${key} looks like one.`);
    assertNoSecrets(value, `${path}.${key}`);
  }
}
