/**
 * A restore from a mirror (`pull --from-mirror`): the one restore pipeline (plan, checks, job) reading a mirrored
 * set instead of Pantheon. The mirror is made once with the real engine against the sandbox, which is then closed:
 * every restore here runs with no Pantheon to reach and no client at all. The mirror is untrusted input: hostile
 * manifests, links, damaged and hostile archives are refused as an online restore refuses them, and the mirror's
 * own files are never changed.
 */
import { execFile } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Element } from '../../../shared/models';
import { MIRROR_MANIFEST } from '../../../electron/services/mirror/layout';
import { openMirrorSet } from '../../../electron/services/mirror/offline';
import {
  planRestore,
  previewRestore,
  type RestoreOptions,
  type RestoreRequest,
} from '../../../electron/services/restore/plan';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import { symlinkChain } from '../../helpers/hostile-tar';
import { copySet, flipByte, sha256Of, failure } from '../../helpers/mirror';
import {
  archivePath,
  copyMirror,
  editManifest,
  mirrorAcmeLive,
  replaceArchive,
  type MadeMirror,
} from '../../helpers/mirror-fixture';
import { rawTarGz } from '../../helpers/tarball';
import { itUnless, noSymlinks } from '../../helpers/platform';

const run = promisify(execFile);
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd })).stdout.trim();
const ALL: readonly Element[] = ['code', 'database', 'files'];

let made: MadeMirror;
let dir: string;
let mirror: MadeMirror;
let target: string;
let outside: string;

beforeAll(async () => {
  made = await mirrorAcmeLive();
});
afterAll(() => made.remove());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-offline-'));
  mirror = await copyMirror(made, dir);
  target = join(dir, 'target');
  outside = join(dir, 'outside');
  await mkdir(target);
  await mkdir(outside);
  await writeFile(join(outside, 'precious.txt'), 'mine');
  return () => rm(dir, { recursive: true, force: true });
});

const ctx: RestoreContext = { phase: () => undefined, part: () => undefined };

/** Opens `path` and restores it into `target`, as `pull --from-mirror` does (no client anywhere). */
async function restoreFrom(
  path: string,
  elements: readonly Element[] = ALL,
  extra: Partial<RestoreRequest> = {},
  options: RestoreOptions = {},
) {
  const set = await openMirrorSet(path, { elements });
  return runRestore(
    { local: set, site: set.site, options },
    { site: set.site.name, env: set.env, backup: 'latest', elements, targetDir: target, ...extra },
    ctx,
  );
}

/** Every file of the set folder with its sha256: the mirror as it is. */
async function snapshot(setDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(setDir)).sort()) out[name] = await sha256Of(join(setDir, name));
  return out;
}

/** Nothing landed: no restore folder, no staging folder, and the folder outside untouched. */
async function nothingLanded(): Promise<void> {
  expect(await readdir(target)).toEqual([]);
  expect(await readdir(outside)).toEqual(['precious.txt']);
  expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('mine');
}

describe('a restore from a mirrored set, with no Pantheon', () => {
  it('checks out the deploy tag on a new branch, puts the files in place and keeps the database archive as mirrored', async () => {
    const before = await snapshot(mirror.setDir);
    const result = await restoreFrom(mirror.envDir);
    const root = join(target, 'acme-blog-live');
    expect(result.path).toBe(root);
    const m = mirror.manifest;
    const tag = result.record.code?.tag;
    expect(tag).toMatch(/^pantheon_live_\d+$/);
    if (m.deployTag) expect(tag).toBe(m.deployTag);
    expect(await git(root, 'rev-parse', 'HEAD')).toBe(await git(root, 'rev-parse', `${tag}^{commit}`));
    expect(await git(root, 'rev-parse', '--abbrev-ref', 'HEAD')).toMatch(/^lifeboat\/live-/);
    expect(await git(root, 'status', '--porcelain')).toBe('');
    expect((await readdir(join(root, 'wp-content', 'uploads'))).length).toBeGreaterThan(0);
    const db = m.archives.find((a) => a.element === 'database')!;
    expect(await sha256Of(join(root, 'database', db.filename))).toBe(db.sha256);
    const record = JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8'));
    expect(record).toMatchObject({
      site: { name: 'acme-blog', id: m.site.id },
      env: 'live',
      backup: { folder: m.backup.folder },
      files: { path: 'wp-content/uploads' },
    });
    // No staging left, and the mirror exactly as it was (its archives read, never moved).
    expect(await readdir(target)).toEqual(['acme-blog-live']);
    expect(await snapshot(mirror.setDir)).toEqual(before);
  });

  it("extraction in worker threads reads the mirror's archives where they are, and still refuses a flipped byte", async () => {
    const before = await snapshot(mirror.setDir);
    const r = await restoreFrom(mirror.envDir, ['code', 'files'], {}, { extractThreadFrom: 0 });
    expect(r.record.code?.tag).toMatch(/^pantheon_live_\d+$/);
    expect(await snapshot(mirror.setDir)).toEqual(before);
    await rm(r.path, { recursive: true });
    const files = await archivePath(mirror.setDir, 'files');
    await flipByte(files);
    const e = await failure(restoreFrom(mirror.envDir, ['code', 'files'], {}, { extractThreadFrom: 0 }));
    expect(e.code).toBe('integrity');
    expect(e.message).toContain(files);
    await nothingLanded();
  });

  it('updates a copy in place from a newer mirrored set, through the same update as from Pantheon', async () => {
    const m = mirror.manifest;
    const first = await restoreFrom(mirror.envDir);
    const newer = await copySet(mirror.setDir, mirror.envDir, '2099-01-01T00-00-00Z', {
      scheduledFor: m.backup.scheduledFor + 86_400,
      folder: 'newer_automated',
    });
    // Code and files: the copied set's database archive has the same name as the one the copy already keeps.
    const r = await restoreFrom(mirror.envDir, ['code', 'files'], {
      updateInPlace: true,
      folderName: 'acme-blog-live',
    });
    expect(r.plan.update).toBe(true);
    expect(r.path).toBe(first.path);
    expect(r.record.backup.folder).toBe('newer_automated');
    expect(r.refresh).toMatchObject({ added: 0, replaced: 0, removed: 0 });
    expect(JSON.parse(await readFile(join(r.path, 'lifeboat.json'), 'utf8')).backup.folder).toBe(
      'newer_automated',
    );
    expect(await readdir(target)).toEqual(['acme-blog-live']);
    expect((await openMirrorSet(mirror.envDir)).dir).toBe(newer);
  });

  it('an environment folder gives its newest complete set; a newer one still downloading is passed over', async () => {
    const m = mirror.manifest;
    const older = await copySet(mirror.setDir, mirror.envDir, '2020-01-01T00-00-00Z', {
      scheduledFor: m.backup.scheduledFor - 86_400,
    });
    const newer = await copySet(mirror.setDir, mirror.envDir, '2099-01-01T00-00-00Z', {
      scheduledFor: m.backup.scheduledFor + 86_400,
      complete: false,
    });
    const set = await openMirrorSet(mirror.envDir);
    expect(set.dir).toBe(mirror.setDir);
    expect(set.set.folder).toBe(m.backup.folder);
    expect((await openMirrorSet(older)).set.folder).toBe(`${m.backup.scheduledFor - 86_400}_automated`);
    const e = await failure(openMirrorSet(newer));
    expect(e.code).toBe('not-found');
    expect(e.message).toMatch(/is incomplete.*rerun of lifeboat mirror completes it/);
    // An environment whose only set is still downloading has nothing to restore yet.
    await rm(mirror.setDir, { recursive: true });
    await rm(older, { recursive: true });
    expect((await failure(openMirrorSet(mirror.envDir))).message).toMatch(/incomplete/);
  });

  it('names the folder to give instead of a mirror root, a site folder or a folder that is no mirror', async () => {
    expect((await failure(openMirrorSet(mirror.root))).message).toContain(mirror.envDir);
    expect((await failure(openMirrorSet(join(mirror.root, 'acme-blog')))).message).toContain(mirror.envDir);
    const e = await failure(openMirrorSet(outside));
    expect(e.code).toBe('invalid-request');
    expect(e.message).toMatch(/not a folder of a Lifeboat mirror/);
  });

  it('previews as the run plans (nothing written), and refuses --backup new, which needs Pantheon', async () => {
    const set = await openMirrorSet(mirror.setDir);
    const request: RestoreRequest = {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ALL,
      targetDir: target,
    };
    const preview = await previewRestore({ local: set, site: set.site }, request);
    expect(preview.backupFolder).toBe(mirror.manifest.backup.folder);
    expect(preview.conflicts).toEqual([]);
    expect(preview.writes.map((w) => w.kind)).toContain('branch');
    // The code and files archives are read where they are: only the database archive is copied.
    const size = (el: Element) => mirror.manifest.archives.find((a) => a.element === el)!.size;
    expect(preview.downloadBytes).toBe(size('code') * 3 + size('files') * 1.05 + size('database'));
    await nothingLanded();
    const e = await failure(planRestore({ local: set, site: set.site }, { ...request, backup: 'new' }));
    expect(e.code).toBe('invalid-request');
    expect(e.message).toMatch(/cannot make a new backup/);
    const other = await planRestore(
      { local: set, site: set.site },
      { ...request, backup: { folder: 'nope' } },
    );
    expect(other.conflicts[0]).toMatchObject({ kind: 'backup', code: 'not-found' });
    await nothingLanded();
  });
});

describe('the mirror is untrusted input', () => {
  it.each([
    ['a name that climbs out of the set', '../../../outside/precious.tar.gz'],
    ['an absolute path', '/outside/precious.tar.gz'],
  ])('a manifest naming %s is refused before any path is built from it', async (_what, name) => {
    await writeFile(join(outside, 'precious.tar.gz'), 'not yours');
    if (name.startsWith('/')) name = join(outside, 'precious.tar.gz');
    await editManifest(mirror.setDir, (m) => {
      (m.archives as { element: string; filename: string }[]).find((a) => a.element === 'code')!.filename =
        name;
    });
    const e = await failure(restoreFrom(mirror.setDir));
    expect(e.code).toBe('integrity');
    expect(e.message).toMatch(/archives\.\d+\.filename/);
    // Through the environment's folder the set is not taken either.
    expect((await failure(restoreFrom(mirror.envDir))).code).toBe('integrity');
    await rm(join(outside, 'precious.tar.gz'));
    await nothingLanded();
  });

  itUnless(noSymlinks())('a manifest that is a link to a manifest elsewhere is refused', async () => {
    const elsewhere = join(outside, MIRROR_MANIFEST);
    await copyFile(join(mirror.setDir, MIRROR_MANIFEST), elsewhere);
    await rm(join(mirror.setDir, MIRROR_MANIFEST));
    await symlink(elsewhere, join(mirror.setDir, MIRROR_MANIFEST));
    const e = await failure(restoreFrom(mirror.setDir));
    expect(e.code).toBe('integrity');
    expect(e.message).toMatch(/not a regular file/);
  });

  itUnless(noSymlinks())(
    'an archive replaced by a link to a file outside is refused, before the restore and while it reads',
    async () => {
      const files = await archivePath(mirror.setDir, 'files');
      // The same bytes outside: only the link gives it away.
      const copy = join(outside, 'files.tar.gz');
      await copyFile(files, copy);
      await rm(files);
      await symlink(copy, files);
      const e = await failure(restoreFrom(mirror.envDir));
      expect(e.code).toBe('integrity');
      expect(e.message).toMatch(/symbolic link/);
      expect(e.message).toContain(files);
      // Swapped in after the set was opened (and checked): the read itself refuses to follow it.
      await rm(files);
      await copyFile(copy, files);
      const set = await openMirrorSet(mirror.setDir);
      await rm(files);
      await symlink(copy, files);
      const late = await failure(
        runRestore(
          { local: set, site: set.site },
          { site: 'acme-blog', env: 'live', backup: 'latest', elements: ALL, targetDir: target },
          ctx,
        ),
      );
      expect(late.code).toBe('integrity');
      expect(late.message).toMatch(/symbolic link/);
      expect(await readdir(target)).toEqual([]);
      expect(await readdir(outside)).toEqual(['files.tar.gz', 'precious.txt']);
    },
  );

  it.each(['database', 'files', 'code'] as const)(
    'a %s archive whose bytes are not the mirrored ones (one byte flipped) is an integrity error; the mirror file stays as it is',
    async (element) => {
      const file = await archivePath(mirror.setDir, element);
      await flipByte(file);
      const flipped = await sha256Of(file);
      const before = await snapshot(mirror.setDir);
      const e = await failure(restoreFrom(mirror.envDir));
      expect(e.code).toBe('integrity');
      expect(e.message).toContain(file);
      expect(e.message).toContain(`lifeboat mirror verify ${mirror.root}`);
      // No restore folder and no staging folder; the mirror's damaged file neither removed nor renamed.
      await nothingLanded();
      expect((await lstat(file)).isFile()).toBe(true);
      expect(await sha256Of(file)).toBe(flipped);
      expect(await snapshot(mirror.setDir)).toEqual(before);
    },
  );

  it('a missing or cut archive is refused before the restore starts', async () => {
    const db = await archivePath(mirror.setDir, 'database');
    await writeFile(db, (await readFile(db)).subarray(0, 100));
    const cut = await failure(restoreFrom(mirror.envDir));
    expect(cut.code).toBe('integrity');
    expect(cut.message).toMatch(/is 100 bytes, not the \d+ its manifest records/);
    await rm(db);
    expect((await failure(restoreFrom(mirror.envDir))).message).toMatch(/is missing/);
    // The elements that are there still restore.
    const r = await restoreFrom(mirror.envDir, ['files']);
    expect(r.record.files?.path).toBeTruthy();
  });

  it('a hostile tar in a mirrored code archive (a chain of links out of the tree) is refused as online', async () => {
    const code = await replaceArchive(mirror.setDir, 'code', symlinkChain(4, 'dir', { top: 'acme-blog' }));
    const before = await sha256Of(code);
    const e = await failure(restoreFrom(mirror.envDir));
    expect(e.code).toBe('hostile-archive');
    await nothingLanded();
    expect(await sha256Of(code)).toBe(before);
  });

  it('a mirrored files archive with a path-traversal entry is refused as online, and writes nothing outside', async () => {
    await replaceArchive(
      mirror.setDir,
      'files',
      rawTarGz([
        { path: 'files_live/', type: 'Directory' },
        { path: 'files_live/../../../../outside/escaped.txt', body: 'written outside' },
      ]),
    );
    const e = await failure(restoreFrom(mirror.envDir, ['files']));
    expect(e.code).toBe('hostile-archive');
    await nothingLanded();
  });

  it('a manifest naming a site no folder may be called is refused', async () => {
    await editManifest(mirror.setDir, (m) => {
      (m.site as { name: string }).name = '..';
    });
    expect((await failure(openMirrorSet(mirror.setDir))).code).toBe('integrity');
    await editManifest(mirror.setDir, (m) => {
      (m.site as { name: string }).name = 'acme\u001b[2Jblog';
    });
    expect((await failure(openMirrorSet(mirror.setDir))).code).toBe('integrity');
  });
});
