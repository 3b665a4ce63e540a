import { createHash } from 'node:crypto';
import { cp, mkdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { MIRROR_MANIFEST, MIRROR_PARTIAL, MIRROR_ROOT_MARK } from '../../../electron/services/mirror/layout';
import { verifyMirror } from '../../../electron/services/mirror/verify';
import type { MirrorVerifySet } from '@shared/models';
import { flipByte, mirrorOnce, mirrorSandbox, readManifest, tempMirrorRoot } from '../../helpers/mirror';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { itUnless, noSymlinks } from '../../helpers/platform';

let sandbox: Sandbox;
let client: PantheonClient;
/** A mirror made once (acme-blog live, code and database); each test works on its own copy. */
let made: { root: string; cleanup: () => Promise<void> };
let madeSet: string;
let root: string;
let set: string;

beforeAll(async () => {
  ({ sandbox, client } = await mirrorSandbox());
  made = await tempMirrorRoot();
  madeSet = (await mirrorOnce(client, 'acme-blog', 'live', made.root, { elements: ['code', 'database'] }))
    .path!;
});
afterAll(async () => {
  await made.cleanup();
  await sandbox.close();
});
beforeEach(async () => {
  const t = await tempMirrorRoot();
  root = join(t.root, 'mirror');
  await cp(made.root, root, { recursive: true });
  set = madeSet.replace(made.root, root);
  return t.cleanup;
});

const archivePath = async (element: 'code' | 'database'): Promise<string> =>
  join(set, (await readManifest(set)).archives.find((a) => a.element === element)!.filename);

const only = async (): Promise<MirrorVerifySet> => {
  const report = await verifyMirror(root);
  expect(report.sets).toHaveLength(1);
  return report.sets[0]!;
};

describe('mirror verify', () => {
  it('finds a freshly mirrored set ok, naming it and each archive', async () => {
    const seen: string[] = [];
    const report = await verifyMirror(root, { onSet: (s) => seen.push(s.path) });
    expect(report).toMatchObject({ root, totals: { ok: 1, damaged: 0, incomplete: 0 } });
    expect(report.sets[0]).toMatchObject({ path: set, site: 'acme-blog', env: 'live', status: 'ok' });
    expect(report.sets[0]!.archives.map((a) => a.status)).toEqual(['ok', 'ok']);
    expect(seen).toEqual([set]);
  });

  it('finds a flipped bit by its sha256', async () => {
    await flipByte(await archivePath('database'));
    const s = await only();
    expect(s.status).toBe('damaged');
    expect(s.archives.find((a) => a.filename.includes('_database'))).toMatchObject({ status: 'sha256' });
    expect(s.archives.find((a) => a.filename.includes('_code'))).toMatchObject({ status: 'ok' });
  });

  it('finds a truncated archive by its size, and a missing one', async () => {
    const code = await archivePath('code');
    await truncate(code, 100);
    await rm(await archivePath('database'));
    const s = await only();
    expect(s.status).toBe('damaged');
    expect(s.archives.map((a) => a.status)).toEqual(['size', 'missing']);
    expect(s.message).toContain('cut short');
  });

  it('finds a gzip stream damaged when the archive was written, even with a matching sha256', async () => {
    // An archive whose recorded sha256 is its own, but whose gzip stream ends early: only inflating shows it.
    const db = await archivePath('database');
    const whole = gzipSync(Buffer.alloc(200_000, 'x'));
    const cut = whole.subarray(0, whole.length - 20);
    await writeFile(db, cut);
    const sha256 = createHash('sha256').update(cut).digest('hex');
    const m = await readManifest(set);
    const archives = m.archives.map((a) =>
      a.element === 'database' ? { ...a, size: cut.length, sha256 } : a,
    );
    await writeFile(join(set, MIRROR_MANIFEST), JSON.stringify({ ...m, archives }));
    const s = await only();
    expect(s.archives.find((a) => a.filename.includes('_database'))).toMatchObject({ status: 'gzip' });
  });

  it('calls a set without its complete manifest incomplete', async () => {
    const m = await readManifest(set);
    await writeFile(join(set, MIRROR_PARTIAL), JSON.stringify({ ...m, complete: false, pending: [] }));
    await rm(join(set, MIRROR_MANIFEST));
    const s = await only();
    expect(s).toMatchObject({ status: 'incomplete', site: 'acme-blog', backupFolder: m.backup.folder });
    const report = await verifyMirror(root);
    expect(report.totals).toEqual({ ok: 0, damaged: 0, incomplete: 1 });
  });

  itUnless(noSymlinks())(
    'reads through no link: an archive replaced by a link to a good copy is missing',
    async () => {
      const db = await archivePath('database');
      const outside = join(root, '..', 'good-copy.sql.gz');
      await cp(db, outside);
      await rm(db);
      await symlink(outside, db);
      expect((await only()).archives.find((a) => a.filename.includes('_database'))).toMatchObject({
        status: 'missing',
      });
    },
  );

  itUnless(noSymlinks())(
    'reads nothing a hostile manifest points to, and does not walk into a linked set folder',
    async () => {
      const m = await readManifest(set);
      // A good archive beside the set folder: a manifest naming "../<it>" would find it ok if it were followed.
      const db = await archivePath('database');
      await cp(db, join(set, '..', 'escaped.sql.gz'));
      await writeFile(
        join(set, MIRROR_MANIFEST),
        JSON.stringify({
          ...m,
          archives: m.archives.map((a) =>
            a.element === 'database' ? { ...a, filename: '../escaped.sql.gz' } : a,
          ),
        }),
      );
      const s = await only();
      expect(s.status).toBe('damaged');
      expect(s.archives).toEqual([]);
      expect(s.message).toContain('not a Lifeboat manifest');
      // A set folder that is a link to a whole good set elsewhere is not walked into.
      const elsewhere = join(root, '..', 'elsewhere');
      await cp(madeSet, elsewhere, { recursive: true });
      await symlink(elsewhere, join(set, '..', '2020-01-01T00-00-00Z'));
      expect((await verifyMirror(root)).sets.map((x) => x.path)).toEqual([set]);
    },
  );

  it('refuses a folder that is not a mirror, or is not there', async () => {
    await rm(join(root, MIRROR_ROOT_MARK));
    await expect(verifyMirror(root)).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(verifyMirror(join(root, 'nope'))).rejects.toMatchObject({ code: 'not-found' });
    await mkdir(join(root, 'empty'));
    await expect(verifyMirror(join(root, 'empty'))).rejects.toMatchObject({ code: 'invalid-request' });
  });
});
