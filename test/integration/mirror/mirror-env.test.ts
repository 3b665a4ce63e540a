import { hostname } from 'node:os';
import { lstat, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createBackupAndWait } from '../../../electron/services/backups/create-backup';
import {
  MIRROR_ENV_LOCK,
  MIRROR_MANIFEST,
  MIRROR_PARTIAL,
  MIRROR_ROOT_MARK,
  setFolderName,
} from '../../../electron/services/mirror/layout';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import {
  ALL_ELEMENTS,
  mirrorOnce,
  mirrorSandbox,
  readManifest,
  readPartial,
  sha256Of,
  storeRequests,
  tempMirrorRoot,
  urlRequests,
  failure,
} from '../../helpers/mirror';
import { fastTransfer } from '../../helpers/transfer';
import { itUnless, noSymlinks } from '../../helpers/platform';

let sandbox: Sandbox;
let client: PantheonClient;
let root: string;

beforeAll(async () => {
  ({ sandbox, client } = await mirrorSandbox());
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.setFaults({});
  const t = await tempMirrorRoot();
  root = t.root;
  return t.cleanup;
});

/** The newest finished set of an environment with every element, as the catalog lists it now. */
async function newestSet(siteName: string, env: string) {
  const site = await client.getSite(siteName);
  const sets = await client.listBackupSets(site, env);
  return sets.find((s) => ALL_ELEMENTS.every((el) => s.archives[el]?.finished))!;
}

describe('mirroring one environment', () => {
  it('downloads the newest complete set with a verified manifest, and a rerun downloads nothing and asks no link', async () => {
    const newest = await newestSet('acme-blog', 'live');
    const first = await mirrorOnce(client, 'acme-blog', 'live', root);
    const dir = join(root, 'acme-blog', 'live', setFolderName(newest.scheduledFor));
    expect(first).toMatchObject({
      env: 'live',
      status: 'downloaded',
      path: dir,
      backupFolder: newest.folder,
      resumedBytes: 0,
      createdBackup: false,
      pruned: [],
    });
    expect(first.bytes).toBe(ALL_ELEMENTS.reduce((n, el) => n + newest.archives[el]!.size, 0));
    const m = await readManifest(dir);
    expect(m).toMatchObject({
      version: 1,
      complete: true,
      site: { name: 'acme-blog', framework: 'wordpress' },
      env: 'live',
      account: 'dana@example.com',
      backup: { folder: newest.folder, scheduledFor: newest.scheduledFor, initiator: newest.initiator },
      deployTag: 'pantheon_live_12',
      multidevs: ['feature-x'],
    });
    expect(m.archives.map((a) => a.element)).toEqual(ALL_ELEMENTS);
    for (const a of m.archives) {
      const built = await sandbox.archive('acme-blog', 'live', a.element);
      expect(a.sha256).toBe(built.sha256);
      expect(a.md5).toBe(built.md5);
      expect(a.size).toBe(built.size);
      expect(await sha256Of(join(dir, a.filename))).toBe(built.sha256);
    }
    // Nothing left of the download: no partial manifest, no .part, no lock.
    expect((await readdir(dir)).sort()).toEqual(
      [...m.archives.map((a) => a.filename), MIRROR_MANIFEST].sort(),
    );
    expect(await readdir(join(root, 'acme-blog', 'live'))).toEqual([setFolderName(newest.scheduledFor)]);
    expect((await stat(join(root, MIRROR_ROOT_MARK))).isFile()).toBe(true);

    const downloads = storeRequests(sandbox).length;
    const links = urlRequests(sandbox).length;
    const manifestBefore = await stat(join(dir, MIRROR_MANIFEST));
    const again = await mirrorOnce(client, 'acme-blog', 'live', root);
    expect(again).toMatchObject({ status: 'up-to-date', path: dir, bytes: 0, resumedBytes: 0, pruned: [] });
    expect(storeRequests(sandbox).length).toBe(downloads);
    expect(urlRequests(sandbox).length).toBe(links);
    expect((await stat(join(dir, MIRROR_MANIFEST))).mtimeMs).toBe(manifestBefore.mtimeMs);
  });

  it('keeps what a cut download got: the run fails retryably, the rerun resumes and only fetches the rest', async () => {
    const built = await sandbox.archive('acme-blog', 'live', 'files');
    sandbox.setFaults({ store: { dropAfterBytes: Math.floor(built.size / 3), match: '_files' } });
    const e = await failure(
      mirrorOnce(client, 'acme-blog', 'live', root, { transfer: fastTransfer({ maxFailures: 1 }) }),
    );
    expect(e.code).toBe('network');
    expect(e.retryable).toBe(true);
    const newest = await newestSet('acme-blog', 'live');
    const dir = join(root, 'acme-blog', 'live', setFolderName(newest.scheduledFor));
    // Not complete: only the partial manifest, naming the files archive as still to come and its .part kept.
    await expect(stat(join(dir, MIRROR_MANIFEST))).rejects.toThrow();
    const partial = await readPartial(dir);
    expect(partial.complete).toBe(false);
    expect(partial.pending.map((p) => p.element)).toEqual(['files']);
    const part = (await readdir(dir)).find((n) => n.endsWith('.part'));
    expect(part).toBeDefined();
    const kept = (await stat(join(dir, part!))).size;
    expect(kept).toBeGreaterThan(0);

    sandbox.setFaults({});
    const downloads = storeRequests(sandbox).filter((r) => r.path.includes('_code')).length;
    const r = await mirrorOnce(client, 'acme-blog', 'live', root);
    expect(r.status).toBe('downloaded');
    expect(r.resumedBytes).toBe(kept);
    expect(r.bytes).toBe(built.size - kept);
    // The archives verified in the failed run were not downloaded again.
    expect(storeRequests(sandbox).filter((x) => x.path.includes('_code')).length).toBe(downloads);
    const m = await readManifest(dir);
    expect(m.archives.find((a) => a.element === 'files')!.sha256).toBe(built.sha256);
    expect(await sha256Of(join(dir, m.archives.find((a) => a.element === 'files')!.filename))).toBe(
      built.sha256,
    );
    await expect(stat(join(dir, MIRROR_PARTIAL))).rejects.toThrow();
  });

  it('resumes a connection cut once within the same run', async () => {
    const built = await sandbox.archive('acme-blog', 'live', 'database');
    sandbox.setFaults({
      store: { dropAfterBytes: Math.floor(built.size / 2), dropTimes: 1, match: '_database' },
    });
    const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    expect(r.status).toBe('downloaded');
    expect(r.bytes).toBe(built.size);
    expect(storeRequests(sandbox).some((x) => x.dropped)).toBe(true);
    const m = await readManifest(r.path!);
    expect(m.archives).toHaveLength(1);
    expect(m.archives[0]!.sha256).toBe(built.sha256);
  });

  for (const withoutHash of [false, true])
    it(`refuses a corrupt archive as integrity, keeps nothing of it, and a rerun completes (${withoutHash ? 'no storage hash: its gzip check' : 'the storage hash'})`, async () => {
      sandbox.setFaults({ store: { corrupt: true, withoutHash, match: '_database' } });
      const e = await failure(
        mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['code', 'database'] }),
      );
      expect(e.code).toBe('integrity');
      const newest = await newestSet('acme-blog', 'live');
      const dir = join(root, 'acme-blog', 'live', setFolderName(newest.scheduledFor));
      await expect(stat(join(dir, MIRROR_MANIFEST))).rejects.toThrow();
      expect((await readdir(dir)).filter((n) => n.includes('_database'))).toEqual([]);

      sandbox.setFaults({});
      const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['code', 'database'] });
      expect(r.status).toBe('downloaded');
      const m = await readManifest(dir);
      expect(m.archives.find((a) => a.element === 'database')!.sha256).toBe(
        (await sandbox.archive('acme-blog', 'live', 'database')).sha256,
      );
    });

  it('downloads again an archive of a complete set that was cut short on disk', async () => {
    const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    const m = await readManifest(first.path!);
    const file = join(first.path!, m.archives[0]!.filename);
    await writeFile(file, 'cut');
    const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    expect(r).toMatchObject({ status: 'downloaded', bytes: m.archives[0]!.size });
    expect(await sha256Of(file)).toBe(m.archives[0]!.sha256);
  });

  it('mirrors a new backup made after a deploy as a second set, with the new deploy tag', async () => {
    const first = await mirrorOnce(client, 'globex-docs', 'live', root, { elements: ['database'] });
    const tag = sandbox.deploy('globex-docs', 'live');
    const site = await client.getSite('globex-docs');
    const made = await createBackupAndWait(
      { client, site },
      { env: 'live', elements: ['database'], keepForDays: 1, pollMs: 10 },
    );
    const second = await mirrorOnce(client, 'globex-docs', 'live', root, { elements: ['database'] });
    expect(second.status).toBe('downloaded');
    expect(second.backupFolder).toBe(made.backup!.folder);
    expect(second.path).not.toBe(first.path);
    expect((await readManifest(second.path!)).deployTag).toBe(tag);
    // Without retention the first set stays, complete.
    expect((await readManifest(first.path!)).complete).toBe(true);
    expect((await readdir(join(root, 'globex-docs', 'live'))).sort()).toEqual(
      [first.path!, second.path!].map((p) => p.split('/').pop()).sort(),
    );
  });

  it('creates a backup first when the newest is older than fresh-within, and not again once it is fresh', async () => {
    const before = await newestSet('globex-careers', 'live');
    const r = await mirrorOnce(client, 'globex-careers', 'live', root, {
      elements: ['database'],
      freshWithinSeconds: 3600,
    });
    expect(r.createdBackup).toBe(true);
    expect(r.status).toBe('downloaded');
    expect(r.backupFolder).not.toBe(before.folder);
    expect(r.backupFolder).toMatch(/_backup$/);
    const again = await mirrorOnce(client, 'globex-careers', 'live', root, {
      elements: ['database'],
      freshWithinSeconds: 3600,
    });
    expect(again).toMatchObject({ status: 'up-to-date', createdBackup: false, backupFolder: r.backupFolder });
  });

  it('skips an environment the site does not have, writing no folder for it', async () => {
    const r = await mirrorOnce(client, 'acme-blog', 'nope', root);
    expect(r).toMatchObject({ status: 'skipped', path: null, bytes: 0 });
    expect(r.note).toContain("no environment 'nope'");
    expect(await readdir(root)).toEqual([MIRROR_ROOT_MARK]);
  });

  it('refuses a root that is a file, or a folder of somebody else', async () => {
    await writeFile(join(root, 'notes.txt'), 'mine');
    const e = await failure(mirrorOnce(client, 'acme-blog', 'live', root));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain('not a Lifeboat mirror');
    expect(await readdir(root)).toEqual(['notes.txt']);
    const f = await failure(mirrorOnce(client, 'acme-blog', 'live', join(root, 'notes.txt')));
    expect(f.code).toBe('conflict');
  });

  it('refuses to run while another run holds the environment', async () => {
    const envDir = join(root, 'acme-blog', 'live');
    await mkdir(envDir, { recursive: true });
    await writeFile(join(root, MIRROR_ROOT_MARK), '{}');
    await writeFile(
      join(envDir, MIRROR_ENV_LOCK),
      JSON.stringify({ pid: process.pid, host: hostname(), what: 'Mirroring acme-blog.live', since: '' }),
    );
    const e = await failure(mirrorOnce(client, 'acme-blog', 'live', root));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain('Mirroring acme-blog.live is already running');
    expect((await lstat(join(envDir, MIRROR_ENV_LOCK))).isFile()).toBe(true);
  });

  itUnless(noSymlinks())(
    'writes through no link: a site folder that is a link to elsewhere is refused',
    async () => {
      const elsewhere = join(root, 'elsewhere');
      await writeFile(join(root, MIRROR_ROOT_MARK), '{}');
      await mkdir(elsewhere);
      await symlink(elsewhere, join(root, 'acme-blog'));
      const e = await failure(mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] }));
      expect(e.code).toBe('conflict');
      expect(await readdir(elsewhere)).toEqual([]);
    },
  );
});
