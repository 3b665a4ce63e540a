/**
 * A catalog file name of 255 bytes passes the catalog's file-name check (it is one plain name), so every file
 * Lifeboat makes beside it (its `.lock`, `.part`, `.part.json` and the temporary file that replaces that, an
 * unpacked folder's staging folder) must still fit the file system's 255-byte limit. The sandbox serves such a
 * name for a site whose name is long enough, with archives made here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoSeed, type Sandbox } from '../../../electron/sandbox';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { downloadArchive } from '../../../electron/services/restore/download-archive';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import type { TransferPolicy } from '../../../electron/services/transfer/download';
import type { Element, Site } from '../../../shared/models';
import { clientFor, DANA, requestsTo, testSandbox } from '../../helpers/sandbox';
import { rawTarGz } from '../../helpers/tarball';
import { fastTransfer } from '../../helpers/transfer';

/** `<name>_live_YYYY-MM-DDTHH-MM-SS_UTC_database.sql.gz` is 45 bytes more than the site's name: 255 in all. */
const SITE = `long-${'n'.repeat(205)}`;
const FAST = fastTransfer({ maxFailures: 1 });
const ctx: RestoreContext = { phase: () => undefined, part: () => undefined };

let sandbox: Sandbox;
let client: PantheonClient;
let site: Site;
let root: string;
let dir: string;
/** The database dump as served: random text, so it barely compresses and a cut download is partial. */
let dump: Buffer;

beforeAll(async () => {
  const seed = demoSeed();
  const dana = seed.users.find((u) => u.email === DANA)!;
  const template = seed.sites.find((s) => s.name === 'acme-blog')!;
  const long = {
    ...template,
    id: randomUUID(),
    name: SITE,
    label: 'Long',
    members: [dana.id],
    multidevs: [],
  };
  sandbox = await testSandbox({ seed: { ...seed, sites: [...seed.sites, long] } });
  root = await mkdtemp(join(tmpdir(), 'lifeboat-long-names-'));
  dump = gzipSync(`-- dump\n${randomBytes(48 * 1024).toString('base64')}\n`);
  const served: Record<Element, Buffer> = {
    code: rawTarGz([
      { path: 'code/', type: 'Directory' },
      { path: 'code/index.php', body: '<?php\n' },
    ]),
    files: rawTarGz([
      { path: 'files_live/', type: 'Directory' },
      { path: 'files_live/docs/', type: 'Directory' },
      { path: 'files_live/docs/a.txt', body: 'a' },
      { path: 'files_live/media/', type: 'Directory' },
      { path: 'files_live/media/b.txt', body: 'b' },
    ]),
    database: dump,
  };
  for (const [element, bytes] of Object.entries(served) as [Element, Buffer][]) {
    const file = join(root, `served-${element}`);
    await writeFile(file, bytes);
    sandbox.serveArchive(SITE, 'live', element, file);
  }
  client = clientFor(sandbox, DANA);
  site = await client.getSite(SITE);
});
afterAll(async () => {
  await sandbox.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(root, 'to-'));
});

const download = (element: Element, extra: { include?: string[]; transfer?: TransferPolicy } = {}) =>
  downloadArchive(
    { client, site, ...(extra.transfer ? { transfer: extra.transfer } : {}) },
    {
      site: SITE,
      env: 'live',
      folder: 'latest',
      element,
      targetDir: dir,
      ...(extra.include ? { include: extra.include } : {}),
    },
    ctx,
  );

/** Every name under `path`, each checked against the 255-byte limit. */
async function names(path: string): Promise<string[]> {
  const all = (await readdir(path, { recursive: true })).map(String);
  for (const n of all) expect(Buffer.byteLength(basename(n))).toBeLessThanOrEqual(255);
  return all.sort();
}

describe('a 255-byte catalog file name', () => {
  it('is what the catalog lists', async () => {
    const [latest] = await client.listBackupSets(site, 'live');
    expect(Buffer.byteLength(latest!.archives.database!.filename)).toBe(255);
  });

  it('downloads under its own name, its lock and .part gone afterwards', async () => {
    const r = await download('database');
    expect(Buffer.byteLength(basename(r.path))).toBe(255);
    expect(await readFile(r.path)).toEqual(dump);
    expect(await names(dir)).toEqual([basename(r.path)]);
  });

  it('resumes a download cut short from a .part whose name fits, and keeps the same one', async () => {
    sandbox.setFaults({ store: { dropAfterBytes: 4096, dropTimes: 1 } });
    try {
      await expect(download('database', { transfer: FAST })).rejects.toMatchObject({ code: 'network' });
    } finally {
      sandbox.setFaults({});
    }
    const left = await names(dir);
    expect(left).toHaveLength(2);
    expect(left[0]).toMatch(/~[0-9a-f]{16}\.part$/);
    expect(left[1]).toBe(`${left[0]}.json`);
    // However much arrived before the cut, the next run starts from that same .part.
    const kept = (await stat(join(dir, left[0]!))).size;
    const before = requestsTo(sandbox, '/store/').length;
    const r = await download('database');
    expect(r.resumedBytes).toBe(kept);
    expect(requestsTo(sandbox, '/store/').length).toBe(before + 1);
    expect(await readFile(r.path)).toEqual(dump);
    expect(await names(dir)).toEqual([basename(r.path)]);
  });

  it('unpacks a files archive (a 252-byte name) through a staging folder whose name fits', async () => {
    const r = await download('files', { include: ['docs'] });
    expect(r.extractedTo).not.toBeNull();
    expect(await names(r.extractedTo!)).toEqual(['docs', 'docs/a.txt']);
    expect((await readdir(dir)).sort()).toEqual([basename(r.path), basename(r.extractedTo!)].sort());
  });

  it('is restored (downloaded into the staging folder, then put in place)', async () => {
    const r = await runRestore(
      { client, site, options: { transfer: FAST } },
      {
        site: SITE,
        env: 'live',
        backup: 'latest',
        elements: ['database'],
        targetDir: dir,
        folderName: 'restored',
      },
      ctx,
    );
    expect(await readdir(join(r.path, 'database'))).toEqual([
      (await client.listBackupSets(site, 'live'))[0]!.archives.database!.filename,
    ]);
    expect(await readdir(dir)).toEqual(['restored']);
  });
});
