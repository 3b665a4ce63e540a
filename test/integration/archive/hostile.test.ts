import {
  lstat,
  mkdir,
  mkdtemp,
  opendir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz, type ExtractOptions } from '../../../electron/services/archive/extract';
import type { FreeSpaceProbe } from '../../../electron/services/transfer/disk';
import {
  hardlinkToSymlink,
  longName,
  setuidFile,
  symlinkChain,
  type Through,
  zipBomb,
} from '../../helpers/hostile-tar';
import { mountSmallFs, smallFsUnavailable } from '../../helpers/small-fs';
import { rawTarGz } from '../../helpers/tarball';
import { itUnless, noPermissionBits, noSymlinks } from '../../helpers/platform';

const MiB = 1024 * 1024;
/** How many folders the target sits below the test's root: room for every chain to climb into. */
const LEVELS = 7;

let root: string;
let target: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'lifeboat-hostile-')));
  const levels = Array.from({ length: LEVELS }, (_, i) => `o${i + 1}`);
  target = join(root, ...levels, 'target');
  await mkdir(target, { recursive: true });
  // A file at every level above the target, for hard links to steal.
  for (let i = 0; i <= LEVELS; i++)
    await writeFile(join(root, ...levels.slice(0, i), 'secret.txt'), 'secret');
});
// node-tar may still finish writes it had started when an extraction fails: retry while they land.
afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));

/** Every path under `dir` with its kind, size and link count, never following links. */
async function snapshot(dir: string, skip?: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for await (const e of await opendir(d)) {
      const p = join(d, e.name);
      if (p === skip) continue;
      const s = await lstat(p);
      out.push(
        `${relative(dir, p)} ${s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'dir' : 'file'} ${s.size} ${s.nlink}`,
      );
      if (s.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** The symlinks under `dir` whose real target (by realpath, the kernel's own resolution) is outside `dir`. */
async function escapingLinks(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for await (const e of await opendir(d)) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) {
        const real = await realpath(p).catch(() => null);
        if (real && real !== dir && !real.startsWith(`${dir}/`)) out.push(`${relative(dir, p)} -> ${real}`);
      } else if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

const extract = (gz: Buffer, options: Partial<ExtractOptions> = {}) =>
  extractTarGz(Readable.from([gz]), target, { label: 'the test archive', ...options });

/** Runs a hostile extraction and checks the three promises: refused, nothing outside touched, no escaping link. */
async function expectRefused(gz: Buffer): Promise<void> {
  const before = await snapshot(root, target);
  const err = await extract(gz).catch((e: unknown) => e);
  expect(err).toMatchObject({
    code: 'hostile-archive',
    message: expect.stringContaining('the test archive contains an unsafe entry'),
  });
  expect(await snapshot(root, target)).toEqual(before);
  expect(await escapingLinks(target)).toEqual([]);
}

describe('chains of links that read as inside but climb out', () => {
  const throughs: Through[] = ['none', 'file', 'dir', 'hardlink', 'symlink'];
  for (let depth = 1; depth <= 5; depth++) {
    for (const through of throughs) {
      it(`refuses a chain of depth ${depth}, ${through === 'none' ? 'left in the tree' : `then a ${through} through it`}`, () =>
        expectRefused(symlinkChain(depth, through)));
    }
    it(`refuses a chain of depth ${depth} written last link first`, () =>
      expectRefused(symlinkChain(depth, 'none', { reverse: true })));
    it(`refuses a chain of depth ${depth} under a top folder, with a file through it`, () =>
      expectRefused(symlinkChain(depth, 'file', { top: 'files_live' })));
    it(`refuses a hard link to a symlink that climbs ${depth} folders once moved to the root`, () =>
      expectRefused(hardlinkToSymlink(depth)));
  }

  it('refuses a link that climbs out once a later link appears on its way', () =>
    expectRefused(
      rawTarGz([
        { path: 'x/', type: 'Directory' },
        // Reads and resolves as x/a/.. = x while x/a is a plain name...
        { path: 'x/b', type: 'SymbolicLink', linkpath: 'a/../..' },
        // ...until x/a becomes a link to the root: x/b is then the root's parent.
        { path: 'x/a', type: 'SymbolicLink', linkpath: '..' },
      ]),
    ));

  itUnless(noSymlinks())(
    'walks the finished tree for escaping links too (one already in the folder, out of the model’s sight)',
    async () => {
      await mkdir(join(target, 'pre'));
      await symlink('../../outside', join(target, 'pre', 'old'));
      const err = await extract(
        rawTarGz([
          { path: 'real.txt', body: 'real' },
          { path: 'alias', type: 'SymbolicLink', linkpath: 'real.txt' },
        ]),
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'hostile-archive',
        message: expect.stringContaining(`${join(target, 'pre', 'old')} points outside`),
      });
    },
  );

  it('keeps chains and links that really stay inside', async () => {
    await extract(
      rawTarGz([
        { path: 'a/b/c/', type: 'Directory' },
        { path: 'a/b/c/l0', type: 'SymbolicLink', linkpath: '..' },
        { path: 'a/b/c/l1', type: 'SymbolicLink', linkpath: 'l0/..' },
        { path: 'a/b/c/l2', type: 'SymbolicLink', linkpath: 'l1/..' },
        // A link to a file that comes later. (node-tar itself refuses a link whose target goes through a
        // link already on disk, so links to links are left out here.)
        { path: 'a/alias', type: 'SymbolicLink', linkpath: 'real.txt' },
        { path: 'a/real.txt', body: 'real' },
        { path: 'a/hard.txt', type: 'Link', linkpath: 'a/real.txt' },
        // A loop leads nowhere, so it cannot lead out either.
        { path: 'loop', type: 'SymbolicLink', linkpath: 'loop/../loop' },
      ]),
    );
    expect(await realpath(join(target, 'a/b/c/l2'))).toBe(target);
    expect(await readFile(join(target, 'a/alias'), 'utf8')).toBe('real');
    expect((await stat(join(target, 'a/hard.txt'))).nlink).toBe(2);
    expect(await escapingLinks(target)).toEqual([]);
  });
});

describe('extracted size is bounded by free space', () => {
  let bomb: Buffer;
  let bombs: Buffer;
  beforeAll(async () => {
    bomb = await zipBomb(300);
    bombs = await zipBomb(300, { files: 300 });
  });

  it('builds small bombs', () => {
    expect(bomb.length).toBeLessThan(400 * 1024);
    expect(bombs.length).toBeLessThan(400 * 1024);
  });

  it('refuses a ~300 KB archive declaring a 300 MiB file on a disk with 100 MiB free, before writing it', async () => {
    const err = await extract(bomb, { freeSpace: async () => 100 * MiB }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'disk-full',
      message: expect.stringContaining('to extract the test archive'),
    });
    expect(await usage(target)).toBeLessThan(MiB);
  });

  it('stops 300 files of 1 MiB as the disk fills, keeping the margin', async () => {
    // A disk of 160 MiB whose free space shrinks as the extraction writes, as a real one would.
    const probe: FreeSpaceProbe = async () => 160 * MiB - (await usage(target));
    const err = await extract(bombs, { freeSpace: probe }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'disk-full', message: expect.stringContaining('the test archive') });
    const written = await usage(target);
    expect(written).toBeGreaterThan(10 * MiB);
    expect(written).toBeLessThanOrEqual(160 * MiB - 64 * MiB);
  });

  it('extracts the same archive when the space is there', async () => {
    const r = await extract(await zipBomb(8, { files: 8 }), { freeSpace: async () => 1024 * MiB });
    expect(r).toEqual({ entries: 8, bytes: 8 * MiB });
  });
});

/** Bytes of the regular files under `dir`. */
async function usage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for await (const e of await opendir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) total += (await lstat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

describe('write failures are failures', () => {
  let noMount: string | null = null;
  beforeAll(async () => {
    noMount = await smallFsUnavailable();
  });

  it('reports a disk that fills up while extracting (real ENOSPC on a 4 MiB tmpfs) as disk-full', async (ctx) => {
    if (noMount) return ctx.skip(`needs a small file system: ${noMount}`);
    const fs = await mountSmallFs(4);
    try {
      const gz = await zipBomb(16, { files: 2 });
      // The probe is told the disk is huge, so the kernel's own ENOSPC is what stops the extraction.
      const err = await extractTarGz(Readable.from([gz]), fs.dir, {
        label: 'the files archive',
        freeSpace: async () => Number.MAX_SAFE_INTEGER,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'disk-full',
        message: expect.stringContaining('The disk filled up while extracting the files archive'),
      });
    } finally {
      await fs.unmount();
    }
  });

  it('stops a bomb on a real 96 MiB tmpfs with the free-space check, before the kernel says ENOSPC', async (ctx) => {
    if (noMount) return ctx.skip(`needs a small file system: ${noMount}`);
    const fs = await mountSmallFs(96);
    try {
      const err = await extractTarGz(Readable.from([await zipBomb(300, { files: 300 })]), fs.dir, {
        label: 'the files archive',
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'disk-full',
        message: expect.stringContaining('There is not enough disk space to extract the files archive'),
      });
      expect(await usage(fs.dir)).toBeLessThanOrEqual(32 * MiB);
    } finally {
      await fs.unmount();
    }
  });

  it('refuses a name too long for this file system (300 bytes in one part, pax header) instead of dropping it', async () => {
    const err = await extract(longName(300)).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'hostile-archive',
      message: expect.stringMatching(
        /the test archive contains an unsafe entry \(the name "n+….*is too long for this file system\)/,
      ),
    });
  });

  it('still extracts a name of 255 bytes, the most the file system takes', async () => {
    await extract(longName(255));
    expect(await readFile(join(target, `${'n'.repeat(251)}.txt`), 'utf8')).toBe('long');
  });
});

describe('modes', () => {
  itUnless(noPermissionBits)('never restores setuid, setgid or sticky bits', async () => {
    await extract(setuidFile());
    const mode = async (p: string) => (await stat(join(target, p))).mode & 0o7777;
    expect(await mode('bin/suid')).toBe(0o755);
    expect(await mode('bin/sgid')).toBe(0o755);
    expect((await mode('bin')) & 0o7000).toBe(0);
    expect((await mode('shared')) & 0o7000).toBe(0);
    expect(await mode('shared/plain.txt')).toBe(0o644);
  });
});

describe('include and exclude with links', () => {
  it('leaves out a hard link whose file was left out, rather than failing', async () => {
    const r = await extract(
      rawTarGz([
        { path: 'files_live/2023/a.jpg', body: '1' },
        { path: 'files_live/2024/b.jpg', type: 'Link', linkpath: 'files_live/2023/a.jpg' },
        { path: 'files_live/2024/c.jpg', body: '3' },
      ]),
      { include: ['files_live/2024/'] },
    );
    expect(r.entries).toBe(1);
    expect(await readFile(join(target, 'files_live/2024/c.jpg'), 'utf8')).toBe('3');
  });

  it('fails a hard link to nothing, rather than dropping it', async () => {
    const err = await extract(rawTarGz([{ path: 'h', type: 'Link', linkpath: 'missing.txt' }])).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'integrity', message: expect.stringContaining('"h"') });
  });
});
