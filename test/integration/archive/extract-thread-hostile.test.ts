// Outside attack (issue 9): big archives are now extracted in a worker thread. The refusals the existing tests
// compare (absolute path, `..`, a character device, link chains, hard link to a symlink, long names) are joined
// here by the rest of a hostile archive's repertoire: a hard link and a symlink out of the tree, a FIFO, a block
// device, a file that declares more bytes than the disk has (with the real statfs probe, which the thread runs
// itself), and a cancel while the thread writes. Each must end exactly as in the downloading thread, and leave
// the same (empty of anything outside the folder) tree.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz } from '../../../electron/services/archive/extract';
import { extractArchive } from '../../../electron/services/archive/extract-file';
import { LifeboatError } from '../../../electron/services/errors';
import { GrowingFile } from '../../../electron/services/transfer/growing-file';
import { rawTarBlocks, rawTarGz, type RawEntry } from '../../helpers/tarball';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-attack9-thread-'));
});
afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));

const label = 'the hostile archive';

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** The archive extracted in a thread (from a finished file) and here; both outcomes and what each left. */
async function both(bytes: Buffer) {
  const a = join(root, 'thread');
  const b = join(root, 'here');
  await mkdir(a);
  await mkdir(b);
  const file = new GrowingFile(join(root, 'archive.tgz'));
  await writeFile(file.path, bytes);
  file.finish();
  const thread = await extractArchive(file.reader(), a, { label, size: bytes.length, threadFrom: 0 }).then(
    (r) => r as unknown,
    (e: unknown) => e,
  );
  const here = await extractTarGz(file.reader(), b, { label }).then(
    (r) => r as unknown,
    (e: unknown) => e,
  );
  return { thread, here, leftThread: await listing(a), leftHere: await listing(b) };
}

/** A tar header declaring `size` bytes of a file, followed by only `body` (the rest never comes). */
function declared(path: string, size: number, body = ''): Buffer {
  const h = new tar.Header({ path, size, type: 'File', mode: 0o644, mtime: new Date(0) });
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  return Buffer.concat([block, Buffer.from(body)]);
}

const hostile: [string, RawEntry[]][] = [
  ['a hard link out of the tree', [{ path: 'h', type: 'Link', linkpath: '../../../../etc/passwd' }]],
  ['a symbolic link to an absolute path', [{ path: 's', type: 'SymbolicLink', linkpath: '/etc' }]],
  [
    'a file written through a symbolic link to a parent',
    [
      { path: 'up', type: 'SymbolicLink', linkpath: '..' },
      { path: 'up/escaped.txt', body: 'x' },
    ],
  ],
  ['a FIFO', [{ path: 'pipe', type: 'FIFO' }]],
  ['a block device', [{ path: 'disk', type: 'BlockDevice' }]],
];

describe('hostile archives extracted in a worker thread', () => {
  for (const [name, entries] of hostile) {
    it(`refuses ${name} with the error of this thread, leaving the same tree`, async () => {
      const bytes = rawTarGz([
        { path: 'good.txt', body: 'fine' },
        ...entries,
        { path: 'after.txt', body: 'x' },
      ]);
      const r = await both(bytes);
      expect(r.here).toBeInstanceOf(LifeboatError);
      expect(r.thread).toBeInstanceOf(LifeboatError);
      expect({ code: (r.thread as LifeboatError).code, message: (r.thread as Error).message }).toEqual({
        code: (r.here as LifeboatError).code,
        message: (r.here as Error).message,
      });
      expect(r.leftThread).toEqual(r.leftHere);
      expect(await readdir(root)).not.toContain('escaped.txt');
    });
  }

  it('refuses a file that declares more bytes than the disk has before writing it, as this thread does', async () => {
    // 1 PiB declared; the real statfs probe (the thread runs its own) must stop it before any byte is written.
    const bytes = gzipSync(
      Buffer.concat([
        ...rawTarBlocks({ path: 'good.txt', body: 'fine' }),
        declared('huge.bin', 2 ** 50, 'z'.repeat(4096)),
      ]),
    );
    const r = await both(bytes);
    expect(r.here).toMatchObject({ code: 'disk-full' });
    expect(r.thread).toMatchObject({ code: 'disk-full' });
    expect((r.thread as Error).message.replace(join(root, 'thread'), 'DEST')).toBe(
      (r.here as Error).message.replace(join(root, 'here'), 'DEST'),
    );
    expect(r.leftThread).toEqual(r.leftHere);
    expect(r.leftThread).not.toContain('huge.bin');
  });

  it('is cancelled while it writes, answers only once its writes have landed, and says so as this thread', async () => {
    const entries: RawEntry[] = Array.from({ length: 1000 }, (_, i) => ({
      path: `d${i % 20}/f${i}.bin`,
      body: String.fromCharCode(65 + (i % 26)).repeat(64 * 1024),
    }));
    const bytes = rawTarGz(entries);
    const dest = join(root, 'cancelled');
    await mkdir(dest);
    const file = new GrowingFile(join(root, 'big.tgz'));
    await writeFile(file.path, bytes);
    file.finish();
    const abort = new AbortController();
    const seen: string[] = [];
    const extracting = extractArchive(file.reader(), dest, {
      label,
      size: bytes.length,
      threadFrom: 0,
      signal: abort.signal,
      onEntry: (p) => {
        seen.push(p);
        if (seen.length === 50) abort.abort();
      },
    }).catch((e: unknown) => e);
    const err = await extracting;
    expect(err).toMatchObject({ code: 'cancelled', message: `Extracting ${label} was cancelled.` });
    // What the caller's clean-up then sees is what stays: nothing may appear after the answer.
    const after = await listing(dest);
    await new Promise((r) => setTimeout(r, 300));
    expect(await listing(dest)).toEqual(after);
    await rm(dest, { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(await readdir(root)).not.toContain('cancelled');
  });
});
