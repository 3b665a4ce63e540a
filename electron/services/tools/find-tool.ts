import { constants } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { posix, win32, type PlatformPath } from 'node:path';
import { LifeboatError } from '../errors';
import { probeEnvironment } from './environment';
import { runProgram } from './run';

/*
 * Where git and the MySQL/MariaDB client are. An app started from the Dock, the Start menu or a desktop file does
 * not get the PATH of a terminal (on macOS it is /usr/bin:/bin:/usr/sbin:/sbin, without Homebrew), so after the
 * PATH Lifeboat looks where each system's installers put these programs. A path the person set is used as it
 * is, never replaced by one found elsewhere: if it does not run, that is the error, naming the setting.
 */

/** The programs Lifeboat runs. */
export type ToolName = 'git' | 'mysql-client';

/** A program found, and the first line of its `--version`, which is what proved it runs. */
export interface FoundTool {
  readonly tool: ToolName;
  readonly path: string;
  readonly version: string;
  /** How it was found: the path set by the person, on PATH, or in one of the usual places. */
  readonly via: 'setting' | 'path' | 'usual-place';
  /** Where it was set (`--git`, `Settings → Tools`), when via is `setting`: for messages about it. */
  readonly setting?: string;
}

/** A path set by the person, and how messages name where it was set ("Settings → Tools", "--git"). */
export interface ToolSetting {
  readonly path: string;
  readonly name: string;
}

/** What the lookup asks of the file system: injectable, so the rules of macOS and Windows run in tests here. */
export interface ToolProbe {
  /** What is at `file`: a program this user may run, a folder, something else (not runnable), or nothing. */
  kind(file: string): Promise<'program' | 'folder' | 'not-runnable' | 'missing'>;
  /** The names in folder `dir` (none when it cannot be read). */
  list(dir: string): Promise<string[]>;
  /**
   * The owner and mode bits (with the sticky bit) of what is at `path`, links followed; null when it cannot be
   * read. Only asked on macOS and Linux, of a program found in a usual place and each folder above it.
   */
  owner(path: string): Promise<{ readonly uid: number; readonly mode: number } | null>;
  /** `path` with every link in it resolved (null when it cannot be): the folders above the real file count too. */
  realPath(path: string): Promise<string | null>;
}

/** How to look: this computer's by default; tests give another system's platform, env, paths and files. */
export interface FindToolOptions {
  readonly platform?: NodeJS.Platform;
  /** PATH, PATHEXT, ProgramFiles, ProgramFiles(x86), LOCALAPPDATA (names read case-insensitively on Windows). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `path.win32` or `path.posix`; by default the platform's. */
  readonly path?: PlatformPath;
  readonly setting?: ToolSetting | null;
  readonly probe?: ToolProbe;
  /** Runs `file --version` and resolves with its first line; rejects when it does not run. */
  readonly version?: (file: string) => Promise<string>;
  /** Only the setting and PATH, not the usual places (tests: a computer where the program is nowhere else). */
  readonly onlyPath?: boolean;
  /** The user Lifeboat runs as (macOS, Linux): who besides root may own a program found in a usual place. */
  readonly uid?: number;
}

/** A folder to look in: literal, or with one `*` in one of its parts (`MySQL Server *`), newest version first. */
interface Place {
  readonly dir: string;
}

/** The program names of a tool, in the order preferred in each place (the MariaDB client first, as ever). */
const PROGRAMS: Readonly<Record<ToolName, readonly string[]>> = {
  git: ['git'],
  'mysql-client': ['mariadb', 'mysql'],
};

/**
 * What a tool's `--version` says when it is that tool: git says `git version 2.47.1` (`… (Apple Git-154)`,
 * `….windows.1`); MySQL's client `mysql  Ver 8.0.40 for Linux on x86_64 (MySQL Community Server - GPL)` (on
 * Windows with its full path first), MariaDB's `mariadb from 11.4.4-MariaDB, client 15.2 …` or
 * `mysql  Ver 15.1 Distrib 10.11.6-MariaDB …`. Anything else is another program at that path.
 */
const IDENTITY: Readonly<Record<ToolName, { readonly test: RegExp; readonly not: string }>> = {
  git: { test: /^git version\b/i, not: 'not git' },
  // The program's name then `Ver` or `from`: a shim named mysql (asdf's "No version is set for command mysql")
  // names it too.
  'mysql-client': {
    test: /\b(?:mysql|mariadb)(?:\.exe)?\s+(?:Ver|from)\s/i,
    not: 'not a MySQL or MariaDB client',
  },
};

/** What a tool is called in messages, and what it is needed for. */
const WORDS: Readonly<
  Record<ToolName, { readonly what: string; readonly why: string; readonly option: string }>
> = {
  git: { what: 'git', why: 'to restore code', option: '--git' },
  'mysql-client': {
    what: 'The MySQL/MariaDB command-line client (mariadb or mysql)',
    why: 'to import or set up databases',
    option: '--mysql-client',
  },
};

type Os = 'mac' | 'windows' | 'linux';
const osOf = (platform: NodeJS.Platform): Os =>
  platform === 'darwin' ? 'mac' : platform === 'win32' ? 'windows' : 'linux';

/** A full path to give, per system, in the message for a bare program name. */
const EXAMPLE: Readonly<Record<ToolName, Readonly<Record<Os, string>>>> = {
  git: {
    mac: '/opt/homebrew/bin/git',
    windows: 'C:\\Program Files\\Git\\cmd\\git.exe',
    linux: '/usr/bin/git',
  },
  'mysql-client': {
    mac: '/opt/homebrew/opt/mysql-client/bin/mysql',
    windows: 'C:\\Program Files\\MariaDB 11.4\\bin\\mariadb.exe',
    linux: '/usr/bin/mariadb',
  },
};

/** How to install a tool, per system. */
const INSTALL: Readonly<Record<ToolName, Readonly<Record<Os, string>>>> = {
  git: {
    mac: 'Install it with `xcode-select --install` (Apple’s command line tools) or `brew install git`',
    windows: 'Install Git for Windows (https://git-scm.com/download/win)',
    linux:
      'Install it with `sudo apt install git` on Debian or Ubuntu (or your distribution’s package manager)',
  },
  'mysql-client': {
    mac: 'Install it with `brew install mysql-client` (or `brew install mariadb`)',
    windows:
      'Install it with the MariaDB installer (https://mariadb.org/download/) or MySQL Installer (https://dev.mysql.com/downloads/installer/): both include the client',
    linux:
      'Install it with `sudo apt install mariadb-client` on Debian or Ubuntu (or your distribution’s package manager)',
  },
};

/** Where the lookup went, briefly, for the message (the full list of folders goes in its detail). */
const LOOKED: Readonly<Record<ToolName, Readonly<Record<Os, string>>>> = {
  git: {
    mac: 'on PATH, in Homebrew (/opt/homebrew/bin, /usr/local/bin) and Apple’s command line tools (/usr/bin)',
    windows: 'on PATH and where Git for Windows installs (Program Files, or your own Programs folder)',
    linux: 'on PATH, in /usr/bin and /usr/local/bin',
  },
  'mysql-client': {
    mac: 'on PATH, in Homebrew (mariadb, mysql-client), /usr/local/mysql/bin, DBngin and MAMP',
    windows: 'on PATH and in the MariaDB and MySQL Server folders under Program Files',
    linux: 'on PATH, in /usr/bin and /usr/local/bin',
  },
};

/** Reads an environment variable; Windows names them case-insensitively (`Path`, `ProgramFiles`). */
function envGet(env: Readonly<Record<string, string | undefined>>, name: string, os: Os): string | undefined {
  if (os !== 'windows') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}

/** The usual places of a tool on a system, in the order they are searched (after PATH). */
function usualPlaces(tool: ToolName, os: Os, env: Readonly<Record<string, string | undefined>>): Place[] {
  if (os === 'linux') return [{ dir: '/usr/bin' }, { dir: '/usr/local/bin' }];
  if (os === 'mac') {
    if (tool === 'git')
      return [
        { dir: '/opt/homebrew/bin' },
        { dir: '/usr/local/bin' },
        // Apple's command line tools: /usr/bin/git asks to install them when they are not there (and then fails).
        { dir: '/usr/bin' },
        { dir: '/Library/Developer/CommandLineTools/usr/bin' },
      ];
    return [
      { dir: '/opt/homebrew/bin' },
      { dir: '/usr/local/bin' },
      { dir: '/usr/local/mysql/bin' },
      // Homebrew's mysql-client is keg-only: never linked into bin.
      { dir: '/opt/homebrew/opt/mysql-client/bin' },
      { dir: '/usr/local/opt/mysql-client/bin' },
      { dir: '/opt/homebrew/opt/mariadb/bin' },
      { dir: '/usr/local/opt/mariadb/bin' },
      { dir: '/Users/Shared/DBngin/mysql/*/bin' },
      // MAMP 6 and later keep each MySQL in its own folder (mysql57, mysql80); earlier ones in bin itself.
      { dir: '/Applications/MAMP/Library/bin/mysql*/bin' },
      { dir: '/Applications/MAMP/Library/bin' },
    ];
  }
  const roots = [envGet(env, 'ProgramFiles', os), envGet(env, 'ProgramFiles(x86)', os)].filter(
    (r): r is string => Boolean(r),
  );
  const local = envGet(env, 'LOCALAPPDATA', os);
  if (tool === 'git')
    return [
      ...roots.map((r) => ({ dir: win32.join(r, 'Git', 'cmd') })),
      ...(local ? [{ dir: win32.join(local, 'Programs', 'Git', 'cmd') }] : []),
    ];
  return [
    ...roots.map((r) => ({ dir: win32.join(r, 'MariaDB *', 'bin') })),
    ...roots.map((r) => ({ dir: win32.join(r, 'MySQL', 'MySQL Server *', 'bin') })),
  ];
}

/** Compares version texts (`8.0.33`, `11.4`, `80`) by their numbers: positive when `a` is newer. */
export function compareVersions(a: string, b: string): number {
  const na = a.match(/\d+/g)?.map(Number) ?? [];
  const nb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

/** The folders a place stands for: itself, or each match of its `*` part, newest version first. */
async function expand(place: Place, p: PlatformPath, probe: ToolProbe, os: Os): Promise<string[]> {
  const parts = place.dir.split(p.sep);
  const at = parts.findIndex((part) => part.includes('*'));
  if (at < 0) return [place.dir];
  const parent = parts.slice(0, at).join(p.sep) || p.sep;
  const [before, after] = parts[at]!.split('*') as [string, string];
  const fold = (s: string): string => (os === 'windows' ? s.toLowerCase() : s);
  const matches: { name: string; version: string }[] = [];
  for (const name of await probe.list(parent)) {
    const n = fold(name);
    if (n.length > before.length + after.length && n.startsWith(fold(before)) && n.endsWith(fold(after)))
      matches.push({ name, version: name.slice(before.length, name.length - after.length) });
  }
  matches.sort((x, y) => compareVersions(y.version, x.version));
  return matches.map((m) => p.join(parent, m.name, ...parts.slice(at + 1)));
}

/**
 * The file names a program may have in a PATH folder: on Windows each PATHEXT extension Node can start without a
 * shell (.exe, .com; Node refuses .bat and .cmd without one, and Lifeboat never runs these tools through one).
 */
function fileNames(program: string, os: Os, pathext: string | undefined): string[] {
  if (os !== 'windows') return [program];
  const exts = (pathext || '.COM;.EXE;.BAT;.CMD')
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e === '.exe' || e === '.com');
  return (exts.length ? exts : ['.exe']).map((e) => `${program}${e}`);
}

/** This computer's files: a program is a file this user may execute (on Windows, any file). */
export const realProbe: ToolProbe = {
  owner: (path) =>
    stat(path).then(
      (st) => ({ uid: st.uid, mode: st.mode & 0o7777 }),
      () => null,
    ),
  realPath: (path) => realpath(path).catch(() => null),
  async kind(file) {
    try {
      const st = await stat(file);
      if (st.isDirectory()) return 'folder';
      if (!st.isFile()) return 'not-runnable';
      if (process.platform === 'win32') return 'program';
      await access(file, constants.X_OK);
      return 'program';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'not-runnable';
    }
  },
  list: (dir) => readdir(dir).catch(() => []),
};

/** Runs `file --version`: the first line it prints, or a rejection saying why it does not run. */
export async function runVersion(file: string): Promise<string> {
  // Never a secret of Lifeboat's (the machine token, MYSQL_PWD): see environment.ts.
  const ran = await runProgram(file, ['--version'], {
    env: probeEnvironment(),
    timeoutMs: 15_000,
    maxBuffer: 64 << 10,
  });
  const first = (s: string): string =>
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  if (ran.kind === 'ok') return first(ran.stdout) || first(ran.stderr) || '(no version printed)';
  const said = first(ran.stderr);
  const how =
    ran.kind === 'failed'
      ? ran.code
      : `it ended with ${ran.kind === 'timeout' ? 'a timeout' : ran.kind === 'signal' ? `signal ${ran.signal}` : `exit code ${ran.code}`}`;
  throw new Error(`${how}${said ? `: ${said}` : ''}`);
}

/** The error for a path set by the person that does not run: naming the setting, never falling back. */
function settingError(tool: ToolName, setting: ToolSetting, why: string, os: Os): LifeboatError {
  const noun = tool === 'git' ? 'git' : 'the database client';
  return new LifeboatError(
    'missing-tool',
    `${setting.name} says ${noun} is at ${setting.path}, but ${why}. Correct that path (or clear it, and Lifeboat looks for ${tool === 'git' ? 'git' : 'mariadb or mysql'} on PATH and in the usual places). ${INSTALL[tool][os]}.`,
    `${WORDS[tool].what} set in ${setting.name}: ${setting.path}`,
  );
}

/** A first line of a program's output for a message: one line, not too long. */
export function quoteLine(text: string, max = 160): string {
  const line = text.replace(/\p{Cc}+/gu, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The error for a tool that was found (its --version ran) but then failed at what Lifeboat asked of it in a way
 * that says the program is broken, not the input: which program, where it came from, how it ended (`exit code
 * 3`, `it was stopped by SIGKILL`) and its own first line of errors.
 */
export function brokenToolError(found: FoundTool, doing: string, how: string, said: string): LifeboatError {
  const from =
    found.via === 'setting'
      ? `set in ${found.setting ?? 'Settings → Tools'}`
      : found.via === 'path'
        ? 'found on PATH'
        : 'found in a usual place';
  const fix =
    found.via === 'setting'
      ? 'Correct or clear that path'
      : `Install it again, or set the path of one that works in Settings → Tools (for the lifeboat command: ${WORDS[found.tool].option} PATH)`;
  const line = quoteLine(said);
  return new LifeboatError(
    'missing-tool',
    `The ${found.tool === 'git' ? 'git' : 'database client'} at ${found.path} (${from}) failed while ${doing}, with ${how}${line ? `: "${line}"` : ''}. ${fix}.`,
  );
}

/** A program found, and what it is not, when it says so. */
export interface PassedOver {
  readonly path: string;
  /** Why, as it ends "… is there but <why>" (`does not run: …`, `is not git (…)`). */
  readonly why: string;
}

/** The error for a tool found nowhere: what, where Lifeboat looked, how to install it, how to point at it. */
export function missingToolError(
  tool: ToolName,
  options: {
    readonly platform?: NodeJS.Platform;
    readonly onlyPath?: boolean;
    readonly searched?: readonly string[];
    readonly broken?: readonly PassedOver[];
    /** Programs in a usual place that another user can change, so never run. */
    readonly skipped?: readonly string[];
  } = {},
): LifeboatError {
  const os = osOf(options.platform ?? process.platform);
  const { what, why, option } = WORDS[tool];
  const notes = [
    ...(options.broken ?? []).slice(0, 2).map((b) => `${b.path} is there but ${b.why}`),
    ...(options.skipped ?? []).slice(0, 2).map((path) => `skipped ${path}: another user can change it`),
  ];
  const found = notes.length ? ` (${notes.join('; ')})` : '';
  return new LifeboatError(
    'missing-tool',
    `${what} was not found: it is needed ${why}. Lifeboat looked ${options.onlyPath ? 'on PATH' : LOOKED[tool][os]}${found}. ${INSTALL[tool][os]}, then try again; or, if it is installed somewhere else, set its path in Settings → Tools (for the lifeboat command: ${option} PATH).`,
    options.searched?.length ? `Looked in: ${options.searched.join(', ')}` : undefined,
  );
}

/** Writable by the group or by others. */
const OTHERS_WRITE = 0o022;
const STICKY = 0o1000;

/**
 * Whether a program found in a usual place is safe from other users (macOS, Linux): it and every folder from it
 * up to the root must be owned by root or this user and not writable by the group or others. A world-writable
 * folder with the sticky bit (/tmp, macOS's /Users/Shared) is allowed above the program's own folder, since
 * there others cannot rename or remove what they do not own; the folder below it must then be root's or this
 * user's, like every other. Both the path as found and the file it links to are checked. Windows has no such
 * bits (its ACLs decide, and Program Files is writable by administrators only), so it is not checked there.
 */
async function changeableByOthers(
  file: string,
  p: PlatformPath,
  probe: ToolProbe,
  uid: number,
): Promise<boolean> {
  const chains = [file];
  const real = await probe.realPath(file);
  if (real === null) return true;
  if (real !== file) chains.push(real);
  for (const start of chains) {
    let at = start;
    for (let depth = 0; ; depth++) {
      const info = await probe.owner(at);
      if (!info) return true;
      if (info.uid !== 0 && info.uid !== uid) return true;
      if (info.mode & OTHERS_WRITE && (depth < 2 || !(info.mode & STICKY))) return true;
      const up = p.dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  return false;
}

/**
 * Finds a tool: the path set by the person (when set, it alone: a folder is looked in, a file must run), then
 * each PATH folder (with PATHEXT on Windows), then the usual places of the system; in each folder the MariaDB
 * client before the MySQL one. What exists must also run `--version` and say it is that tool to count; one that
 * does not is passed over and named in the error if nothing else is found. In the usual places (not on PATH or
 * in a setting, which the person chose), a program another user can change is not even run.
 */
export async function findTool(tool: ToolName, options: FindToolOptions = {}): Promise<FoundTool> {
  const platform = options.platform ?? process.platform;
  const os = osOf(platform);
  const p = options.path ?? (os === 'windows' ? win32 : posix);
  const env = options.env ?? process.env;
  const probe = options.probe ?? realProbe;
  const version = options.version ?? runVersion;
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const programs = PROGRAMS[tool];
  const pathext = envGet(env, 'PATHEXT', os);
  const identity = IDENTITY[tool];
  const not = (said: string): string => `${identity.not} (its --version said: ${quoteLine(said, 100)})`;

  if (options.setting) {
    const s = options.setting;
    if (!p.isAbsolute(s.path)) {
      // A bare name would be looked for in the current folder (the CLI's, a restored site's): never run.
      const bare = !(os === 'windows' ? /[\\/:]/ : /\//).test(s.path);
      if (bare)
        throw new LifeboatError(
          'missing-tool',
          `${s.name} says ${tool === 'git' ? 'git' : 'the database client'} is "${s.path}", a name, not a path: give the full path to ${tool === 'git' ? 'git' : 'the database client'} (for example ${EXAMPLE[tool][os]}).`,
        );
      throw settingError(tool, s, 'that is not a full path', os);
    }
    const kind = await probe.kind(s.path);
    let file = s.path;
    if (kind === 'folder') {
      let inside: string | null = null;
      for (const program of programs)
        for (const name of fileNames(program, os, pathext))
          if (!inside && (await probe.kind(p.join(s.path, name))) === 'program')
            inside = p.join(s.path, name);
      if (!inside) throw settingError(tool, s, `that folder has no ${programs.join(' or ')} in it`, os);
      file = inside;
    } else if (kind === 'missing') throw settingError(tool, s, 'nothing is there', os);
    else if (kind === 'not-runnable')
      throw settingError(tool, s, 'that is not a program this user can run', os);
    let said: string;
    try {
      said = await version(file);
    } catch (e) {
      throw settingError(tool, s, `it does not run (${(e as Error).message})`, os);
    }
    if (!identity.test.test(said)) throw settingError(tool, s, `that is ${not(said)}`, os);
    return { tool, path: file, version: said, via: 'setting', setting: s.name };
  }

  const seen = new Set<string>();
  const searched: string[] = [];
  const broken: PassedOver[] = [];
  const skipped: string[] = [];
  const tryDir = async (dir: string, via: FoundTool['via']): Promise<FoundTool | null> => {
    const key = os === 'windows' ? dir.toLowerCase() : dir;
    if (seen.has(key)) return null;
    seen.add(key);
    searched.push(dir);
    for (const program of programs) {
      const names =
        via === 'path' ? fileNames(program, os, pathext) : [os === 'windows' ? `${program}.exe` : program];
      for (const name of names) {
        const file = p.join(dir, name);
        if ((await probe.kind(file)) !== 'program') continue;
        if (via === 'usual-place' && os !== 'windows' && (await changeableByOthers(file, p, probe, uid))) {
          skipped.push(file);
          continue;
        }
        let said: string;
        try {
          said = await version(file);
        } catch (e) {
          broken.push({ path: file, why: `does not run: ${(e as Error).message}` });
          continue;
        }
        if (identity.test.test(said)) return { tool, path: file, version: said, via };
        broken.push({ path: file, why: `is ${not(said)}` });
      }
    }
    return null;
  };

  // Only absolute PATH folders: a relative one (`.`, an empty entry) would be the current folder, which may be a
  // restored site's. Windows allows quotes around a folder.
  const pathDirs = (envGet(env, 'PATH', os) ?? '')
    .split(p.delimiter)
    .map((d) => (os === 'windows' ? d.trim().replace(/^"(.*)"$/, '$1') : d))
    .filter((d) => d !== '' && p.isAbsolute(d));
  for (const dir of pathDirs) {
    const found = await tryDir(p.normalize(dir), 'path');
    if (found) return found;
  }
  if (!options.onlyPath) {
    for (const place of usualPlaces(tool, os, env)) {
      for (const dir of await expand(place, p, probe, os)) {
        const found = await tryDir(dir, 'usual-place');
        if (found) return found;
      }
    }
  }
  throw missingToolError(tool, {
    platform,
    onlyPath: options.onlyPath ?? false,
    searched,
    broken,
    skipped,
  });
}
