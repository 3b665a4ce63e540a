// Removing a local copy on real files in a temp folder, with a trash that moves by path as the OS trash does:
// what goes is only ever the copy's own folder, and a remove that did not move it never says it did.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CopyRegistry } from '../../../../electron/services/copies/registry';
import type { Trash } from '../../../../electron/services/copies/remove';
import type { RestoreRecord } from '../../../../electron/services/restore/assemble';
import { describeUnless, itUnless, noSymlinks } from '../../../helpers/platform';

let dir: string;
let trashDir: string;
const registryWith = (trash: Trash): CopyRegistry => new CopyRegistry({ dataDir: join(dir, 'data'), trash });
/** Moves the path it is given, by name, as the `trash` package does. */
const byName: Trash = async (path) => {
  await rename(path, join(trashDir, `${(await readdir(trashDir)).length}`));
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-copies-remove-'));
  trashDir = join(dir, 'trash');
  await mkdir(trashDir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = (env = 'live'): RestoreRecord => ({
  lifeboat: 'test',
  site: { id: '11111111-2222-4333-8444-555555555555', name: 'acme-blog', framework: 'wordpress' },
  env,
  backup: {
    folder: '1795910400_automated',
    initiator: 'automated',
    scheduledFor: '2026-11-29T00:00:00.000Z',
  },
  archives: { files: { filename: 'f.tar.gz', size: 1, finishedAt: null } },
  restoredAt: '2026-11-30T10:00:00.000Z',
});

async function restored(path: string, env = 'live'): Promise<string> {
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'lifeboat.json'), JSON.stringify(record(env)));
  await writeFile(join(path, 'index.php'), 'x');
  return path;
}

describe('remove', () => {
  it('moves the copy, leaves nothing beside it, and forgets it', async () => {
    const registry = registryWith(byName);
    const c = await registry.register(
      { path: await restored(join(dir, 'sites', 'a')), record: record() },
      null,
    );
    await registry.remove(c.id);
    expect(await readdir(join(dir, 'sites'))).toEqual([]);
    expect(await readFile(join(trashDir, '0', 'index.php'), 'utf8')).toBe('x');
    expect(await registry.list()).toEqual([]);
  });

  it('puts the folder back where it was when the trash fails', async () => {
    const registry = registryWith(() => Promise.reject(new Error('no trash here')));
    const path = await restored(join(dir, 'sites', 'a'));
    const c = await registry.register({ path, record: record() }, null);
    await expect(registry.remove(c.id)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringContaining('no trash here'),
    });
    expect(await readdir(join(dir, 'sites'))).toEqual(['a']);
    expect(await registry.list()).toMatchObject([{ path, state: 'present' }]);
  });

  it('refuses a copy that holds another present copy, naming it; nothing moves', async () => {
    const registry = registryWith(byName);
    const outer = await restored(join(dir, 'sites', 'live'));
    const inner = await restored(join(outer, 'dev'), 'dev');
    const o = await registry.register({ path: outer, record: record() }, null);
    const i = await registry.register({ path: inner, record: record('dev') }, null);
    for (const attempt of [() => registry.removable(o.id), () => registry.remove(o.id)])
      await expect(attempt()).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining(`holds another local copy, ${inner} (acme-blog.dev)`),
      });
    expect(await readdir(trashDir)).toEqual([]);
    expect(existsSync(join(inner, 'lifeboat.json'))).toBe(true);
    // Once the inner one is forgotten, the outer one (with it) is what the person asked to remove.
    await registry.forget(i.id);
    await registry.remove(o.id);
    expect(await readdir(trashDir)).toEqual(['0']);
  });

  describeUnless(noSymlinks())(
    'the parent swapped for a link to another folder of the same name while the trash runs',
    () => {
      // The swap the trash cannot see: `sites` becomes a link to `work`, which has its own `a` (never a copy).
      async function setUp(trash: (swap: () => Promise<void>) => Trash) {
        const sites = join(dir, 'sites');
        const path = await restored(join(sites, 'a'));
        await mkdir(join(dir, 'work', 'a'), { recursive: true });
        await writeFile(join(dir, 'work', 'a', 'precious.txt'), 'months of work');
        const swap = async (): Promise<void> => {
          await rename(sites, `${sites}-real`);
          await symlink(join(dir, 'work'), sites);
        };
        const registry = registryWith(trash(swap));
        const c = await registry.register({ path, record: record() }, null);
        return { registry, c, sites };
      }
      const victimKept = async (): Promise<void> => {
        expect(await readFile(join(dir, 'work', 'a', 'precious.txt'), 'utf8')).toBe('months of work');
        expect(await readdir(join(dir, 'work'))).toEqual(['a']);
        expect(await readdir(trashDir)).toEqual([]);
      };

      it('a trash that then fails to find what it was given: an error that says where the copy is', async () => {
        const { registry, c, sites } = await setUp((swap) => async (path, original) => {
          await swap();
          await byName(path, original);
        });
        const err = (await registry.remove(c.id).catch((e: unknown) => e)) as Error;
        expect(err).toMatchObject({ code: 'io' });
        await victimKept();
        // The copy is where the error says, whole, and still in the list.
        const where = /is now in (.+)\.$/.exec(err.message)?.[1];
        expect(where?.replace(sites, `${sites}-real`).split(sep).join('/')).toMatch(
          /sites-real\/\.lifeboat-removing-[0-9a-f]{12}\/a$/,
        );
        expect(existsSync(join(where!.replace(sites, `${sites}-real`), 'lifeboat.json'))).toBe(true);
        expect((await registry.list()).map((x) => x.id)).toEqual([c.id]);
      });

      it('a trash that silently moves nothing (as the package does with a path that is gone): never a success', async () => {
        const { registry, c } = await setUp((swap) => () => swap());
        await expect(registry.remove(c.id)).rejects.toMatchObject({
          code: 'io',
          message: expect.stringContaining('cannot tell whether'),
        });
        await victimKept();
        expect((await registry.list()).map((x) => x.id)).toEqual([c.id]);
      });
    },
  );
});

describe('one copy per folder', () => {
  itUnless(noSymlinks())(
    'a restore through a linked parent and an update through the real one are one copy, kept by its real path',
    async () => {
      const registry = registryWith(byName);
      await mkdir(join(dir, 'real'));
      await symlink(join(dir, 'real'), join(dir, 'link'));
      const real = await restored(join(dir, 'real', 's'));
      const first = await registry.register({ path: join(dir, 'link', 's'), record: record() }, null);
      expect(first.path).toBe(real);
      await registry.register(
        { path: real, record: { ...record(), restoredAt: '2026-12-01T00:00:00.000Z' } },
        null,
      );
      expect(await registry.list()).toMatchObject([{ id: first.id, path: real, state: 'present' }]);
    },
  );
});
