// Archive entries against the rules of the system they are extracted on (issue 12 §3): names Windows cannot hold,
// and, where names differ only in case or accents for the file system (Windows, macOS), links that an entry or a
// link target reaches through another spelling. Real extractions into temp folders, with another platform's rules.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz, tarError, unsafeEntryReason } from '../../../../electron/services/archive/extract';
import { checkPatterns, pathSelection } from '../../../../electron/services/archive/globs';
import { TreeLinks } from '../../../../electron/services/archive/safe-path';
import { foldName } from '../../../../electron/services/paths/path-rules';
import { rawTarGz, type RawEntry } from '../../../helpers/tarball';

let root: string;
let target: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-archive-paths-'));
  target = join(root, 'target');
  await mkdir(target);
});
afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));

const extract = (
  entries: RawEntry[],
  platform: NodeJS.Platform,
  options: { include?: string[]; exclude?: string[] } = {},
) =>
  extractTarGz(Readable.from([rawTarGz(entries)]), target, {
    label: 'the files archive',
    platform,
    ...options,
  });

const listed = async (): Promise<string[]> =>
  (await readdir(target, { recursive: true })).map((p) => p.replace(/\\/g, '/')).sort();

describe('entries that leave the target on Windows', () => {
  it('are refused on every system, though POSIX would read some as plain names', () => {
    // A backslash is a separator on Windows (node-tar turns it into a slash there), a name character elsewhere.
    expect(unsafeEntryReason('a\\..\\..\\escaped.txt', 'File', undefined)).toMatch(/climbs out/);
    expect(unsafeEntryReason('C:foo.txt', 'File', undefined)).toMatch(/absolute path/);
    expect(unsafeEntryReason('c:../up.txt', 'File', undefined)).toMatch(/absolute path/);
    expect(unsafeEntryReason('\\\\evil\\share\\x.txt', 'File', undefined)).toMatch(/absolute path/);
    expect(unsafeEntryReason('//?/C:/Windows/x.txt', 'File', undefined)).toMatch(/absolute path/);
    expect(unsafeEntryReason('link', 'SymbolicLink', 'C:\\Windows')).toMatch(/absolute path/);
    expect(unsafeEntryReason('link', 'SymbolicLink', '\\\\evil\\share')).toMatch(/absolute path/);
    expect(unsafeEntryReason('a\\link', 'SymbolicLink', '..\\..\\x')).toMatch(/points outside/);
  });
});

describe('names Windows cannot hold', () => {
  it('fail the extraction with what to do, before the entry is written', async () => {
    const err = await extract(
      [
        { path: 'files_live/', type: 'Directory' },
        { path: 'files_live/ok.txt', body: 'fine' },
        { path: 'files_live/aux.jpg', body: 'device' },
        { path: 'files_live/after.txt', body: 'later' },
      ],
      'win32',
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'io',
      message: expect.stringMatching(
        /the files archive holds "files_live\/aux\.jpg", which cannot be extracted on this system: "aux" is a device name on Windows\. .*exclude/,
      ),
    });
    expect(await listed()).not.toContain('files_live/aux.jpg');
    expect(await listed()).not.toContain('files_live/after.txt');
  });

  it('refuse a trailing dot and the characters node-tar leaves as they are', async () => {
    for (const bad of [
      'files_live/notes.',
      'files_live/a*b.png',
      'files_live/say "hi".txt',
      'files_live/nul/x.txt',
    ]) {
      const err = await extract([{ path: bad, body: 'x' }], 'win32').catch((e: unknown) => e);
      expect(err, bad).toMatchObject({ code: 'io' });
    }
  });

  it('are no obstacle when left out, and are plain names elsewhere', async () => {
    const entries: RawEntry[] = [
      { path: 'files_live/keep.txt', body: 'k' },
      { path: 'files_live/old/con.txt', body: 'c' },
    ];
    await expect(extract(entries, 'win32', { exclude: ['files_live/old'] })).resolves.toMatchObject({
      entries: 1,
    });
    await rm(target, { recursive: true });
    await mkdir(target);
    await expect(extract(entries, 'linux')).resolves.toMatchObject({ entries: 2 });
    expect(await listed()).toContain('files_live/old/con.txt');
  });

  it('let through what node-tar re-encodes on Windows, spaces and non-ASCII names', async () => {
    await expect(
      extract(
        [
          { path: 'files_live/what?.jpg', body: 'q' },
          { path: 'files_live/Mes images/été.png', body: 'e' },
          { path: 'files_live/日本語.txt', body: 'j' },
        ],
        'win32',
      ),
    ).resolves.toMatchObject({ entries: 3 });
  });
});

describe('a symbolic link Windows will not make', () => {
  // What node-tar rejects with when symlink() fails: the system's error, with the entry it was writing.
  const eperm = (type: string) =>
    Object.assign(new Error("EPERM: operation not permitted, symlink 'target' -> 'web\\link'"), {
      code: 'EPERM',
      tarCode: 'TAR_ENTRY_ERROR',
      entry: { path: 'web/link', type },
    });

  it('says Windows needs Developer Mode (or an administrator) for links', () => {
    expect(tarError(eperm('SymbolicLink'), 'the code archive', 'C:\\Sites\\x', 'win32')).toMatchObject({
      code: 'io',
      message: expect.stringContaining(
        'Windows lets only an administrator, or an account with Developer Mode on',
      ),
    });
  });

  it('stays a plain permission error for other entries and elsewhere', () => {
    for (const [type, platform] of [
      ['File', 'win32'],
      ['SymbolicLink', 'linux'],
    ] as const)
      expect(tarError(eperm(type), 'the code archive', '/x', platform)).toMatchObject({
        code: 'io',
        message: expect.stringMatching(/^Could not write "web\/link" of the code archive into \/x: EPERM/),
      });
  });
});

describe('include and exclude patterns typed on Windows', () => {
  it('read a backslash as the separator it is there, and as an escape elsewhere', () => {
    const win = pathSelection(['files_live\\2024\\'], ['files_live\\2024\\tmp'], 'win32');
    expect(win.keeps('files_live/2024/a.jpg')).toBe(true);
    expect(win.keeps('files_live/2024/tmp/b.jpg')).toBe(false);
    expect(win.keeps('files_live/2023/a.jpg')).toBe(false);
    expect(pathSelection(['2024\\'], [], 'win32').keeps('files_live/2024/a.jpg')).toBe(true);
    // In the shell's (and picomatch's POSIX) reading, `\2` is an escaped 2: no folder separator at all.
    expect(pathSelection(['files_live\\2024\\'], [], 'linux').keeps('files_live/2024/a.jpg')).toBe(false);
  });

  it('are refused when they climb out or are absolute, with either separator', () => {
    for (const bad of ['..\\x', 'files_live\\..\\..\\x', 'C:\\files_live', '\\files_live'])
      expect(() => checkPatterns({ include: [bad] }, 'files_live', 'win32'), bad).toThrow(
        /climbs out|absolute/,
      );
  });

  it('select the same entries in a real extraction', async () => {
    await expect(
      extract(
        [
          { path: 'files_live/2023/old.jpg', body: 'o' },
          { path: 'files_live/2024/new.jpg', body: 'n' },
        ],
        'win32',
        { include: ['files_live\\2024\\'] },
      ),
    ).resolves.toMatchObject({ entries: 1 });
    expect(await listed()).toEqual(['files_live', 'files_live/2024', 'files_live/2024/new.jpg']);
  });
});

describe('links on a file system that folds names (Windows, macOS)', () => {
  const fold = foldName;

  it('refuses a link target walking through another spelling of a link', () => {
    const t = new TreeLinks(fold);
    expect(t.addSymlink('x', 'sub')).toBeNull();
    expect(t.addSymlink('sub/y', '..')).toBeNull();
    // Exactly: X is no link, so X/y/.. is X. On disk X is x, so it is sub/y/.. = the root's parent.
    expect(t.addSymlink('l', 'X/y/..')).toMatch(
      /goes through "X", which this system may take for the link "x"/,
    );
    expect(new TreeLinks().addSymlink('l', 'X/y/..')).toBeNull();
  });

  it('re-checks a link when another spelling of a path it went through becomes a link', () => {
    const t = new TreeLinks(fold);
    expect(t.addSymlink('sub/deep/l', '../../A/..')).toBeNull();
    expect(t.addSymlink('a', 'sub/deep')).toMatch(
      /"sub\/deep\/l" .* "A", which this system may take for the link "a"/,
    );
  });

  it('refuses an entry written through another spelling of a link, and a second name for one', () => {
    const t = new TreeLinks(fold);
    t.addSymlink('Uploads', 'elsewhere');
    expect(t.linkOnPath('uploads/x.jpg')).toBe('Uploads');
    expect(t.linkOnPath('UPLOADS/deep/x.jpg')).toBe('Uploads');
    expect(t.linkOnPath('uploads2/x.jpg')).toBeNull();
    expect(t.setPlain('uploads')).toMatch(/"uploads" and the link "Uploads" are one name/);
    expect(t.addSymlink('UPLOADS', 'x')).toMatch(/one name on this system/);
    expect(t.isLink('uploads')).toBe(true);
    // Composed and decomposed accents are one name on macOS.
    t.addSymlink('caf\u00e9', 'x');
    expect(t.linkOnPath('cafe\u0301/x')).toBe('caf\u00e9');
  });

  it('is enforced by the extraction under macOS and Windows rules, not under Linux ones', async () => {
    const escape: RawEntry[] = [
      { path: 'sub/', type: 'Directory' },
      { path: 'x', type: 'SymbolicLink', linkpath: 'sub' },
      { path: 'sub/y', type: 'SymbolicLink', linkpath: '..' },
      { path: 'l', type: 'SymbolicLink', linkpath: 'X/y/..' },
    ];
    for (const platform of ['darwin', 'win32'] as const) {
      await expect(extract(escape, platform), platform).rejects.toMatchObject({ code: 'hostile-archive' });
      await rm(target, { recursive: true, force: true });
      await mkdir(target);
    }
    // On a file system that tells X from x (as Linux's do), X is just a name that does not exist.
    await expect(extract(escape, 'linux')).resolves.toMatchObject({ entries: 4 });
    await rm(target, { recursive: true });
    await mkdir(target);
    const through: RawEntry[] = [
      { path: 'elsewhere/', type: 'Directory' },
      { path: 'Uploads', type: 'SymbolicLink', linkpath: 'elsewhere' },
      { path: 'uploads/x.jpg', body: 'x' },
    ];
    await expect(extract(through, 'darwin')).rejects.toMatchObject({
      code: 'hostile-archive',
      message: expect.stringContaining('would be written through the link "Uploads"'),
    });
  });
});
