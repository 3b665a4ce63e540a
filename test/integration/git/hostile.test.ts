import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import * as gitModule from '../../../electron/services/git/git';
import {
  chooseRef,
  cloneBare,
  createBranch,
  findRepository,
  importIntoClone,
} from '../../../electron/services/git/git';
import {
  codeArchive,
  commondirRepo,
  gitfileRepo,
  HOSTILE_VECTORS,
  hostileRepo,
  safeGit,
  userGit,
  type HostileRepo,
} from '../../helpers/hostile-git';

const ROOT = join(import.meta.dirname, '..', '..', '..');
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

/** A user's own clone of the site, made with hooks off so setting it up sets nothing off. */
async function userClone(from: string, parent: string): Promise<string> {
  const clone = join(parent, 'my-clone');
  await safeGit(parent, 'clone', '--quiet', '--no-local', '--no-tags', from, clone);
  await safeGit(clone, 'checkout', '-q', '-b', 'my-work', 'origin/master');
  return clone;
}

describe('a hostile code archive: nothing in it runs, the pull still works', () => {
  for (const vector of HOSTILE_VECTORS) {
    it(`${vector}: a fresh restore (chooseRef, createBranch with checkout) runs none of it, and the folder stays harmless`, async () => {
      const built = await build({ vectors: [vector] });
      const chosen = await chooseRef(built.repo, 'live', null);
      expect(chosen).toMatchObject({ tag: built.liveTag, ref: built.liveTag });
      await createBranch(built.repo, 'lifeboat/live-x', chosen.ref, { checkout: true });
      expect(await markerOf(built)).toBe('');
      expect(await safeGit(built.repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('lifeboat/live-x');
      expect(await safeGit(built.repo, 'rev-parse', 'HEAD')).toBe(chosen.commit);
      expect(await readFile(join(built.repo, 'README.txt'), 'utf8')).toBe('three\n');

      // Later, the person works in the restored folder with plain git: the archive's config and hooks are
      // no longer live there.
      await writeFile(join(built.repo, 'README.txt'), 'edited\n');
      expect((await userGit(built.repo, 'status', '--porcelain')).stdout).toContain('README.txt');
      await userGit(built.repo, 'checkout', '-q', '--', 'README.txt');
      await userGit(built.repo, 'checkout', '-q', 'master');
      await userGit(built.repo, 'fetch', 'evil');
      expect(await markerOf(built)).toBe('');

      const config = await readFile(join(built.repo, '.git', 'config'), 'utf8');
      expect(config).not.toMatch(
        /fsmonitor|hookspath|filter|include|pager|editor|sshcommand|ext::|uploadpack/i,
      );
      expect(config).toContain(
        'url = ssh://codeserver.dev.0000@codeserver.dev.0000.drush.in:2222/~/repository.git',
      );
      expect(await readFile(join(built.repo, '.git', 'config.from-archive'), 'utf8')).toMatch(/\S/);
      if (vector === 'hooks') {
        expect(
          await readFile(join(built.repo, '.git', 'hooks.from-archive', 'post-checkout'), 'utf8'),
        ).toContain(built.marker);
      }
    });

    it(`${vector}: --into-repo (restore, then import into the user's clone with and without checkout) runs none of it`, async () => {
      const built = await build({ vectors: [vector] });
      const clone = await userClone(built.repo, built.root);
      expect(await markerOf(built)).toBe('');
      const chosen = await chooseRef(built.repo, 'live', null);
      await createBranch(built.repo, 'lifeboat/live-x', chosen.ref, { checkout: true });
      await importIntoClone({
        restoredRepo: built.repo,
        clone,
        chosen,
        branch: 'lifeboat/a',
        checkout: false,
      });
      expect(await safeGit(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('my-work');
      await importIntoClone({
        restoredRepo: built.repo,
        clone,
        chosen,
        branch: 'lifeboat/b',
        checkout: true,
      });
      expect(await safeGit(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('lifeboat/b');
      expect(await safeGit(clone, 'rev-parse', 'HEAD')).toBe(chosen.commit);
      expect(await readFile(join(clone, 'README.txt'), 'utf8')).toBe('three\n');
      expect(await markerOf(built)).toBe('');
    });
  }

  it('update in place: import straight from the extracted repository into a clone runs none of it', async () => {
    const built = await build();
    const clone = await userClone(built.repo, built.root);
    const chosen = await chooseRef(built.repo, 'test', null);
    expect(chosen.tag).toBe('pantheon_test_3');
    await importIntoClone({ restoredRepo: built.repo, clone, chosen, branch: 'lifeboat/t', checkout: true });
    expect(await safeGit(clone, 'describe', '--tags', '--exact-match')).toBe('pantheon_test_3');
    expect(await markerOf(built)).toBe('');
  });

  it('a hostile bare repository: cloneBare, then the restore and the import run none of it', async () => {
    const built = await build({ bare: true });
    const work = await mkdtemp(join(tmpdir(), 'lifeboat-bare-'));
    cleanups.push(work);
    const into = join(work, 'worktree');
    await cloneBare(built.repo, into);
    expect(await markerOf(built)).toBe('');
    const chosen = await chooseRef(into, 'live', null);
    await createBranch(into, 'lifeboat/live-x', chosen.ref, { checkout: true });
    expect(await readFile(join(into, 'README.txt'), 'utf8')).toBe('three\n');
    expect(await chooseRef(into, 'feature-x', null)).toMatchObject({ ref: 'refs/remotes/origin/feature-x' });
    const clone = await userClone(into, work);
    await importIntoClone({ restoredRepo: into, clone, chosen, branch: 'lifeboat/b', checkout: true });
    expect(await markerOf(built)).toBe('');
    // The clone carries the archive's Pantheon remote, not a path into the staging folder.
    const config = await readFile(join(into, '.git', 'config'), 'utf8');
    expect(config).toContain('drush.in');
    expect(config).not.toContain(built.repo);
    expect(await readFile(join(built.repo, 'config.from-archive'), 'utf8')).toContain('fsmonitor');
  });

  it('a code archive of every vector, extracted as a restore extracts it, restores without running anything', async () => {
    const built = await build();
    const archive = await codeArchive(built, join(built.root, 'archives', 'acme_live_code.tar.gz'));
    const staging = join(built.root, 'staging');
    await mkdir(staging);
    await tar.x({ file: archive, cwd: staging });
    const found = await findRepository(staging);
    expect(found).toEqual({ path: join(staging, 'acme_live_code'), bare: false });
    const chosen = await chooseRef(found.path, 'live', null);
    await createBranch(found.path, 'lifeboat/live-x', chosen.ref, { checkout: true });
    expect(await markerOf(built)).toBe('');
    expect(await safeGit(found.path, 'tag', '--list', 'pantheon_live_*')).toBe(
      'pantheon_live_1\npantheon_live_2',
    );
  });
});

describe('repositories that point git somewhere else are refused', () => {
  it('a .git file (gitdir: another repository) is an integrity error; the other repository is untouched', async () => {
    const victim = await build({ vectors: [] });
    const head = await safeGit(victim.repo, 'rev-parse', 'HEAD');
    const branches = await safeGit(victim.repo, 'branch', '--list');
    const victimConfig = await readFile(join(victim.repo, '.git', 'config'), 'utf8');
    const built = await gitfileRepo(victim.repo);
    cleanups.push(built.root);
    await expect(chooseRef(built.repo, 'dev', null)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('.git'),
    });
    await expect(createBranch(built.repo, 'lifeboat/x', 'master', { checkout: true })).rejects.toMatchObject({
      code: 'integrity',
    });
    expect(await safeGit(victim.repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(await safeGit(victim.repo, 'branch', '--list')).toBe(branches);
    expect(await readFile(join(victim.repo, '.git', 'config'), 'utf8')).toBe(victimConfig);
    expect(await readdir(join(victim.repo, '.git'))).not.toContain('config.from-archive');
  });

  it('a .git with a commondir (config, refs and hooks from another folder) is an integrity error; nothing runs', async () => {
    const built = await commondirRepo();
    cleanups.push(built.root);
    await expect(chooseRef(built.repo, 'live', null)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('commondir'),
    });
    await expect(
      createBranch(built.repo, 'lifeboat/x', built.liveTag, { checkout: true }),
    ).rejects.toMatchObject({ code: 'integrity' });
    expect(await markerOf(built)).toBe('');
  });
});

describe("the user's clone", () => {
  it("runs no hook during Lifeboat's checkout, even one its config takes from the working tree (husky)", async () => {
    const built = await build({ vectors: [], trackedHooks: true });
    const clone = await userClone(built.repo, built.root);
    // The user's own post-checkout, tracked in their history; the restored tree carries the archive's.
    const mine = join(built.root, 'user-hook-ran');
    await writeFile(join(clone, '.husky', 'post-checkout'), `#!/bin/sh\necho mine >> '${mine}'\n`);
    await chmod(join(clone, '.husky', 'post-checkout'), 0o755);
    await safeGit(clone, 'commit', '-q', '-am', 'my hook');
    await safeGit(clone, 'config', 'core.hooksPath', '.husky');
    const chosen = await chooseRef(built.repo, 'live', null);
    await importIntoClone({ restoredRepo: built.repo, clone, chosen, branch: 'lifeboat/b', checkout: true });
    expect(await safeGit(clone, 'rev-parse', 'HEAD')).toBe(chosen.commit);
    expect(await readFile(join(clone, '.husky', 'post-checkout'), 'utf8')).toContain(built.marker);
    expect(await markerOf(built)).toBe('');
    expect(await readFile(mine, 'utf8').catch(() => '')).toBe('');
  });

  it("keeps the user's own config: a smudge filter of theirs still applies to the checkout", async () => {
    const built = await build({ vectors: [] });
    const clone = await userClone(built.repo, built.root);
    await safeGit(clone, 'config', 'filter.lbevil.smudge', 'tr a-z A-Z');
    await safeGit(clone, 'config', 'filter.lbevil.clean', 'cat');
    const chosen = await chooseRef(built.repo, 'live', null);
    await importIntoClone({ restoredRepo: built.repo, clone, chosen, branch: 'lifeboat/b', checkout: true });
    expect(await readFile(join(clone, 'README.txt'), 'utf8')).toBe('THREE\n');
  });
});

describe('the restored config', () => {
  it('keeps only checked values, whatever the syntax', () => {
    const text = [
      '[core]',
      '\trepositoryformatversion = 0',
      '\tfilemode = yes',
      '\tbare = true',
      '\tlogallrefupdates',
      '\tfsmonitor = "echo hi" ; comment',
      '[core] hooksPath = /tmp/x',
      '[include]',
      '\tpath = ../evil',
      '[remote "origin"]',
      '\turl = "ssh://codeserver.dev.1@codeserver.dev.1.drush.in:2222/~/repository.git" # Pantheon',
      '\tfetch = +refs/heads/*:refs/remotes/origin/*',
      '\tuploadpack = evil',
      '[remote "local"]',
      '\turl = /home/someone/.ssh',
      '[remote "ext"]',
      '\turl = ext::sh -c evil',
      '[remote "dash"]',
      '\turl = ssh://-oProxyCommand=evil/x',
      '[remote "cont"]',
      '\turl = https://example.com/\\',
      'x.git',
      '[remote "inject"]',
      '\turl = "https://example.com/a\\n[core]\\n\\tfsmonitor = evil"',
      '[branch "master"]',
      '\tremote = origin',
      '\tmerge = refs/heads/master',
      '[branch "orphan"]',
      '\tremote = ext',
      '\tmerge = refs/heads/orphan',
      '[extensions]',
      '\tworktreeConfig = true',
    ].join('\n');
    expect(gitModule.safeConfigText(gitModule.parseGitConfig(text), false)).toBe(
      [
        '[core]',
        '\trepositoryformatversion = 0',
        '\tfilemode = true',
        '\tlogallrefupdates = true',
        '\tbare = false',
        '[remote "origin"]',
        '\turl = ssh://codeserver.dev.1@codeserver.dev.1.drush.in:2222/~/repository.git',
        '\tfetch = +refs/heads/*:refs/remotes/origin/*',
        '[remote "cont"]',
        '\turl = https://example.com/x.git',
        '[branch "master"]',
        '\tremote = origin',
        '\tmerge = refs/heads/master',
        '',
      ].join('\n'),
    );
  });

  it('neutralising again changes nothing, and an archive that ships its own config.from-archive keeps it', async () => {
    const built = await build({ vectors: ['fsmonitor', 'hooks'] });
    const git = join(built.repo, '.git');
    await writeFile(join(git, 'config.from-archive'), 'decoy\n');
    await gitModule.neutraliseRepository(built.repo);
    const config = await readFile(join(git, 'config'), 'utf8');
    await gitModule.neutraliseRepository(built.repo);
    await chooseRef(built.repo, 'live', null);
    expect(await readFile(join(git, 'config'), 'utf8')).toBe(config);
    expect(await readFile(join(git, 'config.from-archive'), 'utf8')).toBe('decoy\n');
    expect(await readFile(join(git, 'config.from-archive-2'), 'utf8')).toContain('fsmonitor');
    expect((await readdir(git)).filter((f) => f.includes('from-archive')).sort()).toEqual([
      'config.from-archive',
      'config.from-archive-2',
      'hooks.from-archive',
    ]);
    expect(await readFile(join(git, 'hooks.from-archive', 'post-checkout'), 'utf8')).toContain(built.marker);
  });
});

describe('without git', () => {
  it('says git is missing, not that the branch name is invalid', async () => {
    const built = await build({ vectors: [] });
    const clone = await userClone(built.repo, built.root);
    const emptyBin = join(built.root, 'empty-bin');
    await mkdir(emptyBin);
    const script = join(built.root, 'no-git.mts');
    const gitTs = pathToFileURL(join(ROOT, 'electron', 'services', 'git', 'git.ts')).href;
    await writeFile(
      script,
      `import * as g from ${JSON.stringify(gitTs)};
const repo = ${JSON.stringify(built.repo)};
const clone = ${JSON.stringify(clone)};
const chosen = { ref: 'pantheon_live_2', tag: 'pantheon_live_2', commit: 'x' };
const calls = {
  validateBranchName: () => g.validateBranchName('lifeboat/live-x'),
  chooseRef: () => g.chooseRef(repo, 'live', null),
  createBranch: () => g.createBranch(repo, 'lifeboat/live-x', 'pantheon_live_2', { checkout: true }),
  branchExists: () => g.branchExists(clone, 'x'),
  uncommittedChanges: () => g.uncommittedChanges(clone),
  importIntoClone: () => g.importIntoClone({ restoredRepo: repo, clone, chosen, branch: 'b', checkout: false }),
  cloneBare: () => g.cloneBare(repo, ${JSON.stringify(join(built.root, 'bare-clone'))}),
};
const out = {};
for (const [name, call] of Object.entries(calls)) {
  try { await call(); out[name] = { ok: true }; }
  catch (e) { out[name] = { code: e.code, message: e.message }; }
}
process.stdout.write(JSON.stringify(out));
`,
    );
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (done, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          cwd: ROOT,
          // Only PATH: /usr/bin, one of Linux's usual places, has git on this machine.
          env: { ...process.env, PATH: emptyBin, LIFEBOAT_TOOL_SEARCH: 'path' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('error', fail);
        child.once('exit', (code) => done({ code, stdout, stderr }));
      },
    );
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as Record<string, { code?: string; message?: string }>;
    for (const name of Object.keys(out)) {
      expect({ name, ...out[name] }).toEqual({
        name,
        code: 'missing-tool',
        message: expect.stringMatching(
          // Each system's own install hint.
          new RegExp(
            `^git was not found: it is needed to restore code\\. .*${{ darwin: 'brew install git', win32: 'Git for Windows' }[process.platform as string] ?? 'apt install git'}`,
          ),
        ),
      });
    }
    expect(Object.keys(out)).toHaveLength(7);
  });
});
