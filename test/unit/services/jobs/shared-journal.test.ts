// Two JobManagers on one data folder stand for two Lifeboat processes (the app and a `lifeboat` command): they
// share nothing but the folder. The real child-process cases are in test/integration/jobs/.
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../../shared/models';
import { LifeboatError } from '../../../../electron/services/errors';
import { writeRecord, type JobRecord } from '../../../../electron/services/jobs/journal';
import { JobManager, type JobRunner } from '../../../../electron/services/jobs/manager';
import { until as poll } from '../../../helpers/until';

let dir: string;
const managers: JobManager[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-shared-jobs-'));
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map(async (m) => (m.cancelAll(), await m.flush(), m.close())));
  await rm(dir, { recursive: true, force: true });
});
const manager = (options: Partial<ConstructorParameters<typeof JobManager>[0]> = {}): JobManager => {
  const m = new JobManager({
    dataDir: dir,
    runners: {},
    progressIntervalMs: 0,
    journalIntervalMs: 0,
    ...options,
  });
  managers.push(m);
  return m;
};

const until = <T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 8000): Promise<T> =>
  poll(what, probe, ms, 25);

/** A runner that reports 50 of 100 bytes, then waits for `release()` or its cancel. */
function gate() {
  let release!: () => void;
  let runs = 0;
  const open = new Promise<void>((r) => (release = r));
  const runner: JobRunner = async (_plan, ctx) => {
    runs++;
    ctx.phase('downloading');
    ctx.part('a', 'archive', 50, 100);
    await Promise.race([
      open,
      new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }),
      ),
    ]);
    ctx.part('a', 'archive', 100, 100);
    return { outputPath: '/tmp/out' };
  };
  return { runner, release: () => release(), runs: () => runs };
}

const idle = (): Job['progress'] => ({
  phase: 'queued',
  bytesDone: 0,
  bytesTotal: null,
  bytesPerSecond: null,
  etaSeconds: null,
  parts: [],
});

describe('one journal, several processes', () => {
  it("lists and follows another process's job with its progress, and sees it finish", async () => {
    const g = gate();
    const cli = manager({ runners: { download: g.runner } });
    const seen: Job[] = [];
    const app = manager({ onUpdate: (j) => seen.push(j), pollMs: 100 });
    expect(await app.list()).toEqual([]);
    const job = await cli.submit('download', 'Download from a terminal', { site: 'acme' });
    const listed = await until('the job listed as running with progress', async () =>
      (await app.list()).find((j) => j.id === job.id && j.state === 'running' && j.progress.bytesDone === 50),
    );
    expect(listed).toMatchObject({ title: 'Download from a terminal', progress: { bytesTotal: 100 } });
    // The app's UI hears of it without asking (watch or poll).
    await until('an update for the foreign job', async () =>
      seen.find((j) => j.id === job.id && j.state === 'running'),
    );
    g.release();
    expect(await app.wait(job.id)).toMatchObject({ state: 'succeeded', outputPath: '/tmp/out' });
    expect(seen.some((j) => j.id === job.id && j.state === 'succeeded')).toBe(true);
  });

  it('cancels a job another process runs: its owner stops it and records it cancelled', async () => {
    const g = gate();
    const app = manager({ runners: { restore: g.runner } });
    const cli = manager();
    const job = await app.submit('restore', 'Restore in the app', {});
    await until('the job running', async () => (await cli.get(job.id)).state === 'running');
    await cli.cancel(job.id);
    expect(await app.wait(job.id)).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(await cli.wait(job.id)).toMatchObject({ state: 'cancelled' });
    await app.flush();
    expect((await readdir(join(dir, 'jobs'))).filter((f) => f.endsWith('.cancel'))).toEqual([]);
    const stored = JSON.parse(await readFile(join(dir, 'jobs', `${job.id}.json`), 'utf8')) as JobRecord;
    expect(stored.job.state).toBe('cancelled');
  });

  it('cancels a queued job of another process before it starts', async () => {
    const g = gate();
    const app = manager({ runners: { download: g.runner }, concurrency: 1 });
    const cli = manager();
    const first = await app.submit('download', 'first', {});
    const second = await app.submit('download', 'second', {});
    await cli.cancel(second.id);
    expect(await cli.wait(second.id)).toMatchObject({ state: 'cancelled' });
    g.release();
    expect((await app.wait(first.id)).state).toBe('succeeded');
    expect(g.runs()).toBe(1);
  });

  it("retries another process's finished job here, and says so clearly when it cannot", async () => {
    const cli = manager({
      runners: { download: async () => Promise.reject(new LifeboatError('network', 'the line dropped')) },
    });
    const job = await cli.submit('download', 'Download', { site: 'acme', env: 'live' });
    expect((await cli.wait(job.id)).state).toBe('failed');
    await cli.flush();

    const viewer = manager();
    await expect(viewer.retry(job.id)).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('cannot run download jobs'),
    });

    const plans: unknown[] = [];
    const app = manager({
      runners: {
        download: async (plan) => {
          plans.push(plan);
          return { outputPath: '/tmp/again' };
        },
      },
    });
    await app.retry(job.id);
    expect(await app.wait(job.id)).toMatchObject({ state: 'succeeded', outputPath: '/tmp/again' });
    expect(plans).toEqual([{ site: 'acme', env: 'live' }]);
    await app.flush();
    // The other process sees the new outcome of the same job, not a copy.
    await until(
      'the retried job seen as succeeded',
      async () => (await cli.get(job.id)).state === 'succeeded',
    );
    expect((await cli.list()).filter((j) => j.id === job.id)).toHaveLength(1);
  });

  it('shows a job whose process ended without a word as interrupted, and retries it', async () => {
    const app = manager();
    const seen: Job[] = [];
    const watcher = manager({ onUpdate: (j) => seen.push(j), pollMs: 100 });
    await watcher.list();
    const dying = manager({ runners: { restore: () => new Promise(() => undefined) } });
    const job = await dying.submit('restore', 'Restore', {});
    await until('the job running', async () => (await app.get(job.id)).state === 'running');
    dying.close();
    expect(await app.get(job.id)).toMatchObject({
      state: 'failed',
      error: { code: 'cancelled', retryable: true, message: expect.stringContaining('Interrupted') },
    });
    // Followers are told, and waiters released, without anyone asking.
    await until('an update saying interrupted', async () =>
      seen.find((j) => j.id === job.id && j.state === 'failed'),
    );
    expect((await watcher.wait(job.id)).state).toBe('failed');
    const g = gate();
    g.release();
    const again = manager({ runners: { restore: g.runner } });
    await again.retry(job.id);
    expect((await again.wait(job.id)).state).toBe('succeeded');
  });

  it("judges other machines' jobs by their heartbeat, and this machine's by their process", async () => {
    const jobsDir = join(dir, 'jobs');
    await mkdir(jobsDir, { recursive: true });
    const record = (id: string, owner: JobRecord['owner'], heartbeatAt: string): JobRecord => ({
      version: 2,
      job: {
        id,
        kind: 'download',
        title: id,
        state: 'running',
        progress: idle(),
        createdAt: new Date().toISOString(),
        finishedAt: null,
      },
      plan: {},
      owner,
      heartbeatAt,
    });
    const elsewhere = { id: 'o1', pid: 1, host: `not-${hostname()}`, pidStart: null, since: '' };
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    // A pid that surely ran here and has ended: a child we waited for.
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    await writeRecord(jobsDir, record('fresh-elsewhere', elsewhere, now));
    await writeRecord(jobsDir, record('stale-elsewhere', elsewhere, old));
    await writeRecord(
      jobsDir,
      record('dead-here', { id: 'o2', pid: deadPid, host: hostname(), pidStart: null, since: '' }, now),
    );
    const jobs = await manager().list();
    const state = (id: string) => jobs.find((j) => j.id === id)!.state;
    expect(state('fresh-elsewhere')).toBe('running');
    expect(state('stale-elsewhere')).toBe('failed');
    expect(state('dead-here')).toBe('failed');
  });

  it('refuses a plan that holds a secret: the journal is a plain file every process reads', async () => {
    const g = gate();
    const jm = manager({ runners: { restore: g.runner } });
    await expect(
      jm.submit('restore', 'R', { importDatabase: { name: 'db', password: 'hunter2' } }),
    ).rejects.toThrow(/no secrets; plan\.importDatabase\.password/);
    await expect(jm.submit('restore', 'R', { db: 'mysql://root:hunter2@localhost/db' })).rejects.toThrow(
      /no secrets/,
    );
    expect(await jm.list()).toEqual([]);
  });

  it('keeps the newest 200 jobs of the shared history', async () => {
    const jobsDir = join(dir, 'jobs');
    await mkdir(jobsDir, { recursive: true });
    for (let i = 0; i < 205; i++) {
      const id = `old-${String(i).padStart(3, '0')}`;
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      await writeRecord(jobsDir, {
        version: 2,
        job: {
          id,
          kind: 'download',
          title: id,
          state: 'succeeded',
          progress: idle(),
          createdAt: at,
          finishedAt: at,
        },
        plan: {},
        owner: null,
        heartbeatAt: at,
      });
    }
    const jm = manager();
    await jm.list();
    await jm.flush();
    const left = (await readdir(jobsDir)).filter((f) => f.endsWith('.json')).sort();
    expect(left).toHaveLength(200);
    expect(left[0]).toBe('old-005.json');
  });
});

describe('moving the old single-file journal', () => {
  const legacyJob = (id: string, state: Job['state'], title: string): Job => ({
    id,
    kind: 'restore',
    title,
    state,
    progress: idle(),
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, Number(id.slice(-1)))).toISOString(),
    finishedAt: state === 'running' ? null : new Date(Date.UTC(2026, 0, 1, 1)).toISOString(),
  });

  it('moves every job of jobs.json into the folder once, keeps the old file, and interrupts what was running', async () => {
    const done = legacyJob('11111111-1111-4111-8111-111111111111', 'succeeded', 'Restore that finished');
    const cut = legacyJob('22222222-2222-4222-8222-222222222222', 'running', 'Restore cut off by a quit');
    const legacy = JSON.stringify({
      version: 1,
      jobs: [
        { job: cut, plan: { site: 'acme-blog', env: 'live' } },
        { job: done, plan: { site: 'acme-shop', env: 'dev' } },
      ],
    });
    await writeFile(join(dir, 'jobs.json'), legacy);

    const a = manager();
    const b = manager();
    // Two processes starting at once both migrate: neither loses or doubles a job.
    const [la, lb] = await Promise.all([a.list(), b.list()]);
    for (const list of [la, lb]) {
      expect(list.map((j) => j.title).sort()).toEqual(['Restore cut off by a quit', 'Restore that finished']);
      expect(list.find((j) => j.id === done.id)).toEqual(done);
      expect(list.find((j) => j.id === cut.id)).toMatchObject({
        state: 'failed',
        error: { code: 'cancelled', retryable: true },
      });
    }
    await expect(access(join(dir, 'jobs.json'))).rejects.toThrow();
    expect(await readFile(join(dir, 'jobs.json.migrated'), 'utf8')).toBe(legacy);

    const plans: unknown[] = [];
    const c = manager({
      runners: {
        restore: async (plan) => {
          plans.push(plan);
          return {};
        },
      },
    });
    expect(await c.list()).toHaveLength(2);
    await c.retry(cut.id);
    expect((await c.wait(cut.id)).state).toBe('succeeded');
    expect(plans).toEqual([{ site: 'acme-blog', env: 'live' }]);
  });
});
