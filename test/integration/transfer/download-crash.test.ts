import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CHILD = join(import.meta.dirname, 'download-child.ts');
const SIZE = 1 << 20;
const SIGNATURE = 'SIGsecretSIGNATUREvalue0123456789abcdef';

/**
 * A storage server that answers every GET with the headers of a good response (status, length, ETag) and
 * destroys the socket in the same tick: the client sees a response, then the connection breaking before a
 * body byte. A raw TCP server, so nothing in between softens the cut.
 */
async function hangUpAfterHeaders(): Promise<{ url: string; server: Server; requests: () => number }> {
  let requests = 0;
  const server = createServer((socket: Socket) => {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requests++;
      const range = /\r\nrange: bytes=(\d+)-/i.exec(head);
      const start = range ? Number(range[1]) : 0;
      const lines = range
        ? ['HTTP/1.1 206 Partial Content', `Content-Range: bytes ${start}-${SIZE - 1}/${SIZE}`]
        : ['HTTP/1.1 200 OK'];
      lines.push(
        `Content-Length: ${SIZE - start}`,
        'Content-Type: application/x-gzip',
        'Accept-Ranges: bytes',
        'ETag: "0123456789abcdef0123456789abcdef"',
      );
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const expires = Math.floor(Date.now() / 1000) + 3600;
  return {
    url: `http://127.0.0.1:${port}/store/bucket/site/live/folder/site_live_files.tar.gz?Expires=${expires}&GoogleAccessId=lifeboat&Signature=${SIGNATURE}`,
    server,
    requests: () => requests,
  };
}

/** Runs download-child.ts in its own Node process; resolves with how it ended and everything it printed. */
function runChild(
  args: object,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

let store: Awaited<ReturnType<typeof hangUpAfterHeaders>>;
let dir: string;
beforeAll(async () => {
  store = await hangUpAfterHeaders();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-dl-crash-'));
});
afterAll(async () => {
  await new Promise((r) => store.server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('a connection that breaks right after the response headers', () => {
  it('fails each download cleanly, never crashes the process, never prints the signature', async () => {
    const rounds = 40;
    const out = await runChild({ url: store.url, dir, rounds, size: SIZE });
    const printed = out.stdout + out.stderr;
    expect(printed).not.toContain(SIGNATURE);
    expect(printed).not.toMatch(/Signature=/);
    expect(out.stderr).not.toMatch(/Unhandled|ReadError|RequestError/);
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null });
    const results = JSON.parse(out.stdout) as { code?: string; message: string; metaBytes: number }[];
    expect(results).toHaveLength(rounds);
    for (const r of results) {
      expect(r.code).toBe('network');
      expect(r.message).toMatch(/failed 2 times in a row/);
    }
    // Two attempts per round reached the server: the error of each was handled, none ended the process.
    expect(store.requests()).toBeGreaterThanOrEqual(rounds * 2);
  });

  it('leaves every .part.json it wrote whole: never 0 bytes, always valid JSON', async () => {
    const metas = (await readdir(dir)).filter((n) => n.endsWith('.part.json'));
    expect(metas.length).toBeGreaterThan(0);
    for (const name of metas) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(text.length, name).toBeGreaterThan(0);
      expect(JSON.parse(text), name).toMatchObject({ size: SIZE });
    }
    // No temporary file of an atomic write is left behind either.
    expect((await readdir(dir)).filter((n) => !/\.part(\.json)?$/.test(n))).toEqual([]);
  });
});
