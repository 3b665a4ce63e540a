/**
 * The download gathers what the network brings in one turn of the event loop into one write (issue 9 §3): the
 * `.part` must still hold exactly the bytes sent, in order, each write announced to the readers as the bytes it
 * added where it added them, also when a server sends tiny pieces, skips the Range (resume by skipping) or sends
 * more than the catalog size.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadToPart } from '../../../electron/services/transfer/download';
import { GrowingFile } from '../../../electron/services/transfer/growing-file';
import { fastTransfer } from '../../helpers/transfer';

const FAST = fastTransfer({ maxUrlRefreshes: 2 });

let dir: string;
let server: Server;
let url: string;
/** What the server sends: the body, in pieces of `piece` bytes, pausing a turn every `burst` pieces. */
let body: Buffer;
let options: { piece: number; burst: number; ignoreRange?: boolean };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-batched-'));
  server = createServer((req, res) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range && !options.ignoreRange ? Number(range[1]) : 0;
    const headers = { 'content-type': 'application/octet-stream' };
    if (start > 0)
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    else res.writeHead(200, headers);
    let at = start;
    const send = (): void => {
      for (let i = 0; i < options.burst && at < body.length; i++) {
        res.write(body.subarray(at, at + options.piece));
        at += options.piece;
      }
      if (at < body.length) setImmediate(send);
      else res.end();
    };
    send();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/archive.tar.gz`;
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** Downloads `size` bytes of the body into a `.part`, recording what each write announced. */
async function download(size: number) {
  const partPath = join(dir, 'archive.tar.gz.part');
  const file = new GrowingFile(partPath);
  const writes: { offset: number; bytes: number }[] = [];
  file.on('bytes', (chunks: readonly Buffer[], offset: number) =>
    writes.push({ offset, bytes: chunks.reduce((n, c) => n + c.length, 0) }),
  );
  const progress: number[] = [];
  await downloadToPart({
    source: { label: 'the test archive', identity: 'x/archive.tar.gz', size, url: async () => url },
    partPath,
    file,
    policy: FAST,
    onProgress: (done) => progress.push(done),
  });
  return { part: await readFile(partPath), writes, progress, partPath };
}

/** Each write starts where the one before ended, and they add up to `size`. */
function contiguous(writes: { offset: number; bytes: number }[], from: number, size: number): void {
  let at = from;
  for (const w of writes) {
    expect(w.offset).toBe(at);
    at += w.bytes;
  }
  expect(at).toBe(size);
}

describe('batched writes of a download', () => {
  it('writes every byte in order when the server sends it in tiny pieces', async () => {
    body = randomBytes(3 * 1024 * 1024 + 123);
    options = { piece: 1000, burst: 64 };
    const { part, writes, progress } = await download(body.length);
    expect(part.equals(body)).toBe(true);
    contiguous(writes, 0, body.length);
    expect(progress.at(-1)).toBe(body.length);
    // Gathered: far fewer writes than the pieces sent.
    expect(writes.length).toBeLessThan(Math.ceil(body.length / options.piece));
  });

  it('resumes a `.part` from a server that ignores Range, keeping the bytes it had', async () => {
    body = randomBytes(2 * 1024 * 1024 + 7);
    options = { piece: 4096, burst: 16, ignoreRange: true };
    const partPath = join(dir, 'archive.tar.gz.part');
    await writeFile(partPath, body.subarray(0, 700_001));
    const { part, writes } = await download(body.length);
    expect(part.equals(body)).toBe(true);
    contiguous(writes, 700_001, body.length);
  });

  it('never writes past the catalog size, whatever the server sends', async () => {
    body = randomBytes(1024 * 1024);
    options = { piece: 3000, burst: 50 };
    const size = 600_000;
    const { part, writes } = await download(size);
    expect(part.equals(body.subarray(0, size))).toBe(true);
    contiguous(writes, 0, size);
  });
});
