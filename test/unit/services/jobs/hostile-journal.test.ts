// What lands in the jobs folder is not always a job file: a link to a device, a FIFO, a huge file. The journal
// reader must neither hang on them nor read them again and again. And a retry must not redo what succeeded, nor
// reuse a typed confirmation. Every wait is bounded by a deadline; nothing is timed.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../../shared/models';
import { writeRecord, type JobRecord } from '../../../../electron/services/jobs/journal';
import { JobManager, type JobRunner } from '../../../../electron/services/jobs/manager';
import { queuedProgress } from '../../../../electron/services/jobs/manager';
import { firstMissing, itUnless, noFifos, noSymlinks } from '../../../helpers/platform';

let dir: string;
const managers: JobManager[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-hostile-jobs-'));
  await mkdir(join(dir, 'jobs'));
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map(async (m) => (m.cancelAll(), await m.flush(), m.close())));
  await rm(dir, { recursive: true, force: true });
});
const manager = (options: Partial<ConstructorParameters<typeof JobManager>[0]> = {}): JobManager => {
  const m = new JobManager({ dataDir: dir, runners: {}, watchOthers: false, ...options });
  managers.push(m);
  return m;
};

/** Resolves with `p`, or fails after `ms`: a bound on a call that must return at all, not a timing. */
async function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not return`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const record = (id: string, state: Job['state'], kind: Job['kind'] = 'download'): JobRecord => ({
  version: 2,
  job: {
    id,
    kind,
    title: `job ${id}`,
    state,
    progress: queuedProgress(),
    createdAt: new Date().toISOString(),
    finishedAt: state === 'running' || state === 'queued' ? null : new Date().toISOString(),
  },
  plan: { site: 'acme-blog', confirmSiteName: 'typed-at-the-start' },
  owner: null,
  heartbeatAt: new Date().toISOString(),
});

describe('the journal reader and files that are not job files', () => {
  itUnless(firstMissing(noFifos, noSymlinks()))(
    'lists the jobs while a FIFO with no writer, a link to /dev/zero and a huge file sit in the folder',
    async () => {
      const jobs = join(dir, 'jobs');
      await writeRecord(jobs, record('good-one', 'failed'));
      await promisify(execFile)('mkfifo', [join(jobs, 'fifo.json')]);
      await symlink('/dev/zero', join(jobs, 'zero.json'));
      await writeFile(join(jobs, 'huge.json'), '');
      // Sparse: 64 MiB that take no disk.
      await truncate(join(jobs, 'huge.json'), 64 << 20);
      const m = manager();
      const listed = await within('list()', m.list());
      expect(listed.map((j) => j.id)).toEqual(['good-one']);
      // Asked again (the app's poll does), still an answer, and the same one.
      expect((await within('list() again', m.list())).map((j) => j.id)).toEqual(['good-one']);
      await expect(within('get() of the FIFO', m.get('fifo'))).rejects.toMatchObject({ code: 'not-found' });
      await expect(within('retry() of the link', m.retry('zero'))).rejects.toMatchObject({
        code: 'not-found',
      });
    },
    60_000,
  );

  it('does not read a file that failed again until its identity (mtime, size) changes', async () => {
    const jobs = join(dir, 'jobs');
    const path = join(jobs, 'later.json');
    const good = `${JSON.stringify(record('later', 'failed'))}\n`;
    // The same length, not JSON.
    const bad = `x${good.slice(1)}`;
    const stamp = 1_800_000_000;
    await writeFile(path, bad);
    await utimes(path, stamp, stamp);
    const m = manager();
    expect(await m.list()).toEqual([]);
    // Rewritten in place to a valid job, with the same size and mtime: the manager does not look again.
    await writeFile(path, good);
    await utimes(path, stamp, stamp);
    expect(await m.list()).toEqual([]);
    // Once the file changes, it is read.
    await utimes(path, stamp + 10, stamp + 10);
    expect((await m.list()).map((j) => j.id)).toEqual(['later']);
  });
});

describe('what a retry runs', () => {
  it('refuses a job that succeeded, of every kind: it finished, start a new one', async () => {
    const runs: string[] = [];
    const runner: JobRunner = async (plan) => (runs.push(JSON.stringify(plan)), {});
    const kinds: Job['kind'][] = ['restore', 'download', 'create-backup', 'pantheon-restore'];
    const m = manager({
      runners: Object.fromEntries(kinds.map((k) => [k, runner])) as Record<Job['kind'], JobRunner>,
    });
    for (const kind of kinds) {
      await writeRecord(join(dir, 'jobs'), record(`done-${kind}`, 'succeeded', kind));
      await expect(m.retry(`done-${kind}`, { confirmSiteName: 'typed-at-the-start' })).rejects.toMatchObject({
        code: 'invalid-request',
        message: expect.stringContaining('finished successfully'),
      });
      expect((await m.get(`done-${kind}`)).state).toBe('succeeded');
    }
    expect(runs).toEqual([]);
  });

  it('runs a restore on Pantheon again only with a name typed now, which replaces the stored one', async () => {
    const plans: unknown[] = [];
    const m = manager({ runners: { 'pantheon-restore': async (plan) => (plans.push(plan), {}) } });
    await writeRecord(join(dir, 'jobs'), record('on-pantheon', 'failed', 'pantheon-restore'));
    await expect(m.retry('on-pantheon')).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining("type the site's name"),
    });
    expect((await m.get('on-pantheon')).state).toBe('failed');
    await m.retry('on-pantheon', { confirmSiteName: ' typed-now ' });
    expect((await m.wait('on-pantheon')).state).toBe('succeeded');
    expect(plans).toEqual([{ site: 'acme-blog', confirmSiteName: 'typed-now' }]);
  });
});
