/**
 * `lifeboat jobs`: the job journal the desktop app keeps, from a terminal (list, show, cancel, retry), and
 * `runAsJob`, which records a command's work (pull, download, backups create) in that journal so the app shows
 * it with its progress and can cancel it. Both sides share `<dataDir>/jobs/` (see services/jobs/journal.ts).
 */
import type { AppEvents } from '@shared/api/events';
import type { Job, JobProgress } from '@shared/models';
import { createEngine, type Engine } from '../services/engine';
import { LifeboatError, toAppError } from '../services/errors';
import { isActive } from '../services/jobs/journal';
import { JobManager, type JobContext, type JobRunner } from '../services/jobs/manager';
import {
  describeJob,
  pantheonRestoreSummary,
  parsePlan,
  planOrigin,
  titleFitsPlan,
} from '../services/jobs/plans';
import type { PantheonClient } from '../services/pantheon/client';
import { PANTHEON_API_URL, resolveApiUrl } from '../services/pantheon/config';
import { accountIdOf } from '../services/secrets/accounts';
import { KeytarSecretStore } from '../services/secrets/keytar-store';
import { localDateTime } from './dates';
import { EXIT, exitCodeFor } from './exit-codes';
import { printable, progressLine, progressWriter, table } from './output';
import { Connection } from './session';

export interface JobsArgs {
  readonly sub: 'list' | 'show' | 'cancel' | 'retry' | 'clear';
  readonly id?: string;
  readonly json: boolean;
  /** retry: restore on Pantheon again without asking for the site's name (scripts have no terminal). */
  readonly yes?: boolean;
}

export interface JobsIo {
  print(s: string): void;
  readonly stderr: NodeJS.WritableStream;
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  /** What `retry` runs jobs with; by default the engine's runners over the keychain accounts, as the app has. */
  readonly runners?: Readonly<Partial<Record<Job['kind'], JobRunner>>>;
  /**
   * The global options `jobs retry` was given: a job started with a machine token or --demo (no saved
   * account) runs again with the token (or TERMINUS_MACHINE_TOKEN) and --api-url given now, or with --demo.
   */
  readonly global?: { readonly apiUrl?: string; readonly machineToken?: string; readonly demo?: boolean };
  /** Standard input is a terminal a person answers on: `ask` shows a question there and reads the answer. */
  readonly stdinIsTty?: boolean;
  ask?(question: string): Promise<string>;
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

/**
 * How `jobs list` names a job: its title while the title fits what its plan does, else what the plan does (from
 * its kind and plan, never the title) with the title beside it, so a title cannot disguise a job.
 */
function listedAs(job: Job, plan: unknown): string {
  const does = describeJob(job.kind, plan);
  if (!does || titleFitsPlan(job.kind, plan, job.title)) return job.title;
  return `${does} (titled "${job.title}")`;
}

/** Where a job's plan says it ran, as `jobs retry` must reach it again. */
type Origin =
  | { readonly via: 'account'; readonly accountId: string; readonly apiUrl?: string }
  | { readonly via: 'token'; readonly accountId: string; readonly apiUrl?: string }
  | { readonly via: 'demo'; readonly accountId: string; readonly apiUrl?: string };

/** A saved account's, the demo's (`…@demo`), or a machine token's (any other account id: not saved here). */
async function originOf(plan: unknown, engine: Engine): Promise<Origin | null> {
  const o = planOrigin(plan);
  if (!o) return null;
  if (o.accountId.endsWith('@demo')) return { via: 'demo', ...o };
  const saved = (await engine.accounts.list()).some((a) => a.id === o.accountId);
  return { via: saved ? 'account' : 'token', ...o };
}

/** `(and --api-url URL …)`: what a retry of a token job needs besides the token. */
const apiUrlHint = (origin: Origin): string =>
  origin.apiUrl === undefined
    ? ' (and --api-url URL if it was not Pantheon)'
    : origin.apiUrl === PANTHEON_API_URL
      ? ''
      : ` and --api-url ${origin.apiUrl}`;

/** The command that retries a job, with what it needs (a token, --demo) when its account is not saved. */
function retryCommand(job: Job, origin: Origin | null): string {
  const cmd = `lifeboat jobs retry ${shortId(job.id)}`;
  if (origin?.via === 'demo') return `${cmd} --demo`;
  if (origin?.via === 'token')
    return `${cmd}${origin.apiUrl && origin.apiUrl !== PANTHEON_API_URL ? ` --api-url ${origin.apiUrl}` : ''} (with TERMINUS_MACHINE_TOKEN set: it was started with a machine token)`;
  return cmd;
}

/** A time of the log: the clock time, with the day when it is not the job's first day. */
function logTime(iso: string, firstDay: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const d = new Date(t);
  const clock = [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return d.toDateString() === firstDay ? clock : `${localDateTime(t / 1000)}`;
}

/** The job's log, one line each: when, the phase or state, what it said. */
function logLines(job: Job): string[] {
  const log = job.log ?? [];
  if (log.length === 0) return [];
  const firstDay = new Date(Date.parse(log[0]!.at)).toDateString();
  return log.map((l) => {
    const what = l.state ? (l.state === 'running' ? 'started' : l.state) : l.phase;
    return `  ${logTime(l.at, firstDay).padEnd(8)}  ${what}${l.message ? `: ${printable(l.message)}` : ''}`;
  });
}

function details(job: Job, plan: unknown, origin: Origin | null): string {
  const does = describeJob(job.kind, plan);
  const rows: [string, string][] = [
    ['ID', job.id],
    ['Kind', job.kind],
    ['Title', job.title],
  ];
  if (does) rows.push(['Does', does]);
  if (does && !titleFitsPlan(job.kind, plan, job.title))
    rows.push(['Note', 'The title does not say what the job does: a retry does what "Does" says.']);
  rows.push(['State', stateWord(job)]);
  if (isActive(job)) rows.push(['Progress', progressLine(job.progress)]);
  rows.push(['Started', when(job.createdAt)]);
  if (job.finishedAt) rows.push(['Finished', when(job.finishedAt)]);
  if (job.outputPath) rows.push(['Output', job.outputPath]);
  if (job.warning) rows.push(['Warning', job.warning]);
  if (job.error) rows.push(['Error', `${job.error.message} (${job.error.code})`]);
  if (job.state === 'cancelled' || job.state === 'failed') rows.push(['Retry', retryCommand(job, origin)]);
  const log = logLines(job);
  return [
    ...rows.map(([k, v]) => `${k.padEnd(9)} ${printable(v)}`),
    ...(log.length ? ['Log', ...log] : []),
  ].join('\n');
}

/** `lifeboat jobs list|show ID|cancel ID|retry ID [--json]`; resolves with the exit code. */
export async function jobsCommand(args: JobsArgs, io: JobsIo): Promise<number> {
  const fail = (e: unknown): number => {
    const err = toAppError(e);
    if (args.json) io.print(JSON.stringify({ error: err }));
    // A message may quote a plan from a file anyone could have written: shown, never obeyed by the terminal.
    io.stderr.write(`lifeboat: ${printable(err.message)}\n`);
    return exitCodeFor(err.code);
  };
  if (args.sub !== 'list' && args.sub !== 'clear' && !args.id?.trim()) {
    io.stderr.write(
      `lifeboat: jobs ${args.sub} needs a job ID (the first characters are enough; see lifeboat jobs list).\n`,
    );
    return EXIT.usage;
  }
  if (args.sub === 'retry') return retryHere(args, io, fail);
  const jobs = new JobManager({ dataDir: io.dataDir, runners: {} });
  try {
    if (args.sub === 'list') {
      const all = await jobs.list();
      if (args.json) io.print(JSON.stringify(all));
      else if (all.length === 0) io.print('No jobs yet.');
      else {
        const rows: string[][] = [];
        for (const j of all)
          rows.push([
            shortId(j.id),
            j.kind,
            listedAs(j, await jobs.planOf(j.id).catch(() => undefined)),
            stateWord(j),
            progressCell(j),
            when(j.createdAt),
          ]);
        io.print(table([['ID', 'KIND', 'TITLE', 'STATE', 'PROGRESS', 'STARTED'], ...rows]));
      }
      return EXIT.ok;
    }
    if (args.sub === 'clear') {
      // One job by its ID, or every finished one; a running job is never cleared.
      const cleared = args.id?.trim()
        ? await jobs.clear((await resolveJob(jobs, args.id)).id)
        : await jobs.clear();
      if (args.json) io.print(JSON.stringify({ cleared }));
      else
        io.print(
          cleared.length === 0
            ? 'No finished jobs to clear.'
            : `Cleared ${cleared.length === 1 ? `job ${shortId(cleared[0]!)}` : `${cleared.length} finished jobs`}.`,
        );
      return EXIT.ok;
    }
    const job = await resolveJob(jobs, args.id!);
    if (args.sub === 'show') {
      if (args.json) io.print(JSON.stringify(job));
      else {
        const plan = await jobs.planOf(job.id);
        // Only to say how to retry it: the accounts file is read, the keychain is not.
        const origin = await originOf(plan, keychainEngine(io, new Map())).catch(() => null);
        io.print(details(job, plan, origin));
      }
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

/** The engine as `jobs retry` runs jobs: the keychain's accounts, plus clients for accounts not saved. */
function keychainEngine(
  io: JobsIo,
  accountClients: ReadonlyMap<string, PantheonClient>,
  emit?: (job: Job) => void,
): Engine {
  return createEngine({
    dataDir: io.dataDir,
    secrets: new KeytarSecretStore(io.env.LIFEBOAT_KEYCHAIN_SERVICE || undefined),
    defaultApiUrl: resolveApiUrl(undefined, io.env),
    env: io.env,
    accountClients,
    emit: (name, payload) => {
      if (name === 'jobs.updated') emit?.((payload as AppEvents['jobs.updated']).job);
    },
  });
}

/**
 * The client for a job whose account is not saved here: the demo's (with --demo), or the machine token's given
 * to this command (--machine-token or TERMINUS_MACHINE_TOKEN, at --api-url), checked to be the same account at
 * the same API the job used. Errors say what to pass, never an internal account id.
 */
async function unsavedClient(
  origin: Origin,
  io: JobsIo,
): Promise<{ client: PantheonClient; close(): Promise<void> }> {
  const g = io.global ?? {};
  if (origin.via === 'demo') {
    if (!g.demo)
      throw new LifeboatError(
        'not-logged-in',
        'This job was started with --demo: run it again with --demo (the demo sandbox starts afresh).',
      );
    const conn = await Connection.open({ demo: true }, io.env);
    const found = conn.all().find((c) => c.accountId === origin.accountId);
    if (!found) {
      await conn.close();
      throw new LifeboatError('not-found', 'The demo no longer has the account this job was started with.');
    }
    return { client: found.client, close: () => conn.close() };
  }
  const token = g.machineToken || io.env.TERMINUS_MACHINE_TOKEN;
  if (!token)
    throw new LifeboatError(
      'not-logged-in',
      `This job was started with a machine token, not a saved account: run it again with TERMINUS_MACHINE_TOKEN set${apiUrlHint(origin)}.`,
    );
  let apiUrl: string;
  try {
    apiUrl = resolveApiUrl(g.apiUrl, io.env);
  } catch (e) {
    throw new LifeboatError('invalid-request', `--api-url: ${(e as Error).message}.`);
  }
  if (origin.apiUrl && origin.apiUrl !== apiUrl)
    throw new LifeboatError(
      'invalid-request',
      `This job used the API at ${origin.apiUrl}; this retry would reach ${apiUrl}. Run it again with --api-url ${origin.apiUrl}.`,
    );
  // Without a recorded URL, the account id still tells the API's host (none for Pantheon): checked before
  // anything connects, so a retry never logs in somewhere the job did not run.
  const at = origin.accountId.lastIndexOf('@');
  const jobHost = at < 0 ? null : origin.accountId.slice(at + 1);
  const hereHost = apiUrl === PANTHEON_API_URL ? null : new URL(apiUrl).host;
  if (jobHost !== hereHost)
    throw new LifeboatError(
      'invalid-request',
      `This job was started at ${jobHost ? `the API on ${jobHost}` : 'Pantheon'}; this retry would reach ${hereHost ? `the API on ${hereHost}` : 'Pantheon'}. Run it again with TERMINUS_MACHINE_TOKEN set and ${jobHost ? `--api-url for the API on ${jobHost}` : 'no --api-url'}.`,
    );
  const conn = await Connection.open(
    { machineToken: token, ...(g.apiUrl ? { apiUrl: g.apiUrl } : {}), demo: false },
    io.env,
  );
  try {
    const { client } = conn.all()[0]!;
    const user = await client.whoAmI();
    // The plan's account id is the user's id, qualified by the API's host (checked above) for any API but Pantheon's.
    if (accountIdOf(user.id, client.apiUrl) !== origin.accountId)
      throw new LifeboatError(
        'not-logged-in',
        `The machine token given is ${user.email}'s, but this job was started with another account's token: set TERMINUS_MACHINE_TOKEN to that one.`,
      );
    return { client, close: () => conn.close() };
  } catch (e) {
    await conn.close();
    throw e;
  }
}

/**
 * `jobs retry`: runs the job in this process from its stored plan, with a progress line, until it ends. A job
 * started with a machine token or --demo runs with the token or --demo given now. A restore on Pantheon says
 * what it will replace (from its plan, the site as Pantheon names it now) and asks for the site's name again;
 * without a terminal it needs --yes.
 */
async function retryHere(args: JobsArgs, io: JobsIo, fail: (e: unknown) => number): Promise<number> {
  const { json } = args;
  let follow: (job: Job) => void = () => undefined;
  const accountClients = new Map<string, PantheonClient>();
  let engine: Engine | null = null;
  let jobs: JobManager;
  try {
    if (io.runners)
      jobs = new JobManager({ dataDir: io.dataDir, runners: io.runners, onUpdate: (j) => follow(j) });
    else {
      engine = keychainEngine(io, accountClients, (j) => follow(j));
      jobs = engine.jobs;
    }
  } catch (e) {
    return fail(e);
  }
  const writer = progressWriter(
    json ? 'silent' : (io.stderr as NodeJS.WriteStream).isTTY ? 'tty' : 'plain',
    io.stderr,
  );
  let id: string | null = null;
  let unsaved: { close(): Promise<void> } | null = null;
  const onAbort = (): void => void (id && jobs.cancel(id).catch(() => undefined));
  try {
    const job = await resolveJob(jobs, args.id!);
    const plan = await jobs.planOf(job.id);
    const does = describeJob(job.kind, plan) ?? job.title;
    const retryable = !isActive(job) && job.state !== 'succeeded';
    let confirmSiteName: string | undefined;
    if (retryable && job.kind === 'pantheon-restore') {
      // Refused before anything connects: a script without --yes gets its answer at once.
      if (!args.yes && !io.stdinIsTty)
        throw new LifeboatError(
          'invalid-request',
          `Not running this again without a confirmation: ${does}. Pass --yes to proceed without the question.`,
        );
    }
    if (retryable && engine) {
      const origin = await originOf(plan, engine);
      if (origin && origin.via !== 'account') {
        const u = await unsavedClient(origin, io);
        unsaved = u;
        accountClients.set(origin.accountId, u.client);
      }
    }
    if (retryable && job.kind === 'pantheon-restore') {
      const target = engine ? (await engine.retryPreview(job.id)).pantheonRestore! : storedTarget(plan);
      io.stderr.write(
        `This restores ${printable(target.summary)}. It replaces what is there now and cannot be undone.\n`,
      );
      if (!titleFitsPlan(job.kind, plan, job.title))
        io.stderr.write(`(The job is titled "${printable(job.title)}", which does not say so.)\n`);
      if (args.yes) confirmSiteName = target.siteName;
      else {
        const answer = await io.ask!(
          `Type the site name (${printable(target.siteName)}) to restore ${printable(`${target.siteName}.${target.env}`)} again: `,
        );
        if (answer !== target.siteName) {
          io.stderr.write('lifeboat: cancelled; nothing was restored.\n');
          return EXIT.cancelled;
        }
        confirmSiteName = answer;
      }
    }
    id = job.id;
    follow = (j) => {
      if (j.id === id && j.state === 'running') writer.update(j.progress);
    };
    io.signal.addEventListener('abort', onAbort, { once: true });
    const fresh = confirmSiteName !== undefined ? { confirmSiteName } : {};
    await (engine ? engine.retry(job.id, fresh) : jobs.retry(job.id, fresh));
    if (!json) io.stderr.write(`Retrying job ${shortId(job.id)}: ${printable(does)}\n`);
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
    await unsaved?.close().catch(() => undefined);
  }
}

/** A restore on Pantheon's target as its plan names it, where no engine can ask Pantheon (injected runners). */
function storedTarget(plan: unknown): { siteName: string; env: string; summary: string } {
  const p = parsePlan('pantheon-restore', plan);
  if (!p)
    throw new LifeboatError(
      'invalid-request',
      "This job's saved plan is not a restore on Pantheon Lifeboat can run.",
    );
  return { siteName: p.siteId, env: p.env, summary: pantheonRestoreSummary(p, p.siteId) };
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
