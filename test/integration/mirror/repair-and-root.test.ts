import { mkdir, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { MIRROR_MANIFEST, MIRROR_PARTIAL } from '../../../electron/services/mirror/layout';
import { checkMirrorRoot } from '../../../electron/services/mirror/local';
import { verifyMirror } from '../../../electron/services/mirror/verify';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import {
  flipByte,
  mirrorOnce,
  mirrorSandbox,
  readManifest,
  sha256Of,
  storeRequests,
  tempMirrorRoot,
  failure,
} from '../../helpers/mirror';
import { itUnless, noProc, noSymlinks } from '../../helpers/platform';

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

describe('a rerun with verify repairs a damaged archive of a complete set', () => {
  it('without verify a flipped byte passes (sizes only); with verify it is deleted, downloaded again whole, and the mirror verifies', async () => {
    const first = await mirrorOnce(client, 'acme-blog', 'live', root);
    const dir = first.path!;
    const files = (await readManifest(dir)).archives.find((a) => a.element === 'files')!;
    const path = join(dir, files.filename);
    await flipByte(path);

    // By design a plain rerun checks sizes only: it reads no archive, so it does not see the flipped byte.
    const downloads = storeRequests(sandbox).length;
    const plain = await mirrorOnce(client, 'acme-blog', 'live', root);
    expect(plain).toMatchObject({ status: 'up-to-date', bytes: 0 });
    expect(storeRequests(sandbox).length).toBe(downloads);
    const before = await verifyMirror(root);
    expect(before.totals).toEqual({ ok: 0, damaged: 1, incomplete: 0 });

    const repaired = await mirrorOnce(client, 'acme-blog', 'live', root, { verify: true });
    expect(repaired).toMatchObject({ status: 'downloaded', path: dir, bytes: files.size, resumedBytes: 0 });
    expect(repaired.note).toContain('files archive was damaged (sha256) and was downloaded again');
    // Only the damaged archive was fetched, and from its first byte: nothing of the bad copy was resumed.
    const fetched = storeRequests(sandbox).slice(downloads);
    expect(fetched.map((r) => r.path.split('/').pop())).toEqual([files.filename]);
    expect(fetched[0]!.range).toBeUndefined();
    expect(await sha256Of(path)).toBe(files.sha256);
    expect((await readManifest(dir)).complete).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(
      [...(await readManifest(dir)).archives.map((a) => a.filename), MIRROR_MANIFEST].sort(),
    );
    const after = await verifyMirror(root);
    expect(after.totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });

    // An intact set with verify: every archive read, none downloaded.
    const again = await mirrorOnce(client, 'acme-blog', 'live', root, { verify: true });
    expect(again).toMatchObject({ status: 'up-to-date', bytes: 0 });
    expect(again.note).toBeUndefined();
    expect(storeRequests(sandbox).length).toBe(downloads + 1);
  });

  it('a damaged archive whose download again fails leaves the set partial, and the next run completes it', async () => {
    const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    const dir = first.path!;
    const db = (await readManifest(dir)).archives[0]!;
    await flipByte(join(dir, db.filename));
    sandbox.setFaults({ api: { script: [{ path: '/s3token', status: 500, times: 100 }] } });
    const e = await failure(
      mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'], verify: true }),
    );
    expect(e.code).toBe('server');
    // Not complete any more, and the bad copy is gone: nothing claims it is good.
    await expect(stat(join(dir, MIRROR_MANIFEST))).rejects.toThrow();
    await expect(stat(join(dir, MIRROR_PARTIAL))).resolves.toBeTruthy();
    await expect(stat(join(dir, db.filename))).rejects.toThrow();
    sandbox.setFaults({});
    const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    expect(r).toMatchObject({ status: 'downloaded', bytes: db.size });
    expect(await sha256Of(join(dir, db.filename))).toBe(db.sha256);
  });
});

describe("the mirror's root", () => {
  itUnless(noProc)('a folder that takes no new folders (/proc/1/x) is a clear error, at once', async () => {
    await expect(checkMirrorRoot('/proc/1/x')).resolves.toBeUndefined();
    const before = sandbox.requests.length;
    for (const to of ['/proc/1/x', '/proc/1/x/y/z']) {
      const e = await failure(mirrorOnce(client, 'acme-blog', 'live', to));
      expect(e.code).toBe('io');
      expect(e.message).toContain(`The mirror's folder ${to} cannot be made: /proc/1 takes no new folders`);
    }
    // Refused before Pantheon was asked about the site's environments or backups.
    expect(sandbox.requests.slice(before).filter((r) => r.path.includes('/environments'))).toEqual([]);
  });

  itUnless(noSymlinks())(
    'a root that is a link to nothing (an unmounted disk) is named with where it points, and nothing is made there',
    async () => {
      const disk = join(root, 'mnt', 'backup', 'x');
      const link = join(root, 'mirror');
      await symlink(disk, link);
      const message = `${link} is a link to ${disk}, which does not exist: is the disk mounted?`;
      const checked = await failure(checkMirrorRoot(link));
      expect(checked.code).toBe('not-found');
      expect(checked.message).toContain(message);
      const ran = await failure(mirrorOnce(client, 'acme-blog', 'live', link));
      expect(ran.code).toBe('not-found');
      expect(ran.message).toContain(message);
      const verified = await failure(verifyMirror(link));
      expect(verified).toMatchObject({ code: 'not-found', message: expect.stringContaining(message) });
      await expect(stat(join(root, 'mnt'))).rejects.toThrow();
    },
  );

  itUnless(noSymlinks())(
    'a root inside a link to nothing is named the same way, the link and not the root',
    async () => {
      const disk = join(root, 'mnt', 'backup');
      const link = join(root, 'backup');
      await mkdir(join(root, 'mnt'));
      await symlink(disk, link);
      const mirror = join(link, 'sites');
      const message = `${link} is a link to ${disk}, which does not exist (the mirror's folder ${mirror} is inside it): is the disk mounted?`;
      const checked = await failure(checkMirrorRoot(mirror));
      expect(checked).toMatchObject({ code: 'not-found', message: expect.stringContaining(message) });
      const ran = await failure(mirrorOnce(client, 'acme-blog', 'live', mirror));
      expect(ran).toMatchObject({ code: 'not-found', message: expect.stringContaining(message) });
      expect(await readdir(join(root, 'mnt'))).toEqual([]);
      // Once the disk is there, the same folder is a mirror like any other.
      await mkdir(disk);
      await expect(checkMirrorRoot(mirror)).resolves.toBeUndefined();
      const r = await mirrorOnce(client, 'acme-blog', 'live', mirror, { elements: ['database'] });
      expect(r.status).toBe('downloaded');
      expect(await readdir(disk)).toEqual(['sites']);
    },
  );
});
