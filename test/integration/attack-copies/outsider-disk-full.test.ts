// An outsider's attack on "never stops half way": the disk fills up during the apply. Here Lifeboat's own folder in
// the copy (`.lifeboat/`) is a tiny file system of its own (tmpfs, one page, already full), so the very last step of
// the apply, writing the new manifest, fails with ENOSPC after the code was checked out and the uploads moved.
// The undo starts by putting the old manifest back, which needs space too; it stops there, so the checkout and
// every rename (none of which needs a byte of space) stay done: the copy is left half updated, and the next plan
// says "Nothing else was changed". Root only (mount); skipped elsewhere.
import { execFileSync } from 'node:child_process';
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeGit } from '../../helpers/hostile-git';
import { clientFor, DANA } from '../../helpers/sandbox';
import { changedFiles, newBackup, snapshot } from '../restore/newer-backup';
import { updateKit, type UpdateKit } from './update-kit';

let k: UpdateKit;
beforeEach(async () => void (k = await updateKit()));
afterEach(() => k.close());

describe('the disk fills up in the middle of the apply', () => {
  it('the failed update leaves the copy exactly as it was', async (ctx) => {
    // The newer backup changed every image: each one is replaced, the old one kept aside.
    await changedFiles(k.sandbox, 'acme-blog', 'live', k.dir, async (files) => {
      for (const p of await readdir(files, { recursive: true }))
        if (p.endsWith('.png')) await writeFile(join(files, p), `the newer ${p}`);
    });
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    const own = join(k.copy, '.lifeboat');
    const manifest = join(k.dir, 'files.json');
    await copyFile(join(own, 'files.json'), manifest);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', own], { stdio: 'ignore' });
    } catch (e) {
      return ctx.skip(`cannot mount a small tmpfs here: ${(e as Error).message}`);
    }
    try {
      await copyFile(manifest, join(own, 'files.json'));
      const branch = await safeGit(k.copy, 'rev-parse', '--abbrev-ref', 'HEAD');
      const before = await snapshot(k.copy);

      const done = await k.update();
      expect(done).toMatchObject({ state: 'failed' });

      // Today: the new branch checked out, 15 images replaced and kept aside, the code's files changed.
      expect(await safeGit(k.copy, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(branch);
      expect((await readdir(join(k.copy, 'wp-content'))).filter((n) => n.includes('.before-'))).toEqual([]);
      expect(await snapshot(k.copy)).toEqual(before);
    } finally {
      execFileSync('umount', ['-l', own]);
    }
  });
});
