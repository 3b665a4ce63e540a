import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep, win32 } from 'node:path';
import { simpleGit, type SimpleGit, type SimpleGitOptions } from 'simple-git';
import { safePathInside } from '../archive/safe-path';
import { LifeboatError } from '../errors';
import { exists, isDir } from '../fs-util';
import { pathWithin } from '../paths/path-rules';
import { pickEnvironment, START_VARIABLES } from '../tools/environment';
import { brokenToolError, missingToolError, type FoundTool } from '../tools/find-tool';
import { runProgram, type ProgramRun } from '../tools/run';
import { knownTool, locateTool } from '../tools/tools';

/*
 * Git on untrusted repositories. A code archive is a whole repository: its `.git/config`, hooks and
 * attributes are the archive author's, and git runs programs named there (hooks, core.fsmonitor,
 * core.hooksPath, filter drivers via .gitattributes, include.path, ...). So:
 *  - every git Lifeboat runs gets `-c` overrides that turn off hooks (core.hooksPath = the null device),
 *    fsmonitor, the pager, every transport but local paths, submodule recursion and auto gc;
 *  - a restored repository is neutralised before git first touches it (neutraliseRepository): its config is
 *    replaced by a minimal one rebuilt from a few checked values (the original is kept beside it as
 *    `config.from-archive`), its hooks folder is moved aside, and gitfiles/commondir are refused; the same
 *    goes for every git directory nested in it (submodules' `.git/modules/**`, linked worktrees'
 *    `.git/worktrees/*`, `.git` folders in the working tree), and a `.git` file in the working tree must
 *    name one of those; git then runs on it with an explicit --git-dir/--work-tree and no system or global
 *    config, so nothing of the user's (filters such as git-lfs, url rewrites) applies to it either, and never
 *    descends into a submodule (checkout is --quiet, so it does not list changes, which would run
 *    `git status` in each submodule);
 *  - every git Lifeboat runs gets only the environment variables git needs (PATH, the locale, the temp folder;
 *    for the user's own clone also where their home and config are): never Lifeboat's secrets, such as the
 *    Terminus machine token, which anything git starts would otherwise read;
 *  - the user's own clone keeps its config and filters, but Lifeboat's fetch/branch/checkout there run no
 *    hooks either: a hook path inside the working tree (husky's `core.hooksPath=.husky`) would otherwise run
 *    the restored tree's own script right after checking it out.
 */

/**
 * Where git finds hooks and the global config for Lifeboat's commands: the null device. `<null device>/<hook>`
 * can never exist (not even on Windows, where `\\.\nul` is not a folder anyone can create files in), and as
 * a config file it reads as empty. As a git directory it is no repository, so git looks for none.
 */
const NOWHERE = devNull;

/** The `-c` settings every git Lifeboat runs carries; command-line config beats every config file. */
function safetyConfig(): string[] {
  return [
    `core.hooksPath=${NOWHERE}`,
    'core.fsmonitor=false',
    'core.pager=cat',
    'protocol.allow=never',
    'protocol.file.allow=always',
    'submodule.recurse=false',
    'fetch.recurseSubmodules=false',
    'gc.auto=0',
    'maintenance.auto=false',
    'advice.detachedHead=false',
  ];
}

/**
 * On top for an untrusted repository: submodules ignored where git asks. Only a command line option is sure
 * to keep git out of a submodule (`.gitmodules`, which the archive writes, can say `ignore = none` and beat
 * diff.ignoreSubmodules), so the checkout is also --quiet; these are the second line.
 */
const UNTRUSTED_CONFIG = ['diff.ignoreSubmodules=all', 'status.submoduleSummary=false'];

/**
 * On top for git in the user's own clone, whose config and filters are theirs and apply: where their home
 * and config are (their global config, git-lfs), and what such a filter may need to reach its server.
 */
const ENV_FOR_USER_GIT = [
  'HOME',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'XDG_RUNTIME_DIR',
  'USER',
  'USERNAME',
  'LOGNAME',
  'SSH_AUTH_SOCK',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  // Spelt in lower case as often (curl reads both); names are exact outside Windows.
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
];

/**
 * What of Lifeboat's environment every git it runs gets: where programs are, the locale, the temp folder, and
 * what Windows needs to start a process (START_VARIABLES, compared case-insensitively on Windows). Nothing else
 * reaches git or what git starts: not the Terminus machine token, not Lifeboat's own settings, not MYSQL_PWD (and
 * simple-git strips every GIT_* not asked for).
 */
function gitEnvironment(forUserClone: boolean): Record<string, string> {
  return pickEnvironment(process.env, [...START_VARIABLES, ...(forUserClone ? ENV_FOR_USER_GIT : [])]);
}

/** simple-git refuses the safety settings above unless told they are wanted (they make git safer here). */
const SAFETY_UNSAFE: SimpleGitOptions['unsafe'] = {
  allowUnsafeHooksPath: true,
  allowUnsafeFsMonitor: true,
  allowUnsafePager: true,
  allowUnsafeProtocolOverride: true,
  allowUnsafePack: true,
};

/**
 * The git program, found where it lives (tools/: the path in Settings → Tools or --git, PATH, the usual places);
 * a `missing-tool` error that says how to install it when there is none.
 */
async function gitProgram(): Promise<string> {
  return (await locateTool('git')).path;
}

/**
 * simple-git for a user's own repository: v4 strips GIT_* variables from the environment of every git it
 * runs (so a user's GIT_DIR cannot redirect Lifeboat) and refuses config writes; git never prompts; hooks,
 * fsmonitor, pager, network transports and auto gc are off (see above); the environment is the user's part
 * of Lifeboat's ({@link gitEnvironment}). The repository's config is the user's and applies.
 *
 * It runs the git last found ({@link userGit} looks it up first); before any lookup, `git` on PATH.
 */
export function gitAt(dir: string, signal?: AbortSignal, binary = knownTool('git') ?? 'git'): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 2,
    trimmed: true,
    ...(signal ? { abort: signal } : {}),
    binary,
    config: safetyConfig(),
    // The binary is the path found or set by the person (C:\Program Files\... has spaces simple-git would refuse);
    // it is started without a shell.
    unsafe: { ...SAFETY_UNSAFE, allowUnsafeCustomBinary: true },
  }).env(gitEnvironment(true));
}

/** {@link gitAt} with git looked up first: a `missing-tool` error when there is none. */
async function userGit(dir: string, signal?: AbortSignal): Promise<SimpleGit> {
  return gitAt(dir, signal, await gitProgram());
}

/** Where a repository's git directory and working tree are, after neutraliseRepository checked them. */
export interface GitLayout {
  readonly gitDir: string;
  /** Null for a bare repository. */
  readonly workTree: string | null;
}

/**
 * simple-git for an untrusted repository (or none): only the repository's own (neutralised) config applies,
 * no system or global config, at an explicit git directory so git never looks further up for one. Its
 * environment has no home either ({@link gitEnvironment}): nothing of the user's is read.
 */
async function untrustedGit(
  where: { readonly baseDir: string; readonly layout: GitLayout | null },
  signal?: AbortSignal,
): Promise<{ git: SimpleGit; args: string[] }> {
  const binary = await gitProgram();
  const env = gitEnvironment(false);
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = NOWHERE;
  const git = simpleGit({
    baseDir: where.baseDir,
    maxConcurrentProcesses: 2,
    trimmed: true,
    ...(signal ? { abort: signal } : {}),
    binary,
    config: [...safetyConfig(), ...UNTRUSTED_CONFIG],
    allowEnvironment: ['GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL'],
    unsafe: { ...SAFETY_UNSAFE, allowUnsafeConfigPaths: true, allowUnsafeCustomBinary: true },
  }).env(env);
  const args = where.layout
    ? [
        `--git-dir=${where.layout.gitDir}`,
        ...(where.layout.workTree ? [`--work-tree=${where.layout.workTree}`] : []),
      ]
    : [];
  return { git, args };
}

/** True when the error says the git program itself could not be started (gone since it was found). */
const isGitMissing = (e: unknown): boolean =>
  /\bspawn\b[^\n]*git[^\n]*\bENOENT\b/i.test(e instanceof Error ? e.message : String(e));

/** The error for a machine without git: what is missing, where Lifeboat looked, how to install it. */
export const gitMissingError = (): LifeboatError => missingToolError('git');

/** Maps a git failure to a LifeboatError worded for a person. */
function gitError(e: unknown, what: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  if (isGitMissing(e)) return gitMissingError();
  const message = e instanceof Error ? e.message.trim().split('\n').slice(0, 3).join(' ') : String(e);
  if (/abort/i.test((e as Error)?.name ?? ''))
    return new LifeboatError('cancelled', `Cancelled while ${what}.`);
  return new LifeboatError('io', `git failed while ${what}: ${message}`);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Neutralising a restored repository                                                                       */

/** One `section.subsection.key = value` of a git config file; value null for a bare boolean key. */
export interface ConfigEntry {
  readonly section: string;
  readonly subsection: string | null;
  readonly key: string;
  readonly value: string | null;
}

/**
 * Reads git's config file syntax (sections, quoted subsections, quoting, escapes, continuation lines,
 * comments). Includes are not followed. Anything it cannot read is skipped: what it returns only feeds the
 * checked values of {@link safeConfigText}, so a misreading can drop a setting but never add one.
 */
export function parseGitConfig(text: string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  let i = 0;
  const n = text.length;
  let section: string | null = null;
  let subsection: string | null = null;
  const skipBlank = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
  };
  const skipLine = (): void => {
    while (i < n && text[i] !== '\n') i++;
  };
  while (i < n) {
    skipBlank();
    const c = text[i];
    if (c === undefined) break;
    if (c === '\n') {
      i++;
      continue;
    }
    if (c === '#' || c === ';') {
      skipLine();
      continue;
    }
    if (c === '[') {
      i++;
      let name = '';
      while (i < n && /[A-Za-z0-9.-]/.test(text[i]!)) name += text[i++];
      let sub: string | null = null;
      let ok = name.length > 0;
      if (ok && (text[i] === ' ' || text[i] === '\t')) {
        skipBlank();
        if (text[i] === '"') {
          i++;
          sub = '';
          while (i < n && text[i] !== '"' && text[i] !== '\n') {
            if (text[i] === '\\' && i + 1 < n && text[i + 1] !== '\n') i++;
            sub += text[i++];
          }
          ok = text[i] === '"';
          i++;
        } else ok = false;
      } else if (ok && name.includes('.')) {
        const dot = name.indexOf('.');
        sub = name.slice(dot + 1).toLowerCase();
        name = name.slice(0, dot);
      }
      if (!ok || text[i] !== ']') {
        section = null;
        skipLine();
        continue;
      }
      i++;
      section = name.toLowerCase();
      subsection = sub;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      skipLine();
      continue;
    }
    let key = '';
    while (i < n && /[A-Za-z0-9-]/.test(text[i]!)) key += text[i++];
    skipBlank();
    let value: string | null = null;
    let valid = true;
    if (text[i] === '=') {
      i++;
      skipBlank();
      value = '';
      let quoted = false;
      let pendingSpace = '';
      for (;;) {
        const ch = text[i];
        if (ch === undefined || ch === '\n') {
          if (quoted) valid = false;
          break;
        }
        i++;
        if (!quoted && (ch === ' ' || ch === '\t')) {
          if (value !== '') pendingSpace += ch;
          continue;
        }
        if (!quoted && (ch === '#' || ch === ';')) {
          skipLine();
          break;
        }
        if (ch === '\r' && text[i] === '\n') continue;
        value += pendingSpace;
        pendingSpace = '';
        if (ch === '\\') {
          const esc = text[i++];
          if (esc === '\n') continue;
          if (esc === '\r' && text[i] === '\n') {
            i++;
            continue;
          }
          const map: Record<string, string> = { n: '\n', t: '\t', b: '\b', '\\': '\\', '"': '"' };
          if (esc === undefined || !(esc in map)) {
            valid = false;
            skipLine();
            break;
          }
          value += map[esc];
          continue;
        }
        if (ch === '"') {
          quoted = !quoted;
          continue;
        }
        value += ch;
      }
    } else if (i < n && text[i] !== '\n' && text[i] !== '#' && text[i] !== ';') {
      valid = false;
      skipLine();
    }
    if (valid && section !== null) out.push({ section, subsection, key: key.toLowerCase(), value });
  }
  return out;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const REFSPEC = /^\+?refs\/[A-Za-z0-9._/*-]+:refs\/[A-Za-z0-9._/*-]+$/;
const MERGE = /^refs\/heads\/[A-Za-z0-9._/-]+$/;
/** Network URLs only (no local paths, no `ext::`), hosts and users that cannot pass as an option. */
const REMOTE_URL =
  /^(?:(?:ssh|https?|git):\/\/(?:[\w.~%+-]+@)?[A-Za-z0-9][\w.-]*(?::\d+)?(?:\/[\w.~%+@:/-]*)?|[\w.~+-]+@[A-Za-z0-9][\w.-]*:[\w.~%+@/-]+)$/;
const safeName = (s: string | null): s is string => s !== null && NAME.test(s) && !s.includes('..');

function configBool(value: string | null): boolean | null {
  if (value === null) return true;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  return null;
}

/** True if `s` has a control character (a config value Lifeboat writes never does). */
const hasControl = (s: string): boolean =>
  [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * The minimal config a restored repository gets: the repository format, a few plain booleans about the
 * file system, and its remotes and branch tracking when their values check out. No setting names a
 * program or another file; the one path is a submodule's `core.worktree`, which the caller has checked
 * ({@link checkedWorktree}) and passes as `worktree`.
 */
export function safeConfigText(
  entries: readonly ConfigEntry[],
  bare: boolean,
  worktree: string | null = null,
): string {
  const core = new Map<string, string>();
  let objectFormat: string | null = null;
  const remotes = new Map<string, { urls: string[]; fetch: string[] }>();
  const branches = new Map<string, { remote?: string; merge?: string }>();
  for (const e of entries) {
    if (e.section === 'core' && e.subsection === null) {
      if (['filemode', 'ignorecase', 'symlinks', 'precomposeunicode'].includes(e.key)) {
        const b = configBool(e.value);
        if (b !== null) core.set(e.key, String(b));
      } else if (e.key === 'logallrefupdates') {
        const b = e.value?.trim().toLowerCase() === 'always' ? 'always' : configBool(e.value);
        if (b !== null) core.set(e.key, String(b));
      }
    } else if (e.section === 'extensions' && e.subsection === null && e.key === 'objectformat') {
      objectFormat = e.value?.trim().toLowerCase() === 'sha256' ? 'sha256' : null;
    } else if (e.section === 'remote' && safeName(e.subsection) && e.value !== null) {
      const r = remotes.get(e.subsection) ?? { urls: [], fetch: [] };
      if (e.key === 'url' && REMOTE_URL.test(e.value) && !e.value.includes('..')) r.urls.push(e.value);
      else if (e.key === 'fetch' && REFSPEC.test(e.value)) r.fetch.push(e.value);
      else continue;
      remotes.set(e.subsection, r);
    } else if (e.section === 'branch' && safeName(e.subsection) && e.value !== null) {
      const b = branches.get(e.subsection) ?? {};
      if (e.key === 'remote' && (e.value === '.' || safeName(e.value))) b.remote = e.value;
      else if (e.key === 'merge' && MERGE.test(e.value) && !e.value.includes('..')) b.merge = e.value;
      else continue;
      branches.set(e.subsection, b);
    }
  }
  const lines = [
    '[core]',
    `\trepositoryformatversion = ${objectFormat ? 1 : 0}`,
    ...['filemode', 'symlinks', 'ignorecase', 'precomposeunicode', 'logallrefupdates']
      .filter((k) => core.has(k))
      .map((k) => `\t${k} = ${core.get(k)}`),
    `\tbare = ${bare}`,
  ];
  if (worktree !== null && worktree !== '' && !hasControl(worktree))
    lines.push(`\tworktree = "${worktree.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  if (objectFormat) lines.push('[extensions]', `\tobjectformat = ${objectFormat}`);
  for (const [name, r] of remotes) {
    if (r.urls.length === 0) continue;
    lines.push(
      `[remote "${name}"]`,
      ...r.urls.map((u) => `\turl = ${u}`),
      ...r.fetch.map((f) => `\tfetch = ${f}`),
    );
  }
  for (const [name, b] of branches) {
    if (!b.remote || !b.merge || (b.remote !== '.' && !remotes.get(b.remote)?.urls.length)) continue;
    lines.push(`[branch "${name}"]`, `\tremote = ${b.remote}`, `\tmerge = ${b.merge}`);
  }
  return `${lines.join('\n')}\n`;
}

const lstatOrNull = async (p: string) => {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      return null;
    throw e;
  }
};

/** `base`, or `base-2`, `base-3`, ... whichever does not exist yet in `dir`. */
async function freeName(dir: string, base: string): Promise<string> {
  for (let k = 1; ; k++) {
    const p = join(dir, k === 1 ? base : `${base}-${k}`);
    if (!(await lstatOrNull(p))) return p;
  }
}

/** The config files Lifeboat reads at most (a real one is a few hundred bytes). */
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * Where a repository's git directory is, refusing what would make git look elsewhere: a `.git` that is a
 * file (a gitfile, `gitdir: /some/other/repo`) or a link, and a `commondir` (a linked worktree, whose config,
 * refs and hooks live in another folder).
 */
async function layoutOf(repo: string): Promise<GitLayout> {
  const root = resolve(repo);
  const dotGit = await lstatOrNull(join(root, '.git'));
  let layout: GitLayout;
  if (dotGit) {
    if (!dotGit.isDirectory()) {
      throw new LifeboatError(
        'integrity',
        `The code archive's repository has a .git that is ${dotGit.isSymbolicLink() ? 'a link' : 'a file pointing elsewhere'}, not a folder; Lifeboat will not follow it.`,
      );
    }
    layout = { gitDir: join(root, '.git'), workTree: root };
  } else {
    const [head, objects, refs] = await Promise.all(
      ['HEAD', 'objects', 'refs'].map((f) => lstatOrNull(join(root, f))),
    );
    if (!head?.isFile() || !objects?.isDirectory() || !refs?.isDirectory())
      throw new LifeboatError('integrity', `${root} is not a git repository.`);
    layout = { gitDir: root, workTree: null };
  }
  if (await lstatOrNull(join(layout.gitDir, 'commondir'))) {
    throw new LifeboatError(
      'integrity',
      "The code archive's repository is a linked worktree (its .git names another folder in commondir); Lifeboat will not follow it.",
    );
  }
  return layout;
}

/** How {@link neutraliseGitDir} treats one git directory. */
interface GitDirRole {
  readonly bare: boolean;
  /** The working tree a `core.worktree` of this git directory may name (kept only inside it), or null. */
  readonly worktreeRoot: string | null;
  /** Whether git reads this folder's own config: then a minimal one is written even where there is none. */
  readonly ownConfig: boolean;
}

/**
 * Makes one git directory safe: its config rebuilt by {@link safeConfigText} (the archive's kept as
 * `config.from-archive`), a `config.worktree` moved aside (git reads it only with extensions.worktreeConfig,
 * which the minimal config never sets), and a hooks folder with anything but git's `.sample` files moved
 * aside to `hooks.from-archive`. Idempotent.
 */
async function neutraliseGitDir(gitDir: string, role: GitDirRole): Promise<void> {
  const configPath = join(gitDir, 'config');
  const st = await lstatOrNull(configPath);
  if (st || role.ownConfig) {
    let current: string | null = null;
    if (st?.isFile() && st.size <= MAX_CONFIG_BYTES) current = await readFile(configPath, 'utf8');
    const entries = current === null ? [] : parseGitConfig(current);
    const worktree = role.worktreeRoot ? await checkedWorktree(gitDir, entries, role.worktreeRoot) : null;
    const safe = safeConfigText(entries, role.bare, worktree);
    if (current !== safe) {
      if (st) await rename(configPath, await freeName(gitDir, 'config.from-archive'));
      await writeFile(configPath, safe, { flag: 'wx', mode: 0o644 });
    }
  }
  const perWorktree = join(gitDir, 'config.worktree');
  if (await lstatOrNull(perWorktree))
    await rename(perWorktree, await freeName(gitDir, 'config.worktree.from-archive'));
  const hooks = join(gitDir, 'hooks');
  const hst = await lstatOrNull(hooks);
  if (hst && (!hst.isDirectory() || (await readdir(hooks)).some((f) => !f.endsWith('.sample')))) {
    await rename(hooks, await freeName(gitDir, 'hooks.from-archive'));
    await mkdir(hooks);
  }
}

/**
 * A nested git directory's `core.worktree` (git resolves a relative one against the git directory), when it
 * is relative and names a folder strictly inside `root` (the repository's working tree), outside any `.git`
 * and through no link; else null, and the setting is dropped. A submodule's git directory has one
 * (`../../../sub`); without it git still finds the submodule's working tree from the submodule's `.git` file,
 * only not from its git directory alone. A relative one keeps working when the restored folder moves.
 */
async function checkedWorktree(
  gitDir: string,
  entries: readonly ConfigEntry[],
  root: string,
): Promise<string | null> {
  const value = entries
    .filter((e) => e.section === 'core' && e.subsection === null && e.key === 'worktree')
    .at(-1)?.value;
  if (!value || hasControl(value) || isAbsolute(value) || win32.isAbsolute(value)) return null;
  // Strictly inside the working tree: not the tree itself, nothing that climbs out.
  const rel = pathWithin(root, resolve(gitDir, value));
  if (!rel) return null;
  const parts = rel.split(sep);
  if (parts.some((p) => p.toLowerCase() === '.git')) return null;
  let at = root;
  for (const part of parts) {
    at = join(at, part);
    const st = await lstatOrNull(at);
    if (!st) break;
    if (!st.isDirectory()) return null;
  }
  return value;
}

/** An integrity error for a repository whose git directories would make git read config or hooks elsewhere. */
const pointsElsewhere = (what: string): LifeboatError =>
  new LifeboatError('integrity', `The code archive's repository has ${what}; Lifeboat will not follow it.`);

/** How deep submodules may nest, and how many folders a submodule's name may span. */
const MAX_NESTING = 16;
const MAX_NAME_DEPTH = 32;

/** What the walk over a repository's nested git directories carries. */
interface NestedWalk {
  /** The repository's working tree (null when bare): nested `core.worktree`s must stay inside it. */
  readonly root: string | null;
  /** Where paths in messages are shown from. */
  readonly base: string;
  /** Every nested git directory neutralised so far: where a `.git` file in the working tree may point. */
  readonly found: Set<string>;
}

/** True if `dir` has something of a git directory (git needs HEAD; the rest is to err on the safe side). */
async function looksLikeGitDir(dir: string): Promise<boolean> {
  for (const f of ['HEAD', 'config', 'commondir', 'objects', 'refs', 'hooks', 'index'])
    if (await lstatOrNull(join(dir, f))) return true;
  return false;
}

/** The small file `path` without its trailing line ends, as git reads commondir and gitfiles; null if none. */
async function readPointer(path: string): Promise<string | null> {
  const st = await lstatOrNull(path);
  if (!st) return null;
  if (!st.isFile() || st.size > 4096) return '';
  return (await readFile(path, 'utf8')).replace(/[\r\n]+$/, '');
}

/**
 * Neutralises the git directories git keeps inside `gitDir`: submodules' (`modules/<name>`, where a name
 * may span folders, and their own `modules/` in turn) and linked worktrees' (`worktrees/<name>`, whose
 * commondir must be `gitDir`). A link among them, or a submodule's commondir, is refused.
 */
async function neutraliseNested(gitDir: string, walk: NestedWalk, nesting: number): Promise<void> {
  if (nesting > MAX_NESTING) throw pointsElsewhere(`submodules nested more than ${MAX_NESTING} deep`);
  const shown = (p: string): string => relative(walk.base, p) || p;
  const children = async (dir: string) => {
    const st = await lstatOrNull(dir);
    if (st?.isSymbolicLink()) throw pointsElsewhere(`a link inside its git folder (${shown(dir)})`);
    if (!st?.isDirectory()) return [];
    const out: string[] = [];
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isSymbolicLink()) throw pointsElsewhere(`a link inside its git folder (${shown(p)})`);
      if (d.isDirectory()) out.push(p);
    }
    return out;
  };
  const modules = async (dir: string, depth: number): Promise<void> => {
    for (const p of await children(dir)) {
      if (await looksLikeGitDir(p)) {
        if (await lstatOrNull(join(p, 'commondir')))
          throw pointsElsewhere(
            `a submodule git folder with a commondir (${shown(p)}), which takes config and hooks from another folder`,
          );
        walk.found.add(p);
        await neutraliseGitDir(p, { bare: false, worktreeRoot: walk.root, ownConfig: true });
        await neutraliseNested(p, walk, nesting + 1);
      } else if (depth < MAX_NAME_DEPTH) {
        await modules(p, depth + 1);
      } else {
        throw pointsElsewhere(`submodule names more than ${MAX_NAME_DEPTH} folders deep`);
      }
    }
  };
  await modules(join(gitDir, 'modules'), 0);
  for (const p of await children(join(gitDir, 'worktrees'))) {
    const common = await readPointer(join(p, 'commondir'));
    if (common !== null && (common === '' || resolve(p, common) !== resolve(gitDir))) {
      throw pointsElsewhere(
        `a linked worktree whose commondir names another folder (${shown(p)}), for its config and hooks`,
      );
    }
    // Git reads the common config; a config of its own only if it has no commondir.
    walk.found.add(p);
    await neutraliseGitDir(p, { bare: false, worktreeRoot: null, ownConfig: common === null });
    await neutraliseNested(p, walk, nesting + 1);
  }
}

/**
 * Checks the `.git` entries of a working tree below its top: a folder (a submodule of git before 1.7.8, or a
 * repository inside the tree) is neutralised like the nested ones; a `.git` file must name a git directory
 * neutralised here (a submodule's `gitdir: ../.git/modules/sub`), else git in that folder would take config,
 * hooks and index from wherever it points; a link is refused. Links to folders are not followed.
 */
async function checkWorkingTree(root: string, walk: NestedWalk): Promise<void> {
  const embedded: string[] = [];
  const gitfiles: string[] = [];
  const shown = (p: string): string => relative(root, p);
  const pending = [root];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.name.toLowerCase() === '.git') {
        if (dir === root && d.name === '.git') continue;
        if (d.isSymbolicLink()) throw pointsElsewhere(`a .git that is a link (${shown(p)})`);
        (d.isDirectory() ? embedded : gitfiles).push(p);
      } else if (d.isDirectory()) {
        pending.push(p);
      }
    }
  }
  for (const g of embedded.sort()) {
    if (await lstatOrNull(join(g, 'commondir')))
      throw pointsElsewhere(`a .git folder with a commondir (${shown(g)}), naming another folder`);
    walk.found.add(g);
    await neutraliseGitDir(g, { bare: false, worktreeRoot: root, ownConfig: true });
    await neutraliseNested(g, walk, 1);
  }
  for (const f of gitfiles.sort()) {
    const pointer = await readPointer(f);
    const target = pointer?.startsWith('gitdir: ') ? resolve(dirname(f), pointer.slice(8)) : null;
    if (target === null || !walk.found.has(target)) {
      throw pointsElsewhere(
        `a .git file at ${shown(f)} that does not point into the repository's own .git/modules`,
      );
    }
  }
}

/**
 * Makes a restored repository safe to run git on, before git first touches it, and idempotently (every
 * function here that takes a restored repository calls it): its git directory and every one nested in it
 * (submodules', linked worktrees', `.git` folders in the working tree) get the minimal config of
 * {@link safeConfigText} (the archive's is kept as `config.from-archive` for the user to read) and their
 * hooks moved aside to `hooks.from-archive` (see {@link neutraliseGitDir}); a `.git` file in the working tree
 * must point at one of them. A later `git status` of the user's in the restored folder, which goes into
 * every submodule, is then as safe as Lifeboat's own git.
 */
export async function neutraliseRepository(repo: string): Promise<GitLayout> {
  const layout = await layoutOf(repo);
  const { gitDir, workTree } = layout;
  await neutraliseGitDir(gitDir, { bare: workTree === null, worktreeRoot: null, ownConfig: true });
  const walk: NestedWalk = { root: workTree, base: workTree ?? gitDir, found: new Set() };
  await neutraliseNested(gitDir, walk, 1);
  if (workTree) await checkWorkingTree(workTree, walk);
  return layout;
}

/** Where a repository is inside an extracted code archive, and whether it is bare. */
export interface FoundRepository {
  readonly path: string;
  readonly bare: boolean;
}

/**
 * Finds the git repository inside an extracted code archive without assuming the top folder's name:
 * breadth-first, a few levels deep, a working tree (`.git` inside) or a bare repository.
 */
export async function findRepository(root: string, maxDepth = 3): Promise<FoundRepository> {
  let level = [root];
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (await exists(join(dir, '.git'))) return { path: dir, bare: false };
      if (
        (await exists(join(dir, 'HEAD'))) &&
        (await isDir(join(dir, 'objects'))) &&
        (await isDir(join(dir, 'refs')))
      )
        return { path: dir, bare: true };
      for (const d of await readdir(dir, { withFileTypes: true }))
        if (d.isDirectory() && d.name !== '.git') next.push(join(dir, d.name));
    }
    level = next.sort();
  }
  throw new LifeboatError('integrity', 'The code archive does not contain a git repository.');
}

/** The ref to restore for an environment, and why it was chosen. */
export interface ChosenRef {
  /** What git checks out: a tag name or a branch (local or remote-tracking). */
  readonly ref: string;
  readonly tag: string | null;
  readonly commit: string;
}

/** The newest `pantheon_<env>_N` tag by numeric N (so 12 beats 9), or null. */
export function newestDeployTag(tags: readonly string[], env: string): string | null {
  const re = new RegExp(`^pantheon_${env}_(\\d+)$`);
  let best: { tag: string; n: number } | null = null;
  for (const t of tags) {
    const m = re.exec(t);
    if (m && (!best || Number(m[1]) > best.n)) best = { tag: t, n: Number(m[1]) };
  }
  return best?.tag ?? null;
}

/**
 * Chooses what to check out: test and live use the environment's deploy tag (its `target_ref` when the
 * repository has it, else the newest `pantheon_<env>_N`); dev uses its branch (master); a multidev its branch.
 */
export async function chooseRef(
  repo: string,
  env: string,
  targetRef: string | null,
  signal?: AbortSignal,
): Promise<ChosenRef> {
  try {
    const layout = await neutraliseRepository(repo);
    const { git, args } = await untrustedGit({ baseDir: repo, layout }, signal);
    const tags = (await git.raw([...args, 'tag', '--list'])).split('\n').filter(Boolean);
    const branches = (
      await git.raw([...args, 'for-each-ref', '--format=%(refname)', 'refs/heads', 'refs/remotes'])
    )
      .split('\n')
      .filter(Boolean);
    const commitOf = async (ref: string): Promise<string> =>
      (await git.raw([...args, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    if (env === 'test' || env === 'live') {
      const fromTarget = targetRef?.startsWith('refs/tags/') ? targetRef.slice('refs/tags/'.length) : null;
      const tag = fromTarget && tags.includes(fromTarget) ? fromTarget : newestDeployTag(tags, env);
      if (!tag) {
        throw new LifeboatError(
          'not-found',
          `The code archive has no pantheon_${env}_N tag: ${env} has never been deployed, so there is nothing to check out.`,
        );
      }
      return { ref: tag, tag, commit: await commitOf(`refs/tags/${tag}`) };
    }
    const wanted = targetRef?.startsWith('refs/heads/')
      ? targetRef.slice('refs/heads/'.length)
      : env === 'dev'
        ? 'master'
        : env;
    for (const candidate of [`refs/heads/${wanted}`, `refs/remotes/origin/${wanted}`]) {
      if (branches.includes(candidate))
        return { ref: candidate.replace(/^refs\/heads\//, ''), tag: null, commit: await commitOf(candidate) };
    }
    throw new LifeboatError(
      'not-found',
      `The code archive has no branch "${wanted}" for the ${env} environment.`,
    );
  } catch (e) {
    throw gitError(e, 'choosing what to check out');
  }
}

/** The default branch name of a restore (one rule, shared with the app's dialog). */
export { defaultBranchName } from '@shared/names';

/**
 * Names git accepted (a restore checks its branch at plan, preview and checkout: git ran four times for one
 * name). Only acceptances are kept, and only a few: a refusal is always asked again.
 */
const validBranchNames = new Set<string>();
function remember(set: Set<string>, name: string): void {
  if (set.size >= 64) set.delete(set.values().next().value!);
  set.add(name);
}

/** Checks a branch name as git would (`git check-ref-format --branch`); an `invalid-request` error says why not. */
export async function validateBranchName(name: string): Promise<void> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed !== name || trimmed.startsWith('-')) {
    throw new LifeboatError(
      'invalid-request',
      `"${name}" is not a valid branch name: no leading dash, spaces at either end, or empty names.`,
    );
  }
  if (validBranchNames.has(name)) return;
  const found = await locateTool('git');
  const ran = await runGitPlain(found, [`--git-dir=${NOWHERE}`, 'check-ref-format', '--branch', name]);
  if (ran.kind === 'ok') {
    remember(validBranchNames, name);
    return;
  }
  if (ran.kind === 'failed' && ran.code === 'ENOENT') throw gitMissingError();
  // Git's own refusal of the name, and only that, is the name's fault: `--branch` dies with exit 128 and one
  // `fatal: '<name>' is not a valid branch name` line (the word may be translated, the quoted name is not);
  // plain check-ref-format exits 1 and says nothing. Anything else is git itself failing: a signal, another
  // exit code, another message.
  const lines = ran.stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
  const refused =
    ran.kind === 'exit' &&
    ((ran.code === 1 && lines.length === 0) ||
      (ran.code === 128 &&
        lines.length === 1 &&
        lines[0]!.startsWith('fatal: ') &&
        lines[0]!.includes(`'${name}'`)));
  if (refused)
    throw new LifeboatError(
      'invalid-request',
      `"${name}" is not a valid branch name (git refuses names with spaces, "..", "~", "^", ":", "?", "*", "[", a trailing "/" or ".lock").`,
    );
  const how =
    ran.kind === 'signal'
      ? `signal ${ran.signal}`
      : ran.kind === 'timeout'
        ? 'no answer within 30 s'
        : ran.kind === 'failed'
          ? ran.code
          : `exit code ${ran.code}`;
  throw brokenToolError(found, 'checking a branch name', how, lines[0] ?? '');
}

/**
 * Runs the git found with `args` outside any repository, as {@link untrustedGit} would (its `-c` safety settings,
 * no system or global config, the minimal environment), started without a shell; says how it ended (simple-git
 * hides a silent non-zero exit and the signal).
 */
function runGitPlain(found: FoundTool, args: readonly string[]): Promise<ProgramRun> {
  const env = { ...gitEnvironment(false), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: NOWHERE };
  const config = [...safetyConfig(), ...UNTRUSTED_CONFIG].flatMap((c) => ['-c', c]);
  return runProgram(found.path, [...config, ...args], {
    env,
    cwd: tmpdir(),
    timeoutMs: 30_000,
    maxBuffer: 1 << 20,
  });
}

/** True if `branch` exists in `git`'s repository. */
async function hasBranch(git: SimpleGit, args: readonly string[], branch: string): Promise<boolean> {
  // for-each-ref prints nothing for a missing ref (show-ref's exit code alone does not reach simple-git).
  const out = await git.raw([...args, 'for-each-ref', '--format=%(refname)', `refs/heads/${branch}`]);
  return out.split('\n').includes(`refs/heads/${branch}`);
}

/** True if `branch` exists in the (user's) repository. */
export async function branchExists(repo: string, branch: string): Promise<boolean> {
  try {
    return await hasBranch(await userGit(repo), [], branch);
  } catch (e) {
    throw gitError(e, `reading the branches of ${repo}`);
  }
}

/**
 * Creates `branch` at `ref` and, when asked, checks it out. An existing branch of that name is a `conflict`
 * that names it; nothing is overwritten.
 */
export async function createBranch(
  repo: string,
  branch: string,
  ref: string,
  options: { checkout: boolean; signal?: AbortSignal },
): Promise<void> {
  await validateBranchName(branch);
  try {
    const layout = await neutraliseRepository(repo);
    const { git, args } = await untrustedGit({ baseDir: repo, layout }, options.signal);
    if (await hasBranch(git, args, branch)) {
      throw new LifeboatError(
        'conflict',
        `The branch "${branch}" already exists in ${repo}. Choose another branch name.`,
      );
    }
    // --quiet: without it checkout lists the working tree's changes, which runs `git status` in every
    // submodule (their filters, whatever diff.ignoreSubmodules says when .gitmodules says otherwise).
    if (options.checkout)
      await git.raw([...args, 'checkout', '--quiet', '--no-recurse-submodules', '-b', branch, ref]);
    else await git.raw([...args, 'branch', branch, ref]);
  } catch (e) {
    throw gitError(e, `creating the branch ${branch}`);
  }
}

/** Uncommitted changes of a (user's) working tree (porcelain lines), empty when clean. */
export async function uncommittedChanges(repo: string): Promise<string[]> {
  try {
    return (await (await userGit(repo)).raw(['status', '--porcelain'])).split('\n').filter(Boolean);
  } catch (e) {
    throw gitError(e, `reading the status of ${repo}`);
  }
}

/**
 * "Into my existing clone": fetches the restored repository's branches (as `refs/remotes/<remote>/*`) and
 * tags into the user's repository and creates `branch` there at the environment's ref. The user's working
 * tree and current branch stay as they were unless `checkout` is asked, which is refused on a dirty tree.
 * A tag that exists with different content is a `conflict`, never overwritten.
 */
export async function importIntoClone(options: {
  readonly restoredRepo: string;
  readonly clone: string;
  readonly chosen: ChosenRef;
  readonly branch: string;
  readonly checkout: boolean;
  readonly remoteName?: string;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const { clone, branch, chosen } = options;
  const remote = options.remoteName ?? 'lifeboat';
  const git = await userGit(clone, options.signal);
  try {
    const top = (await git.raw(['rev-parse', '--show-toplevel'])).trim();
    if (!top) throw new Error('not a work tree');
  } catch (e) {
    if (isGitMissing(e)) throw gitMissingError();
    throw new LifeboatError(
      'invalid-request',
      `${clone} is not a git working tree. Point at the folder of your existing clone.`,
    );
  }
  await validateBranchName(branch);
  if (await branchExists(clone, branch))
    throw new LifeboatError(
      'conflict',
      `The branch "${branch}" already exists in ${clone}. Choose another branch name.`,
    );
  if (options.checkout) {
    const dirty = await uncommittedChanges(clone);
    if (dirty.length > 0) {
      throw new LifeboatError(
        'conflict',
        `${clone} has ${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'}; commit or stash them first, or restore without checking out.`,
      );
    }
  }
  // The restored side's config and hooks are made harmless before its git-upload-pack reads them; the
  // upload-pack program is named below so no `remote.<path>.uploadpack` of the clone's config picks it.
  await neutraliseRepository(options.restoredRepo);
  try {
    await git.raw([
      'fetch',
      '--no-tags',
      '--no-recurse-submodules',
      '--upload-pack=git-upload-pack',
      resolve(options.restoredRepo),
      `+refs/heads/*:refs/remotes/${remote}/*`,
      'refs/tags/*:refs/tags/*',
    ]);
  } catch (e) {
    const msg = (e as Error).message;
    if (/would clobber existing tag|rejected/.test(msg)) {
      const tag = /\[rejected\]\s+(\S+)/.exec(msg)?.[1];
      throw new LifeboatError(
        'conflict',
        `Your clone already has the tag ${tag ?? '(a deploy tag)'} pointing elsewhere; Lifeboat will not move it. Rename or delete that tag and try again.`,
      );
    }
    throw gitError(e, 'fetching the restored repository into your clone');
  }
  const ref = chosen.tag
    ? `refs/tags/${chosen.tag}`
    : `refs/remotes/${remote}/${chosen.ref.replace(/^refs\/remotes\/origin\//, '')}`;
  try {
    // Checkout silently overwrites ignored files (a local wp-config, your uploads) unless told not to.
    if (options.checkout)
      await git.raw([
        'checkout',
        '--quiet',
        '--no-recurse-submodules',
        '--no-overwrite-ignore',
        '-b',
        branch,
        ref,
      ]);
    else await git.raw(['branch', branch, ref]);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/would be overwritten by checkout/i.test(msg)) {
      const files = msg
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^(error|hint|Please|Aborting)/i.test(l) && !l.includes(':'))
        .slice(0, 5);
      throw new LifeboatError(
        'conflict',
        `Checking out ${chosen.tag ?? chosen.ref} in ${clone} would overwrite files of yours that git ignores${files.length ? ` (${files.join(', ')})` : ''}; move them away or restore without checking out. Your clone was left as it was.`,
      );
    }
    throw gitError(e, `creating the branch ${branch} in your clone`);
  }
}

/**
 * Clones a bare repository into a working tree (a code archive may hold a bare repository). The bare one is
 * neutralised first; the clone goes through git's transport (`--no-local`, not a copy of the folder), and
 * gets the bare repository's checked remotes instead of an `origin` pointing at the staging folder.
 */
export async function cloneBare(bare: string, into: string, signal?: AbortSignal): Promise<void> {
  try {
    const layout = await neutraliseRepository(bare);
    const target = resolve(into);
    const { git } = await untrustedGit({ baseDir: dirname(target), layout: null }, signal);
    await git.raw([
      'clone',
      '--quiet',
      '--no-checkout',
      '--no-local',
      '--upload-pack=git-upload-pack',
      '--',
      resolve(bare),
      target,
    ]);
    const clonedConfig = join(target, '.git', 'config');
    const fromBare = parseGitConfig(await readFile(join(layout.gitDir, 'config'), 'utf8')).filter(
      (e) => e.section === 'remote' || e.section === 'branch',
    );
    const fromClone = parseGitConfig(await readFile(clonedConfig, 'utf8')).filter(
      (e) => e.section !== 'remote' && e.section !== 'branch',
    );
    await writeFile(clonedConfig, safeConfigText([...fromClone, ...fromBare], false));
  } catch (e) {
    throw gitError(e, 'unpacking the repository');
  }
}

/**
 * The symbolic links a commit of a restored (untrusted) repository holds, with their targets: what a checkout of
 * it would create, so an update can refuse one pointing outside the copy before it checks anything out.
 */
export async function linksOfCommit(
  repo: string,
  commit: string,
  signal?: AbortSignal,
): Promise<{ readonly path: string; readonly target: string }[]> {
  try {
    const layout = await neutraliseRepository(repo);
    const { git, args } = await untrustedGit({ baseDir: repo, layout }, signal);
    const listing = await git.raw([...args, 'ls-tree', '-r', '-z', '--full-tree', commit]);
    const links: { path: string; target: string }[] = [];
    for (const line of listing.split('\0')) {
      const m = /^120000 blob ([0-9a-f]+)\t(.+)$/s.exec(line);
      if (!m) continue;
      // A link's blob is its target; git prints it as is (no trailing newline of its own).
      links.push({ path: m[2]!, target: await git.raw([...args, 'cat-file', 'blob', m[1]!]) });
    }
    return links;
  } catch (e) {
    throw gitError(e, 'reading the links of the code to check out');
  }
}

/** Where HEAD of a (user's) repository is: its branch (null when detached) and its commit. */
export async function headOf(
  repo: string,
): Promise<{ readonly branch: string | null; readonly commit: string }> {
  const git = await userGit(repo);
  try {
    const branch = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
    const commit = (await git.raw(['rev-parse', '--verify', 'HEAD'])).trim();
    return { branch: branch || null, commit };
  } catch (e) {
    throw gitError(e, `reading where ${repo} is`);
  }
}

/** Every remote-tracking ref and tag of a (user's) repository: what a fetch into it may add. */
export async function fetchedRefs(repo: string): Promise<string[]> {
  try {
    return (
      await (await userGit(repo)).raw(['for-each-ref', '--format=%(refname)', 'refs/remotes', 'refs/tags'])
    )
      .split('\n')
      .filter(Boolean);
  } catch (e) {
    throw gitError(e, `reading the refs of ${repo}`);
  }
}

/**
 * Puts a copy's repository back where it was before an update checked out `added.branch` at `added.commit`:
 * HEAD on its branch (or commit), the tracked files as that commit has them, the new branch and the refs the
 * fetch added gone, and nothing of the person's lost on the way. Safe in any state an update can leave:
 * - the checkout never happened (refused, or not reached): nothing the person changed in the tree meanwhile is
 *   touched;
 * - it finished (HEAD on the new branch): switched back without --force, so git carries the person's changes
 *   over or refuses (then this fails saying so, and nothing was changed);
 * - it failed or was killed half way (`staleIndexLock`: the git that held `.git/index.lock` is known to be dead,
 *   its lock is removed and the index read again from HEAD): only the files whose content is exactly the new
 *   commit's are put back to the old commit's, a file of anyone else's is left as it is.
 */
export async function undoCheckout(
  repo: string,
  before: { readonly branch: string | null; readonly commit: string },
  added: {
    readonly branch: string;
    readonly commit: string;
    readonly refsBefore: readonly string[];
    /** The branch existed before the update began (so the update did not make it, whatever happened). */
    readonly branchWasThere: boolean;
  },
  options: { readonly staleIndexLock?: boolean } = {},
): Promise<void> {
  const git = await userGit(repo);
  try {
    if (options.staleIndexLock) {
      const lock = await safePathInside(repo, '.git/index.lock').catch(() => null);
      if (lock) await rm(lock, { force: true });
    }
    const head = await headOf(repo);
    const newCommitThere =
      (await git.raw(['cat-file', '-t', added.commit]).catch(() => '')).trim() === 'commit';
    if (head.branch === added.branch && before.branch !== added.branch) {
      await git.raw([
        'checkout',
        '--quiet',
        '--no-recurse-submodules',
        ...(before.branch ? [before.branch] : ['--detach', before.commit]),
      ]);
    } else if (newCommitThere && head.commit === before.commit) {
      // A checkout that failed or was killed before it moved HEAD (or never began): what it wrote is recognised
      // by content, file by file; anything else is left as it is.
      const paths = (await git.raw(['diff', '--name-only', '-z', before.commit, added.commit]))
        .split('\0')
        .filter(Boolean);
      const blob = async (commit: string, path: string): Promise<string> =>
        (await git.raw(['rev-parse', '--verify', '--quiet', `${commit}:${path}`]).catch(() => '')).trim();
      for (const path of paths) {
        const file = await safePathInside(repo, path).catch(() => null);
        if (!file) continue;
        const st = await lstat(file).catch(() => null);
        const want = await blob(added.commit, path);
        const had = await blob(before.commit, path);
        const have = st?.isFile() ? (await git.raw(['hash-object', '--', path]).catch(() => '')).trim() : '';
        if (st && (!want || have !== want)) continue;
        if (had) await git.raw(['checkout', before.commit, '--', path]);
        else if (st) await rm(file, { force: true });
      }
      // A killed checkout may have written its index already; a failed one never does (nor is what the person
      // staged meanwhile unstaged).
      if (options.staleIndexLock) await git.raw(['reset', '--quiet']);
    }
    // The branch goes only if this update made it: one of that name the person made meanwhile stays.
    if (
      !added.branchWasThere &&
      (await headOf(repo)).branch !== added.branch &&
      (await hasBranch(git, [], added.branch)) &&
      (await git.raw(['rev-parse', '--verify', `refs/heads/${added.branch}`])).trim() === added.commit
    )
      await git.raw(['branch', '-D', added.branch]);
    const had = new Set(added.refsBefore);
    for (const ref of await fetchedRefs(repo)) if (!had.has(ref)) await git.raw(['update-ref', '-d', ref]);
  } catch (e) {
    throw gitError(e, `putting ${repo} back on ${before.branch ?? before.commit.slice(0, 10)}`);
  }
}

/**
 * The paths `git status` reports in a (user's) working tree: changed, staged, untracked (not ignored), each with
 * whether it is untracked. Read as porcelain v2 with -z: no name is quoted or cut, and no line starts with a
 * space that trimming the output could take away.
 */
export async function changedPaths(
  repo: string,
): Promise<{ readonly untracked: boolean; readonly path: string }[]> {
  try {
    const tokens = (await (await userGit(repo)).raw(['status', '--porcelain=v2', '-z'])).split('\0');
    const out: { untracked: boolean; path: string }[] = [];
    // Fields before the path: ordinary 8, renamed or copied 9 (then the path it came from), unmerged 10.
    const fields: Readonly<Record<string, number>> = { '1': 8, '2': 9, u: 10 };
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const kind = t.slice(0, 1);
      if (kind === '?') out.push({ untracked: true, path: t.slice(2) });
      else if (fields[kind] !== undefined) {
        const parts = t.split(' ');
        out.push({ untracked: false, path: parts.slice(fields[kind]).join(' ') });
        if (kind === '2') i++;
      }
    }
    return out;
  } catch (e) {
    throw gitError(e, `reading the status of ${repo}`);
  }
}
