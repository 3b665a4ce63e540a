// Job titles name a backup by its date, never by its folder id (issue 10 §3): the app's engine and contract over the
// sandbox, each job started as the app starts it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppApi } from '../../../shared/api/contract';
import { backupNameOfFolder } from '../../../shared/dates';
import type { BackupSet, Job } from '../../../shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { titleFitsPlan } from '../../../electron/services/jobs/plans';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { DANA, FAST_RETRY, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let engine: Engine;
let api: AppApi;
let dir: string;
let accountId: string;
let sets: readonly BackupSet[];
beforeAll(async () => {
  sandbox = await testSandbox();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-titles-'));
  engine = createEngine({
    dataDir: join(dir, 'data'),
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
    }),
  });
  api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  accountId = added.value[0]!.id;
  const listed = await api.backups.list({ accountId, site: 'acme-blog', env: 'live' });
  if (!listed.ok) throw new Error(listed.error.message);
  sets = listed.value.filter((s) => s.finished && s.archives.database);
}, 60_000);
afterAll(async () => {
  engine.jobs.cancelAll();
  await engine.jobs.flush();
  engine.jobs.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

const started = async (r: Promise<{ ok: true; value: Job } | { ok: false; error: { message: string } }>) => {
  const res = await r;
  if (!res.ok) throw new Error(res.error.message);
  return res.value;
};

describe('job titles', () => {
  it('a restore names the backup it restores by its date', async () => {
    // An older set than the newest: the title must name the one chosen.
    const set = sets.at(-1)!;
    const job = await started(
      api.restores.start({
        accountId,
        site: 'acme-blog',
        env: 'live',
        backup: set.folder,
        elements: ['database'],
        targetDir: join(dir, 'restores'),
        folderName: 'older',
      }),
    );
    expect(job.title).toBe(
      `Restore acme-blog.live from the ${backupNameOfFolder(set.folder)} into ${join(dir, 'restores', 'older')}`,
    );
    expect(job.title).toMatch(/from the backup of [A-Z][a-z]{2} \d{1,2}( \d{4})?, \d\d:\d\d into/);
    expect(job.title).not.toContain(set.folder);
    expect(job.title).not.toMatch(/\d{9,11}_(backup|automated)/);
    expect(titleFitsPlan('restore', await engine.jobs.planOf(job.id), job.title)).toBe(true);
    await engine.jobs.wait(job.id);
  });

  it('"latest" is pinned to the backup it found, and the title names that one', async () => {
    const job = await started(
      api.restores.start({
        accountId,
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['database'],
        targetDir: join(dir, 'restores'),
        folderName: 'latest',
      }),
    );
    const plan = (await engine.jobs.planOf(job.id)) as { backup: string };
    expect(plan.backup).toBe(sets[0]!.folder);
    expect(job.title).toContain(`from the ${backupNameOfFolder(sets[0]!.folder)} into`);
    await engine.jobs.wait(job.id);
  });

  it('a download names its backup by date', async () => {
    const set = sets[0]!;
    const job = await started(
      api.restores.download({
        accountId,
        site: 'acme-blog',
        env: 'live',
        folder: set.folder,
        element: 'database',
        targetDir: join(dir, 'downloads'),
      }),
    );
    expect(job.title).toBe(
      `Download the database archive of acme-blog.live from the ${backupNameOfFolder(set.folder)}`,
    );
    expect(job.title).not.toContain(set.folder);
    expect(titleFitsPlan('download', await engine.jobs.planOf(job.id), job.title)).toBe(true);
    await engine.jobs.wait(job.id);
  });
});
