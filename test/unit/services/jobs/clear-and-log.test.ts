// A job's log of its phases (kept by the manager, in the shared journal) and clearing finished jobs (issue 10 §3).
// Two JobManagers on one data folder stand for two Lifeboat processes, as in shared-journal.test.ts.
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../../shared/models';
import { LifeboatError } from '../../../../electron/services/errors';
import { LOG_LIMIT } from '../../../../electron/services/jobs/journal';
import { JobManager, type JobRunner } from '../../../../electron/services/jobs/manager';

let dir: string;
const managers: JobManager[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-jobs-log-'));
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map(async (m) => (m.cancelAll(), await m.flush(), m.close())));
  await rm(dir, { recursive: true, force: true });
});
const manager = (runners: ConstructorParameters<typeof JobManager>[0]['runners'] = {}): JobManager => {
  const m = new JobManager({ dataDir: dir, runners, progressIntervalMs: 0, journalIntervalMs: 0 });
  managers.push(m);
  return m;
};
const fileOf = (id: string): string => join(dir, 'jobs', `${id}.json`);
const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

/** A runner that stays running until released (or cancelled). */
function gate() {
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  const runner: JobRunner = async (_plan, ctx) => {
    ctx.phase('downloading', 'Downloading db.sql.gz');
    await Promise.race([
      open,
      new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }),
      ),
    ]);
    return {};
  };
  return { runner, release: () => release() };
}

describe("a job's log", () => {
  it('records every change of phase and of state with its time, once each, and keeps it in the journal', async () => {
    const runner: JobRunner = async (_plan, ctx) => {
      ctx.phase('queued', 'Checking the plan');
      ctx.phase('downloading', 'Downloading code.tar.gz');
      // Progress repeats the phase with every report: not a new line.
      ctx.phase('downloading', 'Downloading code.tar.gz');
      ctx.part('code', 'code', 10, 100);
      ctx.phase('downloading', 'Downloading code.tar.gz');
      ctx.phase('downloading', 'Downloading files.tar.gz');
      ctx.phase('extracting');
      ctx.phase('importing', 'Importing the database into acme_live');
      return { outputPath: '/tmp/out' };
    };
    const before = Date.now();
    const jm = manager({ restore: runner });
    const job = await jm.submit('restore', 'Restore acme.live', {});
    const done = await jm.wait(job.id);
    await jm.flush();
    const lines = (done.log ?? []).map((l) => [l.state ?? l.phase, l.message ?? '']);
    expect(lines).toEqual([
      ['queued', ''],
      ['running', ''],
      ['queued', 'Checking the plan'],
      ['downloading', 'Downloading code.tar.gz'],
      ['downloading', 'Downloading files.tar.gz'],
      ['extracting', ''],
      ['importing', 'Importing the database into acme_live'],
      ['succeeded', ''],
    ]);
    const times = done.log!.map((l) => Date.parse(l.at));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(before - 1000);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The journal holds it, and another process reads it back whole.
    const stored = JSON.parse(await readFile(fileOf(job.id), 'utf8')) as { job: Job };
    expect(stored.job.log).toEqual(done.log);
    const other = manager();
    expect((await other.get(job.id)).log).toEqual(done.log);
  });

  it('ends with the error of a failed job, and a retry goes on below the first run', async () => {
    let runs = 0;
    const jm = manager({
      download: async (_plan, ctx) => {
        ctx.phase('downloading', 'Downloading files.tar.gz');
        if (++runs === 1) throw new LifeboatError('network', 'Pantheon could not be reached.');
        return {};
      },
    });
    const job = await jm.submit('download', 'Download', {});
    const failed = await jm.wait(job.id);
    expect(failed.log!.at(-1)).toMatchObject({
      state: 'failed',
      phase: 'downloading',
      message: 'Pantheon could not be reached.',
    });
    await jm.retry(job.id);
    const done = await jm.wait(job.id);
    expect(done.log!.map((l) => l.state ?? l.phase)).toEqual([
      'queued',
      'running',
      'downloading',
      'failed',
      'queued',
      'running',
      'downloading',
      'succeeded',
    ]);
    expect(done.log![4]!.message).toBe('Retried');
  });

  it('is bounded: a job that says something new a thousand times keeps its newest lines', async () => {
    const jm = manager({
      download: async (_plan, ctx) => {
        for (let i = 0; i < 1000; i++) ctx.phase('downloading', `Part ${i} ${'x'.repeat(1000)}`);
        return {};
      },
    });
    const job = await jm.submit('download', 'Download', {});
    const done = await jm.wait(job.id);
    await jm.flush();
    expect(done.log).toHaveLength(LOG_LIMIT);
    expect(done.log!.at(-1)!.state).toBe('succeeded');
    expect(done.log!.at(-2)!.message).toMatch(/^Part 999 x+…$/);
    // Messages are cut, so the file stays small however chatty the job was.
    expect((await readFile(fileOf(job.id))).length).toBeLessThan(64 * 1024);
  });
});

describe('clearing jobs', () => {
  it('clears one finished job: gone from the list, its file and for another process too', async () => {
    const jm = manager({ download: async () => ({}) });
    const a = await jm.submit('download', 'A', {});
    const b = await jm.submit('download', 'B', {});
    await jm.wait(a.id);
    await jm.wait(b.id);
    await jm.flush();
    const other = manager();
    expect((await other.list()).map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
    expect(await jm.clear(a.id)).toEqual([a.id]);
    expect(await exists(fileOf(a.id))).toBe(false);
    expect((await jm.list()).map((j) => j.id)).toEqual([b.id]);
    expect((await other.list()).map((j) => j.id)).toEqual([b.id]);
    await expect(jm.get(a.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('never clears a running job: one named is refused, and "all finished" leaves it', async () => {
    const g = gate();
    const jm = manager({ restore: g.runner, download: async () => ({}) });
    const running = await jm.submit('restore', 'Running', {});
    const done = await jm.submit('download', 'Done', {});
    await jm.wait(done.id);
    await expect(jm.clear(running.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('still running'),
    });
    expect(await jm.clear()).toEqual([done.id]);
    expect((await jm.list()).map((j) => j.id)).toEqual([running.id]);
    expect(await exists(fileOf(running.id))).toBe(true);
    g.release();
    expect((await jm.wait(running.id)).state).toBe('succeeded');
  });

  it("leaves another process's running job alone, and clears it once that process is gone", async () => {
    const g = gate();
    const owner = manager({ restore: g.runner });
    const job = await owner.submit('restore', 'Elsewhere', {});
    await new Promise((r) => setTimeout(r, 50));
    await owner.flush();
    const here = manager();
    expect((await here.get(job.id)).state).toBe('running');
    await expect(here.clear(job.id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await here.clear()).toEqual([]);
    // The owner ends without a word (a crash): its job is interrupted, a finished job that can be cleared.
    owner.close();
    expect((await here.get(job.id)).state).toBe('failed');
    expect(await here.clear()).toEqual([job.id]);
    expect(await exists(fileOf(job.id))).toBe(false);
  });
});
