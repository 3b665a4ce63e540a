import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releaseLine, type Sandbox } from '../../../electron/sandbox';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import type { RestoreRequest } from '../../../electron/services/restore/plan';
import { clientFor, DANA, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';

const run = promisify(execFile);
let sandbox: Sandbox;
let dana: PantheonClient;
let dir: string;
const FAST = fastTransfer({ maxFailures: 6 });

beforeAll(async () => {
  sandbox = await testSandbox();
  dana = clientFor(sandbox, DANA);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-restore-'));
  sandbox.setFaults({});
  return () => rm(dir, { recursive: true, force: true });
});

/** A context that records phases and the last progress of each part. */
function recorder(signal?: AbortSignal) {
  const phases: string[] = [];
  const parts = new Map<string, [number, number | null]>();
  const ctx: RestoreContext = {
    ...(signal ? { signal } : {}),
    phase: (p) => {
      if (phases.at(-1) !== p) phases.push(p);
    },
    part: (key, _label, done, total) => parts.set(key, [done, total]),
  };
  return { ctx, phases, parts };
}

const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd })).stdout.trim();
const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');
const restore = async (
  client: PantheonClient,
  plan: Omit<RestoreRequest, 'targetDir'> & { targetDir?: string },
  signal?: AbortSignal,
) => {
  const r = recorder(signal);
  const site = await client.getSite(plan.site);
  const result = await runRestore(
    { client, site, options: { transfer: FAST, pollMs: 10 } },
    { targetDir: dir, ...plan },
    r.ctx,
  );
  return { ...r, result };
};

describe('a full restore of live', () => {
  it('checks out the newest live tag on a new branch, puts WordPress files in place and keeps the database archive', async () => {
    const { result, phases, parts } = await restore(dana, {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['code', 'database', 'files'],
      branch: 'lifeboat/live-snapshot',
    });
    const root = join(dir, 'acme-blog-live');
    expect(result.path).toBe(root);
    expect(await git(root, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('lifeboat/live-snapshot');
    expect(await git(root, 'rev-parse', 'HEAD')).toBe(
      await git(root, 'rev-parse', 'pantheon_live_12^{commit}'),
    );
    const site = sandbox.seed.sites.find((s) => s.name === 'acme-blog')!;
    expect(await readFile(join(root, 'RELEASE.txt'), 'utf8')).toBe(releaseLine(site, 13));
    expect((await readdir(join(root, 'wp-content', 'uploads'))).sort()).toEqual(
      expect.arrayContaining(['2024', 'documents']),
    );
    // Uploads are ignored by git, so the tree is clean apart from nothing.
    expect(await git(root, 'status', '--porcelain')).toBe('');
    const dbFiles = await readdir(join(root, 'database'));
    expect(dbFiles).toHaveLength(1);
    expect(await sha(join(root, 'database', dbFiles[0]!))).toBe(
      (await sandbox.archive('acme-blog', 'live', 'database')).sha256,
    );
    const record = JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8'));
    expect(record).toMatchObject({
      site: { name: 'acme-blog', framework: 'wordpress' },
      env: 'live',
      code: { branch: 'lifeboat/live-snapshot', tag: 'pantheon_live_12' },
      files: { path: 'wp-content/uploads' },
      database: { archive: `database/${dbFiles[0]}` },
    });
    expect(record.backup.folder).toBe(result.record.backup.folder);
    expect(Object.keys(record.archives)).toEqual(['code', 'database', 'files']);
    expect(phases).toEqual(['queued', 'downloading', 'checking-out', 'finishing']);
    for (const el of ['code', 'database', 'files']) expect(parts.get(el)?.[0]).toBe(parts.get(el)?.[1]);
    // No staging folder is left behind.
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
  });

  it('puts Drupal files in web/sites/default/files for a web docroot, and uses the default branch name', async () => {
    const { result } = await restore(dana, {
      site: 'globex-www',
      env: 'test',
      backup: 'latest',
      elements: ['code', 'files'],
    });
    const root = result.path;
    expect(await git(root, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(
      `lifeboat/test-${new Date().toLocaleDateString('sv-SE')}`, // the local day, not the UTC one
    );
    expect(await git(root, 'describe', '--tags', '--exact-match', 'HEAD')).toBe('pantheon_test_10');
    expect(await readdir(join(root, 'web', 'sites', 'default', 'files'))).toEqual(
      expect.arrayContaining(['pictures', '2024']),
    );
  });

  it('puts Drupal 7 files in sites/default/files and finds a repository with no top folder', async () => {
    const fran = clientFor(sandbox, FRAN);
    const { result } = await restore(fran, {
      site: 'fran-bakery',
      env: 'dev',
      backup: 'latest',
      elements: ['code', 'files'],
    });
    expect(await readdir(join(result.path, 'sites', 'default', 'files'))).toContain('pictures');
    expect(await git(result.path, 'log', '-1', '--format=%s')).toMatch(/^Release \d+$/);
  });

  it('restores a multidev branch', async () => {
    const { result } = await restore(dana, {
      site: 'acme-blog',
      env: 'feature-x',
      backup: 'latest',
      elements: ['code'],
    });
    expect(await readFile(join(result.path, 'MULTIDEV.txt'), 'utf8')).toBe('feature-x\n');
  });
});

describe('files only (the designer)', () => {
  it('puts the files in a plain folder, only the chosen folder', async () => {
    const { result } = await restore(dana, {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['files'],
      include: ['files_live/2024/'],
    });
    expect(await readdir(join(result.path, 'files'))).toEqual(['2024']);
    expect(await readdir(join(result.path, 'files', '2024'))).toEqual(['01', '03', '06']);
    // .lifeboat/ holds the files' manifest, which tells an update the person's own changes.
    expect(await readdir(result.path)).toEqual(['.lifeboat', 'files', 'lifeboat.json']);
  });

  it('leaves out excluded folders', async () => {
    const { result } = await restore(dana, {
      site: 'acme-blog',
      env: 'dev',
      backup: 'latest',
      elements: ['files'],
      exclude: ['media/', '2023'],
    });
    const names = await readdir(join(result.path, 'files'));
    expect(names).not.toContain('media');
    expect(names).not.toContain('2023');
    expect(names).toContain('2024');
  });
});

describe('refusals before anything is written', () => {
  it('refuses a non-empty target folder it was told to use', async () => {
    const root = join(dir, 'acme-blog-live');
    await mkdir(root);
    await writeFile(join(root, 'mine.txt'), 'keep me');
    const before = sandbox.requests.length;
    await expect(
      restore(dana, {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['code', 'files'],
        folderName: 'acme-blog-live',
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('already exists and is not empty'),
    });
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
    expect(await readFile(join(root, 'mine.txt'), 'utf8')).toBe('keep me');
    expect(sandbox.requests.slice(before).filter((r) => r.path.startsWith('/store/'))).toEqual([]);
  });

  it('refuses an invalid branch name', async () => {
    await expect(
      restore(dana, {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['code'],
        branch: 'bad..name',
      }),
    ).rejects.toMatchObject({ code: 'invalid-request' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses when the disk is too small, with the numbers', async () => {
    const site = await dana.getSite('acme-blog');
    const r = recorder();
    const err = await runRestore(
      { client: dana, site, options: { transfer: FAST, freeSpace: async () => 1024 } },
      {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['code', 'database', 'files'],
        targetDir: dir,
      },
      r.ctx,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'disk-full',
      message: expect.stringMatching(/needs about .* but only 1\.0 kB is free/),
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('says when no backup has the elements asked for', async () => {
    await expect(
      restore(dana, { site: 'dana-sandbox', env: 'dev', backup: 'latest', elements: ['code'] }),
    ).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('--backup new') });
  });
});

describe('damaged and hostile downloads', () => {
  it('fails a corrupt archive with an integrity error and leaves no restore behind', async () => {
    sandbox.setFaults({ store: { corrupt: true, match: '_files.' } });
    await expect(
      restore(dana, { site: 'acme-blog', env: 'live', backup: 'latest', elements: ['code', 'files'] }),
    ).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('the files archive is damaged'),
    });
    expect(await readdir(dir)).not.toContain('acme-blog-live');
    // The bad download is not kept for resuming.
    const staging = join(dir, '.acme-blog-live.lifeboat', 'downloads');
    expect((await readdir(staging)).filter((n) => n.includes('_files.'))).toEqual([]);
  });

  it('discards a finished download kept from an earlier run when it no longer checks out, so the next run succeeds', async () => {
    const site = await dana.getSite('acme-blog');
    const [latest] = await dana.listBackupSets(site, 'dev');
    const downloads = join(dir, '.acme-blog-dev.lifeboat', 'downloads');
    await mkdir(downloads, { recursive: true });
    const kept = join(downloads, latest!.archives.files!.filename);
    await writeFile(kept, 'not a gzip stream any more');
    await expect(
      restore(dana, { site: 'acme-blog', env: 'dev', backup: 'latest', elements: ['files'] }),
    ).rejects.toMatchObject({ code: 'integrity' });
    expect(await readdir(downloads).catch(() => [])).not.toContain(latest!.archives.files!.filename);
    const { result } = await restore(dana, {
      site: 'acme-blog',
      env: 'dev',
      backup: 'latest',
      elements: ['files'],
    });
    expect(await readdir(join(result.path, 'files'))).toContain('2024');
  });

  it('fails a truncated archive before extracting it', async () => {
    sandbox.setFaults({ store: { truncate: true, match: '_code.' } });
    await expect(
      restore(dana, { site: 'acme-blog', env: 'test', backup: 'latest', elements: ['code'] }),
    ).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('bytes in the catalog'),
    });
    expect(await readdir(dir)).not.toContain('acme-blog-test');
  });
});

describe('network faults during downloads', () => {
  it('resumes after drops at random offsets and ends byte-identical', async () => {
    sandbox.setFaults({ store: { dropAfterBytes: [2_000, 60_000], dropTimes: 6, seed: 11 } });
    const { result } = await restore(dana, {
      site: 'globex-docs',
      env: 'live',
      backup: 'latest',
      elements: ['database', 'files'],
    });
    const db = (await readdir(join(result.path, 'database')))[0]!;
    expect(await sha(join(result.path, 'database', db))).toBe(
      (await sandbox.archive('globex-docs', 'live', 'database')).sha256,
    );
    const ranges = sandbox.requests
      .filter((r) => r.path.includes('/globex-docs_live_') || r.path.includes('_live_'))
      .filter((r) => r.range);
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((r) => /^bytes=\d+-$/.test(r.range!))).toBe(true);
  });

  it('fetches a fresh URL when the signed one expires mid-download and continues from the same byte', async () => {
    // The link dies 150 ms after it is issued and the connection drops once after 100 kB (about 0.25 s in):
    // the reconnect must come with a fresh link and continue from the byte it reached.
    sandbox.setFaults({
      store: {
        expireUrlsAfterMs: 150,
        throttleBytesPerSecond: 400_000,
        dropAfterBytes: 100_000,
        dropTimes: 1,
        match: '_files.',
      },
    });
    const before = sandbox.requests.length;
    const { result } = await restore(dana, {
      site: 'acme-events',
      env: 'live',
      backup: 'latest',
      elements: ['files'],
    });
    const log = sandbox.requests.slice(before);
    const tokens = log.filter((r) => r.path.endsWith('/files/s3token'));
    expect(tokens.length).toBeGreaterThan(1);
    expect(log.filter((r) => r.path.startsWith('/store/')).map((r) => r.status)).toContain(403);
    const store = log.filter((r) => r.path.startsWith('/store/'));
    expect(store.map((r) => [r.status, r.range ?? null, r.dropped ?? false])).toEqual([
      [200, null, true],
      [403, 'bytes=100000-', false],
      [206, 'bytes=100000-', false],
    ]);
    expect((await readdir(join(result.path, 'files'))).length).toBeGreaterThan(0);
  });

  it('leaves a resumable .part on cancel, and the next run continues from it', async () => {
    sandbox.setFaults({ store: { throttleBytesPerSecond: 300_000, match: '_files.' } });
    const ac = new AbortController();
    const site = await dana.getSite('acme-events');
    const r1 = recorder(ac.signal);
    const plan: RestoreRequest = {
      site: 'acme-events',
      env: 'test',
      backup: 'latest',
      elements: ['files'],
      targetDir: dir,
    };
    const first = runRestore({ client: dana, site, options: { transfer: FAST } }, plan, r1.ctx);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if ((r1.parts.get('files')?.[0] ?? 0) > 50_000) {
          clearInterval(t);
          resolve();
        }
      }, 10);
    });
    ac.abort();
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    const downloads = join(dir, '.acme-events-test.lifeboat', 'downloads');
    const part = (await readdir(downloads)).find((n) => n.endsWith('.part'))!;
    const kept = (await stat(join(downloads, part))).size;
    expect(kept).toBeGreaterThan(50_000);
    expect(await readdir(dir)).not.toContain('acme-events-test');
    sandbox.setFaults({});
    const before = sandbox.requests.length;
    const r2 = recorder();
    const second = await runRestore({ client: dana, site, options: { transfer: FAST } }, plan, r2.ctx);
    expect(second.resumedBytes).toBe(kept);
    const ranged = sandbox.requests.slice(before).filter((r) => r.path.startsWith('/store/'));
    expect(ranged[0]!.range).toBe(`bytes=${kept}-`);
    expect(await readdir(join(second.path, 'files'))).toEqual(expect.arrayContaining(['2024', 'media']));
  });
});

describe('the preview', () => {
  it('lists writes and conflicts without touching the disk, even a stale .part', async () => {
    const { previewRestore } = await import('../../../electron/services/restore/plan');
    const site = await dana.getSite('acme-blog');
    const downloads = join(dir, '.acme-blog-live.lifeboat', 'downloads');
    await mkdir(downloads, { recursive: true });
    // A .part with this backup's file name but metadata of another download: a real download would discard it.
    const [latest] = await dana.listBackupSets(site, 'live');
    const name = latest!.archives.files!.filename;
    await writeFile(join(downloads, `${name}.part`), 'from another backup');
    await writeFile(join(downloads, `${name}.part.json`), JSON.stringify({ identity: 'other/x', size: 1 }));
    await mkdir(join(dir, 'acme-blog-live'));
    await writeFile(join(dir, 'acme-blog-live', 'mine.txt'), 'x');
    const p = await previewRestore(
      { client: dana, site },
      {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['code', 'files'],
        targetDir: dir,
        folderName: 'acme-blog-live',
        branch: 'bad..name',
      },
    );
    expect(p.conflicts.map((c) => c.kind).sort()).toEqual(['branch', 'folder']);
    expect(p.writes[0]).toMatchObject({ kind: 'folder', target: join(dir, 'acme-blog-live') });
    expect(p.downloadBytes).toBeGreaterThan(0);
    expect((await readdir(downloads)).sort()).toEqual([`${name}.part`, `${name}.part.json`]);
  });
});

describe('names that are free', () => {
  it('a new restore goes into the first folder name that does not exist yet; naming a copy’s folder offers its update', async () => {
    const { previewRestore } = await import('../../../electron/services/restore/plan');
    const site = await dana.getSite('acme-blog');
    const req = {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest' as const,
      elements: ['code', 'files'] as ('code' | 'files')[],
      targetDir: dir,
    };
    expect((await previewRestore({ client: dana, site }, req)).path).toBe(join(dir, 'acme-blog-live'));
    const first = await restore(dana, req);
    expect(first.result.path).toBe(join(dir, 'acme-blog-live'));
    // Taken now: the next restore's default is -2 (an empty folder of that name counts as taken too).
    await mkdir(join(dir, 'acme-blog-live-2'));
    const p = await previewRestore({ client: dana, site }, req);
    expect(p.path).toBe(join(dir, 'acme-blog-live-3'));
    expect(p.conflicts).toEqual([]);
    // Naming the copy's folder is a conflict that names the action Lifeboat offers for it.
    const named = await previewRestore({ client: dana, site }, { ...req, folderName: 'acme-blog-live' });
    expect(named.conflicts.map((c) => c.message)).toEqual([
      expect.stringContaining(
        `Choose another folder name, or update that copy from a newer backup (Local copies > Update, or lifeboat copies update ${join(dir, 'acme-blog-live')})`,
      ),
    ]);
  });
});

describe('updating a restore in place', () => {
  it('checks out a new branch and refreshes files one by one, keeping a local edit aside and the previous record', async () => {
    const first = await restore(dana, {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['code', 'files'],
      branch: 'snapshot-1',
    });
    const root = first.result.path;
    await writeFile(join(root, 'wp-content', 'uploads', 'my-local-edit.txt'), 'keep me');
    const older = (await dana.listBackupSets(await dana.getSite('acme-blog'), 'live')).find(
      (s) => s.initiator === 'manual' && s.archives.code,
    )!;
    const update = {
      site: 'acme-blog',
      env: 'live',
      backup: { folder: older.folder },
      elements: ['code', 'files'] as const,
      branch: 'snapshot-2',
      updateInPlace: true,
    };
    // A file of the person's in the files folder stops the update, before anything is downloaded.
    await expect(restore(dana, { ...update, elements: [...update.elements] })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('my-local-edit.txt'),
    });
    const done = await restore(dana, { ...update, elements: [...update.elements], replaceLocalEdits: true });
    expect((await git(root, 'branch', '--list')).split('\n').map((b) => b.replace(/^[* ]+/, ''))).toEqual(
      expect.arrayContaining(['snapshot-1', 'snapshot-2']),
    );
    // The new branch is checked out (the tree was clean).
    expect(await git(root, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('snapshot-2');
    expect(await git(root, 'status', '--porcelain')).toBe('');
    const previous = (await readdir(join(root, 'wp-content'))).find((n) => n.startsWith('uploads.before-'))!;
    expect(await readdir(join(root, 'wp-content', previous))).toEqual(['my-local-edit.txt']);
    expect(await readFile(join(root, 'wp-content', previous, 'my-local-edit.txt'), 'utf8')).toBe('keep me');
    expect(await readdir(join(root, 'wp-content', 'uploads'))).toContain('2024');
    expect(done.result.refresh).toMatchObject({ added: 0, replaced: 0, removed: 1 });
    expect(done.result.refresh!.keptAside).toEqual({
      folder: join(root, 'wp-content', previous),
      count: 1,
      paths: ['my-local-edit.txt'],
    });
    const record = JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8'));
    expect(record.backup.folder).toBe(older.folder);
    expect(record.files.keptAside).toEqual({ path: `wp-content/${previous}`, count: 1 });
    expect(record.previous[0].code.branch).toBe('snapshot-1');
  });

  it('refuses to update a folder that is not a Lifeboat restore', async () => {
    await mkdir(join(dir, 'acme-blog-live'));
    await writeFile(join(dir, 'acme-blog-live', 'x.txt'), 'mine');
    await expect(
      restore(dana, {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['files'],
        updateInPlace: true,
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('not a Lifeboat restore'),
    });
  });
});

describe('a new backup first', () => {
  it('creates the backup, waits for it and restores from it', async () => {
    const { result, phases } = await restore(dana, {
      site: 'acme-events',
      env: 'dev',
      backup: 'new',
      elements: ['database'],
      keepForDays: 7,
    });
    expect(phases).toContain('creating-backup');
    expect(result.record.backup.initiator).toBe('manual');
    const sets = await dana.listBackupSets(await dana.getSite('acme-events'), 'dev');
    expect(sets[0]!.folder).toBe(result.record.backup.folder);
  });
});
