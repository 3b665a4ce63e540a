import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { access, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job, JobLogEntry, JobPhase } from '@shared/models';
import { LifeboatError, toAppError } from '../errors';
import { acquireLock } from '../restore/lock';
import {
  assertNoSecrets,
  cancelPath,
  claimPath,
  idOfFile,
  interrupted,
  isActive,
  jobsDir,
  LOG_LIMIT,
  LOG_MESSAGE_LIMIT,
  MAX_JOB_FILE_BYTES,
  migrateLegacyJournal,
  newOwner,
  ownerAlive,
  readRecord,
  recordPath,
  requestCancel,
  retireOwner,
  takeCancel,
  writeRecord,
  type JobOwner,
  type JobRecord,
} from './journal';
import { ProgressTracker, throttle } from './progress';

/** What a job runner gets: cancellation, and ways to report progress. */
export interface JobContext {
  readonly signal: AbortSignal;
  phase(phase: JobPhase, message?: string): void;
  part(key: string, label: string, done: number, total: number | null): void;
  /** Takes a finished part off the list (its bytes stay counted); absent where progress is not kept. */
  dropPart?(key: string): void;
  /**
   * The total is learnt as the job goes (a mirror's sites are sized when reached): it is then at least the sizes
   * known so far, and `final` once no size is still to come (see ProgressTracker.growingTotal).
   */
  growingTotal?(final: boolean): void;
  /** A mirror job's sites done so far (shown with its progress); absent where progress is not kept. */
  mirror?(sites: { readonly sitesDone: number; readonly sitesTotal: number }): void;
}

/** What a finished job leaves: a folder to show, and a line for the history. */
export interface JobOutput {
  readonly outputPath?: string;
  readonly warning?: string;
  /** A mirror job's report (see Job.mirror). */
  readonly mirror?: Job['mirror'];
}

/** Runs one kind of job from its (persisted) plan. */
export type JobRunner = (plan: unknown, ctx: JobContext) => Promise<JobOutput>;

export interface JobManagerOptions {
  readonly dataDir: string;
  readonly runners: Readonly<Partial<Record<Job['kind'], JobRunner>>>;
  readonly concurrency?: number;
  /** Every change of a job: this process's, and (throttled) other processes' once the journal is loaded. */
  readonly onUpdate?: (job: Job) => void;
  /** How often progress reaches `onUpdate` (default 100 ms). */
  readonly progressIntervalMs?: number;
  /** How often progress is written to the journal (default 500 ms: two writes a second per job). */
  readonly journalIntervalMs?: number;
  /** False: follow only this manager's jobs (a CLI command running one job); default true. */
  readonly watchOthers?: boolean;
  /** How often the folder is re-read besides the file watch, which can miss events (default 1000 ms). */
  readonly pollMs?: number;
  /** How often a running job's file says its owner is alive (default 5 s). */
  readonly heartbeatMs?: number;
  /** A job whose owner has been silent this long is interrupted even if a process has its pid (default 2 min). */
  readonly staleAfterMs?: number;
}

/** The progress of a job that has not started. */
export const queuedProgress = (): Job['progress'] => ({
  phase: 'queued',
  bytesDone: 0,
  bytesTotal: null,
  bytesPerSecond: null,
  etaSeconds: null,
  parts: [],
});

/** Finished jobs kept in the history. */
const HISTORY_LIMIT = 200;
/** Job files read at once when the folder is scanned. */
const SCAN_LANES = 8;
/** How often this process looks for cancel requests for its running jobs (another process's cancel). */
const CANCEL_CHECK_MS = 250;

interface Entry {
  readonly rec: JobRecord;
  /** The job as shown: a job whose owner is gone shows as interrupted. */
  readonly view: Job;
  /** The file's identity when it was read (inode, mtime, size): unchanged files are not read again. */
  readonly sig?: string;
  /** Bumped by every change made here, so a slower read of the file never undoes it. */
  readonly rev: number;
}

const final = (job: Job): boolean => !isActive(job);

/** The job's log with one more line: the newest LOG_LIMIT lines are kept, each message cut to a sane length. */
export function withLogLine(job: Job, line: Omit<JobLogEntry, 'at'>, at = new Date()): JobLogEntry[] {
  const message =
    line.message && line.message.length > LOG_MESSAGE_LIMIT
      ? `${line.message.slice(0, LOG_MESSAGE_LIMIT - 1)}…`
      : line.message;
  const entry: JobLogEntry = {
    at: at.toISOString(),
    phase: line.phase,
    ...(message ? { message } : {}),
    ...(line.state ? { state: line.state } : {}),
  };
  return [...(job.log ?? []), entry].slice(-LOG_LIMIT);
}

/**
 * Runs every long job (backup creation, downloads, restores): a queue with a concurrency limit, an
 * AbortController per job, progress throttled for the UI and the journal, and a journal on disk that every
 * Lifeboat process on the data folder shares (see journal.ts). It lists other processes' jobs too, follows
 * them (a file watch and a poll), cancels them by asking their owner, and retries any finished one here. A job
 * whose process is gone shows as interrupted and can be retried (its downloads then resume).
 */
export class JobManager {
  private readonly dir: string;
  private owner: JobOwner | null = null;
  private readonly entries = new Map<string, Entry>();
  /** This manager's queued and running jobs: their in-memory state is the truth, their file a copy. */
  private readonly active = new Set<string>();
  private readonly running = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  private readonly queue: string[] = [];
  private readonly waiters = new Map<string, ((job: Job) => void)[]>();
  /**
   * Job files that could not be read (not a regular file, too big, not a job), by their identity then: not
   * read again until it changes, so a link to /dev/zero or a FIFO costs one look, not a read every poll.
   */
  private readonly unreadable = new Map<string, string>();
  private readonly writes = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly chores = new Set<Promise<unknown>>();
  private loaded: Promise<void> | null = null;
  private ready = false;
  private closed = false;
  private revs = 0;
  private scanning: Promise<void> | null = null;
  private scanAgain: Promise<void> | null = null;
  private watcher: FSWatcher | null = null;
  private timers: NodeJS.Timeout[] = [];
  private soon: NodeJS.Timeout | null = null;

  constructor(private readonly options: JobManagerOptions) {
    this.dir = jobsDir(options.dataDir);
  }

  /** Reads the journal (moving an old `jobs.json` into it once) and starts following it. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      this.owner = await newOwner();
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await migrateLegacyJournal(this.options.dataDir, this.dir);
      await this.scan();
      this.ready = true;
      this.follow();
      this.chore(this.prune());
    })();
    return this.loaded;
  }

  private async start(): Promise<void> {
    await this.load();
    // Following stops when the data folder is removed; using the manager again resumes it.
    this.follow();
  }

  /** Every job of every process, newest first (the folder is read again). */
  async list(): Promise<Job[]> {
    await this.start();
    await this.refresh();
    return [...this.entries.values()].map((e) => e.view).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  async get(id: string): Promise<Job> {
    await this.start();
    if (!this.active.has(id)) await this.readOne(id);
    const e = this.entries.get(id);
    if (!e) throw new LifeboatError('not-found', `There is no job ${id}.`);
    return e.view;
  }

  /** A job's plan as its file holds it (what a retry runs), to describe or check it before a retry. */
  async planOf(id: string): Promise<unknown> {
    await this.get(id);
    return this.entries.get(id)!.rec.plan;
  }

  /**
   * Queues a job. `plan` is stored in the shared journal, a plain file any Lifeboat process reads: it must hold
   * no secrets (passwords, tokens); the runner reads those from the keychain or the environment. A plan that
   * looks like it holds one is refused.
   */
  async submit(kind: Job['kind'], title: string, plan: unknown): Promise<Job> {
    await this.start();
    if (!this.options.runners[kind]) throw new LifeboatError('internal', `No runner for ${kind} jobs.`);
    assertNoSecrets(plan);
    const job: Job = {
      id: randomUUID(),
      kind,
      title,
      state: 'queued',
      progress: queuedProgress(),
      createdAt: new Date().toISOString(),
      finishedAt: null,
    };
    (job as { log?: JobLogEntry[] }).log = withLogLine(job, { phase: 'queued', state: 'queued' });
    this.take(job, plan);
    await this.save(job.id);
    this.emit(job);
    this.pump();
    return job;
  }

  /**
   * Cancels a queued or running job. One that another process runs is asked to stop through the journal;
   * its owner notices within about a second. Its downloads stay resumable.
   */
  async cancel(id: string): Promise<Job> {
    const job = await this.get(id);
    if (this.active.has(id)) {
      const run = this.running.get(id);
      if (run) run.ctl.abort(new LifeboatError('cancelled', 'Cancelled.'));
      else this.dequeue(id, 'Cancelled before it started.');
    } else if (isActive(job)) {
      await requestCancel(this.dir, id, this.owner!);
    }
    return this.get(id);
  }

  /**
   * Runs a finished (failed, cancelled or interrupted) job again, here, from its plan; downloads resume where
   * they stopped. A job another process ran is taken over, if this process has a runner for its kind. A job
   * that succeeded is not run again (start a new one). A restore on Pantheon needs the site's name typed again,
   * `confirmSiteName`: the one typed for its first run is replaced, never reused (its runner checks it against
   * the site as Pantheon names it).
   */
  async retry(id: string, fresh: { readonly confirmSiteName?: string } = {}): Promise<Job> {
    await this.start();
    if (this.active.has(id)) throw new LifeboatError('conflict', 'That job is still running.');
    // This process's last word on the job must be on disk before the file is read back.
    while (this.writes.has(id)) await this.writes.get(id)!.done;
    let lock;
    try {
      // Two processes retrying one job at once would both run it: the first to claim it wins.
      lock = await acquireLock(claimPath(this.dir, id), 'A retry of this job');
    } catch (e) {
      if (e instanceof LifeboatError && e.code === 'conflict')
        throw new LifeboatError('conflict', 'Another Lifeboat process is starting that job right now.');
      throw e;
    }
    let job: Job;
    try {
      const rec = await readRecord(recordPath(this.dir, id));
      if (!rec) {
        this.entries.delete(id);
        throw new LifeboatError('not-found', `There is no job ${id}.`);
      }
      const view = await this.viewOf(rec);
      if (isActive(view))
        throw new LifeboatError(
          'conflict',
          rec.owner && rec.owner.pid !== process.pid
            ? `That job is still running in another Lifeboat process (${rec.owner.pid}); cancel it first.`
            : 'That job is still running.',
        );
      if (view.state === 'succeeded')
        throw new LifeboatError(
          'invalid-request',
          'That job finished successfully; it is not run again. Start a new one instead.',
        );
      if (!this.options.runners[view.kind])
        throw new LifeboatError(
          'invalid-request',
          `This Lifeboat process cannot run ${view.kind} jobs; retry that job from the Lifeboat app.`,
        );
      const plan = replanned(view.kind, rec.plan, fresh);
      // A request left from the job's last run must not cancel the new one.
      await takeCancel(this.dir, id);
      job = { ...view, state: 'queued', finishedAt: null, progress: queuedProgress() };
      delete (job as { error?: unknown }).error;
      delete (job as { warning?: unknown }).warning;
      delete (job as { mirror?: unknown }).mirror;
      // The log goes on: what the earlier runs went through stays above the retry.
      job = { ...job, log: withLogLine(view, { phase: 'queued', state: 'queued', message: 'Retried' }) };
      this.take(job, plan);
      await this.save(id);
    } finally {
      await lock.release();
    }
    this.emit(job);
    this.pump();
    return job;
  }

  /**
   * Takes finished jobs off the list (their journal files go): one job, or with no id every finished one, of
   * every process. A queued or running job is never cleared: one named is refused, and "all finished" skips it.
   * Resolves with the ids cleared.
   */
  async clear(id?: string): Promise<string[]> {
    await this.start();
    if (id !== undefined) {
      const job = await this.get(id);
      if (isActive(job) || this.active.has(id))
        throw new LifeboatError('conflict', 'That job is still running; cancel it first, then clear it.');
      if (!(await this.clearOne(id)))
        throw new LifeboatError('conflict', 'That job was started again meanwhile; it is running now.');
      return [id];
    }
    const cleared: string[] = [];
    for (const job of await this.list())
      if (final(job) && !this.active.has(job.id) && (await this.clearOne(job.id))) cleared.push(job.id);
    return cleared;
  }

  /**
   * Removes one finished job's file, under the claim a retry takes, so that a retry in another process and this
   * clear never cross: the file is read again under it and left alone if the job runs again. False when it does.
   */
  private async clearOne(id: string): Promise<boolean> {
    while (this.writes.has(id)) await this.writes.get(id)!.done;
    let lock;
    try {
      lock = await acquireLock(claimPath(this.dir, id), 'Clearing this job');
    } catch (e) {
      if (e instanceof LifeboatError && e.code === 'conflict') return false;
      throw e;
    }
    try {
      const rec = await readRecord(recordPath(this.dir, id));
      if (rec && (isActive(await this.viewOf(rec)) || this.active.has(id))) return false;
      await rm(recordPath(this.dir, id), { force: true });
      await takeCancel(this.dir, id);
      this.entries.delete(id);
      this.unreadable.delete(id);
      return true;
    } finally {
      await lock.release();
    }
  }

  /** Resolves when the job reaches a final state (a job of another process too, or when that process dies). */
  async wait(id: string): Promise<Job> {
    await this.get(id);
    // Read the state now, not from before the await: the job may have finished in between.
    const job = this.entries.get(id)!.view;
    if (final(job)) return job;
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  /**
   * Resolves when the journal has been written (before quitting, or in tests before removing the folder):
   * jobs cancelled just before (cancelAll) are given a moment to record that they stopped.
   */
  async flush(): Promise<void> {
    const stopping = [...this.running.values()].filter((r) => r.ctl.signal.aborted).map((r) => r.done);
    if (stopping.length > 0 && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(stopping), new Promise((r) => (timer = setTimeout(r, 5000)))]).finally(
        () => clearTimeout(timer),
      );
    }
    // A few rounds: a write may queue another (a job's final state after its last progress).
    for (let round = 0; round < 5 && (this.writes.size > 0 || this.chores.size > 0); round++)
      await Promise.all([...[...this.writes.values()].map((w) => w.done), ...this.chores]);
  }

  /** Cancels everything this process runs or has queued (on quit). */
  cancelAll(): void {
    for (const id of [...this.queue]) this.dequeue(id, 'Lifeboat is quitting.');
    for (const { ctl } of this.running.values())
      ctl.abort(new LifeboatError('cancelled', 'Lifeboat is quitting.'));
  }

  /**
   * Stops following the journal and writing to it, as if this process ended: jobs still running here are
   * abandoned and show as interrupted to everyone else. Call cancelAll and flush first to record them cancelled.
   */
  close(): void {
    this.closed = true;
    this.unfollow();
    if (this.owner) retireOwner(this.owner);
  }

  private take(job: Job, plan: unknown): void {
    const rec: JobRecord = {
      version: 2,
      job,
      plan,
      owner: this.owner,
      heartbeatAt: new Date().toISOString(),
    };
    this.entries.set(job.id, { rec, view: job, rev: ++this.revs });
    this.active.add(job.id);
    this.queue.push(job.id);
  }

  /** The job's log with one more line. */
  private logLine(id: string, line: Omit<JobLogEntry, 'at'>): JobLogEntry[] {
    return withLogLine(this.entries.get(id)!.rec.job, line);
  }

  /**
   * Logs a phase a runner entered, when it says something new: runners repeat their phase with every progress
   * report (a workflow's poll), and only a change of phase or of what it says is a line of the log.
   */
  private logPhase(id: string, phase: JobPhase, message?: string): void {
    const last = this.entries.get(id)?.rec.job.log?.at(-1);
    if (last && !last.state && last.phase === phase && (last.message ?? '') === (message ?? '')) return;
    // Only in memory: the throttled progress report that follows emits it and writes it to the journal.
    this.change(id, { log: this.logLine(id, { phase, ...(message ? { message } : {}) }) });
  }

  /** Changes one of this process's jobs in memory (the journal follows). */
  private change(id: string, patch: Partial<Job>): Job {
    const cur = this.entries.get(id)!;
    const job: Job = { ...cur.rec.job, ...patch };
    this.entries.set(id, { rec: { ...cur.rec, job }, view: job, rev: ++this.revs });
    return job;
  }

  private dequeue(id: string, message: string): void {
    const at = this.queue.indexOf(id);
    if (at < 0) return;
    this.queue.splice(at, 1);
    this.finish(id, 'cancelled', { error: { code: 'cancelled', message, retryable: true } });
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 2;
    while (!this.closed && this.running.size < limit && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const run = { ctl: new AbortController(), done: Promise.resolve() };
      // Recorded before it starts: a runner that fails at once still finds (and removes) its entry.
      this.running.set(id, run);
      run.done = this.run(id, run.ctl);
    }
  }

  private async run(id: string, ctl: AbortController): Promise<void> {
    const stored = this.entries.get(id)!.rec;
    const runner = this.options.runners[stored.job.kind]!;
    const tracker = new ProgressTracker();
    const journal = throttle(() => void this.save(id), this.options.journalIntervalMs ?? 500);
    let mirror: Job['mirror'] | undefined;
    const push = throttle(() => {
      this.emit(this.change(id, { progress: tracker.snapshot(), ...(mirror ? { mirror } : {}) }));
      journal.push(undefined);
    }, this.options.progressIntervalMs ?? 100);
    this.emit(
      this.change(id, { state: 'running', log: this.logLine(id, { phase: 'queued', state: 'running' }) }),
    );
    void this.save(id);
    try {
      const out = await runner(stored.plan, {
        signal: ctl.signal,
        phase: (p, m) => {
          tracker.setPhase(p, m);
          this.logPhase(id, p, m);
          push.push(undefined);
        },
        part: (key, label, done, total) => {
          tracker.setPart(key, label, done, total);
          push.push(undefined);
        },
        dropPart: (key) => {
          tracker.dropPart(key);
          push.push(undefined);
        },
        growingTotal: (final) => {
          tracker.growingTotal(final);
          push.push(undefined);
        },
        mirror: (sites) => {
          mirror = { ...mirror, ...sites };
          push.push(undefined);
        },
      });
      push.flush();
      this.finish(id, 'succeeded', {
        ...(out.outputPath ? { outputPath: out.outputPath } : {}),
        ...(out.warning ? { warning: out.warning } : {}),
        ...(out.mirror ? { mirror: out.mirror } : {}),
      });
    } catch (e) {
      push.flush();
      const error = toAppError(e);
      this.finish(id, ctl.signal.aborted || error.code === 'cancelled' ? 'cancelled' : 'failed', { error });
    } finally {
      journal.flush();
      this.running.delete(id);
      this.pump();
    }
  }

  private finish(id: string, state: Job['state'], patch: Partial<Job>): void {
    const phase = this.entries.get(id)!.rec.job.progress.phase;
    const message = patch.error?.message ?? patch.warning;
    const log = this.logLine(id, { phase, state, ...(message ? { message } : {}) });
    const job = this.change(id, { ...patch, state, finishedAt: new Date().toISOString(), log });
    this.active.delete(id);
    this.emit(job);
    this.chore(this.save(id).then(() => takeCancel(this.dir, id)));
    this.settle(job);
    this.chore(this.prune());
  }

  private settle(job: Job): void {
    if (!final(job)) return;
    for (const w of this.waiters.get(job.id) ?? []) w(job);
    this.waiters.delete(job.id);
  }

  private emit(job: Job): void {
    this.options.onUpdate?.(job);
  }

  private chore(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.chores.delete(tracked));
    this.chores.add(tracked);
  }

  /** Writes one of this process's jobs to its file; writes of one job never overlap and the last state wins. */
  private save(id: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const pending = this.writes.get(id);
    if (pending) {
      pending.again = true;
      return pending.done;
    }
    const w = { again: false, done: Promise.resolve() };
    w.done = (async () => {
      try {
        do {
          w.again = false;
          const e = this.entries.get(id);
          if (!e || this.closed) break;
          // The journal is a record, not the work: a failed write must not fail the job.
          await writeRecord(this.dir, { ...e.rec, heartbeatAt: new Date().toISOString() }).catch(
            () => undefined,
          );
        } while (w.again);
      } finally {
        this.writes.delete(id);
      }
    })();
    this.writes.set(id, w);
    return w.done;
  }

  /** The job as shown: interrupted if its owner no longer runs it. */
  private async viewOf(rec: JobRecord): Promise<Job> {
    if (!isActive(rec.job)) return rec.job;
    return (await ownerAlive(rec, this.options.staleAfterMs ?? 120_000)) ? rec.job : interrupted(rec);
  }

  /** Re-reads the folder, at most one read at a time (a caller during one gets the next). */
  private refresh(): Promise<void> {
    if (this.scanAgain) return this.scanAgain;
    if (this.scanning) {
      this.scanAgain = this.scanning.then(() => {
        this.scanAgain = null;
        return this.refresh();
      });
      return this.scanAgain;
    }
    this.scanning = this.scan().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      names = [];
    }
    const ids = new Set(names.map(idOfFile).filter((id): id is string => id !== null));
    for (const id of [...this.entries.keys()])
      if (!ids.has(id) && !this.active.has(id) && !this.writes.has(id)) this.entries.delete(id);
    // A few reads at once: a full history (200 files) read one by one cost every CLI command ~130 ms here.
    const queue = [...ids];
    const lane = async (): Promise<void> => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) await this.readOne(id);
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_LANES, queue.length) }, lane));
  }

  /** Reads one job's file if it changed (not one of this process's running jobs: memory is newer). */
  private async readOne(id: string): Promise<void> {
    if (this.active.has(id) || this.writes.has(id)) return;
    const before = this.entries.get(id);
    const path = recordPath(this.dir, id);
    // lstat: a symlink is judged as the link, never followed.
    const st = await lstat(path).catch(() => null);
    if (this.entries.get(id)?.rev !== before?.rev) return;
    if (!st) {
      this.unreadable.delete(id);
      if (before && !this.active.has(id) && !this.writes.has(id)) this.entries.delete(id);
      return;
    }
    const sig = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (this.unreadable.get(id) === sig) return;
    let rec = before?.rec;
    if (!before || before.sig !== sig) {
      // Only a regular file of a job's size is read (readRecord checks again on the file it opens).
      const read = st.isFile() && st.size <= MAX_JOB_FILE_BYTES ? await readRecord(path) : null;
      if (!read || read.job.id !== id) {
        this.unreadable.set(id, sig);
        return;
      }
      this.unreadable.delete(id);
      rec = read;
    }
    const view = await this.viewOf(rec!);
    // Changed here while the file was read: this process's state is newer.
    if (this.entries.get(id)?.rev !== before?.rev || this.active.has(id) || this.writes.has(id)) return;
    const changed = !before || JSON.stringify(before.view) !== JSON.stringify(view);
    this.entries.set(id, { rec: rec!, view, sig, rev: before?.rev ?? 0 });
    if (changed && this.ready) {
      this.emit(view);
      this.settle(view);
    }
  }

  /** Follows the folder: a watch for other processes' changes and cancel requests, a poll in case it misses. */
  private follow(): void {
    if (this.closed || this.timers.length > 0) return;
    const others = this.options.watchOthers ?? true;
    try {
      this.watcher = watch(this.dir, (_event, name) => {
        const file = String(name ?? '');
        if (file.endsWith('.cancel')) this.chore(this.checkCancels());
        else if (others && idOfFile(file)) this.refreshSoon();
      });
      this.watcher.on('error', () => this.watcher?.close());
      this.watcher.unref();
    } catch {
      // No watch here (some network folders): the poll below still sees every change.
      this.watcher = null;
    }
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      let busy = false;
      const t = setInterval(() => {
        if (busy) return;
        busy = true;
        void fn()
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(CANCEL_CHECK_MS, () => this.checkCancels());
    every(this.options.heartbeatMs ?? 5000, async () => {
      for (const id of this.active) void this.save(id);
    });
    if (others)
      every(this.options.pollMs ?? 1000, async () => {
        // The data folder was removed (a test's temp folder, an uninstall): stop until used again.
        if (
          !(await access(this.options.dataDir).then(
            () => true,
            () => false,
          ))
        )
          return this.unfollow();
        await this.refresh();
      });
  }

  private unfollow(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
    this.watcher?.close();
    this.watcher = null;
  }

  /** A re-read shortly after a change: writers write up to twice a second, and the UI needs no more. */
  private refreshSoon(): void {
    if (this.soon || this.closed) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.chore(this.refresh());
    }, 150);
    this.soon.unref();
  }

  /** Acts on cancel requests other processes left for this process's jobs. */
  private async checkCancels(): Promise<void> {
    for (const id of [...this.active]) {
      if (
        !(await access(cancelPath(this.dir, id)).then(
          () => true,
          () => false,
        ))
      )
        continue;
      await takeCancel(this.dir, id);
      const run = this.running.get(id);
      if (run)
        run.ctl.abort(new LifeboatError('cancelled', 'Cancelled from another Lifeboat window or command.'));
      else this.dequeue(id, 'Cancelled before it started.');
    }
  }

  /**
   * Keeps the newest HISTORY_LIMIT jobs: older finished ones' files are removed (never a running one), and
   * cancel requests for jobs that no longer run.
   */
  private async prune(): Promise<void> {
    if (this.closed) return;
    const views = [...this.entries.values()]
      .map((e) => e.view)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    for (const job of views.slice(HISTORY_LIMIT)) {
      if (!final(job) || this.active.has(job.id) || this.writes.has(job.id)) continue;
      this.entries.delete(job.id);
      await rm(recordPath(this.dir, job.id), { force: true });
    }
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = /^(.+)\.cancel$/.exec(name);
      if (!m) continue;
      const e = this.entries.get(m[1]!);
      const age = Date.now() - ((await stat(join(this.dir, name)).catch(() => null))?.mtimeMs ?? Date.now());
      // Only old ones: this process's view of a job another process just started again may be behind.
      if ((!e || final(e.view)) && age > 60_000) await rm(cancelPath(this.dir, m[1]!), { force: true });
    }
  }
}

/**
 * The plan a retry runs: the stored one, except that a restore on Pantheon takes the site's name typed for this
 * retry instead of the one typed for its first run, and is refused without one.
 */
function replanned(kind: Job['kind'], plan: unknown, fresh: { readonly confirmSiteName?: string }): unknown {
  if (kind !== 'pantheon-restore') return plan;
  const typed = fresh.confirmSiteName?.trim();
  if (!typed)
    throw new LifeboatError(
      'invalid-request',
      "Restoring on Pantheon again replaces what the environment has there now: type the site's name to confirm.",
    );
  return plan !== null && typeof plan === 'object' ? { ...plan, confirmSiteName: typed } : plan;
}
