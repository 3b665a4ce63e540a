/**
 * Downloads verified by the archive storage's own hash (`x-goog-hash`, API doc §9 "Checksums from the archive
 * storage"): CRC32C (or MD5) computed as the bytes are written and compared at the end, instead of inflating
 * the whole gzip. The storage vouches for the bytes it stored: a file that is not gzip at all, served with the
 * right hashes, is a verified download (the intended trade-off; extraction and import still inflate and check
 * the gzip CRC where they read the archive anyway). Without a usable hash the inflate check stays.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { downloadArchive } from '../../../electron/services/restore/download-archive';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import {
  downloadToPart,
  type ArchiveSource,
  type TransferPolicy,
} from '../../../electron/services/transfer/download';
import type { Element, Site } from '../../../shared/models';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';

const FAST = fastTransfer({ maxFailures: 4, maxUrlRefreshes: 2 });
/** One failure ends the run: a cut leaves a `.part` for the next run to resume. */
const ONE_TRY: TransferPolicy = { ...FAST, maxFailures: 1 };
const ctx: RestoreContext = { phase: () => undefined, part: () => undefined };

const crcOf = (b: Buffer): string => {
  const be = Buffer.alloc(4);
  be.writeUInt32BE(crc32c(b) >>> 0);
  return be.toString('base64');
};
const md5Of = (b: Buffer): string => createHash('md5').update(b).digest('base64');
/** Compared by digest: a deep equality of megabytes of Buffer takes seconds. */
const shaOf = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sha = async (path: string): Promise<string> => shaOf(await readFile(path));

let sandbox: Sandbox;
let client: PantheonClient;
let site: Site;
let root: string;
let dir: string;
/** Served as the database archive: 3 MiB of random bytes, not gzip at all (its first byte is no gzip magic). */
let notGzip: Buffer;
/** Served as the code archive: a real gzip (of text that barely compresses). */
let realGzip: Buffer;

beforeAll(async () => {
  sandbox = await testSandbox();
  client = clientFor(sandbox, DANA);
  site = await client.getSite('acme-blog');
  root = await mkdtemp(join(tmpdir(), 'lifeboat-storage-hash-'));
  notGzip = randomBytes(3 << 20);
  notGzip[0] = 0;
  realGzip = gzipSync(randomBytes(2 << 20).toString('base64'), { level: 1 });
  const served: Partial<Record<Element, Buffer>> = { database: notGzip, code: realGzip };
  for (const [element, bytes] of Object.entries(served) as [Element, Buffer][]) {
    const file = join(root, `served-${element}`);
    await writeFile(file, bytes);
    sandbox.serveArchive('acme-blog', 'live', element, file);
  }
});
afterAll(async () => {
  await sandbox.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  sandbox.setFaults({});
  dir = await mkdtemp(join(root, 'to-'));
});

async function sourceOf(element: Element): Promise<ArchiveSource> {
  const [latest] = await client.listBackupSets(site, 'live');
  const archive = latest!.archives[element]!;
  return {
    label: `the ${element} archive`,
    identity: `${latest!.folder}/${archive.filename}`,
    size: archive.size,
    url: (s) => client.archiveUrl(site, 'live', latest!.folder, element, s),
  };
}

const download = (element: Element, transfer: TransferPolicy = FAST) =>
  downloadArchive(
    { client, site, transfer },
    { site: 'acme-blog', env: 'live', folder: 'latest', element, targetDir: dir },
    ctx,
  );

describe("the sandbox's store names the object's hashes as GCS does", () => {
  const head = async (init: RequestInit = {}): Promise<Response> =>
    fetch(await (await sourceOf('database')).url(), init);

  it('on GET, HEAD and a 206 Range answer: the whole object crc32c and md5 in one header, and its stored size', async () => {
    const want = `crc32c=${crcOf(notGzip)},md5=${md5Of(notGzip)}`;
    for (const [init, status] of [
      [{}, 200],
      [{ method: 'HEAD' }, 200],
      [{ headers: { range: 'bytes=100-199' } }, 206],
    ] as const) {
      const res = await head(init);
      await res.arrayBuffer();
      expect(res.status).toBe(status);
      expect(res.headers.get('x-goog-hash')).toBe(want);
      expect(res.headers.get('x-goog-stored-content-length')).toBe(String(notGzip.length));
      expect(res.headers.get('etag')).toBe(`"${createHash('md5').update(notGzip).digest('hex')}"`);
    }
  });

  it('for a composite object: crc32c only, and an ETag that is no MD5', async () => {
    sandbox.setFaults({ store: { composite: true } });
    const res = await head({ method: 'HEAD' });
    expect(res.headers.get('x-goog-hash')).toBe(`crc32c=${crcOf(notGzip)}`);
    expect(res.headers.get('etag')).not.toContain(createHash('md5').update(notGzip).digest('hex'));
  });
});

describe('a download verified by the storage hash', () => {
  it('is verified without inflating: bytes that are not gzip at all pass, since the storage vouches for them', async () => {
    const r = await download('database');
    expect(await sha(r.path)).toBe(shaOf(notGzip));
    expect(await readdir(dir)).toEqual([r.path.slice(dir.length + 1)]);
  });

  it('is kept by a restore without an inflate pass either', async () => {
    const r = await runRestore(
      { client, site, options: { transfer: FAST } },
      {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['database'],
        targetDir: dir,
        folderName: 'restored',
      },
      ctx,
    );
    const [name] = await readdir(join(r.path, 'database'));
    expect(await sha(join(r.path, 'database', name!))).toBe(shaOf(notGzip));
  });

  it('fails as `integrity` naming the hash when a byte changed on the way, and discards the .part', async () => {
    sandbox.setFaults({ store: { corrupt: true, match: '_database.' } });
    const err = await download('database').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'integrity', message: expect.stringMatching(/CRC32C does not match/) });
    expect(await readdir(dir)).toEqual([]);
  });

  it('checks the hash over the whole file after a cut resumed in the same run', async () => {
    sandbox.setFaults({ store: { dropAfterBytes: 1 << 20, dropTimes: 1, match: '_database.' } });
    const partPath = join(dir, 'db.part');
    const r = await downloadToPart({ source: await sourceOf('database'), partPath, policy: FAST });
    expect(r).toMatchObject({ attempts: 2, verifiedBy: 'crc32c' });
    expect(await sha(partPath)).toBe(shaOf(notGzip));
  });

  it('hashes the bytes of a .part left by an earlier run before resuming it', async () => {
    const source = await sourceOf('database');
    const partPath = join(dir, 'db.part');
    sandbox.setFaults({ store: { dropAfterBytes: 1 << 20, dropTimes: 1, match: '_database.' } });
    await expect(downloadToPart({ source, partPath, policy: ONE_TRY })).rejects.toMatchObject({
      code: 'network',
    });
    const r = await downloadToPart({ source, partPath, policy: FAST });
    expect(r.resumedFrom).toBeGreaterThan(0);
    expect(r.verifiedBy).toBe('crc32c');
    expect(await sha(partPath)).toBe(shaOf(notGzip));
  });

  it('catches a .part damaged on disk between runs: `integrity`, and the .part is discarded', async () => {
    const source = await sourceOf('database');
    const partPath = join(dir, 'db.part');
    sandbox.setFaults({ store: { dropAfterBytes: 1 << 20, dropTimes: 1, match: '_database.' } });
    await expect(downloadToPart({ source, partPath, policy: ONE_TRY })).rejects.toMatchObject({
      code: 'network',
    });
    const fh = await open(partPath, 'r+');
    try {
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, 1000);
      b[0] = b[0]! ^ 0xff;
      await fh.write(b, 0, 1, 1000);
    } finally {
      await fh.close();
    }
    await expect(downloadToPart({ source, partPath, policy: FAST })).rejects.toMatchObject({
      code: 'integrity',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('starts over when the object hash changed since the .part was begun, as for a changed ETag', async () => {
    const source = await sourceOf('database');
    const partPath = join(dir, 'db.part');
    sandbox.setFaults({ store: { dropAfterBytes: 1 << 20, dropTimes: 1, match: '_database.' } });
    await expect(downloadToPart({ source, partPath, policy: ONE_TRY })).rejects.toMatchObject({
      code: 'network',
    });
    // The first response's hash is kept beside the .part; here it names another object than the store now has.
    const meta = JSON.parse(await readFile(`${partPath}.json`, 'utf8')) as { hashes?: { crc32c?: string } };
    expect(meta.hashes?.crc32c).toBe(crcOf(notGzip));
    meta.hashes = { crc32c: crcOf(Buffer.from('another object')) };
    await writeFile(`${partPath}.json`, JSON.stringify(meta));
    await expect(downloadToPart({ source, partPath, policy: FAST })).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringMatching(/changed on the server/),
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('verifies a composite object (crc32c only) by its CRC32C', async () => {
    sandbox.setFaults({ store: { composite: true } });
    const r = await downloadToPart({
      source: await sourceOf('database'),
      partPath: join(dir, 'db.part'),
      policy: FAST,
    });
    expect(r.verifiedBy).toBe('crc32c');
    const saved = await download('database');
    expect(await sha(saved.path)).toBe(shaOf(notGzip));
  });
});

describe('a download without x-goog-hash', () => {
  it('leaves the verification to the caller', async () => {
    sandbox.setFaults({ store: { withoutHash: true } });
    const partPath = join(dir, 'code.part');
    const r = await downloadToPart({ source: await sourceOf('code'), partPath, policy: FAST });
    expect(r.verifiedBy).toBeNull();
    expect(await sha(partPath)).toBe(shaOf(realGzip));
  });

  it('is still verified by inflating it: a corrupt gzip is `integrity`, a good one passes', async () => {
    sandbox.setFaults({ store: { withoutHash: true, corrupt: true } });
    const err = await download('code').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'integrity', message: expect.stringMatching(/is damaged \(/) });
    expect(await readdir(dir)).toEqual([]);
    sandbox.setFaults({ store: { withoutHash: true } });
    const r = await download('code');
    expect(await sha(r.path)).toBe(shaOf(realGzip));
  });

  it('takes nothing on trust: bytes that are not gzip are `integrity`', async () => {
    sandbox.setFaults({ store: { withoutHash: true } });
    await expect(download('database')).rejects.toMatchObject({ code: 'integrity' });
  });
});
