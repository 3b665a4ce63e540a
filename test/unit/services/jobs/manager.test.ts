import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../../shared/models';
import { LifeboatError } from '../../../../electron/services/errors';
import { JobManager, type JobRunner } from '../../../../electron/services/jobs/manager';
import { ProgressTracker, throttle } from '../../../../electron/services/jobs/progress';

let dir: string;
const managers: JobManager[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-jobs-'));
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map(async (m) => (m.cancelAll(), await m.flush(), m.close())));
  await rm(dir, { recursive: true, force: true });
});
/** A manager that the test cleans up after. */
const manager = (options: ConstructorParameters<typeof JobManager>[0]): JobManager => {
  const m = new JobManager(options);
  managers.push(m);
  return m;
};

/** A runner that waits for `release()` and reports bytes on the way. */
function gate() {
  let release!: () => void;
  let started = 0;
  const gateOpen = new Promise<void>((r) => (release = r));
  const runner: JobRunner = async (_plan, ctx) => {
    started++;
    ctx.phase('downloading');
    ctx.part('a', 'archive', 50, 100);
    await Promise.race([
      gateOpen,
      new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(new LifeboatError('cancelled', 'Cancelled.')), {
          once: true,
        }),
      ),
    ]);
    ctx.part('a', 'archive', 100, 100);
    return { outputPath: '/tmp/out' };
  };
  return { runner, release: () => release(), started: () => started };
}

describe('JobManager', () => {
  it('runs jobs with a concurrency limit and reports progress and the result', async () => {
    const g = gate();
    const updates: Job[] = [];
    const jm = manager({
      dataDir: dir,
      runners: { download: g.runner },
      concurrency: 1,
      onUpdate: (j) => updates.push(j),
      progressIntervalMs: 0,
    });
    const a = await jm.submit('download', 'A', { n: 1 });
    const b = await jm.submit('download', 'B', { n: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(g.started()).toBe(1);
    expect((await jm.get(b.id)).state).toBe('queued');
    g.release();
    const doneA = await jm.wait(a.id);
    expect(doneA).toMatchObject({ state: 'succeeded', outputPath: '/tmp/out' });
    expect(doneA.progress).toMatchObject({ phase: 'downloading', bytesDone: 100, bytesTotal: 100 });
    expect((await jm.wait(b.id)).state).toBe('succeeded');
    expect(updates.some((u) => u.id === a.id && u.state === 'running' && u.progress.bytesDone === 50)).toBe(
      true,
    );
  });

  it('cancels a running job and can retry it', async () => {
    const g = gate();
    const jm = manager({ dataDir: dir, runners: { restore: g.runner } });
    const job = await jm.submit('restore', 'R', {});
    await new Promise((r) => setTimeout(r, 10));
    await jm.cancel(job.id);
    expect(await jm.wait(job.id)).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    g.release();
    await jm.retry(job.id);
    expect((await jm.wait(job.id)).state).toBe('succeeded');
    expect(g.started()).toBe(2);
  });

  it('records failures as contract errors', async () => {
    const jm = manager({
      dataDir: dir,
      runners: {
        download: async () => Promise.reject(new LifeboatError('integrity', 'the files archive is damaged')),
      },
    });
    const job = await jm.submit('download', 'D', {});
    expect(await jm.wait(job.id)).toMatchObject({
      state: 'failed',
      error: { code: 'integrity', message: 'the files archive is damaged' },
    });
  });

  it('keeps history across a restart and marks interrupted jobs resumable', async () => {
    const g = gate();
    const first = manager({ dataDir: dir, runners: { restore: g.runner } });
    const done = await first.submit('restore', 'done one', { a: 1 });
    g.release();
    await first.wait(done.id);
    await first.flush();
    const never = manager({ dataDir: dir, runners: { restore: () => new Promise(() => undefined) } });
    const stuck = await never.submit('restore', 'interrupted one', { b: 2 });
    await new Promise((r) => setTimeout(r, 20));
    await never.flush();
    // The process ends without a word (a crash): its running job stays "running" in its file.
    never.close();
    const files = (await readdir(join(dir, 'jobs'))).filter((f) => f.endsWith('.json'));
    const journal = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(join(dir, 'jobs', f), 'utf8')) as { job: Job }),
    );
    expect(journal.map((j) => j.job.title).sort()).toEqual(['done one', 'interrupted one']);
    expect(journal.find((j) => j.job.id === stuck.id)!.job.state).toBe('running');
    const restarted = manager({ dataDir: dir, runners: { restore: g.runner } });
    const list = await restarted.list();
    expect(list.find((j) => j.id === done.id)!.state).toBe('succeeded');
    expect(list.find((j) => j.id === stuck.id)).toMatchObject({
      state: 'failed',
      error: { code: 'cancelled', retryable: true },
    });
    await restarted.retry(stuck.id);
    expect((await restarted.wait(stuck.id)).state).toBe('succeeded');
  });
});

describe('progress', () => {
  it('sums parts and derives speed and ETA', () => {
    let now = 0;
    const t = new ProgressTracker(() => now);
    t.setPhase('downloading');
    t.setPart('a', 'a', 0, 1000);
    t.setPart('b', 'b', 0, 1000);
    now = 1000;
    t.setPart('a', 'a', 500, 1000);
    now = 2000;
    t.setPart('b', 'b', 500, 1000);
    const s = t.snapshot();
    expect(s).toMatchObject({ bytesDone: 1000, bytesTotal: 2000, bytesPerSecond: 500, etaSeconds: 2 });
  });

  it('throttles to the interval and always delivers the last value', async () => {
    const seen: number[] = [];
    const th = throttle((v: number) => seen.push(v), 50);
    for (let i = 1; i <= 100; i++) th.push(i);
    th.flush();
    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(100);
    expect(seen.length).toBeLessThan(5);
  });
});
