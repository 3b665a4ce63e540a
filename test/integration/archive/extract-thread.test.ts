/**
 * The extraction of a downloading archive in a worker thread (archive/extract-file.ts): it must give exactly what
 * the extraction in the downloading thread gives, the tree, the count, and every error, while it follows a file
 * that is still being written.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz } from '../../../electron/services/archive/extract';
import { extractArchive } from '../../../electron/services/archive/extract-file';
import { LifeboatError } from '../../../electron/services/errors';
import { GrowingFile } from '../../../electron/services/transfer/growing-file';
import { hardlinkToSymlinkEntries, longNameEntries, symlinkChainEntries } from '../../helpers/hostile-tar';
import { rawTarGz, type RawEntry } from '../../helpers/tarball';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-extract-thread-'));
});
afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));

/** Every path under `dir` with its content (files) or kind, relative. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    const rel = p.slice(dir.length + 1);
    out.push(e.isFile() ? `${rel}=${(await readFile(p)).toString('base64').slice(0, 40)}` : `${rel}/`);
  }
  return out.sort();
}

/**
 * A download as the fetch step runs it: the archive is appended to `path` in small pieces, each announced with
 * grew(), then finish(). `stopAt` fails the download after that many bytes instead.
 */
async function download(
  file: GrowingFile,
  bytes: Buffer,
  options: { piece?: number; stopAt?: number; error?: Error } = {},
): Promise<void> {
  const piece = options.piece ?? 997;
  for (let at = 0; at < bytes.length; at += piece) {
    if (options.stopAt !== undefined && at >= options.stopAt) {
      file.fail(options.error ?? new LifeboatError('network', 'The connection dropped.'));
      return;
    }
    await appendFile(file.path, bytes.subarray(at, at + piece));
    file.grew();
    await new Promise((r) => setImmediate(r));
  }
  file.finish();
}

const label = 'the test archive';
let parts = 0;

/** Extracts `bytes` while they are "downloaded" into a `.part`, in a thread, and returns the result or the error. */
async function inThread(
  bytes: Buffer,
  dest: string,
  options: {
    include?: string[];
    exclude?: string[];
    stopAt?: number;
    error?: Error;
    freeSpace?: (p: string) => Promise<number>;
  } = {},
) {
  const file = new GrowingFile(join(root, `${dest.split('/').pop()}-${++parts}.part`));
  const extracting = extractArchive(file.reader(), dest, {
    label,
    size: bytes.length,
    threadFrom: 0,
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
  });
  const writing = download(file, bytes, options);
  const [r] = await Promise.allSettled([extracting, writing]);
  return r.status === 'fulfilled' ? r.value : (r.reason as unknown);
}

/** The same extraction in this thread, from the whole archive at once. */
async function here(bytes: Buffer, dest: string, options: { include?: string[]; exclude?: string[] } = {}) {
  const file = new GrowingFile(join(root, `${dest.split('/').pop()}.tgz`));
  await writeFile(file.path, bytes);
  file.finish();
  return extractTarGz(file.reader(), dest, { label, ...options }).catch((e: unknown) => e);
}

async function dirs(): Promise<[string, string]> {
  const a = join(root, 'thread');
  const b = join(root, 'here');
  await mkdir(a);
  await mkdir(b);
  return [a, b];
}

const ordinary: RawEntry[] = [
  { path: 'files_live/', type: 'Directory' },
  { path: 'files_live/a.txt', body: 'alpha' },
  { path: 'files_live/2024/', type: 'Directory' },
  { path: 'files_live/2024/photo.jpg', body: randomBytes(300_000).toString('latin1') },
  { path: 'files_live/2024/link', type: 'SymbolicLink', linkpath: '../a.txt' },
  { path: 'files_live/hard', type: 'Link', linkpath: 'files_live/a.txt' },
  { path: 'files_live/cache/x.tmp', body: 'tmp' },
];

describe('extraction in a worker thread', () => {
  it('writes the same tree and counts as in this thread, following the file as it grows', async () => {
    const bytes = rawTarGz(ordinary);
    const [a, b] = await dirs();
    const r = await inThread(bytes, a);
    expect(r).toEqual({ entries: 7, bytes: expect.any(Number), inThread: true });
    const mine = await here(bytes, b);
    expect(r).toEqual({ ...(mine as object), inThread: true });
    expect(await tree(a)).toEqual(await tree(b));
    expect(await tree(a)).toContain('files_live/a.txt=YWxwaGE=');
  });

  it('applies include and exclude there, and refuses a pattern that matched nothing the same way', async () => {
    const bytes = rawTarGz(ordinary);
    const [a, b] = await dirs();
    await inThread(bytes, a, { include: ['files_live/2024/**'], exclude: ['*.tmp'] });
    await here(bytes, b, { include: ['files_live/2024/**'], exclude: ['*.tmp'] });
    expect(await tree(a)).toEqual(await tree(b));
    const [c, d] = [join(root, 'c'), join(root, 'd')];
    await mkdir(c);
    await mkdir(d);
    const err = await inThread(bytes, c, { include: ['files_live/nothing-here/**'] });
    expect(err).toBeInstanceOf(LifeboatError);
    expect(err).toEqual(await here(bytes, d, { include: ['files_live/nothing-here/**'] }));
    expect((err as LifeboatError).code).toBe('invalid-request');
  });

  const hostile: [string, RawEntry[]][] = [
    ['an absolute path', [{ path: '/tmp/lifeboat-evil.txt', body: 'x' }]],
    ['a path climbing out', [{ path: 'ok/../../escaped.txt', body: 'x' }]],
    ['a device file', [{ path: 'dev', type: 'CharacterDevice' }]],
    ['a chain of links that climbs out', symlinkChainEntries(3, 'file')],
    ['a hard link to a symbolic link', hardlinkToSymlinkEntries(2)],
    ['a name too long for the file system', longNameEntries(300)],
  ];
  for (const [name, entries] of hostile) {
    it(`refuses ${name} with the very error of the extraction in this thread`, async () => {
      const bytes = rawTarGz([
        { path: 'good.txt', body: 'fine' },
        ...entries,
        { path: 'after.txt', body: 'x' },
      ]);
      const [a, b] = await dirs();
      const err = await inThread(bytes, a);
      const mine = await here(bytes, b);
      expect(err).toBeInstanceOf(LifeboatError);
      expect(mine).toBeInstanceOf(LifeboatError);
      expect({ code: (err as LifeboatError).code, message: (err as Error).message }).toEqual({
        code: (mine as LifeboatError).code,
        message: (mine as Error).message,
      });
      expect(await readdir(root)).not.toContain('escaped.txt');
    });
  }

  it('reports a damaged gzip as an integrity error, like this thread', async () => {
    const bytes = Buffer.from(rawTarGz(ordinary));
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    const [a, b] = await dirs();
    const err = await inThread(bytes, a);
    expect(err).toMatchObject({ code: 'integrity' });
    expect((err as Error).message).toBe(((await here(bytes, b)) as Error).message);
  });

  it('fails with the download’s own error when the download fails, however far it got', async () => {
    const bytes = rawTarGz(ordinary);
    const [a] = await dirs();
    const dropped = new LifeboatError('network', 'The connection dropped for good.');
    expect(await inThread(bytes, a, { stopAt: 4000, error: dropped })).toBe(dropped);
    // A failure that is no LifeboatError is described as the extraction here describes it (a full disk).
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await rm(a, { recursive: true });
    await mkdir(a);
    expect(await inThread(bytes, a, { stopAt: 4000, error: full })).toMatchObject({
      code: 'disk-full',
      message: expect.stringContaining('The disk filled up while extracting the test archive'),
    });
  });

  it('asks the caller’s free-space probe, and stops at a full disk as this thread does', async () => {
    const bytes = rawTarGz(ordinary);
    const [a, b] = await dirs();
    const asked: string[] = [];
    const tiny = async (p: string): Promise<number> => {
      asked.push(p);
      return 64 * 1024 * 1024 + 100_000;
    };
    const err = await inThread(bytes, a, { freeSpace: tiny });
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([a]));
    const file = new GrowingFile(join(root, 'here.tgz'));
    await writeFile(file.path, bytes);
    file.finish();
    const mine = await extractTarGz(file.reader(), b, { label, freeSpace: tiny }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'disk-full' });
    expect((err as Error).message).toBe((mine as Error).message.replace(b, a));
  });

  it('is cancelled by the signal while it waits for bytes, and says so as this thread does', async () => {
    const file = new GrowingFile(join(root, 'slow.part'));
    const bytes = rawTarGz(ordinary);
    await writeFile(file.path, bytes.subarray(0, 3000));
    file.grew();
    const abort = new AbortController();
    const dest = join(root, 'cancelled');
    await mkdir(dest);
    const extracting = extractArchive(file.reader(), dest, {
      label,
      size: bytes.length,
      threadFrom: 0,
      signal: abort.signal,
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    expect(await extracting).toMatchObject({
      code: 'cancelled',
      message: 'Extracting the test archive was cancelled.',
    });
  });

  it('waits for a file the download has not created yet', async () => {
    const bytes = rawTarGz(ordinary);
    const [a, b] = await dirs();
    const file = new GrowingFile(join(root, 'late.part'));
    const extracting = extractArchive(file.reader(), a, { label, size: bytes.length, threadFrom: 0 });
    await new Promise((r) => setTimeout(r, 30));
    await download(file, bytes, { piece: 50_000 });
    expect(await extracting).toMatchObject({ entries: 7, inThread: true });
    await here(bytes, b);
    expect(await tree(a)).toEqual(await tree(b));
  });
});
