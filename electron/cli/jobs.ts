/**
 * `lifeboat jobs`: the job journal the desktop app keeps, from a terminal (list, show, cancel, retry), and
 * `runAsJob`, which records a command's work (pull, download, backups create) in that journal so the app shows
 * it with its progress and can cancel it. Both sides share `<dataDir>/jobs/` (see services/jobs/journal.ts).
 */
import type { AppEvents } from '@shared/api/events';
import type { Job, JobProgress } from '@shared/models';
import { createEngine } from '../services/engine';
import { LifeboatError, toAppError } from '../services/errors';
import { isActive } from '../services/jobs/journal';
import { JobManager, type JobContext, type JobRunner } from '../services/jobs/manager';
import { resolveApiUrl } from '../services/pantheon/config';
import { KeytarSecretStore } from '../services/secrets/keytar-store';
import { localDateTime } from './dates';
import { EXIT, exitCodeFor } from './exit-codes';
import { printable, progressLine, progressWriter, table } from './output';

export interface JobsArgs {
  readonly sub: 'list' | 'show' | 'cancel' | 'retry';
  readonly id?: string;
  readonly json: boolean;
}

export interface JobsIo {
  print(s: string): void;
  readonly stderr: NodeJS.WritableStream;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  /** What `retry` runs jobs with; by default the engine's runners over the keychain accounts, as the app has. */
  readonly runners?: Readonly<Partial<Record<Job['kind'], JobRunner>>>;
}

/** How long `jobs cancel` waits for the job's process to stop it before saying it has not yet. */
const CANCEL_WAIT_MS = 15_000;

const shortId = (id: string): string => id.slice(0, 8);

const when = (iso: string | null): string => {
  const t = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(t) ? '—' : localDateTime(t / 1000);
};

/** The state in words: a failed job that was cut off (its process ended) is "interrupted", as the app says. */
export function stateWord(job: Job): string {
  return job.state === 'failed' && job.error?.code === 'cancelled' && job.error.retryable
    ? 'interrupted'
    : job.state;
}

function progressCell(job: Job): string {
  if (job.state === 'succeeded') return 'done';
  if (job.state !== 'running') return '—';
  const p = job.progress;
  return p.bytesTotal
    ? `${Math.floor((Math.min(p.bytesDone, p.bytesTotal) / p.bytesTotal) * 100)}% ${p.phase}`
    : p.phase;
}

/** The job an ID names: the whole ID or an unambiguous prefix of it (as `lifeboat jobs list` shows). */
export async function resolveJob(jobs: JobManager, ref: string): Promise<Job> {
  const all = await jobs.list();
  const want = ref.trim().toLowerCase();
  const exact = all.find((j) => j.id.toLowerCase() === want);
  if (exact) return exact;
  const matches = want ? all.filter((j) => j.id.toLowerCase().startsWith(want)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new LifeboatError(
      'invalid-request',
      `Job ID "${printable(ref)}" matches ${matches.length} jobs (${matches.map((j) => shortId(j.id)).join(', ')}); give more of it.`,
    );
  throw new LifeboatError(
    'not-found',
    `There is no job "${printable(ref)}". See them with: lifeboat jobs list`,
  );
}

/** Resolves with the job once it has ended, or null after `ms` or when `signal` aborts. */
async function untilEnded(
  jobs: JobManager,
  id: string,
  ms: number,
  signal: AbortSignal,
): Promise<Job | null> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      jobs.wait(id),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), ms);
        onAbort = () => resolve(null);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function details(job: Job): string {
  const rows: [string, string][] = [
    ['ID', job.id],
    ['Kind', job.kind],
    ['Title', job.title],
    ['State', stateWord(job)],
  ];
  if (isActive(job)) rows.push(['Progress', progressLine(job.progress)]);
  rows.push(['Started', when(job.createdAt)]);
  if (job.finishedAt) rows.push(['Finished', when(job.finishedAt)]);
  if (job.outputPath) rows.push(['Output', job.outputPath]);
  if (job.warning) rows.push(['Warning', job.warning]);
  if (job.error) rows.push(['Error', `${job.error.message} (${job.error.code})`]);
  if (job.error?.retryable || job.state === 'cancelled' || job.state === 'failed')
    rows.push(['Retry', `lifeboat jobs retry ${shortId(job.id)}`]);
  return rows.map(([k, v]) => `${k.padEnd(9)} ${printable(v)}`).join('\n');
}

/** `lifeboat jobs list|show ID|cancel ID|retry ID [--json]`; resolves with the exit code. */
export async function jobsCommand(args: JobsArgs, io: JobsIo): Promise<number> {
  const fail = (e: unknown): number => {
    const err = toAppError(e);
    if (args.json) io.print(JSON.stringify({ error: err }));
    io.stderr.write(`lifeboat: ${err.message}\n`);
    return exitCodeFor(err.code);
  };
  if (args.sub !== 'list' && !args.id?.trim()) {
    io.stderr.write(
      `lifeboat: jobs ${args.sub} needs a job ID (the first characters are enough; see lifeboat jobs list).\n`,
    );
    return EXIT.usage;
  }
  if (args.sub === 'retry') return retryHere(args.id!, args.json, io, fail);
  const jobs = new JobManager({ dataDir: io.dataDir, runners: {} });
  try {
    if (args.sub === 'list') {
      const all = await jobs.list();
      if (args.json) io.print(JSON.stringify(all));
      else if (all.length === 0) io.print('No jobs yet.');
      else
        io.print(
          table([
            ['ID', 'KIND', 'TITLE', 'STATE', 'PROGRESS', 'STARTED'],
            ...all.map((j) => [
              shortId(j.id),
              j.kind,
              j.title,
              stateWord(j),
              progressCell(j),
              when(j.createdAt),
            ]),
          ]),
        );
      return EXIT.ok;
    }
    const job = await resolveJob(jobs, args.id!);
    if (args.sub === 'show') {
      io.print(args.json ? JSON.stringify(job) : details(job));
      return EXIT.ok;
    }
    // cancel: a job that has ended stays as it is (cancelling is idempotent for scripts).
    if (!isActive(job)) {
      io.print(args.json ? JSON.stringify(job) : `Job ${shortId(job.id)} already ended: ${stateWord(job)}.`);
      return EXIT.ok;
    }
    await jobs.cancel(job.id);
    const ended = await untilEnded(jobs, job.id, CANCEL_WAIT_MS, io.signal);
    if (!ended) {
      if (args.json) io.print(JSON.stringify(await jobs.get(job.id)));
      io.stderr.write(
        `lifeboat: asked the process running job ${shortId(job.id)} to cancel it; it has not stopped yet.\n`,
      );
      return EXIT.error;
    }
    io.print(
      args.json
        ? JSON.stringify(ended)
        : ended.state === 'cancelled' || stateWord(ended) === 'interrupted'
          ? `Cancelled job ${shortId(job.id)}: ${printable(ended.title)}.`
          : `Job ${shortId(job.id)} ended before it could be cancelled: ${stateWord(ended)}.`,
    );
    return EXIT.ok;
  } catch (e) {
    return fail(e);
  } finally {
    await jobs.flush();
    jobs.close();
  }
}

/** `jobs retry`: runs the job in this process from its stored plan, with a progress line, until it ends. */
async function retryHere(
  ref: string,
  json: boolean,
  io: JobsIo,
  fail: (e: unknown) => number,
): Promise<number> {
  let follow: (job: Job) => void = () => undefined;
  let jobs: JobManager;
  try {
    jobs = io.runners
      ? new JobManager({ dataDir: io.dataDir, runners: io.runners, onUpdate: (j) => follow(j) })
      : createEngine({
          dataDir: io.dataDir,
          secrets: new KeytarSecretStore(),
          defaultApiUrl: resolveApiUrl(undefined, io.env),
          emit: (name, payload) => {
            if (name === 'jobs.updated') follow((payload as AppEvents['jobs.updated']).job);
          },
        }).jobs;
  } catch (e) {
    return fail(e);
  }
  const writer = progressWriter(
    json ? 'silent' : (io.stderr as NodeJS.WriteStream).isTTY ? 'tty' : 'plain',
    io.stderr,
  );
  let id: string | null = null;
  const onAbort = (): void => void (id && jobs.cancel(id).catch(() => undefined));
  try {
    const job = await resolveJob(jobs, ref);
    id = job.id;
    follow = (j) => {
      if (j.id === id && j.state === 'running') writer.update(j.progress);
    };
    io.signal.addEventListener('abort', onAbort, { once: true });
    await jobs.retry(job.id);
    if (!json) io.stderr.write(`Retrying job ${shortId(job.id)}: ${printable(job.title)}\n`);
    if (io.signal.aborted) onAbort();
    const done = await jobs.wait(job.id);
    writer.done();
    if (done.state !== 'succeeded') {
      const err = done.error ?? { code: 'internal' as const, message: `The job ended ${done.state}.` };
      return fail(new LifeboatError(err.code, err.message));
    }
    if (done.warning) io.stderr.write(`lifeboat: warning: ${printable(done.warning)}\n`);
    io.print(
      json
        ? JSON.stringify(done)
        : `Job ${shortId(done.id)} succeeded${done.outputPath ? `: ${printable(done.outputPath)}` : '.'}`,
    );
    return EXIT.ok;
  } catch (e) {
    writer.done();
    return fail(e);
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    await jobs.flush();
    jobs.close();
  }
}

/**
 * Runs a command's work as a job in the shared journal, owned by this process: it shows (with its progress,
 * written at most twice a second) in the app and in `lifeboat jobs`, and ends there succeeded, failed with
 * the error, or cancelled. `ctx.signal` aborts when `signal` does, or when another process (the app, or
 * `lifeboat jobs cancel`) cancels the job. Resolves with the work's result; rejects with the work's error
 * (a cancel as a `cancelled` LifeboatError).
 *
 * `plan` is stored in a plain file that every Lifeboat process reads, and is what `jobs retry` and the app's
 * Retry run the job again from: give the contract request the app would (`RequestOf<'restore'|'download'|
 * 'backupsCreate'>`, with the keychain account's id) and never a secret — no token, no database password
 * (the runner reads those from the keychain or the environment). A plan that looks like it holds one is
 * refused before anything runs.
 */
export async function runAsJob<T>(
  opts: {
    readonly dataDir: string;
    readonly kind: Job['kind'];
    readonly title: string;
    readonly plan: unknown;
    readonly signal: AbortSignal;
    readonly onProgress?: (p: JobProgress) => void;
  },
  work: (ctx: JobContext) => Promise<{ result: T; outputPath?: string; warning?: string }>,
): Promise<T> {
  if (opts.signal.aborted) throw cancelledBy(opts.signal.reason);
  let outcome: { result: T } | null = null;
  let thrown: unknown = null;
  const runner: JobRunner = async (_plan, ctx) => {
    try {
      const out = await work(ctx);
      outcome = { result: out.result };
      return {
        ...(out.outputPath ? { outputPath: out.outputPath } : {}),
        ...(out.warning ? { warning: out.warning } : {}),
      };
    } catch (e) {
      // Stopped by a cancel: the cancel is the reason, whatever the interrupted step threw.
      thrown = ctx.signal.aborted ? cancelledBy(ctx.signal.reason) : e;
      throw e;
    }
  };
  const jobs = new JobManager({
    dataDir: opts.dataDir,
    runners: { [opts.kind]: runner },
    concurrency: 1,
    // Only this command's job: nothing else to follow.
    watchOthers: false,
    onUpdate: (job) => {
      if (job.state === 'running') opts.onProgress?.(job.progress);
    },
  });
  let id: string | null = null;
  const onAbort = (): void => void (id && jobs.cancel(id).catch(() => undefined));
  try {
    const job = await jobs.submit(opts.kind, opts.title, opts.plan);
    id = job.id;
    opts.signal.addEventListener('abort', onAbort, { once: true });
    if (opts.signal.aborted) onAbort();
    const done = await jobs.wait(job.id);
    if (done.state === 'succeeded' && outcome) return (outcome as { result: T }).result;
    if (done.state === 'cancelled')
      throw thrown instanceof LifeboatError && thrown.code === 'cancelled'
        ? thrown
        : new LifeboatError('cancelled', done.error?.message ?? 'Cancelled.');
    throw (
      thrown ?? new LifeboatError(done.error?.code ?? 'internal', done.error?.message ?? 'The job failed.')
    );
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await jobs.flush();
    jobs.close();
  }
}

const cancelledBy = (reason: unknown): LifeboatError =>
  reason instanceof LifeboatError && reason.code === 'cancelled'
    ? reason
    : new LifeboatError('cancelled', 'Cancelled.');
