import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { writeRecord } from '../../../electron/services/jobs/journal';
import { appUnderTest, type AppUnderTest } from '../../helpers/app-engine';
import { requestsTo, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';
import { queuedProgress } from '../../../electron/services/jobs/manager';

describe.each(SANDBOX_MODES)('the contract for restores on Pantheon, against the %s sandbox', (mode) => {
  let sandbox: Sandbox;
  let dir: string;
  let app: AppUnderTest;
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-pantheon-restore-'));
    app = await appUnderTest(sandbox, dir);
  });
  afterEach(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fullSet = async (site: string, env: string) => {
    const sets = await app.api.backups.list({ accountId: app.accountId, site, env });
    if (!sets.ok) throw new Error(sets.error.message);
    return sets.value.find((s) => s.finished && s.archives.code && s.archives.database && s.archives.files)!;
  };

  it('runs a pantheon-restore job once the site name is typed, and refuses it otherwise', async () => {
    const set = await fullSet('acme-blog', 'test');
    const req = {
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'test',
      folder: set.folder,
      elements: ['database', 'files'] as ('database' | 'files')[],
    };
    const wrong = await app.api.backups.restoreOnPantheon({ ...req, confirmSiteName: 'acme-blo' });
    expect(wrong).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-request',
        message: expect.stringContaining("type the site's name (acme-blog)"),
      },
    });
    expect(await app.engine.jobs.list()).toEqual([]);
    const before = sandbox.restores.length;
    const started = await app.api.backups.restoreOnPantheon({ ...req, confirmSiteName: 'acme-blog' });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value).toMatchObject({ kind: 'pantheon-restore' });
    expect(started.value.title).toContain('on Pantheon');
    const done = await app.engine.jobs.wait(started.value.id);
    expect(done).toMatchObject({ state: 'succeeded' });
    expect(sandbox.restores.slice(before).map((r) => [r.element, r.folder])).toEqual([
      ['files', set.folder],
      ['database', set.folder],
    ]);
  });

  it('retries a restore on Pantheon only with the site name typed again, and never one that succeeded', async () => {
    const set = await fullSet('acme-blog', 'test');
    const list = await app.api.sites.list();
    if (!list.ok) throw new Error(list.error.message);
    const siteId = list.value.sites.find((x) => x.name === 'acme-blog')!.id;
    const id = randomUUID();
    const now = new Date().toISOString();
    // A restore on Pantheon that failed, as the app journals it (the name typed then is in the plan).
    await writeRecord(join(dir, 'jobs'), {
      version: 2,
      job: {
        id,
        kind: 'pantheon-restore',
        title: `Restore acme-blog.test on Pantheon from the backup (database)`,
        state: 'failed',
        progress: queuedProgress(),
        createdAt: now,
        finishedAt: now,
        error: { code: 'network', message: 'Pantheon did not answer.' },
      },
      plan: {
        accountId: app.accountId,
        siteId,
        env: 'test',
        folder: set.folder,
        elements: ['database'],
        confirmSiteName: 'acme-blog',
      },
      owner: null,
      heartbeatAt: now,
    });
    const before = sandbox.restores.length;
    for (const confirmSiteName of [undefined, 'acme-blo']) {
      const refused = await app.api.jobs.retry({
        jobId: id,
        ...(confirmSiteName ? { confirmSiteName } : {}),
      });
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'invalid-request', message: expect.stringContaining("type the site's name") },
      });
      expect((await app.engine.jobs.get(id)).state).toBe('failed');
    }
    expect(sandbox.restores.length).toBe(before);
    const retried = await app.api.jobs.retry({ jobId: id, confirmSiteName: 'acme-blog' });
    if (!retried.ok) throw new Error(retried.error.message);
    expect(await app.engine.jobs.wait(id)).toMatchObject({ state: 'succeeded' });
    expect(sandbox.restores.slice(before).map((r) => [r.element, r.folder])).toEqual([
      ['database', set.folder],
    ]);
    const again = await app.api.jobs.retry({ jobId: id, confirmSiteName: 'acme-blog' });
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringContaining('finished successfully') },
    });
    expect(sandbox.restores.length).toBe(before + 1);
  });

  it('names each element once: a repeated element is dropped from the plan and the title', async () => {
    const created = await app.api.backups.create({
      accountId: app.accountId,
      site: 'acme-blog',
      env: 'dev',
      elements: ['database', 'database', 'database'],
      keepForDays: 2,
    });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.value.title).toBe('Back up acme-blog.dev (database, 2 days)');
    const file = await readFile(join(dir, 'jobs', `${created.value.id}.json`), 'utf8');
    expect((JSON.parse(file) as { plan: unknown }).plan).toMatchObject({ elements: ['database'] });
    expect(await app.engine.jobs.wait(created.value.id)).toMatchObject({ state: 'succeeded' });

    const set = await fullSet('acme-blog', 'test');
    const before = sandbox.restores.length;
    const started = await app.api.backups.restoreOnPantheon({
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'test',
      folder: set.folder,
      elements: ['database', 'database', 'database'],
      confirmSiteName: 'acme-blog',
    });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.title).toMatch(/ on Pantheon from the backup of .+ \(database\)$/);
    expect(await app.engine.jobs.wait(started.value.id)).toMatchObject({ state: 'succeeded' });
    expect(sandbox.restores.slice(before).map((r) => [r.element, r.folder])).toEqual([
      ['database', set.folder],
    ]);
    const three = await app.api.backups.restoreOnPantheon({
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'test',
      folder: set.folder,
      // Named in the order the workflows run, whatever the order asked.
      elements: ['database', 'files', 'code'],
      confirmSiteName: 'acme-blog',
    });
    if (!three.ok) throw new Error(three.error.message);
    expect(three.value.title).toMatch(/\(code, files and database\)$/);
    await app.engine.jobs.wait(three.value.id);
  });

  it('refuses before queueing when the set lacks an element, and for a frozen site', async () => {
    const sets = await app.api.backups.list({ accountId: app.accountId, site: 'acme-blog', env: 'live' });
    if (!sets.ok) throw new Error(sets.error.message);
    const dbOnly = sets.value.find((s) => Object.keys(s.archives).join() === 'database')!;
    const posts = requestsTo(sandbox, '/environments/live/workflows', 'POST').length;
    const missing = await app.api.backups.restoreOnPantheon({
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'live',
      folder: dbOnly.folder,
      elements: ['code', 'database'],
      confirmSiteName: 'acme-blog',
    });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const frozen = await app.api.backups.restoreOnPantheon({
      accountId: app.accountId,
      siteId: 'acme-intranet',
      env: 'dev',
      folder: dbOnly.folder,
      elements: ['database'],
      confirmSiteName: 'acme-intranet',
    });
    expect(frozen).toMatchObject({ ok: false, error: { code: 'frozen' } });
    expect(await app.engine.jobs.list()).toEqual([]);
    expect(requestsTo(sandbox, '/environments/live/workflows', 'POST')).toHaveLength(posts);
  });

  it('tells the uncommitted changes of an environment before a backup', async () => {
    const careers = await app.api.environments.uncommitted({
      accountId: app.accountId,
      siteId: 'globex-careers',
      env: 'dev',
    });
    expect(careers).toMatchObject({ ok: true, value: { files: 3 } });
    const git = await app.api.environments.uncommitted({
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'live',
    });
    expect(git).toEqual({ ok: true, value: null });
    const bad = await app.api.environments.uncommitted({
      accountId: app.accountId,
      siteId: 'acme-blog',
      env: 'LIVE',
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
  });
});
