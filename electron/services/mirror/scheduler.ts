import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MirrorProfile, SchedulerEntry } from '@shared/models';
import { LifeboatError } from '../errors';
import { defaultDataDir } from '../settings/paths';

/**
 * The operating system's own scheduler entry for a mirror (issue 11 §2): a systemd user timer, a launchd agent or
 * a Windows scheduled task that runs `lifeboat mirror ...` with the profile's flags while the app is closed.
 * `schedulerEntry` builds the exact files and commands (what the person is shown); `installScheduler` writes
 * exactly those files and runs exactly those commands. Every argument is quoted for the format it goes into.
 */

/** The systemd units, in the user's unit folder. */
export const SYSTEMD_SERVICE = 'lifeboat-mirror.service';
export const SYSTEMD_TIMER = 'lifeboat-mirror.timer';
/** The launchd agent's label (and its plist's name). */
export const LAUNCHD_LABEL = 'app.lifeboat.mirror';
/** The Windows task's name. */
export const SCHTASKS_NAME = 'Lifeboat\\Mirror';

/** How the CLI is started: a program, the arguments before the command's own (the script), and its environment. */
export interface CliCommand {
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Why this command cannot be left to the OS to start later (it exists only while the app runs), if so. */
  readonly transient?: string;
}

/** What a command run by install or remove did. */
export interface RanCommand {
  readonly argv: readonly string[];
  readonly ok: boolean;
  /** What it printed (stderr, else stdout), or why it could not start. */
  readonly output: string;
}

/** Runs a command without a shell (argv), answers how it ended. Tests may pass their own. */
export type CommandRunner = (argv: readonly string[]) => Promise<RanCommand>;

export interface SchedulerOptions {
  /** Default: process.platform. linux (and other Unixes) → systemd, darwin → launchd, win32 → schtasks. */
  readonly platform?: NodeJS.Platform;
  /** The home folder the user's units and agents go under (default os.homedir()); tests use a temp folder. */
  readonly home?: string;
  /** Where the Windows task's XML file is kept (the data folder). */
  readonly dataDir: string;
  readonly cli: CliCommand;
  readonly run?: CommandRunner;
}

/**
 * `lifeboat mirror` with the profile's flags (after the CLI's own program and script), as `lifeboat mirror`
 * parses them: a value that starts with a dash is given as `--flag=value`, and such a query after `--`, so
 * nothing a person typed is ever read as a flag.
 */
export function mirrorArgv(profile: MirrorProfile, options: { readonly demo?: boolean } = {}): string[] {
  const s = profile.selection;
  // The demo's sites are the CLI's own demo sandbox's (`--demo`), before any query that may follow `--`.
  const argv = ['mirror', ...(options.demo ? ['--demo'] : [])];
  const flag = (name: string, value: string): void => {
    if (value.startsWith('-')) argv.push(`--${name}=${value}`);
    else argv.push(`--${name}`, value);
  };
  flag('to', profile.root);
  for (const site of s.sites) flag('site', site);
  if (s.org) flag('org', s.org);
  if (s.tag) flag('tag', s.tag);
  if (s.account) flag('account', s.account);
  if (s.all) argv.push('--all');
  flag('env', profile.envs.join(','));
  flag('element', profile.elements.join(','));
  if (profile.freshWithinHours !== undefined) flag('fresh-within', `${profile.freshWithinHours}h`);
  if (profile.keep !== undefined) flag('keep', String(profile.keep));
  if (profile.keepDays !== undefined) flag('keep-days', String(profile.keepDays));
  flag('concurrency', String(profile.concurrency));
  // Each search is one QUERY word (a site matching any is taken); after `--` when one starts with a dash.
  if (s.queries.length) argv.push(...(s.queries.some((q) => q.startsWith('-')) ? ['--'] : []), ...s.queries);
  return argv;
}

/** A word as a POSIX shell reads it back unchanged: bare when it is safe, else in single quotes. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line a person could type in a POSIX shell: `lifeboat mirror --to '/my folder' ...`. */
export const shellLine = (argv: readonly string[]): string => argv.map(shellWord).join(' ');

/**
 * The `lifeboat mirror ...` command a profile amounts to, for a person to read or paste into a terminal; with
 * `demo`, of the demo's sites (`--demo`).
 */
export const mirrorCommandLine = (
  profile: MirrorProfile,
  options: { readonly demo?: boolean } = {},
): string => shellLine(['lifeboat', ...mirrorArgv(profile, options)]);

/**
 * How this installation starts its CLI: the built `cli.js` beside the running bundle (out/main/cli.js, as the
 * app ships it; from source, the checkout's out/main/cli.js), run by this process's Node, or by Electron as Node.
 * `dataDir` is the engine's: passed on as LIFEBOAT_DATA_DIR when it is not the default one.
 */
export function lifeboatCli(dataDir: string, env: NodeJS.ProcessEnv = process.env): CliCommand {
  const script = findCliScript();
  // The scheduled command must read this engine's accounts and jobs: its data folder, when not the default one.
  const extra: Record<string, string> = {};
  if (resolve(dataDir) !== resolve(defaultDataDir({ ...env, LIFEBOAT_DATA_DIR: '' })))
    extra.LIFEBOAT_DATA_DIR = dataDir;
  return cliCommandFor(script, extra, process.execPath, Boolean(process.versions.electron), env.APPIMAGE);
}

/**
 * Under Electron the binary is not Node: it runs the CLI as Node with ELECTRON_RUN_AS_NODE. Never a `node`
 * found on PATH: in the installed app the CLI and its packages live in app.asar, which only Electron reads, and
 * a PATH node may be of any version.
 */
export function cliCommandFor(
  script: string,
  env: Record<string, string>,
  execPath: string,
  underElectron: boolean,
  appImage?: string,
): CliCommand {
  if (!underElectron) return { program: execPath, args: [script], env };
  const command = { program: execPath, args: [script], env: { ...env, ELECTRON_RUN_AS_NODE: '1' } };
  // An AppImage runs from a folder mounted only while it runs (/tmp/.mount_…): a timer would find nothing there.
  return appImage
    ? {
        ...command,
        transient:
          'Lifeboat runs as an AppImage, whose files exist only while it is open, so the system cannot start its mirror when Lifeboat is closed. Install the .deb, or the lifeboat command (npm install -g), and schedule the mirror with it; "every N hours while Lifeboat is open" works as it is.',
      }
    : command;
}

/** The first `cli.js` (or `out/main/cli.js`) found from this module's folder upwards; the checkout's as a guess. */
function findCliScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'cli.js'), join(dir, 'out', 'main', 'cli.js')])
      if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(process.cwd(), 'out', 'main', 'cli.js');
}

/** The platform's scheduler kind. */
export function schedulerKind(platform: NodeJS.Platform = process.platform): SchedulerEntry['kind'] {
  if (platform === 'darwin') return 'launchd';
  if (platform === 'win32') return 'schtasks';
  return 'systemd';
}

/** How often the OS entry runs: the profile's own interval, else once a day. */
const hoursOf = (profile: MirrorProfile): number => profile.everyHours ?? 24;

/**
 * The scheduler entry for a profile: its files (whole) and commands, and the command line it runs. `installed`
 * says whether those very files are on disk already (an entry installed before, unchanged).
 */
export async function schedulerEntry(
  profile: MirrorProfile,
  options: SchedulerOptions,
): Promise<SchedulerEntry> {
  const entry = buildEntry(profile, options);
  return { ...entry, installed: await sameOnDisk(entry.files) };
}

function buildEntry(profile: MirrorProfile, options: SchedulerOptions): SchedulerEntry {
  const kind = schedulerKind(options.platform);
  const home = options.home ?? homedir();
  const argv = [options.cli.program, ...options.cli.args, ...mirrorArgv(profile)];
  // An entry whose command the OS cannot start would fail every night without a word: refused now, saying why.
  assertStartable(kind, profile, options.cli);
  const envLine = Object.entries(options.cli.env)
    .map(([k, v]) => `${k}=${shellWord(v)} `)
    .join('');
  const commandLine = `${envLine}${shellLine(argv)}`;
  const hours = hoursOf(profile);
  if (kind === 'systemd') {
    const dir = join(home, '.config', 'systemd', 'user');
    return {
      kind,
      files: [
        { path: join(dir, SYSTEMD_SERVICE), content: systemdService(argv, options.cli.env) },
        { path: join(dir, SYSTEMD_TIMER), content: systemdTimer(hours) },
      ],
      commands: [
        ['systemctl', '--user', 'daemon-reload'],
        ['systemctl', '--user', 'enable', '--now', SYSTEMD_TIMER],
      ],
      commandLine,
      installed: false,
    };
  }
  if (kind === 'launchd') {
    const path = join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    return {
      kind,
      files: [{ path, content: launchdPlist(argv, options.cli.env, hours, home) }],
      // An agent loaded before must be unloaded first for launchd to read the new file.
      commands: [
        ...(existsSync(path) ? [['launchctl', 'unload', path]] : []),
        ['launchctl', 'load', '-w', path],
      ],
      commandLine,
      installed: false,
    };
  }
  const env = Object.keys(options.cli.env);
  if (env.length > 0)
    throw new LifeboatError(
      'invalid-request',
      `A Windows scheduled task cannot set ${env.join(' or ')} for the command it runs. ` +
        (env.includes('ELECTRON_RUN_AS_NODE')
          ? 'Install Node.js (20.19 or later) so that node.exe is on PATH, then try again.'
          : 'Use Lifeboat’s default data folder to schedule the mirror with Windows.'),
    );
  const xml = join(options.dataDir, 'lifeboat-mirror-task.xml');
  return {
    kind,
    files: [{ path: xml, content: schtasksXml(argv, hours) }],
    commands: [['schtasks', '/Create', '/XML', xml, '/TN', SCHTASKS_NAME, '/F']],
    commandLine,
    installed: false,
  };
}

/**
 * The longest command each scheduler can start, measured as that scheduler counts it:
 * - Windows: CreateProcess takes a command line of at most 32,767 UTF-16 characters with its terminating NUL,
 *   so 32,766; Task Scheduler starts `"program" arguments` (its Arguments element itself has no documented limit).
 * - systemd: a unit file's line may be at most LONG_LINE_MAX (1 MiB) with its newline (conf-parser.c, "Line too
 *   long"; an ExecStart= is one line). Its words, unquoted, are the argv execve gets; Linux takes 128 KiB per
 *   argument (one site or folder here is far less) and argv plus environment up to a quarter of the stack limit
 *   (2 MiB by default), so the line's limit is the one that binds.
 * - launchd: the plist has no line limit, but execve on macOS takes argv plus environment (each string with its
 *   NUL, and its pointer) up to kern.argmax: 256 KiB on older macOS (1 MiB on newer ones); the smaller is kept.
 */
const COMMAND_LIMIT: Record<
  SchedulerEntry['kind'],
  { readonly max: number; readonly unit: string; readonly why: string }
> = {
  schtasks: {
    max: 32_766,
    unit: 'characters',
    why: 'Windows starts a command line of at most 32,767 characters',
  },
  systemd: {
    max: 1024 * 1024 - 2,
    unit: 'bytes',
    why: 'systemd reads a unit file line of at most 1 MiB',
  },
  launchd: {
    max: 256 * 1024,
    unit: 'bytes',
    why: 'macOS starts a program with at most 256 KiB of arguments and environment',
  },
};

/** The size of the command `argv` (with `env`) as `kind` counts it (see {@link COMMAND_LIMIT}). */
function commandSize(
  kind: SchedulerEntry['kind'],
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): number {
  if (kind === 'schtasks') return argv.map(windowsArg).join(' ').length;
  if (kind === 'systemd') return Buffer.byteLength(systemdExecStart(argv));
  return [...argv, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].reduce(
    (n, s) => n + Buffer.byteLength(s) + 1 + 8,
    0,
  );
}

/**
 * Refuses (`invalid-request`) a profile whose scheduled command is longer than the OS can start: in practice,
 * thousands of sites picked by hand, each one a `--site` on the command line. The message says how many of them
 * would fit, and what to do instead: the CLI reads its sites from its command line only, so a long list is
 * better said as a search, an organization, a tag or an account that takes the same sites.
 */
function assertStartable(kind: SchedulerEntry['kind'], profile: MirrorProfile, cli: CliCommand): void {
  if (cli.transient) throw new LifeboatError('invalid-request', cli.transient);
  const limit = COMMAND_LIMIT[kind];
  const sizeWith = (sites: readonly string[]): number =>
    commandSize(
      kind,
      [
        cli.program,
        ...cli.args,
        ...mirrorArgv({ ...profile, selection: { ...profile.selection, sites: [...sites] } }),
      ],
      cli.env,
    );
  const sites = profile.selection.sites;
  const size = sizeWith(sites);
  if (size <= limit.max) return;
  // The most hand-picked sites (in the profile's order) that still fit: the size grows with each one.
  let lo = 0;
  let hi = sites.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sizeWith(sites.slice(0, mid)) <= limit.max) lo = mid;
    else hi = mid - 1;
  }
  const fits = sites.length > 0 && sizeWith([]) <= limit.max;
  throw new LifeboatError(
    'invalid-request',
    `The scheduled mirror’s command would be ${size.toLocaleString('en-US')} ${limit.unit} long, but ${limit.why}: ` +
      (fits
        ? `only ${lo} of the ${sites.length} sites picked by hand fit on it. Choose the sites with a search, an organization, a tag or an account instead (tag the sites to mirror, for instance), or pick at most ${lo} by hand.`
        : 'shorten the mirror’s folder and searches.'),
  );
}

/** What installing did: the entry (installed when every command succeeded) and each command's outcome. */
export interface SchedulerInstall {
  readonly entry: SchedulerEntry;
  readonly ran: readonly RanCommand[];
}

/**
 * Writes the entry's files exactly as `schedulerEntry` showed them, then runs its commands in order, stopping at
 * the first that fails. A failing command (no systemctl, no user bus) is reported in `ran`, not thrown: the
 * files stay written, and the person can run the commands by hand.
 */
export async function installScheduler(
  profile: MirrorProfile,
  options: SchedulerOptions,
): Promise<SchedulerInstall> {
  const entry = buildEntry(profile, options);
  for (const f of entry.files) await writeEntryFile(f.path, f.content, entry.kind === 'schtasks');
  const ran = await runAll(entry.commands, options.run ?? runCommand);
  const installed = ran.length === entry.commands.length && ran.every((r) => r.ok);
  return { entry: { ...entry, installed }, ran };
}

/**
 * Stops and removes the entry: the scheduler is told first (each command tried; one failing does not keep the
 * files), then the files Lifeboat wrote are deleted. Answers what ran.
 */
export async function removeScheduler(
  options: Omit<SchedulerOptions, 'cli'>,
): Promise<{ readonly removed: readonly string[]; readonly ran: readonly RanCommand[] }> {
  const kind = schedulerKind(options.platform);
  const home = options.home ?? homedir();
  const run = options.run ?? runCommand;
  let files: string[];
  let commands: string[][];
  if (kind === 'systemd') {
    const dir = join(home, '.config', 'systemd', 'user');
    files = [join(dir, SYSTEMD_TIMER), join(dir, SYSTEMD_SERVICE)];
    commands = [['systemctl', '--user', 'disable', '--now', SYSTEMD_TIMER]];
  } else if (kind === 'launchd') {
    const path = join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    files = [path];
    commands = existsSync(path) ? [['launchctl', 'unload', '-w', path]] : [];
  } else {
    files = [join(options.dataDir, 'lifeboat-mirror-task.xml')];
    commands = [['schtasks', '/Delete', '/TN', SCHTASKS_NAME, '/F']];
  }
  const ran: RanCommand[] = [];
  for (const argv of commands) ran.push(await run(argv));
  const removed: string[] = [];
  for (const f of files) {
    // lstat: a link someone put there is removed as a link, never followed.
    if (!(await lstat(f).catch(() => null))) continue;
    await rm(f, { force: true });
    removed.push(f);
  }
  if (kind === 'systemd') ran.push(await run(['systemctl', '--user', 'daemon-reload']));
  return { removed, ran };
}

async function runAll(commands: readonly (readonly string[])[], run: CommandRunner): Promise<RanCommand[]> {
  const ran: RanCommand[] = [];
  for (const argv of commands) {
    const r = await run(argv);
    ran.push(r);
    if (!r.ok) break;
  }
  return ran;
}

/** Runs argv[0] with the rest as its arguments, no shell, for at most a minute. */
export const runCommand: CommandRunner = (argv) =>
  new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 60_000, windowsHide: true }, (error, stdout, stderr) => {
      const said = (String(stderr).trim() || String(stdout).trim()).slice(0, 2000);
      if (!error) return resolve({ argv, ok: true, output: said });
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? `${argv[0]} is not installed here.`
          : said || error.message || `It exited with code ${String(code)}.`;
      resolve({ argv, ok: false, output: why });
    });
  });

/** Writes a file whole (temp file, then rename); the Windows task's XML in UTF-16, as schtasks reads it. */
async function writeEntryFile(path: string, content: string, utf16: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(
      tmp,
      utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(content, 'utf16le')]) : content,
      {
        mode: 0o644,
      },
    );
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new LifeboatError('io', `Could not write ${path}: ${(e as Error).message}`);
  }
}

/** True when every file is on disk with exactly this content. */
async function sameOnDisk(files: SchedulerEntry['files']): Promise<boolean> {
  for (const f of files) {
    const bytes = await readFile(f.path).catch(() => null);
    if (!bytes) return false;
    const text =
      bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8');
    if (text !== f.content) return false;
  }
  return true;
}

// --- systemd ---------------------------------------------------------------------------------------------------

/**
 * One word of an ExecStart= line, as systemd reads it back: in double quotes, with `\` and `"` escaped and
 * control characters as C escapes (systemd unescapes inside quotes); `%` doubled (specifiers are expanded in
 * every word) and `$` doubled (environment variables are substituted at exec time). Quoted, a `;` is never the
 * separator between two command lines.
 */
export function systemdExecWord(word: string): string {
  return `"${systemdEscape(word).replace(/\$/g, '$$$$')}"`;
}

/** Backslash, quote and control characters escaped as systemd's C unescaping reads them; `%` doubled. */
function systemdEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '%') out += '%%';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** The service's ExecStart= line (one line: its length is what systemd's line limit applies to). */
const systemdExecStart = (argv: readonly string[]): string =>
  `ExecStart=${argv.map(systemdExecWord).join(' ')}`;

function systemdService(argv: readonly string[], env: Readonly<Record<string, string>>): string {
  return [
    '# Written by Lifeboat: mirrors Pantheon backups while the app is closed (see lifeboat-mirror.timer).',
    '[Unit]',
    'Description=Lifeboat mirror of Pantheon backups',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    // Environment= values are unescaped and specifier-expanded like ExecStart words, without `$` substitution.
    ...Object.entries(env).map(([k, v]) => `Environment="${systemdEscape(`${k}=${v}`)}"`),
    systemdExecStart(argv),
    'Nice=10',
    'IOSchedulingClass=idle',
    '',
  ].join('\n');
}

function systemdTimer(hours: number): string {
  return [
    '# Written by Lifeboat: runs lifeboat-mirror.service every few hours.',
    '[Unit]',
    `Description=Lifeboat mirror every ${hours} hours`,
    '',
    '[Timer]',
    // Relative to the user's session start (at once when that is long past), then to the last run.
    'OnStartupSec=15min',
    `OnUnitActiveSec=${hours}h`,
    'RandomizedDelaySec=5min',
    `Unit=${SYSTEMD_SERVICE}`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

// --- launchd ---------------------------------------------------------------------------------------------------

/** Text as XML character data or an attribute value: the five markup characters escaped, control characters refused. */
export function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(text))
    throw new LifeboatError(
      'invalid-request',
      'A value holds a control character that an XML file cannot carry; remove it from the mirror’s settings.',
    );
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function launchdPlist(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  hours: number,
  home: string,
): string {
  const logs = join(home, 'Library', 'Logs', 'Lifeboat');
  const envEntries = Object.entries(env);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by Lifeboat: mirrors Pantheon backups while the app is closed. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    // An array of arguments: no shell ever reads them.
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...argv.map((a) => `    <string>${xmlText(a)}</string>`),
    '  </array>',
    ...(envEntries.length > 0
      ? [
          '  <key>EnvironmentVariables</key>',
          '  <dict>',
          ...envEntries.flatMap(([k, v]) => [
            `    <key>${xmlText(k)}</key>`,
            `    <string>${xmlText(v)}</string>`,
          ]),
          '  </dict>',
        ]
      : []),
    '  <key>StartInterval</key>',
    `  <integer>${hours * 3600}</integer>`,
    '  <key>RunAtLoad</key>',
    '  <false/>',
    '  <key>LowPriorityIO</key>',
    '  <true/>',
    '  <key>Nice</key>',
    '  <integer>10</integer>',
    '  <key>StandardOutPath</key>',
    `  <string>${xmlText(join(logs, 'mirror.log'))}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xmlText(join(logs, 'mirror.log'))}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

// --- Windows Task Scheduler ------------------------------------------------------------------------------------

/**
 * One argument as the program's C runtime splits its command line (CommandLineToArgvW): quoted when it has a
 * space, a tab or a quote (or is empty); quotes escaped with a backslash, and the backslashes before a quote or
 * the closing quote doubled.
 */
export function windowsArg(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    if (ch === '"') out += '\\'.repeat(slashes * 2 + 1) + '"';
    else out += '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

/**
 * Task Scheduler expands `%NAME%` in a task's command and arguments, with no way to escape it: an argument with
 * two `%` could become something else, so it is refused rather than run changed. One `%` is safe.
 */
function noExpansion(arg: string): string {
  if (/%[^%]*%/.test(arg))
    throw new LifeboatError(
      'invalid-request',
      `Windows’ Task Scheduler would read part of "${arg}" as an environment variable (between two % signs), ` +
        'and it cannot be escaped there. Use a folder or search without two % signs for the scheduled mirror.',
    );
  return arg;
}

function schtasksXml(argv: readonly string[], hours: number): string {
  const [program, ...args] = argv;
  const start = new Date(Date.UTC(2026, 0, 1, 3, 0, 0)).toISOString().replace(/\.\d{3}Z$/, '');
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    '    <Description>Written by Lifeboat: mirrors Pantheon backups while the app is closed.</Description>',
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <TimeTrigger>',
    `      <StartBoundary>${start}</StartBoundary>`,
    '      <Repetition>',
    `        <Interval>PT${hours}H</Interval>`,
    '        <StopAtDurationEnd>false</StopAtDurationEnd>',
    '      </Repetition>',
    '      <Enabled>true</Enabled>',
    '    </TimeTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <Priority>7</Priority>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlText(noExpansion(program!))}</Command>`,
    `      <Arguments>${xmlText(args.map((a) => windowsArg(noExpansion(a))).join(' '))}</Arguments>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\n');
}
