import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppApi } from '../../../shared/api/contract';
import type { Job } from '../../../shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import type { Engine } from '../../../electron/services/engine';
import { appUnderTest } from '../../helpers/app-engine';
import { requestsTo, testSandbox } from '../../helpers/sandbox';
import { queuedProgress } from '../../../electron/services/jobs/manager';

let sandbox: Sandbox;
let dir: string;
let engine: Engine;
let api: AppApi;
let accountId: string;

/** The app's engine over the sandbox (the same composition the desktop app and the browser host use). */
async function appEngine(dataDir: string): Promise<{ engine: Engine; api: AppApi; accountId: string }> {
  return appUnderTest(sandbox, dataDir);
}

beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-api-'));
  sandbox.setFaults({});
  ({ engine, api, accountId } = await appEngine(join(dir, 'data')));
  return async () => {
    engine.jobs.cancelAll();
    await engine.jobs.flush();
    await rm(dir, { recursive: true, force: true });
  };
});

const finished = async (job: Job): Promise<Job> => engine.jobs.wait(job.id);

describe('the app path: preview, start and the job run one plan', () => {
  it('starts a restore with every default pinned, and the job writes exactly what the preview listed', async () => {
    const target = join(dir, 'sites');
    const req = {
      accountId,
      site: 'acme-shop',
      env: 'live',
      backup: 'latest',
      elements: ['code', 'files'] as const,
      targetDir: target,
    };
    const preview = await api.restores.preview({ ...req, elements: [...req.elements] });
    if (!preview.ok) throw new Error(preview.error.message);
    expect(preview.value.conflicts).toEqual([]);
    const started = await api.restores.start({ ...req, elements: [...req.elements] });
    if (!started.ok) throw new Error(started.error.message);
    const job = await finished(started.value);
    expect(job.state).toBe('succeeded');
    expect(job.outputPath).toBe(preview.value.path);
    // The journal holds the pinned plan: the backup folder, the folder and branch names, not "latest".
    const journal = JSON.parse(await readFile(join(dir, 'data', 'jobs', `${job.id}.json`), 'utf8')) as {
      job: Job;
      plan: Record<string, unknown>;
    };
    expect(journal.plan).toMatchObject({
      backup: preview.value.backupFolder,
      folderName: 'acme-shop-live',
      branch: preview.value.branch,
    });
    const files = preview.value.writes.find((w) => w.kind === 'folder' && w.target !== preview.value.path)!;
    const record = JSON.parse(await readFile(join(preview.value.path, 'lifeboat.json'), 'utf8'));
    expect([files.target, ...(files.alternatives ?? [])]).toContain(
      join(preview.value.path, record.files.path),
    );
  });

  it('refuses a conflict at start, before a job exists or a byte is downloaded', async () => {
    const target = join(dir, 'sites');
    await mkdir(join(target, 'acme-blog-live'), { recursive: true });
    await writeFile(join(target, 'acme-blog-live', 'mine.txt'), 'mine');
    const before = requestsTo(sandbox, '/store/').length + requestsTo(sandbox, 's3token').length;
    const r = await api.restores.start({
      accountId,
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['files'],
      targetDir: target,
      folderName: 'acme-blog-live',
    });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining('already exists and is not empty') },
    });
    expect((await api.jobs.list()).ok && (await engine.jobs.list()).length).toBe(0);
    expect(requestsTo(sandbox, '/store/').length + requestsTo(sandbox, 's3token').length).toBe(before);
    expect(await readdir(target)).toEqual(['acme-blog-live']);
  });

  it('refuses "." and ".." as folder names at the contract', async () => {
    for (const folderName of ['.', '..']) {
      const r = await api.restores.preview({
        accountId,
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['files'],
        targetDir: dir,
        folderName,
      });
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'invalid-request', message: expect.stringContaining('not "." or ".."') },
      });
    }
  });

  it('validates a journaled plan when it is read back: a tampered journal fails the job, it does not run it', async () => {
    const data = join(dir, 'data2');
    await mkdir(data, { recursive: true });
    const id = '2b1f0c9e-9c2f-4b7e-8d7a-3f7c2d1e0a11';
    const job = {
      id,
      kind: 'restore',
      title: 'Restore acme-blog.live',
      state: 'failed',
      progress: queuedProgress(),
      createdAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
    };
    // A folder name that climbs out, written into the journal behind the app's back.
    const plan = {
      accountId: 'x',
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['files'],
      targetDir: dir,
      folderName: '../../escape',
    };
    await writeFile(join(data, 'jobs.json'), JSON.stringify({ version: 1, jobs: [{ job, plan }] }));
    const other = await appEngine(data);
    try {
      await other.engine.jobs.retry(id);
      const done = await other.engine.jobs.wait(id);
      expect(done.state).toBe('failed');
      expect(done.error).toMatchObject({
        code: 'invalid-request',
        message: expect.stringContaining('saved plan is not valid'),
      });
    } finally {
      await other.engine.jobs.flush();
    }
  });
});
