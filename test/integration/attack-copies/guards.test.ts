// Attacks on `lifeboat copies` that the code withstood (kept as guards): forged registry files pointing at the
// home folder, the data folder or a copy's parent; a copy folder swapped for a link to another copy of the same
// site; glob characters in a folder name; FIFOs and a huge file where the registry or a copy expects JSON; two
// removes of one copy at once.
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyIdOf } from '../../../electron/services/copies/registry';
import { scratch, stored, type Scratch } from './lib';
import { describeUnless, itUnless, noFifos, noSymlinks, onWindows } from '../../helpers/platform';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

const isDir = (p: string) =>
  lstat(p).then(
    (st) => st.isDirectory(),
    () => false,
  );

describe('copies remove never trashes what is not the copy', () => {
  it('refuses forged entries for the home folder, the data folder and a copy’s parent, even with a forged lifeboat.json', async () => {
    const sites = join(s.dir, 'sites');
    const copy = await s.pull('acme-blog.live', sites);
    const [real] = await s.list();
    const lifeboatJson = await import('node:fs/promises').then((f) =>
      f.readFile(join(copy, 'lifeboat.json')),
    );
    // The forger also plants the copy's own lifeboat.json where it would make the folder look like the copy.
    for (const target of [s.home, s.data]) {
      await writeFile(join(target, 'lifeboat.json'), lifeboatJson);
      await s.forge(target, stored(real!));
    }
    await s.forge(sites, stored(real!)); // the parent: no lifeboat.json of its own
    for (const target of [s.home, s.data, sites]) {
      const r = await s.run(['copies', 'remove', target, '--yes']);
      expect({ target, code: r.code }).toEqual({ target, code: 7 }); // conflict
      expect(r.stderr).toMatch(/does not move it to the trash|no longer holds this restore/);
      expect(await isDir(target)).toBe(true);
    }
    await s.expectTrashed(0);
    expect(await isDir(copy)).toBe(true);
  });

  itUnless(noSymlinks())(
    'refuses a copy folder swapped for a link to another copy of the same site and environment',
    async () => {
      const a = await s.pull('acme-blog.live', join(s.dir, 'a'));
      const b = await s.pull('acme-blog.live', join(s.dir, 'b'));
      await rename(a, `${a}-moved`);
      await symlink(b, a);
      expect((await s.list()).find((c) => c.path === a)?.state).toBe('replaced');
      const r = await s.run(['copies', 'remove', a, '--yes']);
      expect(r.code).toBe(7); // conflict
      expect(await isDir(b)).toBe(true);
      await s.expectTrashed(0);
    },
  );

  itUnless(onWindows ? 'Windows allows no * in a file name' : null)(
    'moves only the folder named with glob characters, not the ones it would match',
    async () => {
      const sites = join(s.dir, 'sites');
      await s.pull('acme-blog.live', sites, '--folder', 'a*');
      await s.pull('acme-blog.live', sites, '--folder', 'ab');
      const r = await s.run(['copies', 'remove', join(sites, 'a*'), '--yes']);
      expect(r.code).toBe(0);
      expect(await readdir(sites)).toEqual(['ab']);
      await s.expectTrashed(1);
    },
  );

  it('two removes of one copy at once move it once and leave a consistent list', async () => {
    const copy = await s.pull('acme-blog.live', join(s.dir, 'sites'));
    const [r1, r2] = await Promise.all([1, 2].map(() => s.run(['copies', 'remove', copy, '--yes'])));
    expect([r1!.code, r2!.code]).toContain(0);
    expect(await isDir(copy)).toBe(false);
    await s.expectTrashed(1);
    expect(await s.list()).toEqual([]);
  });
});

describeUnless(noFifos)('copies list withstands what is not JSON', () => {
  it('skips or marks FIFOs and a huge registry file, and never hangs', async () => {
    const copy = await s.pull('acme-blog.live', join(s.dir, 'sites'));
    const [real] = await s.list();
    const dir = join(s.data, 'copies');
    // A FIFO under a registry file's name, and a 10 MB "registry file".
    execFileSync('mkfifo', [join(dir, `${copyIdOf('/nowhere/fifo')}.json`)]);
    await writeFile(join(dir, `${copyIdOf('/nowhere/huge')}.json`), Buffer.alloc(10 * 1024 * 1024, 32));
    // A copy whose lifeboat.json became a FIFO, and an entry whose path is a FIFO.
    const other = join(s.dir, 'fifo-copy');
    await mkdir(other);
    execFileSync('mkfifo', [join(other, 'lifeboat.json')]);
    await s.forge(other, stored(real!));
    execFileSync('mkfifo', [join(s.dir, 'pipe')]);
    await s.forge(join(s.dir, 'pipe'), stored(real!));

    const listed = await s.list();
    expect(Object.fromEntries(listed.map((c) => [c.path, c.state]))).toEqual({
      [copy]: 'present',
      [other]: 'replaced',
      [join(s.dir, 'pipe')]: 'replaced',
    });
  });
});
