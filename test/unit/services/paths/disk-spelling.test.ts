// Paths as the disk spells them (issue 12 §3): one local copy per folder however its name is typed where the file
// system ignores case (Windows, macOS) or Unicode normalization (macOS), and small files read without following a
// link where the system has no O_NOFOLLOW (Windows). Real folders in a temp folder; what this disk cannot show
// (it tells `Acme` from `acme`) is skipped here, visibly, and runs on the CI's macOS and Windows runners.
import { lstat, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalPath } from '../../../../electron/services/copies/files';
import { readSmallFile } from '../../../../electron/services/fs-util';

// Probed before the tests are collected, so a skip says so (with its reason) instead of passing.
const root = await realpath(await mkdtemp(join(tmpdir(), 'lifeboat-spelling-')));
await mkdir(join(root, 'Probe'));
/** Whether the temp folder's file system takes `Probe` and `probe` for one name. */
const ignoresCase = (await lstat(join(root, 'probe')).catch(() => null)) !== null;
await mkdir(join(root, 'caf\u00e9'));
/** Whether it takes `é` composed (NFC) and decomposed (NFD) for one name. */
const ignoresNormalization = (await lstat(join(root, 'cafe\u0301')).catch(() => null)) !== null;
await writeFile(join(root, 'target.txt'), 'secret');
/** Whether this process may make symbolic links (Windows without Developer Mode may not). */
const canLink = await symlink(join(root, 'target.txt'), join(root, 'link.txt')).then(
  () => true,
  () => false,
);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('a copy folder typed another way', () => {
  it('keeps a name spelled as on disk as it is', async () => {
    await mkdir(join(root, 'sites', 'Acme Live'), { recursive: true });
    expect(await canonicalPath(join(root, 'sites', 'Acme Live'))).toBe(join(root, 'sites', 'Acme Live'));
    expect(await canonicalPath(join(root, 'sites', 'not-there'))).toBe(join(root, 'sites', 'not-there'));
  });

  it.skipIf(!ignoresCase)(
    'is the folder as the disk spells it, where names differ in case only (skipped on a disk that tells Acme from acme, as Linux ones do: the CI macOS and Windows runners check it)',
    async () => {
      await mkdir(join(root, 'cased', 'Acme-Live'), { recursive: true });
      expect(await canonicalPath(join(root, 'cased', 'acme-live'))).toBe(join(root, 'cased', 'Acme-Live'));
      expect(await canonicalPath(join(root, 'cased', 'ACME-LIVE'))).toBe(join(root, 'cased', 'Acme-Live'));
    },
  );

  it.skipIf(!ignoresNormalization)(
    'is the folder as the disk spells it, whatever the accents are composed as (skipped where composed and decomposed names differ: the CI macOS runner checks it)',
    async () => {
      await mkdir(join(root, 'accents', 'Caf\u00e9-live'), { recursive: true });
      expect(await canonicalPath(join(root, 'accents', 'Cafe\u0301-live'))).toBe(
        join(root, 'accents', 'Caf\u00e9-live'),
      );
    },
  );
});

describe('a small file', () => {
  it.skipIf(!canLink)(
    'is never read through a symbolic link, with O_NOFOLLOW or without it (Windows) (skipped where this process may not make links)',
    async () => {
      expect(await readSmallFile(join(root, 'target.txt'), 100)).toBe('secret');
      expect(await readSmallFile(join(root, 'link.txt'), 100)).toBeNull();
    },
  );

  it('is null when missing or bigger than the limit', async () => {
    expect(await readSmallFile(join(root, 'missing.txt'), 100)).toBeNull();
    expect(await readSmallFile(join(root, 'target.txt'), 3)).toBeNull();
  });
});
