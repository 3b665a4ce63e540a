// ATTACKS on "Update from a newer backup", each against the promise "every conflict is found before the first
// byte, and the update never stops half way: a failure leaves the copy as it was, nothing of the person's lost":
// - the person keeps working in the copy while the update downloads: a branch of the planned name appears, a
//   tracked file is edited (both after the checks made under the lock);
// - a file, and a folder, of the copy's files folder replaced by symbolic links to outside the copy;
// - a new backup whose code puts a link where the files folder is, pointing outside the copy.
// (A process killed in the middle of the apply: test/integration/cli/copies-update.test.ts.)
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import { safeGit } from '../../helpers/hostile-git';
import { clientFor, DANA } from '../../helpers/sandbox';
import { until } from '../../helpers/until';
import { changedFiles, newBackup, snapshot } from '../restore/newer-backup';
import { updateKit, type UpdateKit } from './update-kit';
import { itUnless, noSymlinks } from '../../helpers/platform';

let k: UpdateKit;
beforeEach(async () => void (k = await updateKit()));
afterEach(() => k.close());

const uploads = (...rel: string[]) => join(k.copy, 'wp-content', 'uploads', ...rel);
const asideFolders = async () =>
  (await readdir(join(k.copy, 'wp-content'))).filter((n) => n.startsWith('uploads.before-'));

describe('the person works in the copy while the update downloads', () => {
  it('a branch of the planned name, and an edit of a tracked file, stop it before the checkout; both are kept', async () => {
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    const plan = await k.preview();
    expect(plan.conflicts).toEqual([]);
    // Slow downloads: the checks under the lock are over long before they end.
    k.sandbox.setFaults({ store: { throttleBytesPerSecond: 200_000 } });
    const job = await k.start();
    await until(
      'the download',
      async () => (await k.engine.jobs.get(job.id)).progress.phase === 'downloading',
      20_000,
      10,
    );
    await safeGit(k.copy, 'branch', plan.branch!);
    await writeFile(join(k.copy, 'RELEASE.txt'), 'my unsaved work\n');
    const mine = await snapshot(k.copy);
    k.sandbox.setFaults({});
    const done = await k.engine.jobs.wait(job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'conflict', message: expect.stringContaining(plan.branch!) });
    // Nothing of the update is left, and everything of the person's is as they left it.
    expect(await snapshot(k.copy)).toEqual(mine);
    expect(await readFile(join(k.copy, 'RELEASE.txt'), 'utf8')).toBe('my unsaved work\n');
    expect(await asideFolders()).toEqual([]);
  });

  it('an edit of a tracked file alone stops it too, and is not checked out over', async () => {
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    k.sandbox.setFaults({ store: { throttleBytesPerSecond: 200_000 } });
    const job = await k.start();
    await until(
      'the download',
      async () => (await k.engine.jobs.get(job.id)).progress.phase === 'downloading',
      20_000,
      10,
    );
    await writeFile(join(k.copy, 'RELEASE.txt'), 'my unsaved work\n');
    const mine = await snapshot(k.copy);
    k.sandbox.setFaults({});
    const done = await k.engine.jobs.wait(job.id);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'conflict' } });
    expect(done.error!.message).toContain('uncommitted change');
    expect(await snapshot(k.copy)).toEqual(mine);
  });
});

describe('links in the files folder', () => {
  itUnless(noSymlinks())(
    'a file and a folder replaced by links to outside: listed as local edits; replaced, the links go aside and outside stays',
    async () => {
      const outside = join(k.dir, 'outside');
      await mkdir(join(outside, 'dir'), { recursive: true });
      await writeFile(join(outside, 'precious.txt'), 'mine');
      await writeFile(join(outside, 'dir', 'keep.txt'), 'mine too');
      await rm(uploads('2024', '01', 'photo-2-1.png'));
      await symlink(join(outside, 'precious.txt'), uploads('2024', '01', 'photo-2-1.png'));
      await rm(uploads('2024', '03'), { recursive: true });
      await symlink(join(outside, 'dir'), uploads('2024', '03'));
      // The newer backup changes both: the photo, and a file in the folder.
      await changedFiles(k.sandbox, 'acme-blog', 'live', k.dir, async (files) => {
        await writeFile(join(files, '2024', '01', 'photo-2-1.png'), 'new photo');
        await writeFile(join(files, '2024', '03', 'photo-3-1.png'), 'new photo 3');
      });
      await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');

      const plan = await k.preview();
      expect(plan.conflicts).toEqual([
        expect.objectContaining({
          kind: 'files',
          message: expect.stringContaining('2024/01/photo-2-1.png, 2024/03'),
        }),
      ]);
      const done = await k.update({ replaceLocalEdits: true });
      expect(done).toMatchObject({ state: 'succeeded' });
      // Outside the copy: not a byte changed, nothing added.
      expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('mine');
      expect((await readdir(outside, { recursive: true })).sort()).toEqual([
        'dir',
        'dir/keep.txt',
        'precious.txt',
      ]);
      // In the copy: real files and folders from the backup; the links kept aside as links.
      expect((await lstat(uploads('2024', '01', 'photo-2-1.png'))).isFile()).toBe(true);
      expect(await readFile(uploads('2024', '01', 'photo-2-1.png'), 'utf8')).toBe('new photo');
      expect((await lstat(uploads('2024', '03'))).isDirectory()).toBe(true);
      expect(await readFile(uploads('2024', '03', 'photo-3-1.png'), 'utf8')).toBe('new photo 3');
      const [aside] = await asideFolders();
      const kept = join(k.copy, 'wp-content', aside!);
      expect(await readlink(join(kept, '2024', '01', 'photo-2-1.png'))).toBe(join(outside, 'precious.txt'));
      expect(await readlink(join(kept, '2024', '03'))).toBe(join(outside, 'dir'));
    },
  );
});

describe('a new backup whose code points the files folder outside the copy', () => {
  itUnless(noSymlinks())('is refused before anything is checked out or moved', async () => {
    const outside = join(k.dir, 'sites', 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'precious.txt'), 'mine');
    // The newest deploy's commit makes wp-content/uploads a link out of the copy.
    const built = await k.sandbox.archive('acme-blog', 'live', 'code');
    const root = join(k.dir, 'evil-code');
    await mkdir(root);
    await tar.x({ file: built.path, cwd: root });
    const [top] = await readdir(root);
    const repo = join(root, top!);
    await safeGit(repo, 'checkout', '--quiet', '--detach', k.tags.newest);
    await rm(join(repo, 'wp-content', 'uploads'), { recursive: true, force: true });
    await symlink('../../outside', join(repo, 'wp-content', 'uploads'));
    await safeGit(repo, 'add', '-f', 'wp-content/uploads');
    await safeGit(repo, 'commit', '--quiet', '-m', 'Deploy');
    await safeGit(repo, 'tag', '-f', k.tags.newest);
    await tar.c({ gzip: true, file: `${root}.tar.gz`, cwd: root, portable: true }, [top!]);
    k.sandbox.serveArchive('acme-blog', 'live', 'code', `${root}.tar.gz`);
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    const before = await snapshot(k.copy);

    const done = await k.update();
    expect(done).toMatchObject({
      state: 'failed',
      error: { code: 'hostile-archive', message: expect.stringContaining('wp-content/uploads') },
    });
    expect(await snapshot(k.copy)).toEqual(before);
    expect(await readdir(outside)).toEqual(['precious.txt']);
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('mine');
  });
});
