import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { LocalCopy, Settings } from '@shared/models';
import { LifeboatError } from '../errors';

/**
 * "Open in editor" and "Open terminal" for a local copy: the command configured in Settings, else one found on
 * this computer, started without a shell, detached, and never waited on.
 */

/** What a copy is opened with. */
export type OpenWith = 'editor' | 'terminal';

/** How Settings (and every message about it) names the command of each. */
export const OPEN_SETTING: Readonly<Record<OpenWith, string>> = {
  editor: 'Editor command',
  terminal: 'Terminal command',
};

/** Where a configured command puts the folder; without it, the folder is the command's last argument. */
export const PATH_PLACEHOLDER = '{path}';

/** What was started: the program, its arguments and the folder it started in. */
export interface Opened {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** How the opener looks around: the environment whose PATH is searched, and the system it runs on. */
export interface OpenOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
}

/**
 * A command line split into words as a POSIX shell would quote them, but without running one: whitespace
 * separates words, '…' keeps everything, "…" keeps all but `\"` and `\\`, and outside quotes `\` escapes the next
 * character. On Windows a backslash is a path separator, never an escape. Nothing is expanded ($VAR, globs, `;`
 * and `|` are plain characters); a leading `~/` in the program is the home folder. Throws on an unclosed quote.
 */
export function splitCommandLine(line: string, platform: NodeJS.Platform = process.platform): string[] {
  const escapes = platform !== 'win32';
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (escapes && ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      started = true;
      if (ch === '"' || ch === "'") quote = ch;
      else if (escapes && ch === '\\' && i + 1 < line.length) word += line[++i];
      else word += ch;
    }
  }
  if (quote) throw new Error(`it has a ${quote} that is never closed`);
  if (started) words.push(word);
  return words;
}

/** Checks a command a person typed into Settings; throws an `invalid-request` error naming the setting. */
export function checkCommandLine(line: string, setting: string, platform = process.platform): void {
  let words: string[];
  try {
    words = splitCommandLine(line, platform);
  } catch (e) {
    throw new LifeboatError('invalid-request', `The ${setting} cannot be read: ${(e as Error).message}.`);
  }
  if (words.length === 0 || words[0] === '')
    throw new LifeboatError('invalid-request', `The ${setting} names no program.`);
}

const isFile = async (path: string, platform: NodeJS.Platform): Promise<boolean> => {
  try {
    if (!(await stat(path)).isFile()) return false;
    // Windows has no execute bit: a file with one of PATHEXT's extensions runs.
    if (platform !== 'win32') await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The program `name` names: a path as it is (`~/` from the home folder), a bare name found on PATH; or null. */
export async function findProgram(
  name: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<string | null> {
  const home = env.HOME || env.USERPROFILE || homedir();
  const named = name === '~' || name.startsWith('~/') ? join(home, name.slice(1)) : name;
  const exts =
    platform === 'win32'
      ? ['', ...(env.PATHEXT || env.Pathext || '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
      : [''];
  const candidates = (base: string) => exts.map((e) => base + e);
  if (named.includes('/') || (platform === 'win32' && named.includes('\\'))) {
    // A relative path would depend on the folder Lifeboat runs in: only absolute ones are meant.
    if (!isAbsolute(named)) return null;
    for (const c of candidates(named)) if (await isFile(c, platform)) return c;
    return null;
  }
  const path = env.PATH ?? env.Path ?? '';
  for (const dir of path.split(platform === 'win32' ? ';' : delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    for (const c of candidates(join(dir, named))) if (await isFile(c, platform)) return c;
  }
  return null;
}

/** One way of opening a folder: a program looked for by name, and its arguments for the folder. */
interface Known {
  readonly name: string;
  readonly args: (folder: string) => string[];
}
const folderArg = (name: string): Known => ({ name, args: (f) => [f] });
/** Terminals that start in the folder they are started in (their cwd), with their own flag said as well. */
const inFolder = (name: string, flag?: (f: string) => string[]): Known => ({
  name,
  args: flag ?? (() => []),
});

/** Editors that open a folder as a project when given it, most used first (a person with two has chosen one). */
const EDITORS: readonly Known[] = [
  'code',
  'codium',
  'cursor',
  'windsurf',
  'zed',
  'zeditor',
  'subl',
  'phpstorm',
  'pstorm',
  'webstorm',
  'idea',
  'nova',
  'mate',
  'code-insiders',
].map(folderArg);

/** macOS: editors installed as apps without their command on PATH, opened with `open -a`. */
const MAC_EDITOR_APPS = [
  'Visual Studio Code',
  'VSCodium',
  'Cursor',
  'Zed',
  'Sublime Text',
  'PhpStorm',
  'Nova',
  'BBEdit',
];

/** Linux and other Unix terminals: Debian's chosen one first, then the desktops' own, xterm last. */
const UNIX_TERMINALS: readonly Known[] = [
  inFolder('x-terminal-emulator'),
  inFolder('gnome-terminal', (f) => [`--working-directory=${f}`]),
  inFolder('kgx', (f) => [`--working-directory=${f}`]),
  inFolder('konsole', (f) => ['--workdir', f]),
  inFolder('xfce4-terminal', (f) => [`--working-directory=${f}`]),
  inFolder('tilix', (f) => [`--working-directory=${f}`]),
  inFolder('alacritty', (f) => ['--working-directory', f]),
  inFolder('kitty', (f) => ['--directory', f]),
  inFolder('foot', (f) => [`--working-directory=${f}`]),
  inFolder('xterm'),
];

/** The program and arguments the configured command line makes for `folder`. */
async function configured(
  line: string,
  how: OpenWith,
  folder: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<{ program: string; args: string[] }> {
  const setting = OPEN_SETTING[how];
  checkCommandLine(line, setting, platform);
  const [name, ...rest] = splitCommandLine(line, platform) as [string, ...string[]];
  const placed = rest.some((a) => a.includes(PATH_PLACEHOLDER));
  const args = placed ? rest.map((a) => a.split(PATH_PLACEHOLDER).join(folder)) : [...rest, folder];
  const program = await findProgram(name, env, platform);
  if (!program)
    throw new LifeboatError(
      'not-found',
      `The ${setting} in Settings starts ${name}, which ${isAbsolute(name) || name.startsWith('~/') ? 'does not exist or cannot be run' : 'is not on this computer’s PATH'}. Change the ${setting} in Settings, or clear it to use one Lifeboat finds.`,
    );
  return { program, args };
}

/** The first editor or terminal found on this computer for `folder`; null when there is none. */
async function found(
  how: OpenWith,
  folder: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<{ program: string; args: string[] } | null> {
  if (how === 'editor') {
    for (const k of EDITORS) {
      const program = await findProgram(k.name, env, platform);
      if (program) return { program, args: k.args(folder) };
    }
    if (platform === 'darwin') {
      const open = await findProgram('/usr/bin/open', env, platform);
      const home = env.HOME || homedir();
      for (const app of MAC_EDITOR_APPS)
        for (const dir of ['/Applications', join(home, 'Applications')])
          if (open && (await stat(join(dir, `${app}.app`)).catch(() => null))?.isDirectory())
            return { program: open, args: ['-a', app, folder] };
    }
    if (platform === 'win32' && env.LOCALAPPDATA) {
      const vscode = join(env.LOCALAPPDATA, 'Programs', 'Microsoft VS Code', 'Code.exe');
      if (await isFile(vscode, platform)) return { program: vscode, args: [folder] };
    }
    return null;
  }
  if (platform === 'darwin') {
    const open = await findProgram('/usr/bin/open', env, platform);
    return open ? { program: open, args: ['-a', 'Terminal', folder] } : null;
  }
  if (platform === 'win32') {
    const wt = await findProgram('wt', env, platform);
    if (wt) return { program: wt, args: ['-d', folder] };
    // A console program started detached gets a console window of its own, in its cwd.
    const cmd = env.ComSpec || env.COMSPEC || (await findProgram('cmd', env, platform));
    return cmd ? { program: cmd, args: ['/K'] } : null;
  }
  for (const k of UNIX_TERMINALS) {
    const program = await findProgram(k.name, env, platform);
    if (program) return { program, args: k.args(folder) };
  }
  return null;
}

/** The error for "nothing to open it with", naming the setting that fixes it. */
function nothingFound(how: OpenWith, platform: NodeJS.Platform): LifeboatError {
  const setting = OPEN_SETTING[how];
  const looked =
    how === 'editor'
      ? EDITORS.map((k) => k.name).join(', ')
      : platform === 'win32'
        ? 'Windows Terminal and cmd'
        : platform === 'darwin'
          ? 'Terminal'
          : UNIX_TERMINALS.map((k) => k.name).join(', ');
  return new LifeboatError(
    'not-found',
    `No ${how} was found on this computer (Lifeboat looked for ${looked}). Set the ${setting} in Settings, ` +
      `for example ${how === 'editor' ? '“code” or “/path/to/editor --new-window {path}”' : '“wezterm start --cwd {path}”'}.`,
  );
}

/**
 * Windows runs a .cmd or .bat only through cmd.exe (Node refuses to spawn one directly): the line is quoted for
 * cmd, and a word cmd would still read specially inside quotes (", %, !, a line break) is refused.
 */
function throughCmd(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { program: string; args: string[] } {
  for (const a of [program, ...args])
    if (/["%!\r\n]/.test(a))
      throw new LifeboatError(
        'invalid-request',
        `Windows cannot pass ${a} safely to ${program} (a .cmd file): rename the folder or use a program (.exe) instead.`,
      );
  const line = [program, ...args].map((a) => `"${a}"`).join(' ');
  return { program: env.ComSpec || env.COMSPEC || 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`] };
}

/** Starts `program` detached in `cwd`; resolves once it has started (never when it ends). */
function start(
  program: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  setting: string,
): Promise<void> {
  const cmd = platform === 'win32' && /\.(cmd|bat)$/i.test(program);
  const run = cmd ? throughCmd(program, args, env) : { program, args: [...args] };
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(run.program, run.args, {
        cwd,
        env,
        detached: true,
        stdio: 'ignore',
        ...(cmd ? { windowsVerbatimArguments: true } : {}),
      });
    } catch (e) {
      reject(new LifeboatError('io', `${program} could not be started: ${(e as Error).message}.`));
      return;
    }
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new LifeboatError(
          e.code === 'ENOENT' ? 'not-found' : 'io',
          `${program} could not be started (${e.code ?? e.message}). Check the ${setting} in Settings.`,
        ),
      ),
    );
    child.once('spawn', () => {
      // Lifeboat may quit before the editor does: the editor is not its child to wait for.
      child.unref();
      resolve();
    });
  });
}

/**
 * Opens a present copy's folder in an editor or a terminal: the command configured in Settings (the folder
 * appended, or put where `{path}` is), else the first one found here. Refused for a copy that is missing or
 * replaced; a clear error naming the setting when there is nothing to open it with.
 */
export async function openCopyFolder(
  copy: Pick<LocalCopy, 'path' | 'state' | 'site' | 'env'>,
  how: OpenWith,
  settings: Pick<Settings, 'editorCommand' | 'terminalCommand'>,
  options: OpenOptions = {},
): Promise<Opened> {
  if (copy.state === 'missing')
    throw new LifeboatError(
      'not-found',
      `${copy.path} is not there any more (moved or deleted), so there is nothing to open. Forget the copy instead.`,
    );
  if (copy.state === 'replaced')
    throw new LifeboatError(
      'conflict',
      `${copy.path} no longer holds this restore of ${copy.site.name}.${copy.env}, so Lifeboat does not open it as that copy.`,
    );
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const line = how === 'editor' ? settings.editorCommand : settings.terminalCommand;
  const chosen = line?.trim()
    ? await configured(line, how, copy.path, env, platform)
    : await found(how, copy.path, env, platform);
  if (!chosen) throw nothingFound(how, platform);
  await start(chosen.program, chosen.args, copy.path, env, platform, OPEN_SETTING[how]);
  return { program: chosen.program, args: chosen.args, cwd: copy.path };
}
