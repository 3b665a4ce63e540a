import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';

const run = promisify(execFile);

/**
 * The ways a repository from an archive has been seen to run code when git is run on it, one payload each.
 * Every payload appends a line naming itself to the marker file, so a test only has to check that file.
 */
export const HOSTILE_VECTORS = [
  /** Every hook git knows of in `.git/hooks` (post-checkout, reference-transaction, pre-auto-gc, ...). */
  'hooks',
  /** `core.fsmonitor` set to a shell command in `.git/config`. */
  'fsmonitor',
  /** `core.hooksPath` pointing at a folder of hooks shipped beside the repository. */
  'hooks-path',
  /** A clean/smudge filter defined in `.git/config`, applied by `.gitattributes` and `.git/info/attributes`. */
  'filter',
  /** `include.path` and `includeIf` pulling in files that set fsmonitor and hooksPath. */
  'include',
  /** Every other setting that names a program: pager, editor, ssh, proxy, credentials, upload-pack, ... */
  'config-programs',
] as const;

/** One of {@link HOSTILE_VECTORS}. */
export type HostileVector = (typeof HOSTILE_VECTORS)[number];

/** Every hook name git 2.x runs, including the ones only some commands use. */
export const HOOK_NAMES = [
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'pre-rebase',
  'post-checkout',
  'post-merge',
  'pre-push',
  'pre-receive',
  'update',
  'proc-receive',
  'post-receive',
  'post-update',
  'reference-transaction',
  'push-to-checkout',
  'pre-auto-gc',
  'post-rewrite',
  'sendemail-validate',
  'fsmonitor-watchman',
  'p4-changelist',
  'p4-prepare-changelist',
  'p4-post-changelist',
  'p4-pre-submit',
  'post-index-change',
];

/** The environment for the builders' own git: no user or system config, no GIT_* from outside. */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^GIT_/i.test(k)) env[k] = v;
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Pantheon',
    GIT_AUTHOR_EMAIL: 'bot@getpantheon.com',
    GIT_COMMITTER_NAME: 'Pantheon',
    GIT_COMMITTER_EMAIL: 'bot@getpantheon.com',
  };
}

/**
 * Runs git the way the tests' own set-up steps should: clean environment, hooks and fsmonitor off, so
 * building or inspecting a hostile repository never sets off its payloads by itself.
 */
export async function safeGit(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    [
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'core.fsmonitor=false',
      '-c',
      'protocol.file.allow=always',
      ...args,
    ],
    { cwd, env: cleanGitEnv() },
  );
  return stdout.trim();
}

/**
 * Runs git as a person would later in a restored folder: the repository's own config and hooks apply (only
 * the machine's system and global config are left out, so the test does not depend on them). Never throws.
 */
export async function userGit(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('git', args, { cwd, env: cleanGitEnv() });
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}

/** A shell command that appends `label` (and any arguments) to the marker file; comments out the rest. */
export const payloadCommand = (marker: string, label: string): string =>
  `echo ${label} >> ${shellQuote(marker)} #`;

/** A hook script that appends its own name to the marker file. */
const hookScript = (marker: string, label: string): string =>
  `#!/bin/sh\necho "${label} $(basename "$0")" >> ${shellQuote(marker)}\nexit 0\n`;

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** A config value in double quotes, as git reads it. */
const configValue = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Writes every hook into `dir`, executable, each reporting `label` to the marker. */
export async function writeHooks(dir: string, marker: string, label: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of HOOK_NAMES) {
    const file = join(dir, name);
    await writeFile(file, hookScript(marker, label));
    await chmod(file, 0o755);
  }
}

/** A hostile repository, as found in an extracted code archive. */
export interface HostileRepo {
  /** The folder the archive's top folder sits in (what a code archive is extracted into). */
  readonly root: string;
  /** The repository: the working tree with `.git` inside, or the bare repository. */
  readonly repo: string;
  /** The file every payload appends to. It must not exist after Lifeboat's git commands. */
  readonly marker: string;
  /** The live deploy tag, which points at an older commit than HEAD so checking it out changes files. */
  readonly liveTag: string;
}

/** Where the payloads of nested git directories append their whole environment (`env`), beside the marker. */
export const payloadEnvFile = (marker: string): string => `${marker}.env`;

/** Options for {@link hostileRepo}. */
export interface HostileRepoOptions {
  /** Which payloads to plant; all of them when omitted. */
  readonly vectors?: readonly HostileVector[];
  /** Where the marker goes; a fresh temp folder's `marker` by default. */
  readonly marker?: string;
  /** The folder to build in; a fresh temp folder by default. */
  readonly root?: string;
  /** The archive's top folder, Pantheon style. */
  readonly topFolder?: string;
  /** A bare repository instead of a working tree. */
  readonly bare?: boolean;
  /**
   * Commit `.husky/post-checkout` (a payload) to every commit, for a user's clone that runs hooks from its
   * working tree (`core.hooksPath=.husky`).
   */
  readonly trackedHooks?: boolean;
  /**
   * Nested git directories, each with its own payloads: a submodule `sub` (added before the first live
   * deploy, `ignore = none` in `.gitmodules`) with a submodule `inner` of its own, so the archive holds
   * `.git/modules/sub` and `.git/modules/sub/modules/inner`; and a linked worktree (outside the archive's
   * folder) whose `.git/worktrees/<name>` carries a `config.worktree`. Every payload also appends `env` to
   * {@link payloadEnvFile}. Not with `bare`.
   */
  readonly nested?: boolean;
}

/** The names of the nested git directories {@link hostileRepo} plants with `nested`, inside `.git`. */
export const NESTED_GIT_DIRS = ['modules/sub', 'modules/sub/modules/inner'] as const;

/** A small repository for a submodule: a tracked `.gitattributes` that applies the `subevil` filter. */
async function submoduleSource(dir: string, file: string, extra?: (dir: string) => Promise<void>) {
  await mkdir(dir, { recursive: true });
  await safeGit(dir, 'init', '-q', '-b', 'master');
  await writeFile(join(dir, '.gitattributes'), '* filter=subevil\n');
  await writeFile(join(dir, file), `${file}\n`);
  if (extra) await extra(dir);
  await safeGit(dir, 'add', '-A');
  await safeGit(dir, 'commit', '-q', '-m', file);
}

/** Plants the payloads of a nested git directory (a submodule's): filter, fsmonitor, hooksPath and hooks. */
async function plantNestedPayloads(gitDir: string, marker: string, label: string): Promise<void> {
  const envFile = payloadEnvFile(marker);
  const cmd = (what: string): string =>
    `env >> ${shellQuote(envFile)}; echo ${label}-${what} >> ${shellQuote(marker)}; cat`;
  await rm(join(gitDir, 'hooks'), { recursive: true, force: true });
  await writeHooks(join(gitDir, 'hooks'), marker, `${label}-hooks`);
  await writeHooks(join(gitDir, 'lbhooks'), marker, `${label}-hooks-path`);
  await mkdir(join(gitDir, 'info'), { recursive: true });
  await writeFile(join(gitDir, 'info', 'attributes'), '* filter=subevil\n');
  const file = join(gitDir, 'config');
  await writeFile(
    file,
    `${await readFile(file, 'utf8')}${[
      '[core]',
      `\tfsmonitor = ${configValue(`env >> ${shellQuote(envFile)}; ${payloadCommand(marker, `${label}-fsmonitor`)}`)}`,
      `\thooksPath = ${configValue(join(gitDir, 'lbhooks'))}`,
      '[filter "subevil"]',
      `\tclean = ${configValue(cmd('clean'))}`,
      `\tsmudge = ${configValue(cmd('smudge'))}`,
      '\trequired = true',
    ].join('\n')}\n`,
  );
}

/**
 * Builds a Pantheon-like repository (master, a multidev `feature-x`, `pantheon_test_N`/`pantheon_live_N`
 * tags, HEAD on master ahead of the live tag) and plants the payloads of the chosen vectors. The payloads go
 * in last, so building never fires them.
 */
export async function hostileRepo(options: HostileRepoOptions = {}): Promise<HostileRepo> {
  const vectors = options.vectors ?? HOSTILE_VECTORS;
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'lifeboat-hostile-')));
  const marker = options.marker ?? join(root, 'marker');
  await mkdir(dirname(marker), { recursive: true });
  const top = join(root, options.topFolder ?? 'acme_live_code');
  const work = options.bare ? await mkdtemp(join(tmpdir(), 'lifeboat-hostile-work-')) : top;
  await mkdir(work, { recursive: true });
  await safeGit(work, 'init', '-q', '-b', 'master');
  const commit = async (n: number, files: Record<string, string>): Promise<void> => {
    for (const [f, body] of Object.entries(files)) {
      await mkdir(dirname(join(work, f)), { recursive: true });
      await writeFile(join(work, f), body);
    }
    await safeGit(work, 'add', '-A');
    await safeGit(work, 'commit', '-q', '-m', `Commit ${n}`);
  };
  const tracked: Record<string, string> = {
    '.gitattributes': '*.txt filter=lbevil\n*.php filter=lbevil\n',
    ...(options.trackedHooks ? { '.husky/post-checkout': hookScript(marker, 'tracked-hook') } : {}),
  };
  await commit(1, { ...tracked, 'index.php': '<?php // 1\n', 'README.txt': 'one\n' });
  if (options.trackedHooks) await chmod(join(work, '.husky/post-checkout'), 0o755);
  if (options.trackedHooks) await safeGit(work, 'update-index', '--chmod=+x', '.husky/post-checkout');
  if (options.trackedHooks) await safeGit(work, 'commit', '-q', '--amend', '--no-edit');
  if (options.nested) {
    if (options.bare) throw new Error('hostileRepo: nested is for a working tree');
    // The submodules' own repositories, outside the archive's folder (their URLs are local paths).
    const sources = join(root, 'submodule-sources');
    await submoduleSource(join(sources, 'inner'), 'inner.txt');
    await submoduleSource(join(sources, 'sub'), 'sub.txt', async (dir) => {
      await safeGit(dir, 'submodule', 'add', '-q', join(sources, 'inner'), 'inner');
    });
    await safeGit(work, 'submodule', 'add', '-q', join(sources, 'sub'), 'sub');
    await safeGit(work, 'submodule', 'update', '-q', '--init', '--recursive');
    // Asks git to look into the submodule even where Lifeboat's config says to ignore submodules.
    await safeGit(work, 'config', '-f', '.gitmodules', 'submodule.sub.ignore', 'none');
  }
  await safeGit(work, 'tag', '-a', '-m', 'Initialize', 'pantheon.initialize');
  await commit(2, { 'index.php': '<?php // 2\n', 'README.txt': 'two\n' });
  await safeGit(work, 'tag', '-a', '-m', 'Deploy to test 1', 'pantheon_test_1');
  await safeGit(work, 'tag', '-a', '-m', 'Deploy to live 1', 'pantheon_live_1');
  await commit(3, { 'index.php': '<?php // 3\n', 'README.txt': 'three\n' });
  await safeGit(work, 'tag', '-a', '-m', 'Deploy to test 2', 'pantheon_test_2');
  await safeGit(work, 'tag', '-a', '-m', 'Deploy to live 2', 'pantheon_live_2');
  await commit(4, { 'index.php': '<?php // 4\n', 'README.txt': 'four\n' });
  await safeGit(work, 'tag', '-a', '-m', 'Deploy to test 3', 'pantheon_test_3');
  await safeGit(work, 'checkout', '-q', '-b', 'feature-x');
  await commit(5, { 'MULTIDEV.txt': 'feature-x\n' });
  await safeGit(work, 'checkout', '-q', 'master');
  await commit(6, { 'index.php': '<?php // 6\n', 'README.txt': 'six\n' });
  // Pantheon's archive is the remote repository, so the origin remote points back at Pantheon.
  const origin = 'ssh://codeserver.dev.0000@codeserver.dev.0000.drush.in:2222/~/repository.git';
  await safeGit(work, 'remote', 'add', 'origin', origin);

  let gitDir = join(work, '.git');
  if (options.nested) {
    await safeGit(
      work,
      'worktree',
      'add',
      '-q',
      '-b',
      'lb-worktree',
      join(root, 'linked-worktree'),
      'master',
    );
  }
  if (options.bare) {
    await safeGit(root, 'clone', '-q', '--bare', '--no-local', work, top);
    await rm(work, { recursive: true, force: true });
    await safeGit(top, 'remote', 'set-url', 'origin', origin);
    gitDir = top;
  }
  // Where relative paths in payload settings resolve: the working tree, or the bare repository itself.
  const base = top;
  const config: string[] = [];
  if (vectors.includes('hooks')) {
    await rm(join(gitDir, 'hooks'), { recursive: true, force: true });
    await writeHooks(join(gitDir, 'hooks'), marker, 'hooks');
  }
  if (vectors.includes('fsmonitor')) {
    config.push(`[core]\n\tfsmonitor = ${configValue(payloadCommand(marker, 'fsmonitor'))}`);
  }
  if (vectors.includes('hooks-path')) {
    await writeHooks(join(base, '.githooks'), marker, 'hooks-path');
    config.push(`[core]\n\thooksPath = .githooks`);
  }
  if (vectors.includes('filter')) {
    const cmd = (label: string): string => `echo ${label} >> ${shellQuote(marker)}; cat`;
    config.push(
      `[filter "lbevil"]\n\tsmudge = ${configValue(cmd('smudge'))}\n\tclean = ${configValue(cmd('clean'))}\n\trequired = true`,
    );
    await mkdir(join(gitDir, 'info'), { recursive: true });
    await writeFile(join(gitDir, 'info', 'attributes'), '* filter=lbevil\n');
  }
  if (vectors.includes('include')) {
    // Relative include paths resolve against the including file's folder (the git directory).
    await writeHooks(join(base, '.lbinclude-hooks'), marker, 'include-hooks');
    await writeFile(
      join(base, '.lbinclude'),
      `[core]\n\tfsmonitor = ${configValue(payloadCommand(marker, 'include'))}\n\thooksPath = .lbinclude-hooks\n`,
    );
    await writeFile(
      join(base, '.lbincludeif'),
      `[core]\n\tfsmonitor = ${configValue(payloadCommand(marker, 'includeIf'))}\n`,
    );
    const rel = options.bare ? '' : '../';
    config.push(
      `[include]\n\tpath = ${rel}.lbinclude`,
      `[includeIf "gitdir:/**"]\n\tpath = ${rel}.lbincludeif`,
    );
  }
  if (vectors.includes('config-programs')) {
    const p = (label: string): string => configValue(payloadCommand(marker, label));
    config.push(
      [
        '[core]',
        `\tpager = ${p('core.pager')}`,
        `\teditor = ${p('core.editor')}`,
        `\tsshCommand = ${p('core.sshCommand')}`,
        `\tgitProxy = ${p('core.gitProxy')}`,
        `\taskPass = ${p('core.askPass')}`,
        `\talternateRefsCommand = ${p('core.alternateRefsCommand')}`,
        '[pager]',
        `\ttag = ${p('pager.tag')}`,
        `\tbranch = ${p('pager.branch')}`,
        `\tlog = ${p('pager.log')}`,
        '[sequence]',
        `\teditor = ${p('sequence.editor')}`,
        '[diff]',
        `\texternal = ${p('diff.external')}`,
        '[credential]',
        `\thelper = ${configValue(`!${payloadCommand(marker, 'credential.helper')}`)}`,
        '[uploadpack]',
        `\tpackObjectsHook = ${p('uploadpack.packObjectsHook')}`,
        '[protocol]',
        '\tallow = always',
        '[remote "origin"]',
        `\tuploadpack = ${p('remote.uploadpack')}`,
        `\treceivepack = ${p('remote.receivepack')}`,
        '[remote "evil"]',
        // ext:: splits its command at spaces; "% " is a space inside one argument.
        `\turl = ${configValue(`ext::sh -c ${payloadCommand(marker, 'ext-url').replace(/ /g, '% ')}`)}`,
        '\tfetch = +refs/heads/*:refs/remotes/evil/*',
        '[gpg]',
        `\tprogram = ${p('gpg.program')}`,
        '[alias]',
        `\tstatus = ${configValue(`!${payloadCommand(marker, 'alias')}`)}`,
        '[gc]',
        '\tauto = 1',
        '\tautoDetach = false',
      ].join('\n'),
    );
  }
  if (config.length > 0) {
    const file = join(gitDir, 'config');
    await writeFile(file, `${await readFile(file, 'utf8')}${config.join('\n')}\n`);
  }
  if (options.nested) {
    for (const nested of NESTED_GIT_DIRS)
      await plantNestedPayloads(join(gitDir, nested), marker, nested.split('/').at(-1)!);
    const worktree = join(gitDir, 'worktrees', 'linked-worktree');
    await writeFile(
      join(worktree, 'config.worktree'),
      `[core]\n\tfsmonitor = ${configValue(payloadCommand(marker, 'worktree-fsmonitor'))}\n`,
    );
    await writeHooks(join(worktree, 'hooks'), marker, 'worktree-hooks');
  }
  return { root, repo: top, marker, liveTag: 'pantheon_live_2' };
}

/**
 * A repository whose `.git` is a gitfile pointing at `victim`'s git directory: git would run on the victim
 * with the archive's folder as its working tree.
 */
export async function gitfileRepo(victim: string, root?: string): Promise<HostileRepo> {
  const at = root ?? (await mkdtemp(join(tmpdir(), 'lifeboat-hostile-')));
  const repo = join(at, 'acme_live_code');
  await mkdir(repo, { recursive: true });
  await writeFile(join(repo, '.git'), `gitdir: ${join(victim, '.git')}\n`);
  await writeFile(join(repo, 'index.php'), '<?php // archive\n');
  return { root: at, repo, marker: join(at, 'marker'), liveTag: 'pantheon_live_2' };
}

/**
 * A repository whose `.git` holds only HEAD and a `commondir` file naming another git directory inside the
 * archive, with a hostile config and hooks: git reads config, refs, objects and hooks from there.
 */
export async function commondirRepo(options: { marker?: string } = {}): Promise<HostileRepo> {
  const built = await hostileRepo({ vectors: ['hooks', 'fsmonitor'], ...options });
  const gitDir = join(built.repo, '.git');
  const common = join(built.repo, '.lbcommon');
  await rename(gitDir, common);
  await mkdir(gitDir);
  await writeFile(join(gitDir, 'commondir'), '../.lbcommon\n');
  await writeFile(join(gitDir, 'HEAD'), 'ref: refs/heads/master\n');
  for (const f of await readdir(common)) if (f === 'index') await rename(join(common, f), join(gitDir, f));
  return built;
}

/** A Pantheon code archive (tar.gz) of a built repository: its top folder with the repository inside. */
export async function codeArchive(built: HostileRepo, target: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const top = built.repo.slice(built.root.length + 1);
  await tar.c({ gzip: true, file: target, cwd: built.root, portable: true }, [top]);
  return target;
}
