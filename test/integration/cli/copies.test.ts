// `lifeboat copies` over the registry that `lifeboat pull` fills: real processes, real files, the real trash
// under a temporary HOME.
import { lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import type { LocalCopy } from '../../../shared/models';
import { lifeboat } from '../../helpers/cli';
import { noXdgTrash } from '../../helpers/platform';

let dir: string;
let env: NodeJS.ProcessEnv;
const doc = (name: string) => COMMANDS.find((c) => c.name === name)!.json![0]!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-copies-'));
  await mkdir(join(dir, 'home'));
  env = {
    LIFEBOAT_DATA_DIR: join(dir, 'data'),
    HOME: join(dir, 'home'),
    // Windows's home folder (os.homedir() reads USERPROFILE there, not HOME).
    USERPROFILE: join(dir, 'home'),
    XDG_DATA_HOME: join(dir, 'home', '.local', 'share'),
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const copies = async (): Promise<LocalCopy[]> => {
  const r = await lifeboat(['copies', '--json'], env);
  expect(r.code).toBe(0);
  const value: unknown = JSON.parse(r.stdout);
  expect(jsonProblems(value, doc('copies list'))).toEqual([]);
  return value as LocalCopy[];
};

describe('lifeboat copies', () => {
  it('lists what pull restored, removes one to the trash, forgets a missing one, and names a mistyped path', async () => {
    expect((await lifeboat(['copies'], env)).stdout).toContain('No local copies yet');
    const sites = join(dir, 'sites');
    for (const args of [
      ['acme-blog.live', '--to', sites],
      ['acme-blog.dev', '--to', sites, '--element', 'files'],
    ]) {
      const r = await lifeboat(['--demo', 'pull', ...args], env);
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({
        code: 0,
        stderr: expect.not.stringContaining('lifeboat:'),
      });
    }
    const live = join(sites, 'acme-blog-live');
    const dev = join(sites, 'acme-blog-dev');
    const listed = await copies();
    expect(listed.map((c) => c.path)).toEqual([dev, live]);
    expect(listed[1]).toMatchObject({ state: 'present', deployTag: 'pantheon_live_12', env: 'live' });
    expect(listed[1]!.accountId).toMatch(/@demo$/);

    const text = await lifeboat(['copies', 'list'], env);
    expect(text.stdout).toMatch(/^SITE\.ENV\s+STATE\s+BACKUP\s+DEPLOY TAG\s+SIZE\s+PATH$/m);
    expect(text.stdout).toMatch(
      new RegExp(
        `^acme-blog\\.live\\s+present\\s+backup of .*pantheon_live_12\\s+\\S+ [kMG]?B\\s+${live}$`,
        'm',
      ),
    );

    // A mistyped path: not found, with the copy most likely meant; nothing happens.
    const typo = await lifeboat(['copies', 'remove', join(sites, 'acme-blog-lvie'), '--yes'], env);
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain(`Did you mean ${live}?`);
    // Without a terminal and without --yes: a usage error, nothing moved.
    const asked = await lifeboat(['copies', 'remove', live], env);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('Pass --yes');
    expect((await lstat(live)).isDirectory()).toBe(true);

    const removed = await lifeboat(['copies', 'remove', live, '--yes', '--json'], env);
    expect(removed.code).toBe(0);
    expect(jsonProblems(JSON.parse(removed.stdout), doc('copies remove'))).toEqual([]);
    await expect(lstat(live)).rejects.toMatchObject({ code: 'ENOENT' });
    // Only Linux's trash follows XDG_DATA_HOME (this test's own folder): on macOS and Windows it is the system's,
    // and the test checks only that the folder left its place (above).
    if (noXdgTrash === null) {
      const trash = join(dir, 'home', '.local', 'share', 'Trash', 'files');
      const [trashed] = await readdir(trash);
      expect(await readdir(join(trash, trashed!))).toContain('lifeboat.json');
    }
    expect((await copies()).map((c) => c.path)).toEqual([dev]);

    // Moved away: missing; remove refuses it and says to forget it, which drops it.
    await rename(dev, `${dev}-moved`);
    expect((await copies())[0]!.state).toBe('missing');
    const refused = await lifeboat(['copies', 'remove', dev, '--yes'], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('Forget the copy instead');
    const forgot = await lifeboat(['copies', 'forget', dev], env);
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toContain(`Forgot ${dev}`);
    expect(await copies()).toEqual([]);
    expect((await lstat(`${dev}-moved`)).isDirectory()).toBe(true);
  });
});
