// The names Lifeboat itself turns into folders and files (a restore's folder, the mirror's site and environment
// folders, archive names from a catalog or a manifest, its own files in a copy), under Windows' rules as well as
// POSIX's (issue 12 §3).
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safePathInside } from '../../../../electron/services/archive/safe-path';
import { MirroredArchiveSchema, mirrorFoldersProblem } from '../../../../electron/services/mirror/layout';
import { parseCatalog } from '../../../../electron/services/pantheon/catalog';
import { restorePaths } from '../../../../electron/services/restore/plan';

let root: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'lifeboat-made-names-')));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("a restore's folder name", () => {
  const paths = (folderName: string | undefined, platform: NodeJS.Platform, site = 'acme') =>
    restorePaths({ targetDir: root, env: 'live', ...(folderName ? { folderName } : {}) }, site, platform);

  it('refuses on Windows what is a drive, a hidden stream, a device or loses its trailing dot', () => {
    for (const name of [
      'C:acme',
      'acme:live',
      'con',
      'NUL.site',
      'acme.',
      'acme ',
      'a?b',
      'a*b',
      'a"b',
      'a|b',
    ])
      expect(paths(name, 'win32').nameProblem, name).toMatch(
        /cannot be a folder name here: .*Give the folder another name\./,
      );
  });

  it('takes the same names on macOS and Linux, where they are plain names', () => {
    for (const name of ['acme:live', 'con', 'acme.', 'a?b']) {
      expect(paths(name, 'darwin').path, name).toBe(join(root, name));
      expect(paths(name, 'darwin').nameProblem, name).toBeNull();
    }
  });

  it('takes spaces and non-ASCII names everywhere', () => {
    for (const platform of ['win32', 'darwin', 'linux'] as const)
      for (const name of ['Mes sites', 'café-live', 'cafe\u0301-live', 'サイト']) {
        expect(paths(name, platform).path, `${platform} ${name}`).toBe(join(root, name));
        expect(paths(name, platform).nameProblem, `${platform} ${name}`).toBeNull();
      }
  });

  it('checks the default one too, made from a site name a mirror manifest may carry', () => {
    expect(paths(undefined, 'win32').path).toBe(join(root, 'acme-live'));
    expect(paths(undefined, 'win32').nameProblem).toBeNull();
    expect(paths(undefined, 'win32', 'a:b').nameProblem).toMatch(/cannot be a folder name here/);
    expect(paths(undefined, 'linux', 'x'.repeat(250)).nameProblem).toMatch(/cannot be a folder name here/);
  });

  it('refuses a name whose staging folder (.NAME.lifeboat) would pass the 255-byte limit, saying how long it may be', () => {
    // `.NAME.lifeboat` is 10 more than the name: 245 is the longest that fits, in bytes of UTF-8.
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(paths('a'.repeat(245), platform).nameProblem, platform).toBeNull();
      expect(paths('a'.repeat(246), platform).nameProblem, platform).toMatch(
        /it is 246 (bytes|characters) long and may be at most 245 here \(the system allows 255, and Lifeboat also makes \.NAME\.lifeboat from it\)/,
      );
    }
    // 128 `é` are 256 bytes of UTF-8 (Linux, macOS) but 128 UTF-16 units (NTFS).
    const accented = 'é'.repeat(128);
    expect(paths(accented, 'linux').nameProblem).toMatch(/it is 256 bytes long and may be at most 245 here/);
    expect(paths(accented, 'darwin').nameProblem).toMatch(/it is 256 bytes long/);
    expect(paths(accented, 'win32').nameProblem).toBeNull();
    expect(paths('\u{1F600}'.repeat(123), 'win32').nameProblem).toMatch(/it is 246 characters long/);
    // HFS+ stores names decomposed: `ᾂ` is 3 bytes but 4 UTF-16 units once decomposed, so 70 fit Linux only.
    const greek = '\u1F82'.repeat(70);
    expect(paths(greek, 'linux').nameProblem).toBeNull();
    expect(paths(greek, 'darwin').nameProblem).toMatch(
      /it is 280 characters long once decomposed \(as HFS\+ keeps names\)/,
    );
  });

  it('still refuses a path or . and .. everywhere', () => {
    for (const platform of ['win32', 'linux'] as const)
      for (const name of ['..', '.', 'a/b', 'a\\b'])
        expect(() => paths(name, platform), `${platform} ${name}`).toThrow(
          /not a folder name Lifeboat can restore into/,
        );
  });
});

describe("the mirror's folders", () => {
  it('refuses on Windows a site or a multidev named like a device', () => {
    expect(mirrorFoldersProblem('aux', 'live', 'win32')).toMatch(
      /"aux" cannot be a folder name in the mirror on this system: "aux" is a device name/,
    );
    expect(mirrorFoldersProblem('acme', 'con', 'win32')).toMatch(/"con" is a device name/);
    expect(mirrorFoldersProblem('acme.', 'live', 'win32')).toMatch(/trailing dot/);
    expect(mirrorFoldersProblem('acme', 'live', 'win32')).toBeNull();
    expect(mirrorFoldersProblem('aux', 'con', 'linux')).toBeNull();
  });

  it('refuses what is no folder name anywhere', () => {
    expect(mirrorFoldersProblem('../x', 'live', 'linux')).toMatch(/cannot be a folder name in the mirror/);
    expect(mirrorFoldersProblem('acme', 'Live!', 'linux')).toMatch(/not an environment name/);
  });
});

describe('archive names from a catalog or a manifest', () => {
  const name = MirroredArchiveSchema.shape.filename;

  it('are names every system can hold, since a mirror may be carried to another computer', () => {
    for (const bad of ['CON.tar.gz', 'nul.sql.gz', 'a:b.tar.gz', 'a?b.tar.gz', 'a*b.tar.gz', 'a<b>.tar.gz'])
      expect(name.safeParse(bad).success, bad).toBe(false);
    expect(name.safeParse('acme_live_2026-01-02T03-04-05_UTC_code.tar.gz').success).toBe(true);
  });

  it('skips a catalog entry whose name Windows cannot hold', () => {
    const entry = (filename: string) => ({
      '1471562180_backup_code': {
        filename,
        size: 10,
        finish_time: 1471562190,
        ttl: 3600,
        folder: '1471562180_backup',
      },
    });
    expect(parseCatalog(entry('CON.tar.gz'))).toEqual([]);
    expect(parseCatalog(entry('com1.tar.gz'))).toEqual([]);
    expect(parseCatalog(entry('acme_live_code.tar.gz'))).toHaveLength(1);
  });
});

describe("Lifeboat's own files in a restored copy", () => {
  it('refuses on Windows a name that would write a hidden stream or a device', async () => {
    await mkdir(join(root, 'database'));
    for (const rel of [
      'database/acme.sql.gz:hidden',
      'database/CON',
      'database/acme.sql.gz.',
      'lifeboat.json ',
    ])
      await expect(safePathInside(root, rel, 'win32'), rel).rejects.toMatchObject({
        code: 'hostile-archive',
        message: expect.stringContaining('is not a path Lifeboat can write inside'),
      });
    expect(await safePathInside(root, 'database/acme.sql.gz', 'win32')).toBe(
      join(root, 'database', 'acme.sql.gz'),
    );
    expect(await safePathInside(root, 'database/CON', 'linux')).toBe(join(root, 'database', 'CON'));
  });
});
