// What node-tar really does with Windows paths, and that Lifeboat's checks hold with it. node-tar decides once,
// when it is loaded, whether it runs on Windows (process.platform, or TESTING_TAR_FAKE_PLATFORM, its own switch
// for its tests): this file loads it in its Windows mode, so backslashes become separators and `<>:|?` are
// re-encoded exactly as on Windows. The writes still go to this system's disk, so only the string handling is
// Windows'; a real Windows file system is for the CI's Windows runner.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rawTarGz, type RawEntry } from '../../../helpers/tarball';

const before = vi.hoisted(() => {
  const was = process.env.TESTING_TAR_FAKE_PLATFORM;
  process.env.TESTING_TAR_FAKE_PLATFORM = 'win32';
  return was;
});
afterAll(() => {
  if (before === undefined) delete process.env.TESTING_TAR_FAKE_PLATFORM;
  else process.env.TESTING_TAR_FAKE_PLATFORM = before;
});

// Loaded after the switch above (vi.hoisted runs before the imports).
const tar = await import('tar');
const { extractTarGz } = await import('../../../../electron/services/archive/extract');

let root: string;
let target: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-tar-win-'));
  target = join(root, 'deep', 'target');
  await mkdir(target, { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));

/** The path node-tar hands to the filter for each entry (in its Windows mode). */
async function pathsSeen(entries: RawEntry[]): Promise<string[]> {
  const seen: string[] = [];
  const parser = new tar.Parser({ onReadEntry: (e) => (seen.push(e.path), e.resume()) });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve).on('error', reject);
    parser.end(rawTarGz(entries));
  });
  return seen;
}

const extract = (entries: RawEntry[]) =>
  extractTarGz(Readable.from([rawTarGz(entries)]), target, { label: 'the code archive', platform: 'win32' });

const everything = async (): Promise<string[]> => (await readdir(root, { recursive: true })).sort();

describe('node-tar in its Windows mode', () => {
  it('reads backslashes as separators, as Windows does', async () => {
    expect(
      await pathsSeen([
        { path: 'a\\..\\..\\escaped.txt', body: 'x' },
        { path: '\\\\evil\\share\\x.txt', body: 'x' },
        { path: 'web\\index.php', body: 'x' },
      ]),
    ).toEqual(['a/../../escaped.txt', '//evil/share/x.txt', 'web/index.php']);
  });

  for (const [what, path] of [
    ['`..` written with backslashes', 'a\\..\\..\\escaped.txt'],
    ['a UNC path', '\\\\evil\\share\\escaped.txt'],
    ['a drive-relative path', 'C:escaped.txt'],
    ['a drive climbing out', 'c:..\\escaped.txt'],
    ['a `\\\\?\\` path', '\\\\?\\C:\\escaped.txt'],
  ] as const) {
    it(`makes Lifeboat refuse ${what}, writing nothing outside the target`, async () => {
      const err = await extract([
        { path: 'ok.txt', body: 'fine' },
        { path, body: 'evil' },
      ]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'hostile-archive' });
      expect((await everything()).filter((p) => p.includes('escaped'))).toEqual([]);
    });
  }

  it('writes backslash-separated folders as folders, and re-encodes <>:|? rather than refusing them', async () => {
    await expect(
      extract([
        { path: 'web\\wp-content\\index.php', body: '<?php' },
        { path: 'web/what?.jpg', body: 'q' },
      ]),
    ).resolves.toMatchObject({ entries: 2 });
    const names = (await readdir(target, { recursive: true })).sort();
    expect(names).toContain(join('web', 'wp-content', 'index.php'));
    // `?` is U+003F; node-tar writes U+F03F in its place, as Cygwin and WSL do.
    expect(names).toContain(join('web', 'what\uf03f.jpg'));
  });
});
