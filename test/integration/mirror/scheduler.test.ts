// @vitest-environment jsdom
// The OS scheduler entries of a mirror (issue 11 §2): a systemd user timer, a launchd agent and a Windows task,
// each read back by the rules of the program that will read it (systemd's command-line quoting, XML and plist
// structure, the C runtime's argument splitting), with a profile full of characters that mean something to one
// of them. jsdom is here only for its strict XML parser (DOMParser); everything else is real files in a temp HOME.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemas } from '../../../shared/api/schemas';
import type { MirrorProfile } from '../../../shared/models';
import { resolve as resolveCommand } from '../../../electron/cli/registry';
import { mirror as mirrorCommand } from '../../../electron/cli/commands/mirror';
import {
  installScheduler,
  cliCommandFor,
  lifeboatCli,
  mirrorArgv,
  mirrorCommandLine,
  removeScheduler,
  schedulerEntry,
  windowsArg,
  type CliCommand,
  type CommandRunner,
} from '../../../electron/services/mirror/scheduler';
import { LifeboatError } from '../../../electron/services/errors';
import { itUnless, noSh, noSymlinks } from '../../helpers/platform';

const run = promisify(execFile);

let home: string;
let dataDir: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'lifeboat-scheduler-'));
  dataDir = join(home, 'data');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A profile whose every text means something to a shell, systemd, XML or Windows. */
const hostile = (root: string): MirrorProfile =>
  schemas.mirrorProfile.parse({
    selection: {
      queries: [`it's 50% $(whoami) "acme" & <b>; $HOME`],
      sites: ['acme;blog', '-dash-site'],
      org: 'Globex & Sons; "rm" $PATH %h',
      tag: `a'b\\c`,
    },
    root,
    envs: ['live', 'test'],
    elements: ['database', 'files'],
    keep: 3,
    keepDays: 14,
    freshWithinHours: 24,
    concurrency: 6,
    everyHours: 6,
  });

const hostileRoot = (): string =>
  join(home, `Mirror "ours" 100% $HOME; rm -rf ~ 'x' \\back\\slash %n %% $$ & <b>`);

const cli: CliCommand = {
  program: '/opt/Node Runtime/bin/node',
  args: ['/opt/Lifeboat App/out/main/cli.js'],
  env: { LIFEBOAT_DATA_DIR: '/home/dana/Lifeboat data 50%; $X' },
};

// ── Readers, each following the rules of the program that reads the file ─────────────────────────────────────

/**
 * Splits an ExecStart= value as systemd does (systemd.service "Command lines", systemd.unit "Specifiers"): `%%`
 * is `%` (any other specifier is refused here: the entry must never use one), words split at whitespace, double
 * and single quotes group, C escapes are unescaped; then per word at exec time `$$` is `$` (a `$VAR` is refused
 * here) and a lone unquoted `;` would separate two commands (refused).
 */
function readExecStart(value: string): string[] {
  const specified = value.replace(/%(.)/g, (_m, c: string) => {
    if (c === '%') return '%';
    throw new Error(`A specifier %${c} would be expanded in: ${value}`);
  });
  const words: { text: string; quoted: boolean }[] = [];
  let i = 0;
  const escapes: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    s: ' ',
  };
  while (i < specified.length) {
    while (i < specified.length && /\s/.test(specified[i]!)) i++;
    if (i >= specified.length) break;
    let text = '';
    let quote: string | null = null;
    let quoted = false;
    for (; i < specified.length; i++) {
      const ch = specified[i]!;
      if (!quote && /\s/.test(ch)) break;
      if (ch === '\\') {
        const next = specified[++i];
        if (next === undefined) throw new Error('A trailing backslash.');
        if (next === 'x') {
          text += String.fromCharCode(parseInt(specified.slice(i + 1, i + 3), 16));
          i += 2;
        } else text += escapes[next] ?? next;
        continue;
      }
      if (quote) {
        if (ch === quote) quote = null;
        else text += ch;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        quoted = true;
        continue;
      }
      text += ch;
    }
    if (quote) throw new Error(`An unterminated quote in: ${value}`);
    words.push({ text, quoted });
  }
  return words.map(({ text, quoted }) => {
    if (!quoted && text === ';') throw new Error('A lone ; would start a second command.');
    return text.replace(/\$(\$|\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/g, (m, what: string) => {
      if (what === '$') return '$';
      throw new Error(`${m} would be substituted from the environment.`);
    });
  });
}

/** A unit file's `Key=value` lines of one section. */
function unitValues(content: string, section: string, key: string): string[] {
  let current = '';
  const out: string[] = [];
  for (const line of content.split('\n')) {
    const head = /^\[(.+)\]$/.exec(line);
    if (head) current = head[1]!;
    else if (current === section && line.startsWith(`${key}=`)) out.push(line.slice(key.length + 1));
  }
  return out;
}

/** Parses XML strictly; a document that is not well-formed fails the test with the parser's words. */
function parseXml(text: string): Document {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const error = doc.getElementsByTagName('parsererror')[0];
  if (error) throw new Error(`Not well-formed XML: ${error.textContent}`);
  return doc;
}

/** Splits a command line as the Microsoft C runtime does (CommandLineToArgvW, 2008 rules) for the arguments. */
function windowsSplit(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (!quoted && (ch === ' ' || ch === '\t')) break;
      if (ch === '\\') {
        let n = 0;
        while (line[i] === '\\') {
          n++;
          i++;
        }
        if (line[i] === '"') {
          arg += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) arg += '"';
          else quoted = !quoted;
        } else {
          arg += '\\'.repeat(n);
          i--;
        }
        continue;
      }
      if (ch === '"') {
        if (quoted && line[i + 1] === '"') {
          arg += '"';
          i++;
        } else quoted = !quoted;
        continue;
      }
      arg += ch;
    }
    args.push(arg);
  }
  return args;
}

const plutil = ['/usr/bin/plutil', '/usr/local/bin/plutil'].find((p) => existsSync(p));

describe('the command line a profile amounts to', () => {
  it('is what lifeboat mirror parses back into the same profile, whatever its texts hold', () => {
    const profile = hostile(hostileRoot());
    const parsed = resolveCommand(mirrorArgv(profile), [mirrorCommand], '0.0.0');
    if (parsed.kind !== 'run') throw new Error('not a run');
    expect(parsed.positionals).toEqual(profile.selection.queries);
    expect(parsed.values.to).toBe(profile.root);
    expect(parsed.values.site).toEqual(['acme;blog', '-dash-site']);
    expect(parsed.values.org).toBe(profile.selection.org);
    expect(parsed.values.tag).toBe(profile.selection.tag);
    expect(parsed.values.env).toBe('live,test');
    expect(parsed.values.element).toBe('database,files');
    expect(parsed.values['fresh-within']).toBe('24h');
    expect(parsed.values.keep).toBe('3');
    expect(parsed.values['keep-days']).toBe('14');
    expect(parsed.values.concurrency).toBe('6');
  });

  itUnless(noSh)('reads back through a POSIX shell as the same words', async () => {
    const profile = hostile(hostileRoot());
    const line = mirrorCommandLine(profile);
    expect(line.startsWith('lifeboat mirror --to ')).toBe(true);
    // printf prints each word the shell made on a line of its own (NUL-separated to keep newlines apart).
    const { stdout } = await run('/bin/sh', ['-c', `set -- ${line}; printf '%s\\0' "$@"`]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(['lifeboat', ...mirrorArgv(profile)]);
  });

  it('a query that starts with a dash comes after --, so it is never read as a flag', () => {
    const profile = schemas.mirrorProfile.parse({
      ...hostile('/srv/mirror'),
      selection: { queries: ['--all'] },
    });
    const argv = mirrorArgv(profile);
    expect(argv.slice(-2)).toEqual(['--', '--all']);
    const parsed = resolveCommand(argv, [mirrorCommand], '0.0.0');
    if (parsed.kind !== 'run') throw new Error('not a run');
    expect(parsed.values.all).toBeUndefined();
    expect(parsed.positionals).toEqual(['--all']);
  });
});

describe('a systemd user timer', () => {
  it('runs exactly the CLI with the profile’s arguments: ExecStart read back by systemd’s quoting rules', async () => {
    const profile = hostile(hostileRoot());
    const entry = await schedulerEntry(profile, { platform: 'linux', home, dataDir, cli });
    expect(entry.kind).toBe('systemd');
    expect(entry.installed).toBe(false);
    expect(entry.files.map((f) => f.path)).toEqual([
      join(home, '.config', 'systemd', 'user', 'lifeboat-mirror.service'),
      join(home, '.config', 'systemd', 'user', 'lifeboat-mirror.timer'),
    ]);
    const service = entry.files[0]!.content;
    const exec = unitValues(service, 'Service', 'ExecStart');
    expect(exec).toHaveLength(1);
    expect(readExecStart(exec[0]!)).toEqual([cli.program, ...cli.args, ...mirrorArgv(profile)]);
    // The data folder reaches the command through Environment=, read by the same rules (no $ substitution there).
    const env = unitValues(service, 'Service', 'Environment').map((v) =>
      readExecStart(v.replace(/\$/g, '$$$$')),
    );
    expect(env).toEqual([[`LIFEBOAT_DATA_DIR=${cli.env.LIFEBOAT_DATA_DIR}`]]);
    const timer = entry.files[1]!.content;
    expect(unitValues(timer, 'Timer', 'OnUnitActiveSec')).toEqual(['6h']);
    expect(unitValues(timer, 'Timer', 'Unit')).toEqual(['lifeboat-mirror.service']);
    expect(unitValues(timer, 'Install', 'WantedBy')).toEqual(['timers.target']);
    expect(entry.commands).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'lifeboat-mirror.timer'],
    ]);
  });

  it('install writes exactly the previewed files; a systemctl without a user bus is reported, not thrown', async () => {
    const profile = hostile(hostileRoot());
    const preview = await schedulerEntry(profile, { platform: 'linux', home, dataDir, cli });
    // The real systemctl of this machine: in a container it has no user bus (or is not installed at all).
    const done = await installScheduler(profile, { platform: 'linux', home, dataDir, cli });
    for (const f of preview.files) expect(await readFile(f.path, 'utf8')).toBe(f.content);
    expect(done.entry.files).toEqual(preview.files);
    expect(done.entry.commands).toEqual(preview.commands);
    if (done.ran.every((r) => r.ok)) {
      // A desktop with a user session: it is installed; take it away again.
      expect(done.entry.installed).toBe(true);
      await removeScheduler({ platform: 'linux', home, dataDir });
      return;
    }
    const failed = done.ran.at(-1)!;
    expect(failed.ok).toBe(false);
    expect(failed.argv[0]).toBe('systemctl');
    expect(failed.output.length).toBeGreaterThan(0);
    expect(done.entry.installed).toBe(false);
    // Nothing after the failed command ran.
    expect(done.ran.length).toBeLessThanOrEqual(preview.commands.length);
    // The preview now says the same files are on disk.
    expect((await schedulerEntry(profile, { platform: 'linux', home, dataDir, cli })).installed).toBe(true);
  });

  it('with every command succeeding the entry is installed; remove disables it and deletes the files', async () => {
    const ran: (readonly string[])[] = [];
    // systemctl --user needs a user session this container does not have: a runner that records, and succeeds.
    const runner: CommandRunner = async (argv) => (ran.push(argv), { argv, ok: true, output: '' });
    const profile = hostile('/srv/mirror');
    const done = await installScheduler(profile, { platform: 'linux', home, dataDir, cli, run: runner });
    expect(done.entry.installed).toBe(true);
    expect(ran).toEqual(done.entry.commands);
    ran.length = 0;
    const removed = await removeScheduler({ platform: 'linux', home, dataDir, run: runner });
    expect([...removed.removed].sort()).toEqual(done.entry.files.map((f) => f.path).sort());
    for (const f of done.entry.files) expect(existsSync(f.path)).toBe(false);
    expect(ran).toEqual([
      ['systemctl', '--user', 'disable', '--now', 'lifeboat-mirror.timer'],
      ['systemctl', '--user', 'daemon-reload'],
    ]);
  });

  itUnless(noSymlinks())(
    'remove leaves a file it did not write where a link stands: the link goes, not its target',
    async () => {
      const runner: CommandRunner = async (argv) => ({ argv, ok: true, output: '' });
      const outside = join(home, 'precious.txt');
      await writeFile(outside, 'keep me');
      const { symlink, mkdir } = await import('node:fs/promises');
      await mkdir(join(home, '.config', 'systemd', 'user'), { recursive: true });
      await symlink(outside, join(home, '.config', 'systemd', 'user', 'lifeboat-mirror.service'));
      await removeScheduler({ platform: 'linux', home, dataDir, run: runner });
      expect(await readFile(outside, 'utf8')).toBe('keep me');
      expect(existsSync(join(home, '.config', 'systemd', 'user', 'lifeboat-mirror.service'))).toBe(false);
    },
  );
});

describe('a launchd agent', () => {
  it('is a well-formed plist whose ProgramArguments are exactly the command, each argument whole', async () => {
    const profile = hostile(hostileRoot());
    const entry = await schedulerEntry(profile, { platform: 'darwin', home, dataDir, cli });
    expect(entry.kind).toBe('launchd');
    const plist = entry.files[0]!;
    expect(plist.path).toBe(join(home, 'Library', 'LaunchAgents', 'app.lifeboat.mirror.plist'));
    const doc = parseXml(plist.content);
    const dict = doc.documentElement.getElementsByTagName('dict')[0]!;
    const entries = [...dict.children];
    const valueOf = (key: string): Element => {
      const at = entries.findIndex((e) => e.tagName === 'key' && e.textContent === key);
      expect(at).toBeGreaterThanOrEqual(0);
      return entries[at + 1]!;
    };
    const args = [...valueOf('ProgramArguments').children].map((e) => e.textContent);
    expect(args).toEqual([cli.program, ...cli.args, ...mirrorArgv(profile)]);
    expect(valueOf('Label').textContent).toBe('app.lifeboat.mirror');
    expect(valueOf('StartInterval').textContent).toBe(String(6 * 3600));
    const env = [...valueOf('EnvironmentVariables').children].map((e) => e.textContent);
    expect(env).toEqual(['LIFEBOAT_DATA_DIR', cli.env.LIFEBOAT_DATA_DIR]);
    expect(entry.commands).toEqual([['launchctl', 'load', '-w', plist.path]]);
  });

  it.skipIf(!plutil)('passes plutil -lint (macOS only: plutil is not on this machine)', async () => {
    const entry = await installScheduler(hostile(hostileRoot()), {
      platform: 'darwin',
      home,
      dataDir,
      cli,
      run: async (argv) => ({ argv, ok: true, output: '' }),
    });
    await run(plutil!, ['-lint', entry.entry.files[0]!.path]);
  });

  it('a second install unloads the agent loaded before, so launchd reads the new file', async () => {
    const runner: CommandRunner = async (argv) => ({ argv, ok: true, output: '' });
    const profile = hostile('/srv/mirror');
    await installScheduler(profile, { platform: 'darwin', home, dataDir, cli, run: runner });
    const again = await schedulerEntry(profile, { platform: 'darwin', home, dataDir, cli });
    const path = again.files[0]!.path;
    expect(again.installed).toBe(true);
    expect(again.commands).toEqual([
      ['launchctl', 'unload', path],
      ['launchctl', 'load', '-w', path],
    ]);
  });
});

describe('a Windows scheduled task', () => {
  const winCli: CliCommand = {
    program: 'C:\\Program Files\\nodejs\\node.exe',
    args: ['C:\\Users\\Dana\\AppData\\Local\\Programs\\Lifeboat\\out\\main\\cli.js'],
    env: {},
  };
  const winRoot = `D:\\Mirrors\\Client "A" 50% & <b>; $x 'q' \\`;

  it('is well-formed task XML whose arguments split back into exactly the command', async () => {
    const profile = hostile(winRoot);
    const entry = await schedulerEntry(profile, { platform: 'win32', home, dataDir, cli: winCli });
    expect(entry.kind).toBe('schtasks');
    const xml = entry.files[0]!;
    expect(xml.path).toBe(join(dataDir, 'lifeboat-mirror-task.xml'));
    const doc = parseXml(xml.content);
    const exec = doc.getElementsByTagName('Exec')[0]!;
    expect(exec.getElementsByTagName('Command')[0]!.textContent).toBe(winCli.program);
    const args = exec.getElementsByTagName('Arguments')[0]!.textContent!;
    expect(windowsSplit(args)).toEqual([...winCli.args, ...mirrorArgv(profile)]);
    expect(doc.getElementsByTagName('Interval')[0]!.textContent).toBe('PT6H');
    expect(entry.commands).toEqual([
      ['schtasks', '/Create', '/XML', xml.path, '/TN', 'Lifeboat\\Mirror', '/F'],
    ]);
  });

  it('install writes the XML in UTF-16 as its declaration says, the same text as previewed', async () => {
    const profile = hostile(winRoot);
    const done = await installScheduler(profile, {
      platform: 'win32',
      home,
      dataDir,
      cli: winCli,
      run: async (argv) => ({ argv, ok: true, output: '' }),
    });
    const bytes = await readFile(done.entry.files[0]!.path);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString('utf16le')).toBe(done.entry.files[0]!.content);
  });

  it('refuses a text with two % signs, which Task Scheduler would expand and cannot escape', async () => {
    const profile = hostile('D:\\Mirrors\\%USERNAME%\\sites');
    await expect(schedulerEntry(profile, { platform: 'win32', home, dataDir, cli: winCli })).rejects.toThrow(
      /environment variable/,
    );
  });

  it('refuses to need an environment variable, which a task cannot set, saying what to do', async () => {
    await expect(
      schedulerEntry(hostile('D:\\M'), {
        platform: 'win32',
        home,
        dataDir,
        cli: { ...winCli, env: { ELECTRON_RUN_AS_NODE: '1' } },
      }),
    ).rejects.toThrow(/Install Node\.js/);
  });
});

describe('a command longer than the OS can start', () => {
  const winCli: CliCommand = {
    program: 'C:\\Program Files\\nodejs\\node.exe',
    args: ['C:\\Program Files\\Lifeboat\\resources\\cli.js'],
    env: {},
  };
  /** A profile of `n` sites picked by hand, each name `width` characters long. */
  const manySites = (root: string, n: number, width: number): MirrorProfile =>
    schemas.mirrorProfile.parse({
      selection: {
        queries: [],
        sites: Array.from({ length: n }, (_, i) => `site-${String(i).padStart(width - 5, '0')}`),
      },
      root,
      envs: ['live'],
      elements: ['database'],
      concurrency: 2,
      everyHours: null,
    });
  /** The command line Windows would be asked to start for the task's XML: its program, a space, its arguments. */
  const windowsCommandLine = (xml: string): string => {
    const exec = parseXml(xml).getElementsByTagName('Exec')[0]!;
    return `${windowsArg(exec.getElementsByTagName('Command')[0]!.textContent!)} ${exec.getElementsByTagName('Arguments')[0]!.textContent!}`;
  };
  const refusal = async (p: Promise<unknown>): Promise<LifeboatError> => {
    const e = await p.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LifeboatError);
    expect((e as LifeboatError).code).toBe('invalid-request');
    return e as LifeboatError;
  };

  it('Windows: 5000 hand-picked sites are refused, saying how many fit and what to choose instead; that many make a task that can start', async () => {
    const profile = manySites('C:\\Backups\\Pantheon', 5000, 20);
    const e = await refusal(schedulerEntry(profile, { platform: 'win32', home, dataDir, cli: winCli }));
    expect(e.message).toMatch(/32,767 characters/);
    expect(e.message).toMatch(/a search, an organization, a tag or an account/);
    const fit = Number(/only (\d+) of the 5000 sites picked by hand fit/.exec(e.message)?.[1]);
    expect(fit).toBeGreaterThan(500);
    const sites = profile.selection.sites;
    const at = (n: number): MirrorProfile => ({
      ...profile,
      selection: { ...profile.selection, sites: sites.slice(0, n) },
    });
    const entry = await schedulerEntry(at(fit), { platform: 'win32', home, dataDir, cli: winCli });
    // CreateProcess: at most 32,767 characters with the terminating NUL.
    expect(windowsCommandLine(entry.files[0]!.content).length).toBeLessThanOrEqual(32_766);
    await refusal(schedulerEntry(at(fit + 1), { platform: 'win32', home, dataDir, cli: winCli }));
    // Nothing was written by the refused previews, nor by a refused install.
    await refusal(
      installScheduler(profile, {
        platform: 'win32',
        home,
        dataDir,
        cli: winCli,
        run: async (argv) => ({ argv, ok: true, output: '' }),
      }),
    );
    expect(existsSync(join(dataDir, 'lifeboat-mirror-task.xml'))).toBe(false);
  });

  it('systemd and launchd take 5000 sites of usual names, and refuse 5000 of the longest names the app accepts', async () => {
    const usual = manySites('/srv/mirror', 5000, 20);
    const longest = manySites('/srv/mirror', 5000, 200);
    const systemd = await schedulerEntry(usual, { platform: 'linux', home, dataDir, cli });
    const execStart = systemd.files[0]!.content.split('\n').find((l) => l.startsWith('ExecStart='))!;
    expect(readExecStart(execStart.slice('ExecStart='.length))).toEqual([
      cli.program,
      ...cli.args,
      ...mirrorArgv(usual),
    ]);
    // A unit file line is at most LONG_LINE_MAX (1 MiB) with its newline.
    expect(Buffer.byteLength(execStart) + 1).toBeLessThan(1024 * 1024);
    const e = await refusal(schedulerEntry(longest, { platform: 'linux', home, dataDir, cli }));
    expect(e.message).toMatch(/systemd reads a unit file line of at most 1 MiB: only \d+ of the 5000 sites/);

    const launchd = await schedulerEntry(usual, { platform: 'darwin', home, dataDir, cli });
    expect(launchd.kind).toBe('launchd');
    const mac = await refusal(schedulerEntry(longest, { platform: 'darwin', home, dataDir, cli }));
    expect(mac.message).toMatch(/macOS starts a program with at most 256 KiB .*: only \d+ of the 5000 sites/);
  });
});

describe('the CLI the entry runs', () => {
  it('is the built out/main/cli.js of this checkout, run by this Node, with a data folder that is not the default', () => {
    const found = lifeboatCli('/tmp/some data', { PATH: process.env.PATH ?? '' });
    expect(found.program).toBe(process.execPath);
    expect(found.args).toHaveLength(1);
    expect(found.args[0]).toMatch(/out[\\/]main[\\/]cli\.js$/);
    expect(found.env).toEqual({ LIFEBOAT_DATA_DIR: '/tmp/some data' });
    // The default data folder needs no variable.
    expect(
      lifeboatCli(join(home, '.config', 'Lifeboat'), { HOME: home, XDG_CONFIG_HOME: join(home, '.config') })
        .env,
    ).toEqual({});
  });

  it('under Electron is Electron itself run as Node, never a node found on PATH (the installed CLI is in app.asar)', () => {
    const app = '/opt/Lifeboat/lifeboat';
    const script = '/opt/Lifeboat/resources/app.asar/out/main/cli.js';
    expect(cliCommandFor(script, {}, app, true)).toEqual({
      program: app,
      args: [script],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(cliCommandFor(script, { LIFEBOAT_DATA_DIR: '/d' }, '/usr/bin/node', false)).toEqual({
      program: '/usr/bin/node',
      args: [script],
      env: { LIFEBOAT_DATA_DIR: '/d' },
    });
  });

  it('from an AppImage (mounted only while it runs) is refused for the OS scheduler, saying what to use instead', async () => {
    const mount = '/tmp/.mount_LifebtXYZ';
    const cli = cliCommandFor(
      `${mount}/resources/app.asar/out/main/cli.js`,
      {},
      `${mount}/lifeboat`,
      true,
      '/home/d/Lifeboat.AppImage',
    );
    const entry = schedulerEntry(hostile('/srv/mirror'), { platform: 'linux', home, dataDir, cli });
    await expect(entry).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringMatching(/AppImage, whose files exist only while it is open.*Install the \.deb/),
    });
    await expect(
      installScheduler(hostile('/srv/mirror'), { platform: 'linux', home, dataDir, cli }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
    });
  });
});
