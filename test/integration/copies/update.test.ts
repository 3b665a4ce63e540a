// "Update from a newer backup" through the app's contract (copies.previewUpdate / copies.update): a real restore
// from the sandbox on 127.0.0.1, a newer backup made there (a deploy to live since, changed uploads), real git and
// real files. The preview is the update's own plan; the job carries it out.
import { lstat, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { Engine } from '../../../electron/services/engine';
import type { AppApi } from '../../../shared/api/contract';
import type { Job, LocalCopy, RestorePreview } from '../../../shared/models';
import { appUnderTest } from '../../helpers/app-engine';
import { safeGit } from '../../helpers/hostile-git';
import { clientFor, DANA, requestsTo, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { changedFiles, codeOneDeployBehind, newBackup, snapshot, unwritable } from '../restore/newer-backup';

let sandbox: Sandbox;
let dir: string;
let engine: Engine;
let api: AppApi;
let accountId: string;

beforeEach(async () => {
  // A sandbox per test: each serves archives of its own (a newer backup's).
  sandbox = await testSandbox();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-update-'));
  ({ engine, api, accountId } = await appUnderTest(sandbox, join(dir, 'data'), { transfer: fastTransfer() }));
});
afterEach(async () => {
  engine.jobs.cancelAll();
  await engine.jobs.flush();
  engine.jobs.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const sites = () => join(dir, 'sites');
const restore = async (): Promise<Job> => {
  const started = await api.restores.start({
    accountId,
    site: 'acme-blog',
    env: 'live',
    backup: 'latest',
    elements: ['code', 'files'],
    targetDir: sites(),
  });
  if (!started.ok) throw new Error(started.error.message);
  return engine.jobs.wait(started.value.id);
};
const theCopy = async (): Promise<LocalCopy> => {
  const r = await api.copies.list();
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value).toHaveLength(1);
  return r.value[0]!;
};
const preview = async (req: Omit<Parameters<AppApi['copies']['previewUpdate']>[0], 'copyId'> = {}) => {
  const r = await api.copies.previewUpdate({ copyId: (await theCopy()).id, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const update = async (
  req: Omit<Parameters<AppApi['copies']['update']>[0], 'copyId'> = {},
): Promise<Job | { refused: string; message: string }> => {
  const r = await api.copies.update({ copyId: (await theCopy()).id, ...req });
  if (!r.ok) return { refused: r.error.code, message: r.error.message };
  return engine.jobs.wait(r.value.id);
};
const kinds = (p: RestorePreview) => p.conflicts.map((c) => c.kind);

const uploads = (copy: string, ...rel: string[]) => join(copy, 'wp-content', 'uploads', ...rel);

describe('copies.update: a first-class restore of the same copy', () => {
  it('checks out a new branch at the new deploy tag, refreshes the files one by one and lists what it kept aside', async () => {
    // The copy is one deploy behind live: restored while live ran pantheon_live_11.
    const code = await codeOneDeployBehind(sandbox, 'acme-blog', 'live', dir);
    const first = await restore();
    expect(first.state).toBe('succeeded');
    const copy = first.outputPath!;
    const before = await theCopy();
    expect(before.deployTag).toBe(code.older);
    const today = new Date().toLocaleDateString('sv-SE');
    expect(before.branch).toBe(`lifeboat/live-${today}`);
    const unchanged = uploads(copy, '2024', '01', 'photo-2-1.png');
    const unchangedInode = (await stat(unchanged)).ino;

    // Then live is deployed again and the uploads change: one photo edited, one document gone, one photo added.
    code.restore();
    await changedFiles(sandbox, 'acme-blog', 'live', dir, async (files) => {
      await writeFile(join(files, '2024', '03', 'photo-3-1.png'), 'a new version of the photo');
      await rm(join(files, 'documents', 'price-list.csv'));
      await writeFile(join(files, '2025', '02', 'photo-new.png'), 'new');
    });
    const newer = await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    const listed = await api.copies.list({ checkNewer: true });
    expect(listed.ok && listed.value[0]!.newerBackup?.folder).toBe(newer);

    // The preview is the update's plan: the next free branch name (today's is taken by the first restore).
    const plan = await preview();
    expect(plan.conflicts).toEqual([]);
    expect(plan).toMatchObject({ update: true, backupFolder: newer, branch: `lifeboat/live-${today}-2` });
    expect(plan.writes.find((w) => w.kind === 'branch')!.description).toContain('checked out');
    expect(plan.writes.find((w) => w.target === uploads(copy))!.description).toContain('.before-<time>/');

    const job = await update();
    expect(job).toMatchObject({ state: 'succeeded', outputPath: copy });
    // The new branch, at the new deploy tag, checked out; the tree clean.
    expect(await safeGit(copy, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`lifeboat/live-${today}-2`);
    expect(await safeGit(copy, 'describe', '--tags', '--exact-match', 'HEAD')).toBe(code.newest);
    expect(await safeGit(copy, 'status', '--porcelain')).toBe('');
    // A file whose size and time are the new archive's was not rewritten.
    expect((await stat(unchanged)).ino).toBe(unchangedInode);
    expect(await readFile(uploads(copy, '2024', '03', 'photo-3-1.png'), 'utf8')).toBe(
      'a new version of the photo',
    );
    expect(await readFile(uploads(copy, '2025', '02', 'photo-new.png'), 'utf8')).toBe('new');
    await expect(lstat(uploads(copy, 'documents', 'price-list.csv'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    // What it replaced or removed, kept aside under its relative path, and listed in lifeboat.json.
    const [aside] = (await readdir(join(copy, 'wp-content'))).filter((n) => n.startsWith('uploads.before-'));
    const kept = join(copy, 'wp-content', aside!);
    expect((await readdir(kept, { recursive: true })).sort()).toEqual(
      ['2024', '2024/03', '2024/03/photo-3-1.png', 'documents', 'documents/price-list.csv'].sort(),
    );
    expect(await readFile(join(kept, 'documents', 'price-list.csv'), 'utf8')).toContain('bread');
    const record = JSON.parse(await readFile(join(copy, 'lifeboat.json'), 'utf8'));
    expect(record.files).toMatchObject({
      refreshed: { added: 1, replaced: 1, removed: 1 },
      keptAside: { path: `wp-content/${aside}`, count: 2 },
    });
    expect(record.previous[0].backup.folder).toBe(before.backup.folder);
    // The registry's copy is the same copy, updated.
    const after = await theCopy();
    expect(after).toMatchObject({
      id: before.id,
      deployTag: code.newest,
      branch: `lifeboat/live-${today}-2`,
      backup: { folder: newer },
      // What the app shows after an update: the counts, and the absolute folder the replaced files are kept in.
      lastUpdate: { added: 1, replaced: 1, removed: 1, keptAside: { path: kept, count: 2 } },
    });
    expect(before.lastUpdate).toBeNull();

    // Nothing newer: the next update says so. Lifeboat's own folder of kept files is not a change of the person's.
    const again = await preview();
    expect(again.conflicts).toEqual([
      expect.objectContaining({
        kind: 'backup',
        code: 'conflict',
        message: expect.stringContaining('already at'),
      }),
    ]);
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    const third = await preview();
    expect(third.conflicts).toEqual([]);
    expect(third.branch).toBe(`lifeboat/live-${today}-3`);
  });

  it('finds every conflict before the first byte: uncommitted code, local edits in the files', async () => {
    const code = await codeOneDeployBehind(sandbox, 'acme-blog', 'live', dir);
    const copy = (await restore()).outputPath!;
    code.restore();
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    await writeFile(join(copy, 'RELEASE.txt'), 'my change\n');
    await writeFile(uploads(copy, 'my-notes.txt'), 'mine');
    await writeFile(uploads(copy, '2024', '01', 'photo-2-1.png'), 'edited');
    const state = await snapshot(copy);
    const downloads = requestsTo(sandbox, '/store/').length;

    const plan = await preview();
    expect(kinds(plan).sort()).toEqual(['clone', 'files']);
    expect(plan.conflicts.find((c) => c.kind === 'clone')!.message).toContain(
      'uncommitted change in its code (RELEASE.txt); commit or stash them first',
    );
    const files = plan.conflicts.find((c) => c.kind === 'files')!;
    expect(files.message).toContain('2 files');
    expect(files.message).toContain('2024/01/photo-2-1.png, my-notes.txt');
    expect(files.message).toContain('Replace local edits');
    expect(await update()).toMatchObject({ refused: 'conflict' });
    expect(requestsTo(sandbox, '/store/').length).toBe(downloads);
    expect(await snapshot(copy)).toEqual(state);

    // Committed, and the edits replaced on purpose: they are kept aside, not lost.
    await safeGit(copy, 'commit', '--quiet', '-am', 'my change');
    const ok = await update({ replaceLocalEdits: true });
    expect(ok).toMatchObject({ state: 'succeeded' });
    const [aside] = (await readdir(join(copy, 'wp-content'))).filter((n) => n.startsWith('uploads.before-'));
    expect(await readFile(join(copy, 'wp-content', aside!, 'my-notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(join(copy, 'wp-content', aside!, '2024', '01', 'photo-2-1.png'), 'utf8')).toBe(
      'edited',
    );
    expect(await readFile(uploads(copy, '2024', '01', 'photo-2-1.png'))).not.toEqual(Buffer.from('edited'));
  });

  it('refuses a copy whose folder is gone, saying what to do', async () => {
    const copy = (await restore()).outputPath!;
    const id = (await theCopy()).id;
    await rm(copy, { recursive: true });
    const r = await api.copies.previewUpdate({ copyId: id });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: expect.stringContaining('Forget the copy') },
    });
    expect(await update()).toMatchObject({ refused: 'not-found' });
  });
});

describe('an update never stops half way', () => {
  it('a folder it cannot change, met after the checkout and some moves, leaves the copy exactly as it was', async (ctx) => {
    const code = await codeOneDeployBehind(sandbox, 'acme-blog', 'live', dir);
    const copy = (await restore()).outputPath!;
    code.restore();
    // Files change in several folders, so some are moved before the one that cannot be.
    await changedFiles(sandbox, 'acme-blog', 'live', dir, async (files) => {
      for (const m of ['2023/11', '2024/01', '2024/03', '2024/06', '2025/02'])
        await writeFile(
          join(
            files,
            m,
            `photo-${['2023/11', '2024/01', '2024/03', '2024/06', '2025/02'].indexOf(m) + 1}-2.png`,
          ),
          `new ${m}`,
        );
      await writeFile(join(files, 'documents', 'added.txt'), 'added');
    });
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    const state = await snapshot(copy);
    const locked = await unwritable(uploads(copy, '2024', '06'));
    if ('skip' in locked) return ctx.skip(locked.skip);
    let job: Awaited<ReturnType<typeof update>>;
    try {
      job = await update();
    } finally {
      await locked.undo();
    }
    expect(job).toMatchObject({ state: 'failed' });
    // Everything undone: the branch checked out, the files moved aside and in, the record.
    expect(await snapshot(copy)).toEqual(state);
    expect((await readdir(join(copy, 'wp-content'))).filter((n) => n.includes('.before-'))).toEqual([]);
    // The downloads are kept for the next try, which then succeeds.
    const staging = join(sites(), '.acme-blog-live.lifeboat');
    expect((await readdir(staging)).sort()).toEqual(['downloads', 'restore.json']);
    expect(await update()).toMatchObject({ state: 'succeeded' });
    expect(await safeGit(copy, 'describe', '--tags', '--exact-match', 'HEAD')).toBe(code.newest);
  });
});
