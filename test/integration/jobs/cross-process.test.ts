// The job journal across real processes: a `lifeboat` command (jobs-child.ts, its own Node process) and the
// app's JobManager (this test process) on one data folder. Every wait is bounded; nothing is timed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/models';
import { jobsCommand, runAsJob } from '../../../electron/cli/jobs';
import { EXIT } from '../../../electron/cli/exit-codes';
import { LifeboatError } from '../../../electron/services/errors';
import type { JobRecord } from '../../../electron/services/jobs/journal';
import { JobManager, type JobRunner } from '../../../electron/services/jobs/manager';
import { until as poll } from '../../helpers/until';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CHILD = join(import.meta.dirname, 'jobs-child.ts');

let dir: string;
const managers: JobManager[] = [];
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-jobs-x-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(managers.splice(0).map(async (m) => (m.cancelAll(), await m.flush(), m.close())));
  await rm(dir, { recursive: true, force: true });
});
const manager = (options: Partial<ConstructorParameters<typeof JobManager>[0]> = {}): JobManager => {
  const m = new JobManager({ dataDir: dir, runners: {}, pollMs: 200, ...options });
  managers.push(m);
  return m;
};

interface Ran {
  readonly child: ChildProcess;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
}

/** Starts jobs-child.ts in its own Node process. */
function child(...args: string[]): Ran {
  const c = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0' },
  });
  children.push(c);
  let stdout = '';
  c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  c.stderr!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>(
    (resolve, reject) => {
      c.once('error', reject);
      c.once('exit', (code, signal) => resolve({ code, signal, stdout }));
    },
  );
  return { child: c, exit };
}

const until = <T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms = 30_000,
): Promise<T> => poll(what, probe, ms, 50);

/** Resolves with `p`, or fails after `ms`. */
async function within<T>(what: string, p: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const record = async (id: string): Promise<JobRecord> =>
  JSON.parse(await readFile(join(dir, 'jobs', `${id}.json`), 'utf8')) as JobRecord;

/** The terminal's job, once the app lists it running with some progress. */
const terminalJobRunning = (app: JobManager): Promise<Job> =>
  until('the terminal job listed as running with progress', async () =>
    (await app.list()).find(
      (j) => j.title === 'Slow download from a terminal' && j.state === 'running' && j.progress.bytesDone > 0,
    ),
  );

describe('a job started in a terminal, seen from the app', () => {
  it('shows with its progress, and a cancel from the app stops the terminal, which records it cancelled', async () => {
    const updates: Job[] = [];
    const app = manager({ onUpdate: (j) => updates.push(j) });
    await app.list();
    const run = child('run', dir, '100000');
    const job = await terminalJobRunning(app);
    expect(job).toMatchObject({ kind: 'download', progress: { phase: 'downloading' } });
    expect((await record(job.id)).owner?.pid).toBe(run.child.pid);
    // The app's UI is told of the progress, without asking.
    await until('a progress update from the other process', async () =>
      updates.find((u) => u.id === job.id && u.progress.bytesDone > job.progress.bytesDone),
    );

    await app.cancel(job.id);
    const ended = await within('the terminal to exit', run.exit);
    expect(ended.code).toBe(EXIT.cancelled);
    expect(JSON.parse(ended.stdout)).toMatchObject({ error: { code: 'cancelled' } });
    expect(await within('the job to end', app.wait(job.id))).toMatchObject({
      state: 'cancelled',
      error: { code: 'cancelled' },
    });
    expect((await record(job.id)).job.state).toBe('cancelled');
  });

  it('shows as interrupted (and retryable) when the terminal is killed, and the app can retry it', async () => {
    const app = manager();
    const run = child('run', dir, '100000');
    const job = await terminalJobRunning(app);
    run.child.kill('SIGKILL');
    expect((await within('the terminal to die', run.exit)).signal).toBe('SIGKILL');
    const seen = await until('the job shown as interrupted', async () => {
      const j = await app.get(job.id);
      return j.state === 'failed' ? j : null;
    });
    expect(seen.error).toMatchObject({ code: 'cancelled', retryable: true });
    expect((await record(job.id)).job.state).toBe('running');

    const plans: unknown[] = [];
    const again = manager({
      runners: {
        download: async (plan) => {
          plans.push(plan);
          return {};
        },
      },
    });
    await again.retry(job.id);
    expect((await within('the retry', again.wait(job.id))).state).toBe('succeeded');
    expect(plans).toEqual([{ site: 'acme-blog', env: 'live', steps: 100000 }]);
  });
});

describe('a job started in the app, seen from a terminal (lifeboat jobs)', () => {
  /** A runner that reports progress and waits for its cancel. */
  const blocking: JobRunner = async (_plan, ctx) => {
    ctx.phase('downloading');
    ctx.part('a', 'archive', 10, 100);
    await new Promise((_, reject) =>
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }),
    );
    return {};
  };

  it('lists it running and cancels it by a short ID prefix; an unknown ID is not found', async () => {
    const app = manager({ runners: { restore: blocking } });
    const job = await app.submit('restore', 'Restore in the app', {});
    await until('the job running', async () => (await app.get(job.id)).state === 'running');

    const listed = await within('jobs list', child('jobs', dir, 'list').exit);
    expect(listed.code).toBe(EXIT.ok);
    expect((JSON.parse(listed.stdout) as Job[]).find((j) => j.id === job.id)).toMatchObject({
      state: 'running',
      title: 'Restore in the app',
    });

    const missing = await within('jobs show', child('jobs', dir, 'show', 'ffffffff-nope').exit);
    expect(missing.code).toBe(EXIT.notFound);

    const cancelled = await within('jobs cancel', child('jobs', dir, 'cancel', job.id.slice(0, 8)).exit);
    expect(cancelled.code).toBe(EXIT.ok);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: job.id, state: 'cancelled' });
    expect((await app.get(job.id)).state).toBe('cancelled');
  });
});

describe('lifeboat jobs in this process', () => {
  const io = (runners?: ConstructorParameters<typeof JobManager>[0]['runners']) => {
    const out: string[] = [];
    const err = new PassThrough();
    let stderr = '';
    err.on('data', (d: Buffer) => (stderr += d.toString()));
    return {
      out,
      stderr: () => stderr,
      io: {
        print: (s: string) => void out.push(s),
        stderr: err,
        signal: new AbortController().signal,
        env: {},
        dataDir: dir,
        ...(runners ? { runners } : {}),
      },
    };
  };

  it('lists a table, shows the error, and retries a failed job here with a progress line', async () => {
    const other = manager({
      runners: { download: async () => Promise.reject(new LifeboatError('network', 'The line dropped.')) },
    });
    const job = await other.submit('download', 'Download the files archive of acme.live', { site: 'acme' });
    expect((await other.wait(job.id)).state).toBe('failed');
    await other.flush();

    const list = io();
    expect(await jobsCommand({ sub: 'list', json: false }, list.io)).toBe(EXIT.ok);
    const [head, row] = list.out[0]!.split('\n');
    expect(head).toMatch(/^ID\s+KIND\s+TITLE\s+STATE\s+PROGRESS\s+STARTED$/);
    expect(row).toContain(job.id.slice(0, 8));
    expect(row).toContain('failed');

    const show = io();
    expect(await jobsCommand({ sub: 'show', id: job.id.slice(0, 6), json: false }, show.io)).toBe(EXIT.ok);
    expect(show.out[0]).toContain('The line dropped. (network)');

    const noRunner = io({});
    expect(await jobsCommand({ sub: 'retry', id: job.id, json: false }, noRunner.io)).toBe(EXIT.usage);
    expect(noRunner.stderr()).toContain('cannot run download jobs');

    const retry = io({
      download: async (_plan, ctx) => {
        ctx.phase('downloading');
        for (let i = 1; i <= 4; i++) ctx.part('a', 'archive', i * 25, 100);
        return { outputPath: '/tmp/acme' };
      },
    });
    expect(await jobsCommand({ sub: 'retry', id: job.id.slice(0, 8), json: false }, retry.io)).toBe(EXIT.ok);
    expect(retry.out.at(-1)).toBe(`Job ${job.id.slice(0, 8)} succeeded: /tmp/acme`);
    expect(retry.stderr()).toContain('Downloading');
    expect((await record(job.id)).job.state).toBe('succeeded');
  });

  it('runAsJob records the work, its progress and its outcome, and rethrows its error as it was', async () => {
    const seen: number[] = [];
    const opts = {
      dataDir: dir,
      kind: 'download' as const,
      title: 'Download from a script',
      plan: { site: 'acme' },
      signal: new AbortController().signal,
      onProgress: (p: Job['progress']) => void seen.push(p.bytesDone),
    };
    const value = await runAsJob(opts, async (ctx) => {
      ctx.phase('downloading');
      ctx.part('a', 'archive', 100, 100);
      return { result: 42, outputPath: '/tmp/acme' };
    });
    expect(value).toBe(42);
    expect(seen).toContain(100);
    const damaged = new LifeboatError('integrity', 'The files archive is damaged.');
    await expect(
      runAsJob({ ...opts, title: 'Broken download' }, async () => Promise.reject(damaged)),
    ).rejects.toBe(damaged);
    const jobs = await manager().list();
    expect(jobs.find((j) => j.title === 'Download from a script')).toMatchObject({
      state: 'succeeded',
      outputPath: '/tmp/acme',
      progress: { bytesDone: 100 },
    });
    expect(jobs.find((j) => j.title === 'Broken download')).toMatchObject({
      state: 'failed',
      error: { code: 'integrity', message: 'The files archive is damaged.' },
    });
  });
});
