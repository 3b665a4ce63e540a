import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import {
  chooseRef,
  createBranch,
  findRepository,
  importIntoClone,
  newestDeployTag,
  validateBranchName,
} from '../../../electron/services/git/git';
import { testSandbox } from '../../helpers/sandbox';

const run = promisify(execFile);
const git = async (cwd: string, ...args: string[]) =>
  (
    await run('git', ['-c', 'user.name=Test', '-c', 'user.email=t@example.com', ...args], { cwd })
  ).stdout.trim();
let sandbox: Sandbox;
let dir: string;
let restored: string;

beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-git-'));
  await tar.x({ file: (await sandbox.archive('acme-blog', 'live', 'code')).path, cwd: dir });
  restored = (await findRepository(dir)).path;
  return () => rm(dir, { recursive: true, force: true });
});

/** A user's own clone of the site with one local commit and an uncommitted-free tree. */
async function userClone(): Promise<string> {
  const clone = join(dir, 'my-clone');
  await run('git', ['clone', '--quiet', '--no-tags', restored, clone]);
  await git(clone, 'checkout', '-q', '-b', 'my-work', 'origin/master');
  await writeFile(join(clone, 'mine.txt'), 'my work\n');
  await git(clone, 'add', 'mine.txt');
  await git(clone, 'commit', '-q', '-m', 'my work');
  return clone;
}

describe('choosing the ref', () => {
  it('orders deploy tags numerically', () => {
    expect(
      newestDeployTag(
        ['pantheon_live_9', 'pantheon_live_12', 'pantheon_live_10', 'pantheon_test_99'],
        'live',
      ),
    ).toBe('pantheon_live_12');
    expect(newestDeployTag(['pantheon.initialize'], 'live')).toBeNull();
  });

  it('uses the environment target_ref when the repository has it, else the newest tag', async () => {
    expect(await chooseRef(restored, 'live', 'refs/tags/pantheon_live_7', undefined)).toMatchObject({
      tag: 'pantheon_live_7',
    });
    expect(await chooseRef(restored, 'live', null)).toMatchObject({
      tag: 'pantheon_live_12',
      ref: 'pantheon_live_12',
    });
    expect(await chooseRef(restored, 'live', 'refs/tags/pantheon_live_99')).toMatchObject({
      tag: 'pantheon_live_12',
    });
    expect(await chooseRef(restored, 'dev', 'refs/heads/master')).toMatchObject({ ref: 'master', tag: null });
    expect(await chooseRef(restored, 'feature-x', null)).toMatchObject({ ref: 'feature-x' });
    await expect(chooseRef(restored, 'nope', null)).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('branches', () => {
  it('validates names as git does', async () => {
    await expect(validateBranchName('lifeboat/live-2026-01-01')).resolves.toBeUndefined();
    for (const bad of ['has space', 'a..b', 'end/', '-dash', 'x.lock', 'a~b', '']) {
      await expect(validateBranchName(bad)).rejects.toMatchObject({ code: 'invalid-request' });
    }
  });

  it('refuses an existing branch name, naming it, without touching it', async () => {
    await createBranch(restored, 'restore-1', 'pantheon_live_12', { checkout: true });
    const before = await git(restored, 'rev-parse', 'restore-1');
    await expect(
      createBranch(restored, 'restore-1', 'pantheon_live_3', { checkout: true }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('"restore-1" already exists'),
    });
    expect(await git(restored, 'rev-parse', 'restore-1')).toBe(before);
  });
});

describe('into an existing clone', () => {
  it('fetches branches and tags and creates the branch, leaving the working tree and current branch alone', async () => {
    const clone = await userClone();
    await writeFile(join(clone, 'wip.txt'), 'uncommitted\n');
    const chosen = await chooseRef(restored, 'live', null);
    await importIntoClone({
      restoredRepo: restored,
      clone,
      chosen,
      branch: 'lifeboat/live-x',
      checkout: false,
    });
    expect(await git(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('my-work');
    expect(await readFile(join(clone, 'wip.txt'), 'utf8')).toBe('uncommitted\n');
    expect(await git(clone, 'rev-parse', 'lifeboat/live-x')).toBe(chosen.commit);
    expect((await git(clone, 'tag')).split('\n')).toContain('pantheon_live_12');
    expect(await git(clone, 'branch', '-r')).toContain('lifeboat/feature-x');
  });

  it('refuses to check out over uncommitted changes', async () => {
    const clone = await userClone();
    await writeFile(join(clone, 'mine.txt'), 'changed\n');
    const chosen = await chooseRef(restored, 'live', null);
    await expect(
      importIntoClone({ restoredRepo: restored, clone, chosen, branch: 'b', checkout: true }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('1 uncommitted change'),
    });
    expect(await git(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('my-work');
    expect(await git(clone, 'branch', '--list', 'b')).toBe('');
  });

  it('checks out when asked on a clean tree', async () => {
    const clone = await userClone();
    const chosen = await chooseRef(restored, 'test', null);
    await importIntoClone({ restoredRepo: restored, clone, chosen, branch: 'lifeboat/test', checkout: true });
    expect(await git(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('lifeboat/test');
    expect(await git(clone, 'describe', '--tags', '--exact-match')).toBe('pantheon_test_14');
  });

  it('will not move a tag the clone already has elsewhere', async () => {
    const clone = await userClone();
    await git(clone, 'tag', 'pantheon_live_12', 'my-work');
    const mine = await git(clone, 'rev-parse', 'pantheon_live_12');
    const chosen = await chooseRef(restored, 'live', null);
    await expect(
      importIntoClone({ restoredRepo: restored, clone, chosen, branch: 'c', checkout: false }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('pantheon_live_12'),
    });
    expect(await git(clone, 'rev-parse', 'pantheon_live_12')).toBe(mine);
  });

  it('says when the folder is not a clone', async () => {
    const chosen = await chooseRef(restored, 'live', null);
    await expect(
      importIntoClone({ restoredRepo: restored, clone: tmpdir(), chosen, branch: 'd', checkout: false }),
    ).rejects.toMatchObject({ code: 'invalid-request' });
  });
});
