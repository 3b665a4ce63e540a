import { cp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createBackupAndWait } from '../../../electron/services/backups/create-backup';
import type { LifeboatError } from '../../../electron/services/errors';
import { MIRROR_MANIFEST, MIRROR_PARTIAL, setFolderName } from '../../../electron/services/mirror/layout';
import { pruneSets } from '../../../electron/services/mirror/retention';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { partPathOf } from '../../../electron/services/transfer/names';
import { copySet, mirrorOnce, mirrorSandbox, readManifest, tempMirrorRoot } from '../../helpers/mirror';
import { itUnless, noSymlinks } from '../../helpers/platform';

let sandbox: Sandbox;
let client: PantheonClient;
let root: string;
/** A real mirrored set (acme-blog live, database only) that tests copy into sets of other dates. */
let template: string;
let templateRoot: { root: string; cleanup: () => Promise<void> };
let envDir: string;

const DAY = 86_400;
const NOW = Date.UTC(2026, 10, 30, 12) / 1000;

beforeAll(async () => {
  ({ sandbox, client } = await mirrorSandbox());
  templateRoot = await tempMirrorRoot();
  template = (await mirrorOnce(client, 'acme-blog', 'live', templateRoot.root, { elements: ['database'] }))
    .path!;
});
afterAll(async () => {
  await templateRoot.cleanup();
  await sandbox.close();
});
beforeEach(async () => {
  sandbox.setFaults({});
  const t = await tempMirrorRoot();
  root = t.root;
  envDir = join(root, 'acme-blog', 'live');
  await mkdir(envDir, { recursive: true });
  return t.cleanup;
});

/** A set `daysAgo` days before NOW, copied from the template (complete unless said). */
const setAt = (daysAgo: number, complete = true): Promise<string> =>
  copySet(template, envDir, setFolderName(NOW - daysAgo * DAY), {
    scheduledFor: NOW - daysAgo * DAY,
    complete,
  });

const names = async (): Promise<string[]> => (await readdir(envDir)).sort();
const nameOf = (path: string): string => path.split('/').pop()!;

describe('retention with the mirror', () => {
  it('prunes the older set only once a newer one is complete', async () => {
    const opts = { elements: ['database'] as const, retention: { keep: 1 } };
    const mirror = join(root, 'mirror');
    const first = await mirrorOnce(client, 'globex-www', 'live', mirror, opts);
    const site = await client.getSite('globex-www');
    const made = await createBackupAndWait(
      { client, site },
      { env: 'live', elements: ['database'], keepForDays: 1, pollMs: 10 },
    );
    // The new set's download fails: the old set is all the mirror has complete, and it stays.
    sandbox.setFaults({ store: { corrupt: true } });
    const failed = await mirrorOnce(client, 'globex-www', 'live', mirror, opts).catch((e: unknown) => e);
    expect((failed as LifeboatError).code).toBe('integrity');
    expect((await readManifest(first.path!)).complete).toBe(true);
    const globexEnv = join(mirror, 'globex-www', 'live');
    expect(await readdir(globexEnv)).toHaveLength(2);

    sandbox.setFaults({});
    const second = await mirrorOnce(client, 'globex-www', 'live', mirror, opts);
    expect(second).toMatchObject({
      status: 'downloaded',
      backupFolder: made.backup!.folder,
      pruned: [first.path],
    });
    expect(await readdir(globexEnv)).toEqual([nameOf(second.path!)]);
  });
});

describe('pruneSets', () => {
  it('keeps the newest N complete sets, and those within keepDays', async () => {
    const [a, b, c, d] = [await setAt(1), await setAt(3), await setAt(10), await setAt(40)];
    expect((await pruneSets(envDir, { keep: 3, keepDays: 1 }, NOW * 1000)).pruned).toEqual([d]);
    expect(await names()).toEqual([a, b, c].map(nameOf).sort());
    expect((await pruneSets(envDir, { keepDays: 5 }, NOW * 1000)).pruned).toEqual([c]);
    expect(await names()).toEqual([a, b].map(nameOf).sort());
  });

  it('never prunes the newest complete set, however old, and keeps everything without a rule', async () => {
    const [a, b] = [await setAt(100), await setAt(200)];
    expect((await pruneSets(envDir, {}, NOW * 1000)).pruned).toEqual([]);
    expect((await pruneSets(envDir, { keepDays: 0 }, NOW * 1000)).pruned).toEqual([b]);
    expect(await names()).toEqual([nameOf(a)]);
  });

  it('removes partial sets older than the newest complete one, with their .part files, and keeps newer ones', async () => {
    const newer = await setAt(0, false);
    const complete = await setAt(2);
    const older = await setAt(5, false);
    // An abandoned download: its pending archive's .part and .part.json are named by its partial manifest.
    const partial = JSON.parse(await readFile(join(older, MIRROR_PARTIAL), 'utf8')) as Record<
      string,
      unknown
    >;
    const pendingName = 'acme-blog_live_2026-11-25T12-00-00_UTC_files.tar.gz';
    await writeFile(
      join(older, MIRROR_PARTIAL),
      JSON.stringify({
        ...partial,
        pending: [{ element: 'files', filename: pendingName, size: 10, id: 'x' }],
      }),
    );
    const part = partPathOf(join(older, pendingName));
    await writeFile(part, 'half');
    await writeFile(`${part}.json`, '{}');
    const r = await pruneSets(envDir, { keep: 1 }, NOW * 1000);
    expect(r).toEqual({ pruned: [older], kept: [] });
    expect(await names()).toEqual([newer, complete].map(nameOf).sort());
  });

  it("keeps an old set holding a file of the user's, whole, and says why", async () => {
    const newest = await setAt(1);
    const old = await setAt(9);
    await writeFile(join(old, 'my-notes.txt'), 'keep me');
    const before = (await readdir(old)).sort();
    const r = await pruneSets(envDir, { keep: 1 }, NOW * 1000);
    expect(r.pruned).toEqual([]);
    expect(r.kept).toEqual([{ path: old, reason: expect.stringContaining('my-notes.txt') as string }]);
    expect((await readdir(old)).sort()).toEqual(before);
    expect(await readFile(join(old, 'my-notes.txt'), 'utf8')).toBe('keep me');
    expect(await names()).toEqual([newest, old].map(nameOf).sort());
  });

  itUnless(noSymlinks())(
    'follows no link: a link in place of an archive stays, and so does what it points to',
    async () => {
      await setAt(1);
      const old = await setAt(9);
      const archive = (await readManifest(old)).archives[0]!.filename;
      const outside = join(root, 'outside.sql.gz');
      await cp(join(old, archive), outside);
      await rm(join(old, archive));
      await symlink(outside, join(old, archive));
      const r = await pruneSets(envDir, { keep: 1 }, NOW * 1000);
      expect(r.pruned).toEqual([]);
      expect(r.kept[0]).toMatchObject({ path: old, reason: expect.stringContaining('links') as string });
      expect((await stat(outside)).size).toBeGreaterThan(0);
      expect(await readdir(old)).toContain(archive);
    },
  );

  itUnless(noSymlinks())(
    "treats a set whose manifest names a path out of its folder, or is a link, as not Lifeboat's",
    async () => {
      await setAt(1);
      const victim = join(envDir, 'victim.tar.gz');
      await writeFile(victim, 'not yours');
      const absolute = join(dirname(root), `${nameOf(root)}-victim.tar.gz`);
      await writeFile(absolute, 'not yours either');
      try {
        const hostile: string[] = [];
        for (const [days, filename] of [
          [9, '../victim.tar.gz'],
          [10, absolute],
        ] as const) {
          const dir = await setAt(days);
          const m = await readManifest(dir);
          await writeFile(
            join(dir, MIRROR_MANIFEST),
            JSON.stringify({ ...m, archives: [{ ...m.archives[0], filename }] }),
          );
          hostile.push(dir);
        }
        // A manifest that is a link to a valid one elsewhere is not read.
        const linked = await setAt(11);
        await cp(join(linked, MIRROR_MANIFEST), join(root, 'real-manifest.json'));
        await rm(join(linked, MIRROR_MANIFEST));
        await symlink(join(root, 'real-manifest.json'), join(linked, MIRROR_MANIFEST));
        const r = await pruneSets(envDir, { keep: 1 }, NOW * 1000);
        expect(r).toEqual({ pruned: [], kept: [] });
        for (const dir of [...hostile, linked]) expect((await readdir(dir)).length).toBeGreaterThan(1);
        expect(await readFile(victim, 'utf8')).toBe('not yours');
        expect(await readFile(absolute, 'utf8')).toBe('not yours either');
        expect((await stat(join(root, 'real-manifest.json'))).isFile()).toBe(true);
      } finally {
        await rm(absolute, { force: true });
      }
    },
  );

  itUnless(noSymlinks())('leaves folders that are not sets, and a set folder that is a link', async () => {
    await setAt(1);
    const old = await setAt(9);
    await mkdir(join(envDir, 'my-folder'));
    const outsideSet = join(root, 'outside-set');
    await cp(old, outsideSet, { recursive: true });
    await rm(old, { recursive: true });
    await symlink(outsideSet, join(envDir, nameOf(old)));
    const r = await pruneSets(envDir, { keep: 1 }, NOW * 1000);
    expect(r).toEqual({ pruned: [], kept: [] });
    expect((await readdir(outsideSet)).length).toBeGreaterThan(1);
    expect(await names()).toContain('my-folder');
  });

  it('refuses a keep below 1', async () => {
    await expect(pruneSets(envDir, { keep: 0 }, NOW * 1000)).rejects.toMatchObject({
      code: 'invalid-request',
    });
  });
});
