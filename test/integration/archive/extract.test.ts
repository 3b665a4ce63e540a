import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz, listTarGz, unsafeEntryReason } from '../../../electron/services/archive/extract';
import { filesPathFor } from '../../../electron/services/archive/placement';
import { rawTarGz, type RawEntry } from '../../helpers/tarball';

let root: string;
let target: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-extract-'));
  target = join(root, 'deep', 'target');
  await mkdir(target, { recursive: true });
});
// node-tar may still finish writes it had started when an extraction fails: retry while they land.
afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));

/** Every path under `dir`, relative. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

const extract = (entries: RawEntry[], options: { include?: string[]; exclude?: string[] } = {}) =>
  extractTarGz(Readable.from([rawTarGz(entries)]), target, { label: 'the test archive', ...options });

describe('hostile archives', () => {
  const cases: [string, RawEntry][] = [
    ['an absolute path', { path: '/tmp/lifeboat-evil.txt', body: 'x' }],
    ['a path climbing out with ..', { path: 'ok/../../escaped.txt', body: 'x' }],
    ['a symlink to an absolute path', { path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
    ['a symlink pointing outside', { path: 'a/link', type: 'SymbolicLink', linkpath: '../../outside' }],
    ['a hard link outside', { path: 'hard', type: 'Link', linkpath: '../outside.txt' }],
    ['a device file', { path: 'dev-null', type: 'CharacterDevice' }],
    ['a FIFO', { path: 'pipe', type: 'FIFO' }],
  ];
  for (const [name, bad] of cases) {
    it(`refuses ${name}, and writes nothing outside the target`, async () => {
      const err = await extract([
        { path: 'good.txt', body: 'fine' },
        bad,
        { path: 'after.txt', body: 'later' },
      ]).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'hostile-archive',
        message: expect.stringContaining('the test archive contains an unsafe entry'),
      });
      expect(await tree(root)).toEqual(
        expect.not.arrayContaining(['escaped.txt', 'outside', 'deep/escaped.txt', 'deep/outside.txt']),
      );
      expect((await tree(join(root, 'deep'))).filter((p) => !p.startsWith('target'))).toEqual([]);
      expect(await tree(target)).not.toContain('after.txt');
    });
  }

  it('names the reason', () => {
    expect(unsafeEntryReason('../x', 'File', undefined)).toBe('path "../x" climbs out with ".."');
    expect(unsafeEntryReason('a/b', 'SymbolicLink', '../c')).toBeNull();
    expect(unsafeEntryReason('a/b', 'SymbolicLink', '../../c')).toBe(
      'link "a/b" points outside the archive ("../../c")',
    );
  });

  it('allows links that stay inside', async () => {
    await extract([
      { path: 'repo/', type: 'Directory' },
      { path: 'repo/real.txt', body: 'real' },
      { path: 'repo/alias.txt', type: 'SymbolicLink', linkpath: 'real.txt' },
    ]);
    expect(await readFile(join(target, 'repo', 'alias.txt'), 'utf8')).toBe('real');
  });
});

describe('damaged archives', () => {
  it('reports a truncated gzip as integrity', async () => {
    const gz = rawTarGz([{ path: 'a.txt', body: 'x'.repeat(5000) }]);
    const err = await extractTarGz(Readable.from([gz.subarray(0, gz.length - 20)]), target, {
      label: 'the files archive',
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('the files archive is damaged'),
    });
  });
});

describe('include and exclude', () => {
  const entries: RawEntry[] = [
    { path: 'files_live/', type: 'Directory' },
    { path: 'files_live/2023/a.jpg', body: '1' },
    { path: 'files_live/2024/01/b.jpg', body: '2' },
    { path: 'files_live/2024/02/c.jpg', body: '3' },
    { path: 'files_live/styles/thumb/d.jpg', body: '4' },
    { path: 'files_live/css/e.css', body: '5' },
  ];

  it('takes only the chosen folder, named with its top folder', async () => {
    await extract(entries, { include: ['files_live/2024/'] });
    expect(await tree(target)).toEqual([
      'files_live',
      'files_live/2024',
      'files_live/2024/01',
      'files_live/2024/01/b.jpg',
      'files_live/2024/02',
      'files_live/2024/02/c.jpg',
    ]);
  });

  it('leaves out folders named without the top folder', async () => {
    await extract(entries, { exclude: ['styles/', 'css'] });
    const t = await tree(target);
    expect(t).toContain('files_live/2023/a.jpg');
    expect(t.some((p) => p.includes('styles') || p.includes('css'))).toBe(false);
  });

  it('lists an archive without extracting it', async () => {
    const list = await listTarGz(Readable.from([rawTarGz(entries)]));
    expect(list.map((e) => [e.path, e.type])).toContainEqual(['files_live/2024/01/b.jpg', 'file']);
    expect(list[0]).toEqual({ path: 'files_live', type: 'directory', size: 0 });
    expect(await readdir(target)).toEqual([]);
  });
});

describe('where files go', () => {
  it('follows the framework and the tree', async () => {
    const wp = join(root, 'wp');
    await mkdir(join(wp, 'wp-content'), { recursive: true });
    expect(await filesPathFor(wp, 'wordpress')).toBe('wp-content/uploads');
    const d7 = join(root, 'd7');
    await mkdir(join(d7, 'sites', 'default'), { recursive: true });
    expect(await filesPathFor(d7, 'drupal')).toBe('sites/default/files');
    const d10 = join(root, 'd10');
    await mkdir(join(d10, 'web', 'sites', 'default'), { recursive: true });
    expect(await filesPathFor(d10, 'drupal8')).toBe('web/sites/default/files');
    // Unknown framework: the tree decides.
    expect(await filesPathFor(wp, 'unknown')).toBe('wp-content/uploads');
  });
});
