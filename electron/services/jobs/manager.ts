import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Job, JobPhase } from '@shared/models';
import { LifeboatError, toAppError } from '../errors';
import { JsonFile } from '../settings/json-file';
import { ProgressTracker, throttle } from './progress';

/** What a job runner gets: cancellation, and ways to report progress. */
export interface JobContext {
  readonly signal: AbortSignal;
  phase(phase: JobPhase, message?: string): void;
  part(key: string, label: string, done: number, total: number | null): void;
}

/** What a finished job leaves: a folder to show, and a line for the history. */
export interface JobOutput {
  readonly outputPath?: string;
  readonly warning?: string;
}

/** Runs one kind of job from its (persisted) plan. */
export type JobRunner = (plan: unknown, ctx: JobContext) => Promise<JobOutput>;

interface StoredJob {
  readonly job: Job;
  readonly plan: unknown;
}

interface JobsFile {
  readonly version: 1;
  readonly jobs: StoredJob[];
}

/** The progress of a job that has not started. */
const queuedProgress = (): Job['progress'] => ({
  phase: 'queued',
  bytesDone: 0,
  bytesTotal: null,
  bytesPerSecond: null,
  etaSeconds: null,
  parts: [],
});

/** Finished jobs kept in the history. */
const HISTORY_LIMIT = 200;

/**
 * Runs every long job (backup creation, downloads, restores): a queue with a concurrency limit, an
 * AbortController per job, progress throttled to about 10 updates a second per job, and a journal on disk
 * so the history survives a restart and an interrupted job can be retried (its downloads then resume).
 */
export class JobManager {
  private readonly file: JsonFile<JobsFile>;
  private readonly jobs = new Map<string, StoredJob>();
  private readonly running = new Map<string, AbortController>();
  private readonly queue: string[] = [];
  private readonly waiters = new Map<string, ((job: Job) => void)[]>();
  private loaded: Promise<void> | null = null;
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      readonly dataDir: string;
      readonly runners: Readonly<Partial<Record<Job['kind'], JobRunner>>>;
      readonly concurrency?: number;
      readonly onUpdate?: (job: Job) => void;
      readonly progressIntervalMs?: number;
    },
  ) {
    this.file = new JsonFile(join(options.dataDir, 'jobs.json'), () => ({ version: 1, jobs: [] }));
  }

  /** Loads the journal once; jobs that were running when the process ended are marked interrupted. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      const stored = await this.file.read();
      for (const s of stored.jobs) {
        const interrupted = s.job.state === 'running' || s.job.state === 'queued';
        const job: Job = interrupted
          ? {
              ...s.job,
              state: 'failed',
              finishedAt: new Date().toISOString(),
              error: {
                code: 'cancelled',
                message: 'Interrupted when Lifeboat quit. Retry to resume; finished downloads are kept.',
                retryable: true,
              },
            }
          : s.job;
        this.jobs.set(job.id, { job, plan: s.plan });
      }
      if (stored.jobs.some((s) => s.job.state === 'running' || s.job.state === 'queued'))
        await this.persist();
    })();
    return this.loaded;
  }

  /** Every job, newest first. */
  async list(): Promise<Job[]> {
    await this.load();
    return [...this.jobs.values()].map((s) => s.job).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  async get(id: string): Promise<Job> {
    await this.load();
    const s = this.jobs.get(id);
    if (!s) throw new LifeboatError('not-found', `There is no job ${id}.`);
    return s.job;
  }

  /** Queues a job. `plan` is stored in the journal: it must hold no secrets. */
  async submit(kind: Job['kind'], title: string, plan: unknown): Promise<Job> {
    await this.load();
    if (!this.options.runners[kind]) throw new LifeboatError('internal', `No runner for ${kind} jobs.`);
    const job: Job = {
      id: randomUUID(),
      kind,
      title,
      state: 'queued',
      progress: queuedProgress(),
      createdAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.jobs.set(job.id, { job, plan });
    this.queue.push(job.id);
    await this.persist();
    this.emit(job);
    this.pump();
    return job;
  }

  /** Cancels a queued or running job. Its downloads stay resumable. */
  async cancel(id: string): Promise<Job> {
    const job = await this.get(id);
    const ctl = this.running.get(id);
    if (ctl) ctl.abort(new LifeboatError('cancelled', 'Cancelled.'));
    else if (job.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(id, 'cancelled', {
        error: { code: 'cancelled', message: 'Cancelled before it started.', retryable: true },
      });
    }
    return this.get(id);
  }

  /** Runs a failed or cancelled job again from its plan (downloads resume where they stopped). */
  async retry(id: string): Promise<Job> {
    const s = this.jobs.get(id) ?? (await this.get(id), this.jobs.get(id)!);
    if (s.job.state === 'running' || s.job.state === 'queued')
      throw new LifeboatError('conflict', 'That job is still running.');
    const job: Job = {
      ...s.job,
      state: 'queued',
      finishedAt: null,
      progress: queuedProgress(),
    };
    delete (job as { error?: unknown }).error;
    this.jobs.set(id, { job, plan: s.plan });
    this.queue.push(id);
    await this.persist();
    this.emit(job);
    this.pump();
    return job;
  }

  /** Resolves when the job reaches a final state. */
  async wait(id: string): Promise<Job> {
    await this.get(id);
    // Read the state now, not from before the await: the job may have finished in between.
    const job = this.jobs.get(id)!.job;
    if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') return job;
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  /** Resolves when the journal has been written (before quitting, or in tests before removing the folder). */
  async flush(): Promise<void> {
    await this.persisting;
  }

  /** Cancels everything running (on quit). */
  cancelAll(): void {
    for (const ctl of this.running.values())
      ctl.abort(new LifeboatError('cancelled', 'Lifeboat is quitting.'));
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 2;
    while (this.running.size < limit && this.queue.length > 0) {
      const id = this.queue.shift()!;
      void this.run(id);
    }
  }

  private async run(id: string): Promise<void> {
    const stored = this.jobs.get(id)!;
    const runner = this.options.runners[stored.job.kind]!;
    const ctl = new AbortController();
    this.running.set(id, ctl);
    const tracker = new ProgressTracker();
    const update = (patch: Partial<Job>): void => {
      const cur = this.jobs.get(id)!;
      const job = { ...cur.job, ...patch };
      this.jobs.set(id, { ...cur, job });
      this.emit(job);
    };
    const push = throttle(
      () => update({ progress: tracker.snapshot() }),
      this.options.progressIntervalMs ?? 100,
    );
    update({ state: 'running' });
    void this.persist();
    try {
      const out = await runner(stored.plan, {
        signal: ctl.signal,
        phase: (p, m) => {
          tracker.setPhase(p, m);
          push.push(undefined);
        },
        part: (key, label, done, total) => {
          tracker.setPart(key, label, done, total);
          push.push(undefined);
        },
      });
      push.flush();
      this.finish(id, 'succeeded', {
        ...(out.outputPath ? { outputPath: out.outputPath } : {}),
        ...(out.warning ? { warning: out.warning } : {}),
      });
    } catch (e) {
      push.flush();
      const error = toAppError(e);
      this.finish(id, ctl.signal.aborted || error.code === 'cancelled' ? 'cancelled' : 'failed', { error });
    } finally {
      this.running.delete(id);
      this.pump();
    }
  }

  private finish(id: string, state: Job['state'], patch: Partial<Job>): void {
    const cur = this.jobs.get(id)!;
    const job: Job = { ...cur.job, ...patch, state, finishedAt: new Date().toISOString() };
    this.jobs.set(id, { ...cur, job });
    this.emit(job);
    void this.persist();
    for (const w of this.waiters.get(id) ?? []) w(job);
    this.waiters.delete(id);
  }

  private emit(job: Job): void {
    this.options.onUpdate?.(job);
  }

  private persist(): Promise<void> {
    const all = [...this.jobs.values()]
      .sort((a, b) => (a.job.createdAt < b.job.createdAt ? 1 : -1))
      .slice(0, HISTORY_LIMIT);
    this.persisting = this.file.write({ version: 1, jobs: all }).catch(() => undefined);
    return this.persisting;
  }
}
