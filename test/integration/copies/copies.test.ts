// Local copies through the app's engine and contract: real restores from the sandbox on 127.0.0.1, real files,
// the real `trash` package under a temporary HOME.
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { runRestore } from '../../../electron/services/restore/restore';
import type { AppApi } from '../../../shared/api/contract';
import type { AppEvents } from '../../../shared/api/events';
import type { Job, LocalCopy } from '../../../shared/models';
import { clientFor, DANA, FAST_RETRY, requestsTo, testSandbox } from '../../helpers/sandbox';
import { until } from '../../helpers/until';
import { fastTransfer } from '../../helpers/transfer';
import { noPermissionBits, noXdgTrash } from '../../helpers/platform';

let sandbox: Sandbox;
let dir: string;
let home: string;
let engine: Engine;
let api: AppApi;
let accountId: string;
let events: AppEvents['copies.changed'][];
const FAST = fastTransfer({ maxFailures: 2, maxUrlRefreshes: 2 });
const saved = { HOME: process.env.HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME };

beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-copies-'));
  home = join(dir, 'home');
  await mkdir(home);
  // The trash goes to $XDG_DATA_HOME/Trash: the test's own, never the real one (on Linux; see copies.remove).
  process.env.HOME = home;
  process.env.XDG_DATA_HOME = join(home, '.local', 'share');
  sandbox.setFaults({});
  events = [];
  engine = createEngine({
    dataDir: join(dir, 'data'),
    secrets: new KeytarSecretStore('Lifeboat-test-app'),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    transfer: FAST,
    emit: (name, payload) => {
      if (name === 'copies.changed') events.push(payload as AppEvents['copies.changed']);
    },
    // Demo tokens never reach the keychain: the store is never asked.
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
    }),
  });
  api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  accountId = added.value[0]!.id;
});
afterEach(async () => {
  engine.jobs.cancelAll();
  await engine.jobs.flush();
  engine.jobs.close();
  process.env.HOME = saved.HOME;
  if (saved.XDG_DATA_HOME === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = saved.XDG_DATA_HOME;
  await rm(dir, { recursive: true, force: true });
});

type RestoreReq = Omit<Parameters<AppApi['restores']['start']>[0], 'accountId' | 'targetDir'>;
const start = async (req: RestoreReq): Promise<Job> => {
  const started = await api.restores.start({ targetDir: join(dir, 'sites'), ...req, accountId });
  if (!started.ok) throw new Error(started.error.message);
  return started.value;
};
const restore = async (req: RestoreReq): Promise<Job> => engine.jobs.wait((await start(req)).id);
const list = async (checkNewer = false): Promise<LocalCopy[]> => {
  const r = await api.copies.list(checkNewer ? { checkNewer } : undefined);
  if (!r.ok) throw new Error(r.error.message);
  return [...r.value];
};

/** Bytes of every regular file under a folder (links not followed). */
async function fileBytes(root: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(root, { withFileTypes: true, recursive: true }))
    if (e.isFile()) total += (await lstat(join(e.parentPath, e.name))).size;
  return total;
}

describe('a restore registers its local copy', () => {
  it('with the site, environment, account, backup, deploy tag, branch and size on disk, and says so', async () => {
    await mkdir(join(dir, 'sites'));
    const job = await restore({
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['code', 'files', 'database'],
      branch: 'lifeboat/live-copy',
    });
    expect(job.state).toBe('succeeded');
    const record = JSON.parse(await readFile(join(job.outputPath!, 'lifeboat.json'), 'utf8'));
    const copies = await list();
    expect(copies).toHaveLength(1);
    const copy = copies[0]!;
    expect(copy).toMatchObject({
      path: job.outputPath,
      state: 'present',
      site: { id: record.site.id, name: 'acme-blog', framework: 'wordpress' },
      env: 'live',
      accountId,
      backup: { folder: record.backup.folder, scheduledFor: record.backup.scheduledFor },
      elements: ['code', 'database', 'files'],
      deployTag: 'pantheon_live_12',
      branch: 'lifeboat/live-copy',
      database: null,
      restoredAt: record.restoredAt,
      newerBackup: null,
    });
    expect(copy.sizeBytes).toBeGreaterThanOrEqual(await fileBytes(job.outputPath!));
    // The app heard of it when the job ended.
    await until(
      'copies.changed',
      async () => events.some((e) => e.copies.some((c) => c.id === copy.id)),
      10_000,
    );
    // Registry files are private to the user (not checked on Windows, which has no POSIX permission bits).
    const [file] = await readdir(join(dir, 'data', 'copies'));
    if (noPermissionBits === null)
      expect((await stat(join(dir, 'data', 'copies', file!))).mode & 0o777).toBe(0o600);
  });

  it('a second restore into the same folder (an update in place) updates that copy instead of adding one', async () => {
    // From an older backup first: an update from the backup a copy is already at is refused.
    const dana = clientFor(sandbox, DANA);
    const sets = await dana.listBackupSets(await dana.getSite('acme-blog'), 'dev');
    const older = sets.filter((s) => s.archives.files)[1]!;
    const first = await restore({
      site: 'acme-blog',
      env: 'dev',
      backup: older.folder,
      elements: ['files'],
      folderName: 'blog',
    });
    expect(first.state).toBe('succeeded');
    const before = (await list())[0]!;
    const second = await restore({
      site: 'acme-blog',
      env: 'dev',
      backup: 'latest',
      elements: ['files'],
      folderName: 'blog',
      updateInPlace: true,
    });
    expect(second.state).toBe('succeeded');
    const after = await list();
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before.id);
    expect(Date.parse(after[0]!.restoredAt)).toBeGreaterThan(Date.parse(before.restoredAt));
    const record = JSON.parse(await readFile(join(second.outputPath!, 'lifeboat.json'), 'utf8'));
    expect(after[0]!.restoredAt).toBe(record.restoredAt);
  });

  it('a failed restore registers nothing', async () => {
    sandbox.setFaults({ store: { corrupt: true, match: '_files.' } });
    const job = await restore({ site: 'acme-blog', env: 'live', backup: 'latest', elements: ['files'] });
    expect(job.state).toBe('failed');
    expect(await list()).toEqual([]);
  });

  it('a cancelled restore registers nothing', async () => {
    sandbox.setFaults({ store: { throttleBytesPerSecond: 100_000, match: '_files.' } });
    const job = await start({ site: 'acme-blog', env: 'live', backup: 'latest', elements: ['files'] });
    await until(
      'the download',
      async () => (await engine.jobs.get(job.id)).progress.phase === 'downloading',
      20_000,
    );
    await api.jobs.cancel({ jobId: job.id });
    expect((await engine.jobs.wait(job.id)).state).toBe('cancelled');
    expect(await list()).toEqual([]);
  });
});

describe('a copy’s state on disk', () => {
  it('is missing once its folder is moved or deleted, and replaced once another site’s restore is there', async () => {
    const a = await restore({ site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] });
    const b = await restore({
      site: 'acme-blog',
      env: 'test',
      backup: 'latest',
      elements: ['files'],
    });
    await rename(a.outputPath!, `${a.outputPath}-moved`);
    // A restore that did not go through the engine (so it registered nothing): another site, same folder.
    await rm(b.outputPath!, { recursive: true });
    const dana = clientFor(sandbox, DANA);
    await runRestore(
      { client: dana, site: await dana.getSite('globex-docs') },
      {
        site: 'globex-docs',
        env: 'live',
        backup: 'latest',
        elements: ['files'],
        targetDir: join(dir, 'sites'),
        folderName: 'acme-blog-test',
        include: [],
        exclude: [],
        updateInPlace: false,
      },
      { phase: () => undefined, part: () => undefined },
    );
    const byPath = new Map((await list()).map((c) => [c.path, c.state]));
    expect(byPath.get(a.outputPath!)).toBe('missing');
    expect(byPath.get(b.outputPath!)).toBe('replaced');
    // A folder without a lifeboat.json is not the copy either.
    await rm(join(b.outputPath!, 'lifeboat.json'));
    expect((await list()).find((c) => c.path === b.outputPath)!.state).toBe('replaced');
  });
});

describe('copies.remove and copies.forget', () => {
  it('remove moves the folder to the trash and forgets the copy; the event says so', async () => {
    const job = await restore({ site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] });
    const [copy] = await list();
    const seen = events.length;
    expect(await api.copies.remove({ copyId: copy!.id })).toEqual({ ok: true, value: null });
    await expect(lstat(job.outputPath!)).rejects.toMatchObject({ code: 'ENOENT' });
    // Only Linux's trash follows XDG_DATA_HOME (this test's own folder): on macOS and Windows it is the system's,
    // and the test checks only that the folder left its place (above).
    if (noXdgTrash === null) {
      const trash = join(home, '.local', 'share', 'Trash');
      const [trashed] = await readdir(join(trash, 'files'));
      expect(await readdir(join(trash, 'files', trashed!))).toContain('lifeboat.json');
      expect(await readFile(join(trash, 'info', `${trashed}.trashinfo`), 'utf8')).toContain(
        `Path=${encodeURI(job.outputPath!)}`,
      );
    }
    expect(await list()).toEqual([]);
    await until(
      'copies.changed',
      async () => events.length > seen && events.at(-1)!.copies.length === 0,
      10_000,
    );
  });

  it('remove refuses a replaced copy (conflict) and a missing one (not-found), and touches neither', async () => {
    const a = await restore({ site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] });
    const b = await restore({ site: 'acme-blog', env: 'test', backup: 'latest', elements: ['files'] });
    const copies = await list();
    const idOf = (path: string) => copies.find((c) => c.path === path)!.id;
    await rm(join(b.outputPath!, 'lifeboat.json'));
    await rm(a.outputPath!, { recursive: true });
    const replaced = await api.copies.remove({ copyId: idOf(b.outputPath!) });
    expect(replaced).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await readdir(b.outputPath!)).not.toHaveLength(0);
    const missing = await api.copies.remove({ copyId: idOf(a.outputPath!) });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect((await list()).map((c) => c.state).sort()).toEqual(['missing', 'replaced']);
    // Forget drops the entry only.
    expect(await api.copies.forget({ copyId: idOf(b.outputPath!) })).toEqual({ ok: true, value: null });
    expect(await readdir(b.outputPath!)).not.toHaveLength(0);
    expect((await list()).map((c) => c.path)).toEqual([a.outputPath]);
    // A bad id is refused by the schema.
    expect(await api.copies.forget({ copyId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
  });
});

describe('copies.list with checkNewer', () => {
  it('names a newer finished backup of the environment, and asks Pantheon once per environment in 10 minutes', async () => {
    await restore({ site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] });
    expect((await list(true))[0]!.newerBackup).toBeNull();
    const made = await api.backups.create({
      accountId,
      site: 'acme-blog',
      env: 'dev',
      elements: ['files'],
      keepForDays: 7,
    });
    if (!made.ok) throw new Error(made.error.message);
    expect((await engine.jobs.wait(made.value.id)).state).toBe('succeeded');
    // Remembered for 10 minutes: a new engine (the app started again) asks afresh.
    engine.jobs.close();
    engine = createEngine({
      dataDir: join(dir, 'data'),
      secrets: new KeytarSecretStore('Lifeboat-test-app'),
      retry: FAST_RETRY,
      minPollMs: 10,
      demo: async () => ({
        apiUrl: sandbox.apiUrl,
        tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
      }),
    });
    api = createApi(engine);
    await api.accounts.startDemo();
    const dana = clientFor(sandbox, DANA);
    const sets = await dana.listBackupSets(await dana.getSite('acme-blog'), 'dev');
    const newest = sets.filter((s) => s.finished).sort((x, y) => y.scheduledFor - x.scheduledFor)[0]!;
    const asked = () => requestsTo(sandbox, '/environments/dev/backups/catalog').length;
    const before = asked();
    const [copy] = await list(true);
    expect(asked()).toBe(before + 1);
    expect(copy!.newerBackup).toEqual({
      folder: newest.folder,
      scheduledFor: new Date(newest.scheduledFor * 1000).toISOString(),
    });
    expect(newest.folder).not.toBe(copy!.backup.folder);
    const again = await list(true);
    expect(again[0]!.newerBackup).toEqual(copy!.newerBackup);
    // Without checkNewer, the remembered answer is used and nothing is asked.
    expect((await list())[0]!.newerBackup).toEqual(copy!.newerBackup);
    expect(asked()).toBe(before + 1);
  });

  it('a backup made here is seen at once: the copy says "newer backup" and the app is told, without waiting out the cache', async () => {
    await restore({ site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] });
    // Asked once, remembered as "nothing newer" for 10 minutes.
    expect((await list(true))[0]!.newerBackup).toBeNull();
    events = [];
    const made = await api.backups.create({
      accountId,
      site: 'acme-blog',
      env: 'dev',
      elements: ['files'],
      keepForDays: 7,
    });
    if (!made.ok) throw new Error(made.error.message);
    expect((await engine.jobs.wait(made.value.id)).state).toBe('succeeded');
    const dana = clientFor(sandbox, DANA);
    const sets = await dana.listBackupSets(await dana.getSite('acme-blog'), 'dev');
    const newest = sets.filter((s) => s.finished).sort((x, y) => y.scheduledFor - x.scheduledFor)[0]!;
    // The app hears of it without asking: the event's copy names the new backup.
    await until(
      'copies.changed naming the new backup',
      async () => events.some((e) => e.copies[0]?.newerBackup?.folder === newest.folder),
      10_000,
    );
    expect((await list(true))[0]!.newerBackup?.folder).toBe(newest.folder);
  });

  it('a failing lookup leaves that copy’s newerBackup null and does not fail the list', async () => {
    await restore({ site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] });
    sandbox.setFaults({ api: { script: [{ path: '/backups/catalog', status: 403, times: 100 }] } });
    const copies = await list(true);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.newerBackup).toBeNull();
  });
});

describe('several processes on one registry', () => {
  it('two processes registering at once both land, and one folder stays one copy', async () => {
    const { spawn } = await import('node:child_process');
    const root = join(dir, 'many');
    await mkdir(join(root, 'shared'), { recursive: true });
    const child = (prefix: string) =>
      new Promise<number | null>((resolve, reject) => {
        const c = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(import.meta.dirname, 'register-child.ts'),
            join(dir, 'data'),
            root,
            prefix,
            '25',
          ],
          { cwd: join(import.meta.dirname, '..', '..', '..'), env: { ...process.env, NODE_OPTIONS: '' } },
        );
        c.stderr.resume();
        c.stdout.resume();
        c.once('error', reject);
        c.once('exit', resolve);
      });
    expect(await Promise.all([child('a'), child('b')])).toEqual([0, 0]);
    const paths = (await list()).map((c) => c.path);
    expect(paths).toHaveLength(51);
    for (const p of ['a', 'b']) for (let i = 0; i < 25; i++) expect(paths).toContain(join(root, `${p}-${i}`));
    expect(paths.filter((p) => p === join(root, 'shared'))).toHaveLength(1);
    // No temp file is left behind.
    expect((await readdir(join(dir, 'data', 'copies'))).filter((n) => !n.endsWith('.json'))).toEqual([]);
  });
});
