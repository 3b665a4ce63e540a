import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import { blockIn, BLOCKS, renderBlock } from '../../../electron/cli/readme';
import { commandHelp, resolve } from '../../../electron/cli/registry';
import { VERSION } from '../../../electron/services/version';
import { runMain } from '../../helpers/cli';

/** The words of a shell command line (double quotes group; `$(…)` is looked into for the lifeboat inside). */
function words(line: string): string[] {
  const inner = /\$\((lifeboat [^)]*)\)/.exec(line);
  const cmd = inner ? inner[1]! : line;
  // A redirection (`< token.txt`) is the shell's, not an argument.
  return [...cmd.replace(/[<>]\s*\S+/g, '').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('the command registry', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '%s: help describes every flag and argument, and every example parses as this command',
    (name, command) => {
      const help = commandHelp(command);
      for (const [flag, spec] of Object.entries(command.flags)) {
        expect(help).toContain(`--${flag}`);
        expect(help).toContain(spec.description.split(' ').slice(0, 4).join(' '));
      }
      for (const p of command.positionals) expect(help).toContain(p.name);
      expect(command.examples.length).toBeGreaterThan(0);
      for (const example of command.examples) {
        const argv = words(example);
        expect(argv[0]).toBe('lifeboat');
        const r = resolve(argv.slice(1), COMMANDS, VERSION);
        expect(r.kind === 'run' && r.command.name).toBe(name);
      }
    },
  );

  it('README.md has the synopsis and --json shapes of the registry (npx tsx electron/cli/readme.ts --write)', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../../README.md'), 'utf8');
    for (const block of BLOCKS) expect(blockIn(readme, block)).toBe(renderBlock(block));
    // Every command is in the synopsis, and every command that prints JSON in the shapes.
    for (const c of COMMANDS) {
      expect(blockIn(readme, 'cli-synopsis')).toContain(`lifeboat ${c.name}`);
      if (c.json) expect(blockIn(readme, 'cli-json')).toContain(`\`lifeboat ${c.name} --json\``);
    }
  });

  it('checks a JSON value against its documented shape', () => {
    const doc = {
      type: 'array',
      fields: { name: 'string', accounts: 'string[]', date: 'number|null' },
    } as const;
    expect(jsonProblems([{ name: 'a', accounts: ['x'], date: null }], doc)).toEqual([]);
    expect(jsonProblems([{ name: 'a', accounts: [1], date: 'x' }], doc)).toEqual([
      '[0].accounts is array, not string[]',
      '[0].date is string, not number|null',
    ]);
    expect(jsonProblems({ name: 'a' }, doc)).toEqual(['the output is object, not an array']);
    expect(jsonProblems({}, { type: 'object', fields: { url: 'string' } })).toEqual([
      'the output.url is missing',
    ]);
  });
});

describe('lifeboat --help and CMD --help', () => {
  it('lists every command with its summary', async () => {
    const r = await runMain(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS)
      expect(r.stdout).toMatch(new RegExp(`^  ${c.name}\\s+${c.summary.slice(0, 20)}`, 'm'));
  });

  it('describes a command’s every flag, with examples; subcommands too', async () => {
    const pull = await runMain(['pull', '--help']);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toMatch(/^Usage:\n {2}lifeboat pull \[SITE\.ENV\] --to DIR /);
    expect(pull.stdout).toMatch(/^ {2}--db-import URL\s+import the database/m);
    expect(pull.stdout).toMatch(/^Examples:\n {2}lifeboat /m);
    const get = await runMain(['backups', 'get', '--help']);
    expect(get.stdout).toContain('[--file FILENAME | --backup FOLDER | --latest]');
    expect(get.stdout).toMatch(/^ {2}--print-url\s+print the signed link/m);
    expect((await runMain(['backups', 'automatic', 'enable', '-h'])).stdout).toContain('--day DAY');
    // A group lists its subcommands.
    const group = await runMain(['backups', '--help']);
    expect(group.stdout).toMatch(/^ {2}backups automatic info\s/m);
  });
});

describe('usage errors (exit 2, naming the problem, before anything connects)', () => {
  // No token anywhere: anything that got as far as connecting would fail with exit 3 instead.
  it.each([
    [
      ['pull', 'acme-blog.live', 'globex-www.live', '--to', '/tmp/x'],
      'Unexpected argument "globex-www.live"',
    ],
    [['sites', 'acme', 'extra'], 'Unexpected argument "extra": lifeboat sites takes one QUERY'],
    [['envs', 'acme-blog', 'live'], 'Unexpected argument "live"'],
    [['auth', 'list', 'everyone'], 'lifeboat auth list takes no arguments'],
    [['backups', 'list', 'a.live', 'b.live'], 'Unexpected argument "b.live"'],
    [['jobs', 'show', 'abc', 'def'], 'Unexpected argument "def"'],
    [['envs'], 'lifeboat envs needs SITE'],
    [['jobs', 'cancel'], 'lifeboat jobs cancel needs ID'],
    [['backups'], 'backups takes list, create, get, info, restore or automatic'],
    [['backups', 'frob', 'a.live'], 'Unknown command "backups frob"'],
    [
      ['backups', 'automatic', 'a.live'],
      'Unknown command "backups automatic a.live": backups automatic takes info, enable or disable',
    ],
    [
      ['backups', 'get', 'a.live', '--file', 'x.tar.gz', '--backup', '1_backup'],
      'Give one of --file and --backup',
    ],
    [['backups', 'get', 'a.live', '--latest', '--backup', '1_backup'], 'Give one of --backup and --latest'],
    [['backups', 'get', 'a.live', '--to', '/tmp', '--print-url'], '--print-url prints the link instead'],
    [['backups', 'get', 'a.live', '--element', 'all'], '--element all is not allowed here'],
    [['backups', 'info', 'a.live', '--latest'], "Unknown option '--latest'"],
    [['backups', 'restore', 'a.live'], 'backups restore needs --file FILENAME or --backup FOLDER'],
    [['backups', 'restore', 'a.live', '--file', 'f', '--backup', 'b'], 'Give --file or --backup, not both'],
    [['backups', 'automatic', 'enable', 'a.live', '--day', 'Funday'], "'Funday' is not a day of the week"],
    [['backups', 'automatic', 'enable', 'a.live', '--keep-for', '0'], '--keep-for must be a whole number'],
    [['download', 'a.live', '--to', '/tmp/x', '--element', 'all'], '--element all is not allowed here'],
    [['sandbox', '--mode', 'lax'], 'Unknown mode "lax": use rich or strict'],
    [['sites', '--bogus'], "Unknown option '--bogus'"],
    // Each of these is answered before anything connects.
    [
      ['backups', 'automatic', 'enable', 'a.live', '--keep-for', '8'],
      '--keep-for 8 is not longer than the 8 days every daily backup is kept',
    ],
    [['sites', '--api-url', '127.0.0.1:45899'], '--api-url must be an http:// or https:// URL'],
    [['envs', 'x', '--api-url', 'ftp://x/api/'], '--api-url must be an http:// or https:// URL'],
    [['envs', 'acme-blog.live'], 'envs takes a site, not SITE.ENV: lifeboat envs acme-blog'],
    [['sandbox', '--demo'], "Unknown option '--demo'"],
  ])('%j', async (argv, message) => {
    const r = await runMain(argv, { env: { LIFEBOAT_DATA_DIR: '/nonexistent/lifeboat-test' } });
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a sandbox admin token too short to guard anything is a usage error, not an internal one', async () => {
    const r = await runMain(['sandbox', '--port', '0'], { env: { LIFEBOAT_SANDBOX_ADMIN_TOKEN: 'short' } });
    expect(r.stderr).toContain('LIFEBOAT_SANDBOX_ADMIN_TOKEN must be at least 16 characters');
    expect(r.code).toBe(2);
  });

  it('with --json, the usage error is also on stdout as {error}', async () => {
    const r = await runMain(['pull', 'a.live', 'b.live', '--to', '/tmp/x', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'invalid-request', message: expect.stringContaining('Unexpected argument "b.live"') },
    });
  });

  it('lifeboat jobs alone is jobs list', () => {
    const r = resolve(['jobs', '--json'], COMMANDS, VERSION);
    expect(r.kind === 'run' && r.command.name).toBe('jobs list');
  });
});

describe('what a Terminus user reads', () => {
  const usage = async (...argv: string[]): Promise<string> => {
    const r = await runMain(argv, { env: { LIFEBOAT_DATA_DIR: '/nonexistent/lifeboat-test' } });
    expect(r.code).toBe(2);
    return r.stderr;
  };

  it('parser errors are sentences, naming the flag and the one most likely meant', async () => {
    expect(await usage('sites', '--plan', 'basic')).toBe(
      "lifeboat: Unknown option '--plan'. See lifeboat sites --help.\n",
    );
    expect(await usage('sites', '--tga', 'x')).toBe(
      "lifeboat: Unknown option '--tga'. Did you mean --tag? See lifeboat sites --help.\n",
    );
    expect(await usage('sites', '--json=false')).toBe(
      'lifeboat: --json takes no value: give it alone to turn it on, or leave it out. See lifeboat sites --help.\n',
    );
    expect(await usage('pull', 'a.live', '--to')).toBe(
      'lifeboat: --to needs a value: --to DIR. See lifeboat pull --help.\n',
    );
    expect(await usage('pull', 'a.live', '--to', '--json')).toContain('--to needs a value (--to DIR)');
  });

  it.each([
    ['backup:list', 'backups list'],
    ['backup:get', 'backups get'],
    ['backup:automatic:enable', 'backups automatic enable'],
    ['site:list', 'sites'],
    ['env:list', 'envs'],
    ['auth:login', 'auth login'],
    ['sitse', 'sites'],
  ])('%s is answered with lifeboat %s', async (word, meant) => {
    expect(await usage(word, 'acme-blog.live')).toBe(
      `lifeboat: Unknown command "${word}". Did you mean: lifeboat ${meant}? Run lifeboat --help for the commands.\n`,
    );
  });

  it('a flag that repeats shows it in the synopsis: [--include GLOB]..., and takes one value each time', async () => {
    for (const name of ['pull', 'download']) {
      const help = commandHelp(COMMANDS.find((c) => c.name === name)!);
      expect(help).toContain('[--include GLOB]...');
      expect(help).toContain('[--exclude GLOB]...');
      expect(help).not.toContain('GLOB...');
      expect(help.replace(/\s+/g, ' ')).toContain('(repeat the flag for each: --include A --include B)');
    }
    const r = resolve(
      ['pull', 'a.live', '--to', 'd', '--include', 'a/', '--include', 'b/'],
      COMMANDS,
      VERSION,
    );
    expect(r.kind === 'run' && r.values.include).toEqual(['a/', 'b/']);
  });

  it('help wraps every description greedily within 100 columns, continuation lines under its start', () => {
    for (const command of COMMANDS) {
      const lines = commandHelp(command).split('\n');
      let examples = false;
      for (const [i, line] of lines.entries()) {
        // Examples are whole command lines, kept unbroken to copy.
        if (/^\S/.test(line)) examples = line === 'Examples:';
        if (examples) continue;
        expect({ command: command.name, line, width: line.length <= 100 }).toEqual({
          command: command.name,
          line,
          width: true,
        });
        // A flag's description continues on the next line only when its next word did not fit on this one.
        const next = lines[i + 1];
        const start = /^ {2}\S.*? {2,}(?=\S)/.exec(line)?.[0].length;
        if (start && next && next.length > start && /^ +\S/.test(next) && next.search(/\S/) === start) {
          const word = next.trim().split(' ')[0]!;
          expect({
            command: command.name,
            line,
            word,
            fits: line.length + 1 + word.length <= 100,
          }).toMatchObject({
            fits: false,
          });
        }
      }
    }
  });

  it('help says what --json gives: epoch seconds in the models, further fields possible; sandbox shows only its flags', async () => {
    const global = (await runMain(['--help'])).stdout;
    expect(global).not.toContain('--json keeps ISO-8601');
    expect(global).toContain('With --json, the shared models keep times as\nseconds since the epoch (UTC)');
    const sites = (await runMain(['sites', '--help'])).stdout;
    expect(sites).toContain('objects may carry further fields of the shared model');
    expect(sites).toContain('may also carry detail and retryable');
    const sandbox = (await runMain(['sandbox', '--help'])).stdout;
    for (const flag of ['--api-url', '--machine-token', '--demo', '--account'])
      expect(sandbox).not.toContain(flag);
    expect(sandbox).toContain('--json');
    expect((await runMain(['pull', '--help'])).stdout).toMatch(
      /--keep-for DAYS\s+with --backup new: keep the new backup this many days \(default 365/,
    );
  });
});
