import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GrowingFile } from '../../../../electron/services/transfer/growing-file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-growing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Collects a reader's chunks as they come (each one as pushed, with the memory block behind it). */
function collect(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(chunks));
    stream.once('error', reject);
  });
}

/** Appends a chunk as the download does: written first, then reported with its bytes and offset. */
async function write(file: GrowingFile, at: number, bytes: Buffer): Promise<number> {
  await appendFile(file.path, bytes);
  file.grew([bytes], at);
  return at + bytes.length;
}

const chunk = (n: number, size = 10 << 10): Buffer => Buffer.alloc(size, n % 251);

describe('GrowingFile reader', () => {
  it('follows a reporting writer to the last byte, never holding a read buffer larger than what was there', async () => {
    const file = new GrowingFile(join(dir, 'a.part'));
    await writeFile(file.path, '');
    file.grew();
    let at = 0;
    const written: Buffer[] = [];
    // Written before the reader starts: read back from disk, 30 KiB known.
    for (let i = 0; i < 3; i++) {
      written.push(chunk(i));
      at = await write(file, at, written.at(-1)!);
    }
    const reading = collect(file.reader({ chunkSize: 1 << 20 }));
    for (let i = 3; i < 40; i++) {
      written.push(chunk(i, 3000 + i * 517));
      at = await write(file, at, written.at(-1)!);
      if (i % 5 === 0) await new Promise((r) => setImmediate(r));
    }
    file.finish();
    const got = await reading;
    expect(Buffer.concat(got).equals(Buffer.concat(written))).toBe(true);
    // A reader that keeps up reads a few KiB at a time; each read must not pin a 1 MiB block for them.
    const biggest = Math.max(...got.map((c) => c.buffer.byteLength));
    expect(biggest).toBeLessThanOrEqual(64 << 10);
  });

  it('reads a file whose writer never reported its bytes (a finished download) in whole chunks', async () => {
    const path = join(dir, 'done.tgz');
    const data = Buffer.alloc(3 << 20, 7);
    await writeFile(path, data);
    const file = new GrowingFile(path);
    file.finish();
    const got = await collect(file.reader({ chunkSize: 1 << 20 }));
    expect(Buffer.concat(got).equals(data)).toBe(true);
    expect(got.length).toBe(3);
  });

  it('misses no byte written just before the writer finished, nor bytes it did not report', async () => {
    const file = new GrowingFile(join(dir, 'b.part'));
    await writeFile(file.path, 'head-');
    // A resumed download: bytes already on disk, announced without their content.
    file.grew();
    const reading = collect(file.reader());
    let at = 5;
    at = await write(file, at, Buffer.from('middle-'));
    await write(file, at, Buffer.from('tail'));
    file.finish();
    expect(Buffer.concat(await reading).toString()).toBe('head-middle-tail');
  });

  it('fails the reader with the writer’s error', async () => {
    const file = new GrowingFile(join(dir, 'c.part'));
    await writeFile(file.path, '');
    file.grew();
    const reading = collect(file.reader());
    await write(file, 0, Buffer.from('some'));
    file.fail(new Error('the link dropped for good'));
    await expect(reading).rejects.toThrow('the link dropped for good');
  });
});
