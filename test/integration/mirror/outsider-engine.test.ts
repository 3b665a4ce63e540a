import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackupSet } from '@shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { LifeboatError, toAppError } from '../../../electron/services/errors';
import {
  MIRROR_ENV_LOCK,
  MIRROR_MANIFEST,
  MIRROR_PARTIAL,
  MIRROR_ROOT_MARK,
  setFolderName,
} from '../../../electron/services/mirror/layout';
import { mirrorEnvironment } from '../../../electron/services/mirror/mirror-env';
import { verifyMirror } from '../../../electron/services/mirror/verify';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { partPathOf } from '../../../electron/services/transfer/names';
import {
  ALL_ELEMENTS,
  copySet,
  flipByte,
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
import { clientFor, DANA } from '../../helpers/sandbox';
import { mountSmallFs, smallFsUnavailable } from '../../helpers/small-fs';
import { fastTransfer } from '../../helpers/transfer';
import { itUnless, noSymlinks } from '../../helpers/platform';

/**
 * An outsider's attacks on the mirror engine (issue 11): mirror-env.ts, retention.ts, verify.ts and their files
 * on disk. Each `describe` is one promise; a test that fails shows that promise broken.
 */

const run = promisify(execFile);
/** Why a tmpfs cannot be mounted here (the disk-full and read-only tests then skip), or null. */
const why = await smallFsUnavailable();

let sandbox: Sandbox;
let client: PantheonClient;
/** This test's temporary folder; the mirror's root is `tmp/mirror`, and `tmp/outside` is the user's elsewhere. */
let tmp: string;
let root: string;
let outside: string;

beforeAll(async () => {
  ({ sandbox, client } = await mirrorSandbox());
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.setFaults({});
  const t = await tempMirrorRoot();
  tmp = t.root;
  root = join(tmp, 'mirror');
  outside = join(tmp, 'outside');
  await mkdir(outside);
  return t.cleanup;
});

/** The newest set of acme-blog's live environment with every element, as the catalog lists it. */
async function newestSet(): Promise<BackupSet> {
  const site = await client.getSite('acme-blog');
  const sets = await client.listBackupSets(site, 'live');
  return sets.find((s) => ALL_ELEMENTS.every((el) => s.archives[el]?.finished))!;
}

const envDirOf = (r: string = root): string => join(r, 'acme-blog', 'live');

/** Every file under a folder (relative paths, links not followed) with its content's sha256 (links: their target). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out[r] = `link:${await readlink(p)}`;
      else if (e.isDirectory()) await walk(p, r);
      else out[r] = await sha256Of(p);
    }
  };
  await walk(dir, '');
  return out;
}

/** A valid gzip stream of exactly `size` bytes whose content is random (another archive, not Pantheon's). */
function gzipOfSize(size: number): Buffer {
  for (let k = size; k > size - 200; k--) {
    const z = gzipSync(randomBytes(k), { level: 0 });
    if (z.length === size) return z;
  }
  throw new Error(`no stored gzip of ${size} bytes`);
}

/** A client of Dana's whose catalog is changed by `change` (a hostile or odd API answer); the rest is real. */
function hostileClient(change: (sets: BackupSet[]) => BackupSet[]): PantheonClient {
  const c = clientFor(sandbox, DANA);
  const real = c.listBackupSets.bind(c);
  c.listBackupSets = async (site, env) => change(await real(site, env));
  return c;
}

/** The newest catalog set with one archive's fields replaced. */
const withArchive =
  (element: 'code' | 'database' | 'files', fields: Partial<BackupSet['archives']['code']>) =>
  (sets: BackupSet[]): BackupSet[] =>
    sets.map((s, i) =>
      i === 0 ? { ...s, archives: { ...s.archives, [element]: { ...s.archives[element]!, ...fields } } } : s,
    );

describe('nothing is deleted that Lifeboat did not write', () => {
  it("retention leaves a user's file that a hand-edited manifest names, when it is not the archive recorded", async () => {
    const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    const m = await readManifest(first.path!);
    const older = await copySet(first.path!, envDirOf(), setFolderName(m.backup.scheduledFor - 86_400), {
      scheduledFor: m.backup.scheduledFor - 86_400,
    });
    // The user keeps notes beside an old set and, to "keep them with the backup", adds them to its manifest by
    // copying the archive's record and changing the name: size and sha256 are the database archive's, not theirs.
    await writeFile(join(older, 'notes.tar.gz'), 'my notes, not a backup');
    const om = await readManifest(older);
    await writeFile(
      join(older, MIRROR_MANIFEST),
      JSON.stringify({ ...om, archives: [...om.archives, { ...om.archives[0]!, filename: 'notes.tar.gz' }] }),
    );
    const r = await mirrorOnce(client, 'acme-blog', 'live', root, {
      elements: ['database'],
      retention: { keep: 1 },
    });
    expect(r.status).toBe('up-to-date');
    // Deleting it is deleting a file Lifeboat never wrote: its bytes are not those of any record (the size says so).
    expect(await readFile(join(older, 'notes.tar.gz'), 'utf8')).toBe('my notes, not a backup');
  });

  itUnless(noSymlinks())(
    "a rerun with retention prunes a clean old set but leaves every set holding the user's things, and what links point to",
    async () => {
      const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
      const m = await readManifest(first.path!);
      const at = (days: number) => m.backup.scheduledFor - days * 86_400;
      const clean = await copySet(first.path!, envDirOf(), setFolderName(at(3)), { scheduledFor: at(3) });
      // A hard link of the clean set's archive kept by the user elsewhere: removing the set's name keeps its bytes.
      const archive = m.archives[0]!.filename;
      await link(join(clean, archive), join(outside, 'handed-to-client.sql.gz'));
      const cluttered = await copySet(first.path!, envDirOf(), setFolderName(at(5)), { scheduledFor: at(5) });
      await mkdir(join(outside, 'precious'));
      await writeFile(join(outside, 'precious', 'thesis.txt'), 'years of work');
      await writeFile(join(outside, 'precious.sql.gz'), 'mine');
      await writeFile(join(cluttered, 'other_database.sql.gz'), 'an archive-like name no manifest gives');
      await writeFile(
        join(cluttered, 'other_database.sql.gz.part'),
        'a .part of an archive no manifest gives',
      );
      await symlink(join(outside, 'precious'), join(cluttered, 'docs'));
      await link(join(outside, 'precious.sql.gz'), join(cluttered, 'hard-linked.sql.gz'));
      // A set-named folder that is a link to a folder elsewhere holding a set and the user's file.
      const linkedTarget = join(outside, 'linked-set');
      await copySet(first.path!, outside, 'linked-set', { scheduledFor: at(7) });
      await writeFile(join(linkedTarget, 'mine.txt'), 'mine');
      await symlink(linkedTarget, join(envDirOf(), setFolderName(at(7))));
      const before = await snapshot(outside);

      const r = await mirrorOnce(client, 'acme-blog', 'live', root, {
        elements: ['database'],
        retention: { keep: 1 },
      });
      expect(r.pruned).toEqual([clean]);
      expect(r.note).toContain(cluttered);
      expect(await snapshot(outside)).toEqual(before);
      expect((await readdir(cluttered)).sort()).toEqual(
        [
          archive,
          MIRROR_MANIFEST,
          'docs',
          'hard-linked.sql.gz',
          'other_database.sql.gz',
          'other_database.sql.gz.part',
        ].sort(),
      );
      expect((await lstat(join(envDirOf(), setFolderName(at(7))))).isSymbolicLink()).toBe(true);
      expect(await sha256Of(join(outside, 'handed-to-client.sql.gz'))).toBe(m.archives[0]!.sha256);
    },
  );

  itUnless(noSymlinks())(
    "failing and retried downloads remove only the archive's own .part, never the user's files in the set",
    async () => {
      const built = await sandbox.archive('acme-blog', 'live', 'files');
      sandbox.setFaults({ store: { dropAfterBytes: Math.floor(built.size / 3), match: '_files' } });
      await failure(
        mirrorOnce(client, 'acme-blog', 'live', root, { transfer: fastTransfer({ maxFailures: 1 }) }),
      );
      const dir = join(envDirOf(), setFolderName((await newestSet()).scheduledFor));
      await writeFile(join(outside, 'precious.txt'), 'precious');
      const planted: Record<string, string> = {
        'notes.txt': 'mine',
        'other_files.tar.gz': 'archive-like, not named',
        'other_files.tar.gz.part': 'part-like, not named',
        [`${built.path.split('/').pop()}.bak`]: 'a backup of mine',
      };
      for (const [n, c] of Object.entries(planted)) await writeFile(join(dir, n), c);
      await symlink(join(outside, 'precious.txt'), join(dir, 'link-to-precious'));
      sandbox.setFaults({ store: { corrupt: true, match: '_files' } });
      expect((await failure(mirrorOnce(client, 'acme-blog', 'live', root))).code).toBe('integrity');
      sandbox.setFaults({});
      const r = await mirrorOnce(client, 'acme-blog', 'live', root, { retention: { keep: 1 } });
      expect(r.status).toBe('downloaded');
      for (const [n, c] of Object.entries(planted)) expect(await readFile(join(dir, n), 'utf8')).toBe(c);
      expect(await readlink(join(dir, 'link-to-precious'))).toBe(join(outside, 'precious.txt'));
      expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('precious');
      expect((await verifyMirror(root)).totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
    },
  );

  itUnless(noSymlinks())(
    'an environment folder replaced by a link between runs is refused, and nothing behind it is touched',
    async () => {
      const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
      const m = await readManifest(first.path!);
      const moved = join(outside, 'live');
      await rename(envDirOf(), moved);
      // An old-looking set of the user's there: retention through the link would remove it.
      await copySet(
        join(moved, first.path!.split('/').pop()!),
        moved,
        setFolderName(m.backup.scheduledFor - 9e5),
        {
          scheduledFor: m.backup.scheduledFor - 9e5,
        },
      );
      await symlink(moved, envDirOf());
      const before = await snapshot(outside);
      const e = await failure(
        mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'], retention: { keep: 1 } }),
      );
      expect(e.code).toBe('conflict');
      expect(e.message).toContain(envDirOf());
      expect(await snapshot(outside)).toEqual(before);
    },
  );
});

describe('nothing lands outside DIR', () => {
  it('refuses site and environment names that are paths, before writing anything', async () => {
    const site = await client.getSite('acme-blog');
    const base = {
      client,
      account: DANA,
      root,
      elements: ALL_ELEMENTS,
      transfer: fastTransfer(),
      pollMs: 10,
    };
    for (const name of ['../escape', 'a/b', '..', '.', '.hidden', '/tmp/abs', 'a\\b', 'x\u0000y', ''])
      expect((await failure(mirrorEnvironment({ ...base, site: { ...site, name }, env: 'live' }))).code).toBe(
        'invalid-request',
      );
    for (const env of ['../live', 'live/..', '..', 'Live', 'a/b'])
      expect((await failure(mirrorEnvironment({ ...base, site, env }))).code).toBe('invalid-request');
    expect(await readdir(tmp)).toEqual(['outside']);
  });

  it("refuses archive names from the catalog that could leave the set's folder, downloading nothing", async () => {
    for (const filename of [
      '../escape.tar.gz',
      '../../../escape.tar.gz',
      'sub/escape.tar.gz',
      join(outside, 'abs.tar.gz'),
      '..\\escape.tar.gz',
      '.hidden.tar.gz',
      'line\nbreak.tar.gz',
    ]) {
      const before = storeRequests(sandbox).length;
      const e = await failure(
        mirrorOnce(hostileClient(withArchive('code', { filename })), 'acme-blog', 'live', root),
      );
      expect(e.code).toBe('server');
      expect(storeRequests(sandbox).length).toBe(before);
    }
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(tmp)).sort()).toEqual(['mirror', 'outside']);
  });

  itUnless(noSymlinks())('writes through no link planted where a .part or its metadata goes', async () => {
    const built = await sandbox.archive('acme-blog', 'live', 'files');
    sandbox.setFaults({ store: { dropAfterBytes: Math.floor(built.size / 3), match: '_files' } });
    await failure(
      mirrorOnce(client, 'acme-blog', 'live', root, { transfer: fastTransfer({ maxFailures: 1 }) }),
    );
    sandbox.setFaults({});
    const dir = join(envDirOf(), setFolderName((await newestSet()).scheduledFor));
    const part = partPathOf(join(dir, (await readPartial(dir)).pending[0]!.filename));
    await writeFile(join(outside, 'precious.bin'), 'precious');
    await writeFile(join(outside, 'precious.json'), '{"identity":"x","size":1}');
    await rm(part);
    await symlink(join(outside, 'precious.bin'), part);
    expect((await failure(mirrorOnce(client, 'acme-blog', 'live', root))).code).toBe('conflict');
    await rm(part);
    await rm(`${part}.json`);
    await symlink(join(outside, 'precious.json'), `${part}.json`);
    const r = await mirrorOnce(client, 'acme-blog', 'live', root);
    expect(r.status).toBe('downloaded');
    expect(await readFile(join(outside, 'precious.bin'), 'utf8')).toBe('precious');
    expect(await readFile(join(outside, 'precious.json'), 'utf8')).toBe('{"identity":"x","size":1}');
    expect((await verifyMirror(root)).totals.ok).toBe(1);
  });

  itUnless(noSymlinks())(
    'a set-named folder that is a link to elsewhere is passed over: the set goes beside it',
    async () => {
      const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
      await rename(first.path!, join(outside, 'set'));
      await writeFile(join(outside, 'set', 'mine.txt'), 'mine');
      await symlink(join(outside, 'set'), first.path!);
      const before = await snapshot(outside);
      const r = await mirrorOnce(client, 'acme-blog', 'live', root, {
        elements: ['database'],
        retention: { keep: 1 },
      });
      expect(r).toMatchObject({ status: 'downloaded', path: `${first.path!}-2`, pruned: [] });
      expect(await snapshot(outside)).toEqual(before);
    },
  );
});

describe('a set is complete only when every archive is verified', () => {
  /** Leaves acme-blog.live's database set as a run killed after the archive's rename, before its record. */
  async function killedAfterRename(): Promise<{ dir: string; file: string }> {
    const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    const dir = first.path!;
    const m = await readManifest(dir);
    const a = m.archives[0]!;
    await rm(join(dir, MIRROR_MANIFEST));
    await writeFile(
      join(dir, MIRROR_PARTIAL),
      JSON.stringify({
        ...m,
        complete: false,
        archives: [],
        completedAt: null,
        pending: [{ element: a.element, filename: a.filename, size: a.size, id: a.id }],
      }),
    );
    return { dir, file: join(dir, a.filename) };
  }

  it('does not record as verified an unrecorded archive of the right size whose bytes are not Pantheon’s', async () => {
    const built = await sandbox.archive('acme-blog', 'live', 'database');
    const { dir, file } = await killedAfterRename();
    // What is on disk under the archive's name is another valid gzip stream of the same size (not Pantheon's).
    await writeFile(file, gzipOfSize(built.size));
    const outcome = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] }).catch(
      (e: unknown) => e,
    );
    if (outcome instanceof LifeboatError) {
      expect(outcome.code).toBe('integrity');
      await expect(stat(join(dir, MIRROR_MANIFEST))).rejects.toThrow();
    } else {
      // Complete means the bytes are the storage's: its MD5 was there to check them against.
      const m = await readManifest(dir);
      expect(m.archives[0]!.sha256).toBe(built.sha256);
      expect(await sha256Of(file)).toBe(built.sha256);
    }
  });

  it('after a kill between an archive’s rename and its record, the rerun still checks it against the storage’s MD5', async () => {
    const built = await sandbox.archive('acme-blog', 'live', 'database');
    const { dir } = await killedAfterRename();
    const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    expect(r.status).toBe('downloaded');
    // An uninterrupted run records the MD5 Pantheon's storage gives (and checked it); so must this one.
    expect((await readManifest(dir)).archives[0]).toMatchObject({ sha256: built.sha256, md5: built.md5 });
  });

  it('refuses a catalog naming two archives of one set by one file name (the second would never be downloaded)', async () => {
    const set = await newestSet();
    const code = set.archives.code!;
    const c = hostileClient(withArchive('files', { filename: code.filename, size: code.size }));
    const before = storeRequests(sandbox).length;
    const outcome = await mirrorOnce(c, 'acme-blog', 'live', root).catch((e: unknown) => e);
    const dir = join(envDirOf(), setFolderName(set.scheduledFor));
    const complete = await readManifest(dir).catch(() => null);
    // Whatever happens, no complete manifest may say the files archive was verified without a byte of it fetched.
    expect(
      storeRequests(sandbox)
        .slice(before)
        .some((x) => x.path.includes('_files')),
    ).toBe(complete?.archives.some((a) => a.element === 'files') ?? false);
    expect(outcome).toBeInstanceOf(LifeboatError);
    expect(complete).toBeNull();
  });

  it('a .part holding wrong bytes from an earlier attempt never makes a complete set (with and without a storage hash)', async () => {
    const built = await sandbox.archive('acme-blog', 'live', 'files');
    for (const withoutHash of [false, true]) {
      const t = await tempMirrorRoot();
      try {
        sandbox.setFaults({
          store: { dropAfterBytes: Math.floor(built.size / 2), match: '_files', withoutHash },
        });
        await failure(
          mirrorOnce(client, 'acme-blog', 'live', t.root, { transfer: fastTransfer({ maxFailures: 1 }) }),
        );
        const dir = join(envDirOf(t.root), setFolderName((await newestSet()).scheduledFor));
        const part = partPathOf(join(dir, (await readPartial(dir)).pending[0]!.filename));
        await flipByte(part, 100);
        sandbox.setFaults({ store: { withoutHash } });
        const outcome = await mirrorOnce(client, 'acme-blog', 'live', t.root).catch((e: unknown) => e);
        if (outcome instanceof LifeboatError) {
          expect(outcome.code).toBe('integrity');
          await expect(stat(join(dir, MIRROR_MANIFEST))).rejects.toThrow();
          await expect(stat(part)).rejects.toThrow();
          await mirrorOnce(client, 'acme-blog', 'live', t.root);
        }
        const m = await readManifest(dir);
        expect(m.archives.find((a) => a.element === 'files')!.sha256).toBe(built.sha256);
        expect((await verifyMirror(t.root)).totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
      } finally {
        await t.cleanup();
      }
    }
  });

  /** Mirrors acme-blog.live (all three) and cancels it, as a person or Ctrl-C does, while the files archive comes. */
  async function cancelledRun(): Promise<unknown> {
    const set = await newestSet();
    const before = set.archives.code!.size + set.archives.database!.size;
    sandbox.setFaults({ store: { throttleBytesPerSecond: 256 << 10, match: '_files' } });
    const ac = new AbortController();
    try {
      return await mirrorOnce(client, 'acme-blog', 'live', root, {
        signal: ac.signal,
        // From the event loop, not from inside the progress callback: as a click or a SIGINT handler does.
        onProgress: (done) => {
          if (done > before + 40_000) setImmediate(() => ac.abort());
        },
      }).then(
        (r) => {
          throw new Error(`expected a cancellation, got ${JSON.stringify(r)}`);
        },
        (e: unknown) => e,
      );
    } finally {
      sandbox.setFaults({});
    }
  }

  it('a run cancelled in the middle leaves an incomplete set; the rerun resumes it and verify finds it whole', async () => {
    const e = await cancelledRun();
    expect(toAppError(e).code).toBe('cancelled');
    const report = await verifyMirror(root);
    expect(report.totals).toEqual({ ok: 0, damaged: 0, incomplete: 1 });
    await expect(stat(join(envDirOf(), MIRROR_ENV_LOCK))).rejects.toThrow();
    const r = await mirrorOnce(client, 'acme-blog', 'live', root);
    expect(r.status).toBe('downloaded');
    expect(r.resumedBytes).toBeGreaterThan(0);
    expect((await verifyMirror(root)).totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
  });

  it('a cancellation during a download is thrown as the LifeboatError mirrorEnvironment promises, saying it resumes', async () => {
    const e = await cancelledRun();
    expect(e).toBeInstanceOf(LifeboatError);
    expect((e as LifeboatError).code).toBe('cancelled');
    expect((e as LifeboatError).message).toMatch(/resume/);
  });
});

describe('a rerun never downloads a complete set again', () => {
  itUnless(noSymlinks())(
    'asks no link and downloads no byte, with user files and links planted in the set',
    async () => {
      const first = await mirrorOnce(client, 'acme-blog', 'live', root);
      await writeFile(join(first.path!, 'README.txt'), 'mine');
      await symlink(outside, join(first.path!, 'elsewhere'));
      const downloads = storeRequests(sandbox).length;
      const links = urlRequests(sandbox).length;
      const r = await mirrorOnce(client, 'acme-blog', 'live', root, { retention: { keep: 1 } });
      expect(r).toMatchObject({ status: 'up-to-date', bytes: 0, pruned: [] });
      expect(storeRequests(sandbox).length).toBe(downloads);
      expect(urlRequests(sandbox).length).toBe(links);
      expect(await readFile(join(first.path!, 'README.txt'), 'utf8')).toBe('mine');
    },
  );
});

describe('mirror verify', () => {
  it('finds appended bytes and an archive swapped for another valid gzip of the same size', async () => {
    const first = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['code', 'database'] });
    const m = await readManifest(first.path!);
    const code = join(first.path!, m.archives.find((a) => a.element === 'code')!.filename);
    const db = join(first.path!, m.archives.find((a) => a.element === 'database')!.filename);
    await writeFile(code, Buffer.concat([await readFile(code), Buffer.from('\0\0\0\0')]));
    await writeFile(db, gzipOfSize((await stat(db)).size));
    const [set] = (await verifyMirror(root)).sets;
    expect(set!.status).toBe('damaged');
    expect(Object.fromEntries(set!.archives.map((a) => [a.filename.split('_').pop(), a.status]))).toEqual({
      'code.tar.gz': 'size',
      'database.sql.gz': 'sha256',
    });
  });
});

describe('one run at a time per environment', () => {
  it('two runs at once: one mirrors, the other is refused as busy, and each archive is fetched once', async () => {
    const downloads = storeRequests(sandbox).length;
    // The second run starts while the first is downloading (slowed, so it still is when the second asks the lock).
    sandbox.setFaults({ store: { throttleBytesPerSecond: 256 << 10, match: '_files' } });
    let second: Promise<unknown> | undefined;
    const first = await mirrorOnce(client, 'acme-blog', 'live', root, {
      onProgress: () => {
        second ??= mirrorOnce(client, 'acme-blog', 'live', root).catch((e: unknown) => e);
      },
    });
    expect(first.status).toBe('downloaded');
    const refused = await second;
    expect(refused).toBeInstanceOf(LifeboatError);
    expect((refused as LifeboatError).code).toBe('conflict');
    expect((refused as LifeboatError).message).toContain('Mirroring acme-blog.live is already running');
    expect(storeRequests(sandbox).length - downloads).toBe(3);
    expect((await verifyMirror(root)).totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
    await expect(stat(join(envDirOf(), MIRROR_ENV_LOCK))).rejects.toThrow();
  });

  it('a lock left by a killed process, or left empty, is taken over', async () => {
    await mkdir(envDirOf(), { recursive: true });
    await writeFile(join(root, MIRROR_ROOT_MARK), '{}');
    const lock = join(envDirOf(), MIRROR_ENV_LOCK);
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(lock)}, JSON.stringify({pid: process.pid, host: require('os').hostname(), what: 'Mirroring acme-blog.live', since: new Date().toISOString()})); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(child.stdout!, 'data');
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ pid: child.pid, host: hostname() });
    child.kill('SIGKILL');
    await once(child, 'exit');
    const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    expect(r.status).toBe('downloaded');
    await expect(stat(lock)).rejects.toThrow();
    await writeFile(lock, '');
    const again = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
    expect(again.status).toBe('up-to-date');
    await expect(stat(lock)).rejects.toThrow();
  });
  it('a lock from before a reboot, whose pid now belongs to another program, does not block the mirror for ever', async () => {
    await mkdir(envDirOf(), { recursive: true });
    await writeFile(join(root, MIRROR_ROOT_MARK), '{}');
    const lock = join(envDirOf(), MIRROR_ENV_LOCK);
    // Another program, started now, with the pid the killed run had: the lock says it was taken an hour ago.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeFile(
        lock,
        JSON.stringify({
          pid: other.pid,
          host: hostname(),
          what: 'Mirroring acme-blog.live',
          since: new Date(Date.now() - 3_600_000).toISOString(),
        }),
      );
      const r = await mirrorOnce(client, 'acme-blog', 'live', root, { elements: ['database'] });
      expect(r.status).toBe('downloaded');
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('bad input gets a clear, specific error', () => {
  it('a root below a file names the file, not the root, as the file', async () => {
    await writeFile(join(tmp, 'notes.txt'), 'mine');
    const e = await failure(mirrorOnce(client, 'acme-blog', 'live', join(tmp, 'notes.txt', 'mirror')));
    expect(e.code).toBe('conflict');
    expect(e.message).toContain(`${join(tmp, 'notes.txt')} is a file`);
    expect(e.message).not.toContain(`${join(tmp, 'notes.txt', 'mirror')} is a file`);
  });

  describe('on a small file system', () => {
    itUnless(why && `no small file system to fill: ${why}`)(
      'a full disk is disk-full, keeps the set partial, and the rerun completes it',
      async () => {
        const fs = await mountSmallFs(1);
        try {
          // About 200 KiB free: the code and database archives fit, the files archive (about 255 KiB) does not.
          await writeFile(join(fs.dir, 'filler'), Buffer.alloc((1 << 20) - (200 << 10)));
          const mirror = join(fs.dir, 'mirror');
          const e = await mirrorOnce(client, 'acme-blog', 'live', mirror).catch((x: unknown) => x);
          const app = toAppError(e);
          expect(app.code).toBe('disk-full');
          expect(app.message).toMatch(/free/i);
          expect((await verifyMirror(mirror)).totals).toMatchObject({ ok: 0, damaged: 0 });
          await rm(join(fs.dir, 'filler'));
          const r = await mirrorOnce(client, 'acme-blog', 'live', mirror);
          expect(r.status).toBe('downloaded');
          expect((await verifyMirror(mirror)).totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
        } finally {
          await fs.unmount();
        }
      },
    );

    itUnless(why && `no small file system to fill: ${why}`)(
      'a read-only root is said to be read-only, naming it (not an internal error)',
      async () => {
        const fs = await mountSmallFs(1);
        try {
          await run('mount', ['-o', 'remount,ro', fs.dir]);
          for (const mirror of [fs.dir, join(fs.dir, 'new-mirror')]) {
            const e = await mirrorOnce(client, 'acme-blog', 'live', mirror).catch((x: unknown) => x);
            const app = toAppError(e);
            expect(app.code).not.toBe('internal');
            expect(app.message).toContain(fs.dir);
            expect(app.message).toMatch(/read-only/i);
          }
        } finally {
          await fs.unmount();
        }
      },
    );
  });
});
