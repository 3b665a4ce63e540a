import { execFile } from 'node:child_process';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import {
  branchExists,
  chooseRef,
  cloneBare,
  createBranch,
  findRepository,
  importIntoClone,
  neutraliseRepository,
  uncommittedChanges,
  validateBranchName,
} from '../../../electron/services/git/git';
import {
  codeArchive,
  hostileRepo,
  NESTED_GIT_DIRS,
  payloadEnvFile,
  safeGit,
  userGit,
  type HostileRepo,
} from '../../helpers/hostile-git';
import { itUnless, noShellScripts, noSymlinks } from '../../helpers/platform';

/*
 * Git directories nested in a restored repository (submodules' `.git/modules/**`, linked worktrees'
 * `.git/worktrees/*`, `.git` files and folders inside the working tree) and the environment of the git
 * processes Lifeboat starts.
 */

const cleanups: string[] = [];
afterEach(async () => {
  for (const d of cleanups.splice(0)) await rm(d, { recursive: true, force: true });
});

async function build(...args: Parameters<typeof hostileRepo>): Promise<HostileRepo> {
  const built = await hostileRepo(...args);
  cleanups.push(built.root);
  return built;
}

/** What the payloads wrote: empty when nothing of the archive's ran. */
const markerOf = async (built: { marker: string }): Promise<string> =>
  (await readFile(built.marker, 'utf8').catch(() => '')).trim();
/** What the payloads' `env` wrote: empty when none ran. */
const payloadEnvOf = async (built: { marker: string }): Promise<string> =>
  (await readFile(payloadEnvFile(built.marker), 'utf8').catch(() => '')).trim();

/**
 * The built repository packed as a code archive and extracted as a restore extracts it: fresh inodes and
 * change times, so git has to hash the submodules' files again (and would run their filters to do so).
 */
async function extracted(built: HostileRepo): Promise<string> {
  const archive = await codeArchive(built, join(built.root, 'archives', 'code.tar.gz'));
  const staging = join(built.root, 'staging');
  await mkdir(staging);
  await tar.x({ file: archive, cwd: staging });
  const found = await findRepository(staging);
  expect(found.bare).toBe(false);
  return found.path;
}

/** A user's own clone of the site, made with hooks off so setting it up sets nothing off. */
async function userClone(from: string, parent: string): Promise<string> {
  const clone = join(parent, 'my-clone');
  await safeGit(parent, 'clone', '--quiet', '--no-local', '--no-tags', from, clone);
  await safeGit(clone, 'checkout', '-q', '-b', 'my-work', 'origin/master');
  return clone;
}

/** The `core.worktree` line of a config, or null. */
const worktreeOf = (config: string): string | null => /^\s*worktree = (.*)$/m.exec(config)?.[1] ?? null;

describe('a submodule (with a submodule of its own) and a linked worktree in the code archive', () => {
  it('a restore (chooseRef, createBranch with checkout, importIntoClone) runs none of their payloads, and the folder stays harmless', async () => {
    const built = await build({ vectors: [], nested: true });
    const repo = await extracted(built);
    // The archive really is hostile: plain git in the extracted folder runs the submodule's filter.
    const probe = join(built.root, 'probe');
    await mkdir(probe);
    await tar.x({ file: join(built.root, 'archives', 'code.tar.gz'), cwd: probe });
    await userGit(join(probe, 'acme_live_code'), 'status', '--porcelain');
    expect(await markerOf(built)).toContain('sub-clean');
    await rm(built.marker);
    await rm(payloadEnvFile(built.marker));

    // Git in a submodule refreshes its index (the extraction changed every file's inode and change time).
    const indexes = async (): Promise<Buffer[]> =>
      Promise.all(NESTED_GIT_DIRS.map((d) => readFile(join(repo, '.git', d, 'index'))));
    const before = await indexes();
    const chosen = await chooseRef(repo, 'live', null);
    expect(chosen).toMatchObject({ tag: built.liveTag });
    await createBranch(repo, 'lifeboat/live-x', chosen.ref, { checkout: true });
    // Lifeboat's git did not go into the submodules at all.
    expect(await indexes()).toEqual(before);
    expect(await markerOf(built)).toBe('');
    expect(await payloadEnvOf(built)).toBe('');
    expect(await safeGit(repo, 'rev-parse', 'HEAD')).toBe(chosen.commit);
    expect(await readFile(join(repo, 'README.txt'), 'utf8')).toBe('three\n');

    const clone = await userClone(repo, built.root);
    await importIntoClone({ restoredRepo: repo, clone, chosen, branch: 'lifeboat/a', checkout: false });
    await importIntoClone({ restoredRepo: repo, clone, chosen, branch: 'lifeboat/b', checkout: true });
    expect(await safeGit(clone, 'rev-parse', 'HEAD')).toBe(chosen.commit);
    expect(await markerOf(built)).toBe('');

    // Each nested git directory got the minimal config (its core.worktree kept: it stays inside the
    // repository), its hooks moved aside, the archive's config kept beside it.
    const worktrees = {
      'modules/sub': '../../../sub',
      'modules/sub/modules/inner': '../../../../../sub/inner',
    };
    for (const nested of NESTED_GIT_DIRS) {
      const dir = join(repo, '.git', nested);
      const config = await readFile(join(dir, 'config'), 'utf8');
      expect(config).not.toMatch(/fsmonitor|hookspath|filter|url = \//i);
      expect(worktreeOf(config)).toBe(`"${worktrees[nested]}"`);
      expect(await readFile(join(dir, 'config.from-archive'), 'utf8')).toContain('subevil');
      expect(await readFile(join(dir, 'hooks.from-archive', 'post-checkout'), 'utf8')).toContain(
        built.marker,
      );
      expect(await readdir(join(dir, 'hooks'))).toEqual([]);
    }
    const linked = join(repo, '.git', 'worktrees', 'linked-worktree');
    expect(await readdir(linked)).toEqual(
      expect.arrayContaining(['config.worktree.from-archive', 'hooks.from-archive']),
    );
    expect(await readdir(linked)).not.toContain('config.worktree');

    // Later, the person uses plain git in the restored folder, into the submodules and back.
    await writeFile(join(repo, 'sub', 'sub.txt'), 'edited\n');
    const status = await userGit(repo, 'status', '--porcelain');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('sub');
    expect((await userGit(join(repo, 'sub'), 'status', '--porcelain')).stdout).toBe('M sub.txt');
    expect((await userGit(join(repo, 'sub', 'inner'), 'status', '--porcelain')).stdout).toBe('');
    await userGit(join(repo, 'sub'), 'checkout', '-q', '--', 'sub.txt');
    await userGit(repo, 'checkout', '-q', 'master');
    expect(await markerOf(built)).toBe('');
    expect(await payloadEnvOf(built)).toBe('');
  });

  it('neutralising again changes nothing in the nested git directories', async () => {
    const built = await build({ vectors: [], nested: true });
    const repo = await extracted(built);
    await neutraliseRepository(repo);
    const snapshot = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const nested of [...NESTED_GIT_DIRS, 'worktrees/linked-worktree']) {
        const dir = join(repo, '.git', nested);
        out.push(`${nested}: ${(await readdir(dir)).sort().join(' ')}`);
        out.push(await readFile(join(dir, 'config'), 'utf8').catch(() => '(no config)'));
      }
      return out;
    };
    const first = await snapshot();
    expect(first.join('\n')).not.toMatch(/subevil|fsmonitor/);
    expect(first.filter((l) => l.includes('config.from-archive'))).toHaveLength(2);
    await neutraliseRepository(repo);
    await chooseRef(repo, 'live', null);
    expect(await snapshot()).toEqual(first);
    expect(first.join('\n')).not.toContain('from-archive-2');
  });

  itUnless(noSymlinks())(
    "a submodule's core.worktree is kept only while it stays inside the repository, through no link",
    async () => {
      const built = await build({ vectors: [], nested: true });
      const repo = await extracted(built);
      const sub = join(repo, '.git', 'modules', 'sub');
      const inner = join(sub, 'modules', 'inner');
      const outside = await mkdtemp(join(tmpdir(), 'lifeboat-outside-'));
      cleanups.push(outside);
      const setWorktree = (dir: string, value: string) =>
        safeGit(repo, 'config', '--file', join(dir, 'config'), 'core.worktree', value);
      await setWorktree(sub, outside);
      await setWorktree(inner, '../../../../../../elsewhere');
      await neutraliseRepository(repo);
      expect(worktreeOf(await readFile(join(sub, 'config'), 'utf8'))).toBeNull();
      expect(worktreeOf(await readFile(join(inner, 'config'), 'utf8'))).toBeNull();

      // Inside the repository, but into its git directory, or through a link to a folder outside.
      await setWorktree(sub, '../..');
      await rename(join(repo, 'sub', 'inner'), join(outside, 'inner'));
      await symlink(join(outside, 'inner'), join(repo, 'sub', 'inner'));
      await setWorktree(inner, '../../../../../sub/inner');
      await neutraliseRepository(repo);
      expect(worktreeOf(await readFile(join(sub, 'config'), 'utf8'))).toBeNull();
      expect(worktreeOf(await readFile(join(inner, 'config'), 'utf8'))).toBeNull();
    },
  );
});

describe('a bare repository with nested git directories', () => {
  it('cloneBare neutralises them (no working tree, so no core.worktree) and runs none of their payloads', async () => {
    const nested = await build({ vectors: [], nested: true });
    const bare = await build({ vectors: [], bare: true, marker: nested.marker });
    await cp(join(nested.repo, '.git', 'modules'), join(bare.repo, 'modules'), { recursive: true });
    const into = join(bare.root, 'unpacked');
    await cloneBare(bare.repo, into);
    const chosen = await chooseRef(into, 'live', null);
    await createBranch(into, 'lifeboat/live-x', chosen.ref, { checkout: true });
    expect(await markerOf(nested)).toBe('');
    for (const d of NESTED_GIT_DIRS) {
      const config = await readFile(join(bare.repo, d, 'config'), 'utf8');
      expect(config).not.toMatch(/fsmonitor|hookspath|filter|worktree/i);
      expect(await readFile(join(bare.repo, d, 'config.from-archive'), 'utf8')).toContain('subevil');
      expect(await readdir(join(bare.repo, d, 'hooks'))).toEqual([]);
    }
  });
});

describe('git directories that point git elsewhere are refused', () => {
  /** Expects the restore's git functions to refuse the repository as an integrity error, running nothing. */
  async function expectRefused(built: HostileRepo, repo: string, message: RegExp): Promise<void> {
    await expect(chooseRef(repo, 'live', null)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringMatching(message),
    });
    await expect(createBranch(repo, 'lifeboat/x', built.liveTag, { checkout: true })).rejects.toMatchObject({
      code: 'integrity',
    });
    expect(await markerOf(built)).toBe('');
  }

  it("a submodule whose .git file points at a git directory of the archive's working tree", async () => {
    const built = await build({ vectors: [], nested: true });
    const repo = await extracted(built);
    // The submodule's git directory moved out of .git/modules, into the working tree, payloads and all.
    await rename(join(repo, '.git', 'modules', 'sub'), join(repo, '.lbsub'));
    await writeFile(join(repo, 'sub', '.git'), 'gitdir: ../.lbsub\n');
    await expectRefused(built, repo, /sub.*\.git.*modules/);
  });

  it("a submodule's .git file naming another repository on the machine, which stays untouched", async () => {
    const built = await build({ vectors: [], nested: true });
    const victim = await build({ vectors: [] });
    const victimConfig = await readFile(join(victim.repo, '.git', 'config'), 'utf8');
    const repo = await extracted(built);
    await writeFile(join(repo, 'sub', 'inner', '.git'), `gitdir: ${join(victim.repo, '.git')}\n`);
    await expectRefused(built, repo, /inner/);
    expect(await readFile(join(victim.repo, '.git', 'config'), 'utf8')).toBe(victimConfig);
    expect(await readdir(join(victim.repo, '.git'))).not.toContain('config.from-archive');
  });

  itUnless(noSymlinks())('a link inside .git/modules', async () => {
    const built = await build({ vectors: [], nested: true });
    const repo = await extracted(built);
    const moved = join(built.root, 'moved-sub');
    await rename(join(repo, '.git', 'modules', 'sub'), moved);
    await symlink(moved, join(repo, '.git', 'modules', 'sub'));
    await expectRefused(built, repo, /link/);
  });

  it('a submodule git directory with a commondir, and a linked worktree whose commondir is not the repository', async () => {
    const built = await build({ vectors: [], nested: true });
    const repo = await extracted(built);
    await writeFile(join(repo, '.git', 'modules', 'sub', 'modules', 'inner', 'commondir'), '../../../..\n');
    await expectRefused(built, repo, /commondir/);

    const other = await build({ vectors: [], nested: true });
    const repo2 = await extracted(other);
    await writeFile(
      join(repo2, '.git', 'worktrees', 'linked-worktree', 'commondir'),
      `${join(repo2, '.git', 'modules', 'sub')}\n`,
    );
    await expectRefused(other, repo2, /commondir/);
  });
});

const run = promisify(execFile);

describe('the environment of the git Lifeboat runs', () => {
  // The recording git is a shell script found by name on PATH.
  itUnless(noShellScripts)(
    "holds none of the parent's secrets, for the restored repository's git and for the user's clone",
    async () => {
      const built = await build({ vectors: [], nested: true });
      const bare = await build({ vectors: [], bare: true });
      const repo = await extracted(built);
      const clone = await userClone(repo, built.root);
      // The user's own smudge filter (their clone's config applies) records what it was given.
      const filterEnv = join(built.root, 'user-filter-env');
      await safeGit(clone, 'config', 'filter.lbevil.smudge', `sh -c 'env > "${filterEnv}"; cat'`);
      await safeGit(clone, 'config', 'filter.lbevil.clean', 'cat');

      // A `git` ahead of the real one on PATH that records its environment and arguments, then runs git.
      const realGit = (await run('sh', ['-c', 'command -v git'])).stdout.trim();
      const bin = join(built.root, 'recording-bin');
      const records = join(built.root, 'records');
      await mkdir(bin);
      await mkdir(records);
      await writeFile(
        join(bin, 'git'),
        `#!/bin/sh\nf="${records}/$$"\nenv > "$f.env"\nprintf '%s\\n' "$@" > "$f.args"\nexec "${realGit}" "$@"\n`,
      );
      await chmod(join(bin, 'git'), 0o755);

      const secrets = {
        TERMINUS_MACHINE_TOKEN: 'lbsecret-terminus-token',
        LIFEBOAT_TEST_SECRET: 'lbsecret-lifeboat',
        MYSQL_PWD: 'lbsecret-mysql',
        AWS_SECRET_ACCESS_KEY: 'lbsecret-aws',
      };
      const saved = { ...process.env };
      Object.assign(process.env, secrets, { PATH: `${bin}:${process.env.PATH ?? ''}` });
      try {
        await validateBranchName('lifeboat/live-x');
        const chosen = await chooseRef(repo, 'live', null);
        await createBranch(repo, 'lifeboat/live-x', chosen.ref, { checkout: true });
        await cloneBare(bare.repo, join(bare.root, 'unpacked'));
        expect(await branchExists(clone, 'lifeboat/b')).toBe(false);
        expect(await uncommittedChanges(clone)).toEqual([]);
        await importIntoClone({ restoredRepo: repo, clone, chosen, branch: 'lifeboat/b', checkout: true });
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
      const files = await readdir(records);
      const envs = files.filter((f) => f.endsWith('.env'));
      expect(envs.length).toBeGreaterThan(8);
      const seen = [filterEnv, ...envs.map((f) => join(records, f))];
      for (const file of seen) {
        const env = await readFile(file, 'utf8');
        for (const [name, value] of Object.entries(secrets)) {
          expect({ file, leaked: env.includes(value) || env.includes(`${name}=`) }).toEqual({
            file,
            leaked: false,
          });
        }
      }
      // The user's filter did run, with what it needs of the user's environment.
      expect(await readFile(filterEnv, 'utf8')).toMatch(/^PATH=/m);
      // The restored repository's git (an explicit --git-dir) gets no home and no global config either.
      let untrusted = 0;
      for (const f of envs) {
        const args = await readFile(join(records, f.replace(/\.env$/, '.args')), 'utf8');
        if (!/^--git-dir=/m.test(args) && !args.includes('clone')) continue;
        untrusted++;
        const env = await readFile(join(records, f), 'utf8');
        expect(env).toMatch(/^GIT_CONFIG_GLOBAL=/m);
        expect(env).toMatch(/^GIT_CONFIG_NOSYSTEM=1$/m);
        expect(env).not.toMatch(/^HOME=/m);
      }
      expect(untrusted).toBeGreaterThan(4);
      expect(await payloadEnvOf(built)).toBe('');
      expect(await markerOf(built)).toBe('');
    },
  );
});
