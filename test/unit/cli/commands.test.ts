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
    expect(pull.stdout).toMatch(/^Usage:\n {2}lifeboat pull SITE\.ENV --to DIR /);
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
  ])('%j', async (argv, message) => {
    const r = await runMain(argv, { env: { LIFEBOAT_DATA_DIR: '/nonexistent/lifeboat-test' } });
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
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
