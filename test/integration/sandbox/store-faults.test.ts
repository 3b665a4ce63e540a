import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let url: string;
beforeAll(async () => {
  sandbox = await testSandbox();
  const client = clientFor(sandbox, DANA);
  const site = await client.getSite('acme-blog');
  const [latest] = await client.listBackupSets(site, 'live');
  url = await client.archiveUrl(site, 'live', latest!.folder, 'files');
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());

/** Reads a response body until it ends or the connection breaks; returns the bytes and whether it broke. */
async function readAll(res: Response): Promise<{ bytes: Buffer; broke: boolean }> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    return { bytes: Buffer.concat(chunks), broke: false };
  } catch {
    return { bytes: Buffer.concat(chunks), broke: true };
  }
}

describe('archive store faults', () => {
  it('cuts the connection after N bytes, N times, then serves normally', async () => {
    sandbox.setFaults({ store: { dropAfterBytes: 10_000, dropTimes: 1 } });
    const first = await readAll(await fetch(url));
    expect(first.broke).toBe(true);
    expect(first.bytes.length).toBe(10_000);
    const second = await readAll(await fetch(url));
    expect(second.broke).toBe(false);
    expect(createHash('sha256').update(second.bytes).digest('hex')).toBe(
      (await sandbox.archive('acme-blog', 'live', 'files')).sha256,
    );
  });

  it('cuts at a seeded random offset within the range given', async () => {
    sandbox.setFaults({ store: { dropAfterBytes: [1000, 50_000], seed: 3 } });
    const { bytes, broke } = await readAll(await fetch(url));
    expect(broke).toBe(true);
    expect(bytes.length).toBeGreaterThanOrEqual(1000);
    expect(bytes.length).toBeLessThan(50_000);
  });

  it('expires URLs early', async () => {
    sandbox.setFaults({ store: { expireUrlsAfterMs: 0 } });
    await new Promise((r) => setTimeout(r, 5));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
  });

  it('expires URLs at their Expires time', async () => {
    const short = await testSandbox({ urlLifetimeSeconds: -1 });
    try {
      const client = clientFor(short, DANA);
      const site = await client.getSite('acme-blog');
      const [latest] = await client.listBackupSets(site, 'live');
      const expired = await client.archiveUrl(site, 'live', latest!.folder, 'code');
      expect((await fetch(expired)).status).toBe(403);
    } finally {
      await short.close();
    }
  });

  it('serves a truncated archive that gzip rejects', async () => {
    sandbox.setFaults({ store: { truncate: true } });
    const built = await sandbox.archive('acme-blog', 'live', 'files');
    const res = await fetch(url);
    const { bytes } = await readAll(res);
    expect(bytes.length).toBe(Math.floor(built.size * 0.6));
    expect(() => gunzipSync(bytes)).toThrow();
  });

  it('serves a corrupt archive of the right size whose CRC fails', async () => {
    sandbox.setFaults({ store: { corrupt: true } });
    const built = await sandbox.archive('acme-blog', 'live', 'files');
    const { bytes } = await readAll(await fetch(url));
    expect(bytes.length).toBe(built.size);
    expect(createHash('sha256').update(bytes).digest('hex')).not.toBe(built.sha256);
    expect(() => gunzipSync(bytes)).toThrow();
  });

  it('throttles to the rate given', async () => {
    sandbox.setFaults({ store: { throttleBytesPerSecond: 200_000 } });
    // Timed from the request: the store sleeps before its first chunk, which carries the headers too.
    const started = Date.now();
    const res = await fetch(url, { headers: { Range: 'bytes=0-39999' } });
    const { bytes } = await readAll(res);
    expect(bytes.length).toBe(40_000);
    // 40 kB at 200 kB/s cannot take less than 0.2 s (a lower bound: load can only slow it further).
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('limits faults to matching archives', async () => {
    sandbox.setFaults({ store: { corrupt: true, match: '_code.' } });
    const { bytes } = await readAll(await fetch(url));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      (await sandbox.archive('acme-blog', 'live', 'files')).sha256,
    );
  });
});

describe('admin endpoints', () => {
  it('set faults and expire sessions over HTTP, for tests in other processes', async () => {
    const admin = { 'x-sandbox-admin': sandbox.adminToken };
    const res = await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ store: { corrupt: true } }),
    });
    expect(res.status).toBe(200);
    const { bytes } = await readAll(await fetch(url));
    expect(createHash('sha256').update(bytes).digest('hex')).not.toBe(
      (await sandbox.archive('acme-blog', 'live', 'files')).sha256,
    );
    const info = (await (await fetch(`${sandbox.url}/__sandbox/info`, { headers: admin })).json()) as {
      accounts: unknown[];
    };
    expect(info.accounts).toHaveLength(2);
  });
});

describe('one archive cache shared by the sandboxes of several test processes', () => {
  it('each sandbox serves exactly the archive it announces, even when they built it at the same moment', async () => {
    // Two vitest workers on a cold cache: two sandboxes (two archive libraries) on one cache folder, building the
    // code archive at once. Its bytes differ from build to build (git's index and reflog record times and inodes).
    const cacheDir = await mkdtemp(join(tmpdir(), 'lifeboat-shared-cache-'));
    const both = await Promise.all([testSandbox({ cacheDir }), testSandbox({ cacheDir })]);
    try {
      await Promise.all(both.map((s) => s.archive('acme-blog', 'live', 'code')));
      for (const s of both) {
        const built = await s.archive('acme-blog', 'live', 'code');
        const client = clientFor(s, DANA);
        const site = await client.getSite('acme-blog');
        const [latest] = await client.listBackupSets(site, 'live');
        const res = await fetch(await client.archiveUrl(site, 'live', latest!.folder, 'code'));
        expect(Number(res.headers.get('content-length'))).toBe(built.size);
        const { bytes, broke } = await readAll(res);
        expect({ broke, length: bytes.length }).toEqual({ broke: false, length: built.size });
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(built.sha256);
      }
    } finally {
      await Promise.all(both.map((s) => s.close()));
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
