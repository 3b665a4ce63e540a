// The local copies registry on real files in a temp folder: what it reads, what it skips, what it never trashes.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  copiesDir,
  copyIdOf,
  CopyRegistry,
  type StoredCopy,
} from '../../../../electron/services/copies/registry';
import type { RestoreRecord } from '../../../../electron/services/restore/assemble';
import { firstMissing, itUnless, noFifos, noSymlinks } from '../../../helpers/platform';

const run = promisify(execFile);
let dir: string;
let data: string;
let trashed: string[];
let registry: CopyRegistry;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-copies-unit-'));
  data = join(dir, 'data');
  trashed = [];
  // Records what would be trashed: these tests point the registry at / and at the home folder.
  registry = new CopyRegistry({ dataDir: data, trash: async (p) => void trashed.push(p) });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = (over: Partial<RestoreRecord> = {}): RestoreRecord => ({
  lifeboat: 'test',
  site: { id: '11111111-2222-4333-8444-555555555555', name: 'acme-blog', framework: 'wordpress' },
  env: 'live',
  backup: {
    folder: '1795910400_automated',
    initiator: 'automated',
    scheduledFor: '2026-11-29T00:00:00.000Z',
  },
  archives: { code: { filename: 'c.tar.gz', size: 1, finishedAt: null } },
  code: {
    path: '.',
    branch: 'lifeboat/x',
    ref: 'refs/tags/pantheon_live_3',
    tag: 'pantheon_live_3',
    commit: 'abc',
  },
  restoredAt: '2026-11-30T10:00:00.000Z',
  ...over,
});

/** A folder that looks like a restore of `rec`. */
async function restoredFolder(name: string, rec: RestoreRecord = record()): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'lifeboat.json'), JSON.stringify(rec));
  await writeFile(join(path, 'index.php'), 'x'.repeat(10_000));
  return path;
}

/** Writes a registry file by hand, as a foreign or damaged one would be. */
async function writeEntry(copy: StoredCopy, name = `${copy.id}.json`): Promise<void> {
  await mkdir(copiesDir(data), { recursive: true });
  await writeFile(join(copiesDir(data), name), JSON.stringify({ version: 1, copy }));
}

describe('register and list', () => {
  itUnless(noSymlinks())(
    'records a copy once per folder, with its size, and finds its state each time it lists',
    async () => {
      const path = await restoredFolder('a');
      const copy = await registry.register({ path, record: record() }, 'acct');
      expect(copy).toMatchObject({ path, state: 'present', deployTag: 'pantheon_live_3', accountId: 'acct' });
      expect(copy.sizeBytes).toBeGreaterThanOrEqual(10_000);
      // An update in place: the folder's lifeboat.json is rewritten, and the same copy registered again.
      const updated = record({ restoredAt: '2026-11-30T11:00:00.000Z' });
      await writeFile(join(path, 'lifeboat.json'), JSON.stringify(updated));
      await registry.register({ path, record: updated }, 'acct');
      expect(await registry.list()).toHaveLength(1);
      expect((await registry.list())[0]!.restoredAt).toBe('2026-11-30T11:00:00.000Z');

      await writeFile(join(path, 'lifeboat.json'), JSON.stringify(record({ env: 'dev' })));
      expect((await registry.list())[0]!.state).toBe('replaced');
      await rm(join(path, 'lifeboat.json'));
      expect((await registry.list())[0]!.state).toBe('replaced');
      // A link where the folder was is not the folder.
      await rm(path, { recursive: true });
      await symlink(await restoredFolder('elsewhere'), path);
      expect((await registry.list())[0]!.state).toBe('replaced');
      await rm(path);
      expect((await registry.list())[0]!.state).toBe('missing');
    },
  );

  itUnless(firstMissing(noFifos, noSymlinks()))(
    'skips damaged, foreign, oversized, linked and FIFO registry files, and lists the good one',
    async () => {
      const good = await registry.register({ path: await restoredFolder('good'), record: record() }, null);
      const dirPath = copiesDir(data);
      const other = (await registry.register({ path: await restoredFolder('b'), record: record() }, null)).id;
      const text = await readdir(dirPath);
      expect(text).toHaveLength(2);
      await writeFile(join(dirPath, `${other}.json`), '{"version":1,"copy":{"id":');
      const foreign = copyIdOf('/somewhere/else');
      await writeFile(join(dirPath, `${foreign}.json`), JSON.stringify({ version: 2, whatever: true }));
      // An id that is not its path's: two copies of one folder otherwise.
      const { state: _s, newerBackup: _n, ...stored } = good;
      const stranger = '00000000-0000-4000-8000-000000000001';
      await writeEntry({ ...stored, id: stranger });
      // A relative path would mean another folder in each process.
      await writeEntry({ ...stored, id: copyIdOf('rel/path'), path: 'rel/path' });
      await writeFile(join(dirPath, `${copyIdOf('/big')}.json`), ' '.repeat(200_000));
      await symlink(join(dirPath, `${good.id}.json`), join(dirPath, `${copyIdOf('/linked')}.json`));
      await run('mkfifo', [join(dirPath, `${copyIdOf('/fifo')}.json`)]);
      await writeFile(join(dirPath, 'notes.txt'), 'hello');
      expect((await registry.list()).map((c) => c.id)).toEqual([good.id]);
    },
  );

  it('an empty or absent registry folder lists nothing', async () => {
    expect(await registry.list()).toEqual([]);
    await mkdir(copiesDir(data), { recursive: true });
    expect(await registry.list()).toEqual([]);
  });
});

describe('remove', () => {
  it('moves a present copy and forgets it; refuses missing (not-found) and replaced (conflict) ones', async () => {
    const path = await restoredFolder('a');
    const c = await registry.register({ path, record: record() }, null);
    // The trash here only records: the folder stays, so the registry says it could not be moved. It was
    // handed over set aside beside itself (never by the path it is listed under), and is put back.
    await expect(registry.remove(c.id)).rejects.toMatchObject({ code: 'io' });
    expect(trashed.map((p) => p.split(sep).join('/'))).toEqual([
      expect.stringMatching(/\/\.lifeboat-removing-[0-9a-f]{12}\/a$/),
    ]);
    expect(await readdir(dir)).toEqual(['a', 'data']);
    expect(await registry.list()).toMatchObject([{ path, state: 'present' }]);

    await writeFile(
      join(path, 'lifeboat.json'),
      JSON.stringify(record({ site: { ...record().site, id: 'x' } })),
    );
    await expect(registry.remove(c.id)).rejects.toMatchObject({ code: 'conflict' });
    await rm(path, { recursive: true });
    await expect(registry.remove(c.id)).rejects.toMatchObject({ code: 'not-found' });
    expect(trashed).toHaveLength(1);
    await registry.forget(c.id);
    expect(await registry.list()).toEqual([]);
    await expect(registry.remove(c.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('never trashes the root, the home folder or the data folder, even with a lifeboat.json naming the copy there', async () => {
    const home = join(dir, 'home');
    const saved = { HOME: process.env.HOME, USERPROFILE: process.env.USERPROFILE };
    // USERPROFILE: Windows's home folder (os.homedir() reads it there, not HOME).
    process.env.HOME = home;
    process.env.USERPROFILE = home;
    try {
      await mkdir(home, { recursive: true });
      await writeFile(join(home, 'lifeboat.json'), JSON.stringify(record()));
      await mkdir(data, { recursive: true });
      await writeFile(join(data, 'lifeboat.json'), JSON.stringify(record()));
      const stored = (path: string): StoredCopy => ({
        id: copyIdOf(path),
        path,
        site: record().site,
        env: 'live',
        accountId: null,
        backup: { folder: 'f', scheduledFor: '2026-11-29T00:00:00.000Z' },
        elements: ['code'],
        deployTag: null,
        branch: null,
        database: null,
        sizeBytes: 1,
        restoredAt: '2026-11-30T10:00:00.000Z',
        lastUpdate: null,
      });
      for (const path of ['/', home, dir, data]) {
        await writeEntry(stored(path));
        await expect(registry.remove(copyIdOf(path))).rejects.toMatchObject({
          code: 'conflict',
        });
      }
      expect(trashed).toEqual([]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
