import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackupArchive } from '@shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import { lifeboat, runMain, type MainOptions } from '../../helpers/cli';
import { DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let dir: string;
let api: string[];
let token: string;

/** The CLI as Dana (her token in the environment, as scripts give it), with a journal of this test's own. */
const cli = (argv: readonly string[], options: MainOptions = {}) =>
  runMain([...api, ...argv], {
    ...options,
    env: { TERMINUS_MACHINE_TOKEN: token, LIFEBOAT_DATA_DIR: join(dir, '.data'), ...options.env },
  });

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

const docOf = (name: string, when?: string) =>
  COMMANDS.find((c) => c.name === name)!.json!.find((j) => j.when === when)!;

async function databaseArchives(site: string): Promise<BackupArchive[]> {
  const r = await cli(['backups', 'list', site, '--element', 'db', '--json']);
  return JSON.parse(r.stdout) as BackupArchive[];
}

beforeAll(async () => {
  sandbox = await testSandbox();
  api = ['--api-url', sandbox.apiUrl];
  token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-backups-'));
  sandbox.setFaults({});
  return () => rm(dir, { recursive: true, force: true });
});

describe('backups get', () => {
  it('prints only the signed link on stdout (a real process), for curl and other tools', async () => {
    const [, second] = await databaseArchives('acme-blog.live');
    const r = await lifeboat(
      [...api, 'backups', 'get', 'acme-blog.live', '--element', 'db', '--file', second!.filename],
      { TERMINUS_MACHINE_TOKEN: token },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const url = r.stdout.trim();
    expect(r.stdout).toBe(`${url}\n`);
    expect(new URL(url).pathname).toMatch(new RegExp(`/${second!.folder}/${second!.filename}$`));
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(body.length).toBe(second!.size);
  });

  it('--backup, --latest (the default) and the catalog key pick the archive; a wrong name says what exists', async () => {
    const [latest, older] = await databaseArchives('acme-blog.live');
    const urlOf = async (...flags: string[]): Promise<string> => {
      const r = await cli(['backups', 'get', 'acme-blog.live', '--element', 'db', ...flags, '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { url: string; filename: string; urlExpiresAt: string };
      expect(jsonProblems(out, docOf('backups get'))).toEqual([]);
      expect(Date.parse(out.urlExpiresAt)).toBeGreaterThan(Date.now());
      return out.filename;
    };
    expect(await urlOf()).toBe(latest!.filename);
    expect(await urlOf('--latest')).toBe(latest!.filename);
    expect(await urlOf('--backup', older!.folder)).toBe(older!.filename);
    expect(await urlOf('--file', older!.id)).toBe(older!.filename);
    // The element is files unless said otherwise, as in Terminus.
    const files = await cli(['backups', 'get', 'acme-blog.live', '--json']);
    expect((JSON.parse(files.stdout) as { element: string }).element).toBe('files');
    const wrong = await cli(['backups', 'get', 'acme-blog.live', '--file', 'nope.sql.gz']);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain(`There is no backup file 'nope.sql.gz'. The newest files backups: `);
  });

  it('--to DIR downloads it verified under Pantheon’s name; --to FILE under that name; nothing is overwritten', async () => {
    const [latest] = await databaseArchives('acme-blog.live');
    const expected = (await sandbox.archive('acme-blog', 'live', 'database')).sha256;
    const intoDir = await cli(['backups', 'get', 'acme-blog.live', '--element', 'db', '--to', dir]);
    expect(intoDir.code).toBe(0);
    expect(intoDir.stdout).toMatch(/^Saved the database archive of the backup of \w{3} \d+, \d\d:\d\d \(/);
    expect(intoDir.stdout).not.toContain(latest!.folder);
    expect(await sha256(join(dir, latest!.filename))).toBe(expected);

    const file = join(dir, 'named', 'db.sql.gz');
    const asFile = await cli(['backups', 'get', 'acme-blog.live', '--element', 'db', '--to', file, '--json']);
    expect(asFile.code).toBe(0);
    expect(JSON.parse(asFile.stdout)).toMatchObject({ path: file, filename: latest!.filename });
    expect(jsonProblems(JSON.parse(asFile.stdout), docOf('backups get', 'with --to'))).toEqual([]);
    expect(await sha256(file)).toBe(expected);
    // The hidden folder it was fetched in is gone.
    expect(await readdir(join(dir, 'named'))).toEqual(['db.sql.gz']);
    // A name near the system's limit (255 bytes): the hidden folder's own name must not outgrow it.
    const long = `${'é'.repeat(120)}.sql.gz`;
    const asLong = await cli([
      'backups',
      'get',
      'acme-blog.live',
      '--element',
      'db',
      '--to',
      join(dir, 'long', long),
    ]);
    expect(asLong.stderr).not.toContain('Something went wrong');
    expect(asLong.code).toBe(0);
    expect(await sha256(join(dir, 'long', long))).toBe(expected);
    expect(await readdir(join(dir, 'long'))).toEqual([long]);

    await writeFile(join(dir, 'mine.sql.gz'), 'my own file');
    for (const to of [dir, join(dir, 'mine.sql.gz')]) {
      const again = await cli(['backups', 'get', 'acme-blog.live', '--element', 'db', '--to', to]);
      expect(again.code).toBe(7);
      expect(again.stderr).toContain('already exists; Lifeboat will not overwrite it');
    }
    expect(await readFile(join(dir, 'mine.sql.gz'), 'utf8')).toBe('my own file');
  });
});

describe('backups get --to FILE trusts nothing already on disk', () => {
  it('a staging folder planted beside the target (with junk under the archive’s name) is not taken for the download', async () => {
    const [latest] = await databaseArchives('acme-blog.live');
    const expected = (await sandbox.archive('acme-blog', 'live', 'database')).sha256;
    // Where earlier versions fetched the archive before linking it into place, and took a complete file as done.
    const planted = join(dir, '.db.sql.gz.lifeboat-get');
    await mkdir(planted);
    await writeFile(join(planted, latest!.filename), 'junk that is not the archive');
    const r = await cli([
      'backups',
      'get',
      'acme-blog.live',
      '--element',
      'db',
      '--to',
      join(dir, 'db.sql.gz'),
    ]);
    expect(r.code).toBe(0);
    expect(await sha256(join(dir, 'db.sql.gz'))).toBe(expected);
    // Somebody's folder is left as it was; Lifeboat's own private one is gone.
    expect((await readdir(dir)).filter((n) => n !== '.data').sort()).toEqual([
      '.db.sql.gz.lifeboat-get',
      'db.sql.gz',
    ]);
    expect(await readFile(join(planted, latest!.filename), 'utf8')).toBe('junk that is not the archive');
  });
});

describe('backups info', () => {
  it('shows file name, size, dates with their offset, initiator and the link’s expiry, never the link', async () => {
    const [, older] = await databaseArchives('acme-blog.live');
    const r = await cli(['backups', 'info', 'acme-blog.live', '--element', 'db', '--backup', older!.folder]);
    expect(r.code).toBe(0);
    const date = /\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d/.source;
    expect(r.stdout).toMatch(new RegExp(`^File\\s+${older!.filename}$`, 'm'));
    expect(r.stdout).toMatch(/^Size\s+\d+(\.\d)? kB$/m);
    expect(r.stdout).toMatch(new RegExp(`^Date\\s+${date}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^Expiry\\s+${date}$`, 'm'));
    expect(r.stdout).toMatch(/^Initiator\s+(manual|automated)$/m);
    expect(r.stdout).toMatch(new RegExp(`^URL expiry\\s+${date}$`, 'm'));
    expect(r.stdout + r.stderr).not.toMatch(/https?:|Signature|Expires=/);
    const json = JSON.parse(
      (await cli(['backups', 'info', 'acme-blog.live', '--file', older!.filename, '--json'])).stdout,
    );
    expect(json).toMatchObject({
      filename: older!.filename,
      size: older!.size,
      element: 'database',
      date: new Date(older!.date! * 1000).toISOString(),
    });
    expect(jsonProblems(json, docOf('backups info'))).toEqual([]);
  });
});

describe('backups automatic', () => {
  it('enables with a day and a retention, shows it (hour in local time), disables', async () => {
    const enable = await cli([
      'backups',
      'automatic',
      'enable',
      'acme-shop.dev',
      '--day',
      'Friday',
      '--keep-for',
      '60',
    ]);
    expect(enable.code).toBe(0);
    expect(enable.stdout).toContain('the Friday backup kept 60 days');
    await sandbox.idle();
    const info = await cli(['backups', 'automatic', 'info', 'acme-shop.dev', '--json']);
    expect(JSON.parse(info.stdout)).toMatchObject({ enabled: true, weeklyDay: 5, weeklyRetentionDays: 60 });
    const text = await cli(['backups', 'automatic', 'info', 'acme-shop.dev']);
    expect(text.stdout).toMatch(/^Automatic backups are on/);
    expect(text.stdout).toMatch(/kept 60 days/);
    expect(text.stdout).toMatch(/\d\d:\d\d [+-]\d\d:\d\d|an hour Pantheon chooses/);
    // A day as a number: 0 is Sunday.
    expect(
      (await cli(['backups', 'automatic', 'enable', 'acme-shop.dev', '--day', '0', '--json'])).code,
    ).toBe(0);
    await sandbox.idle();
    expect(
      JSON.parse((await cli(['backups', 'automatic', 'info', 'acme-shop.dev', '--json'])).stdout),
    ).toMatchObject({
      weeklyDay: 0,
      weeklyRetentionDays: 32,
    });
    const disable = await cli(['backups', 'automatic', 'disable', 'acme-shop.dev', '--json']);
    expect(JSON.parse(disable.stdout)).toEqual({ site: 'acme-shop', env: 'dev', enabled: false });
    expect(
      JSON.parse((await cli(['backups', 'automatic', 'info', 'acme-shop.dev', '--json'])).stdout).enabled,
    ).toBe(false);
    expect((await cli(['backups', 'automatic', 'info', 'acme-shop.dev'])).stdout).toBe(
      'Automatic backups are off.\n',
    );
  });
});

describe('backups restore (on Pantheon)', () => {
  it('without a terminal and without --yes refuses with exit 2, restoring nothing', async () => {
    const [, older] = await databaseArchives('acme-blog.dev');
    const before = sandbox.restores.length;
    const from = sandbox.requests.length;
    const r = await cli([
      'backups',
      'restore',
      'acme-blog.dev',
      '--backup',
      older!.folder,
      '--element',
      'db',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ON PANTHEON');
    expect(r.stderr).toContain('Pass --yes to proceed without the question.');
    expect(sandbox.restores.length).toBe(before);
    expect(
      sandbox.requests.slice(from).filter((q) => q.method === 'POST' && q.path.endsWith('/workflows')),
    ).toEqual([]);
  });

  it('on a terminal asks for the site’s name: a wrong answer restores nothing, the name restores', async () => {
    const [, older] = await databaseArchives('acme-blog.dev');
    const args = ['backups', 'restore', 'acme-blog.dev', '--backup', older!.folder, '--element', 'db'];
    const before = sandbox.restores.length;
    const no = await cli(args, { stdinTty: true, input: 'yes\n' });
    expect(no.code).toBe(130);
    expect(no.stderr).toContain('Type the site name (acme-blog) to restore acme-blog.dev');
    expect(sandbox.restores.length).toBe(before);
    const yes = await cli(args, { stdinTty: true, input: 'acme-blog\n' });
    expect(yes.stderr).toContain(
      'This replaces the database of acme-blog.dev (“Acme Blog”) ON PANTHEON with the backup of ',
    );
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(
      /^Restored the database of acme-blog\.dev on Pantheon from the backup of \w{3} \d+, \d\d:\d\d\.$/m,
    );
    expect(sandbox.restores.slice(before)).toEqual([
      expect.objectContaining({ site: 'acme-blog', env: 'dev', element: 'database', folder: older!.folder }),
    ]);
  });

  it('--yes restores each element in Terminus’s order; --file restores that file only; frozen sites are refused', async () => {
    const sets = JSON.parse((await cli(['backups', 'list', 'acme-blog.dev', '--json'])).stdout) as {
      folder: string;
      archives: Record<string, BackupArchive>;
    }[];
    const full = sets.find((s) => s.archives.code && s.archives.files && s.archives.database)!;
    const before = sandbox.restores.length;
    const r = await cli(['backups', 'restore', 'acme-blog.dev', '--backup', full.folder, '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(jsonProblems(JSON.parse(r.stdout), docOf('backups restore'))).toEqual([]);
    expect(sandbox.restores.slice(before).map((x) => [x.element, x.folder])).toEqual([
      ['code', full.folder],
      ['files', full.folder],
      ['database', full.folder],
    ]);
    const file = full.archives.files!.filename;
    const one = await cli(['backups', 'restore', 'acme-blog.dev', '--file', file, '--yes']);
    expect(one.code).toBe(0);
    expect(sandbox.restores.slice(before + 3).map((x) => x.filename)).toEqual([file]);
    const frozen = await cli(['backups', 'restore', 'acme-intranet.dev', '--backup', full.folder, '--yes']);
    expect(frozen.code).toBe(9);
    expect(frozen.stderr).toContain("Site 'acme-intranet' is frozen");
  });

  it('an --element that contradicts --file is a usage error naming both, and restores nothing', async () => {
    const sets = JSON.parse((await cli(['backups', 'list', 'acme-blog.dev', '--json'])).stdout) as {
      archives: Record<string, BackupArchive>;
    }[];
    const code = sets.find((s) => s.archives.code)!.archives.code!;
    const before = sandbox.restores.length;
    const r = await cli([
      'backups',
      'restore',
      'acme-blog.dev',
      '--file',
      code.filename,
      '--element',
      'db',
      '--yes',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--element db contradicts --file ${code.filename}, which is the code archive`);
    expect(sandbox.restores.length).toBe(before);
    // Naming the file's own element (or all) is no contradiction.
    const same = await cli([
      'backups',
      'restore',
      'acme-blog.dev',
      '--file',
      code.filename,
      '--element',
      'code',
      '--yes',
    ]);
    expect(same.code).toBe(0);
    expect(sandbox.restores.slice(before).map((x) => x.filename)).toEqual([code.filename]);
  });
});

describe('backups create of an SFTP environment with uncommitted changes', () => {
  it('warns with the count of changed files and needs --yes in a script (exit 2, no backup made)', async () => {
    const from = sandbox.requests.length;
    const r = await cli(['backups', 'create', 'globex-careers.dev', '--element', 'code']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('globex-careers.dev is in SFTP mode with 3 changed files not committed');
    expect(r.stderr).toContain('Uncommitted changes are not in a backup');
    expect(r.stderr).toContain('Pass --yes');
    expect(
      sandbox.requests.slice(from).filter((q) => q.method === 'POST' && q.path.endsWith('/workflows')),
    ).toEqual([]);
  });

  it('on a terminal asks; no means no backup; --yes makes it with the warning; a git-mode environment is not warned about', async () => {
    const from = sandbox.requests.length;
    const declined = await cli(['backups', 'create', 'globex-careers.dev'], {
      stdinTty: true,
      input: 'n\n',
    });
    expect(declined.code).toBe(130);
    expect(declined.stderr).toContain('Create the backup without the 3 changed files? [y/N]');
    expect(
      sandbox.requests.slice(from).filter((q) => q.method === 'POST' && q.path.endsWith('/workflows')),
    ).toEqual([]);
    const made = await cli(['backups', 'create', 'globex-careers.dev', '--element', 'code', '--yes']);
    expect(made.code).toBe(0);
    expect(made.stderr).toContain('3 changed files not committed');
    expect(made.stdout).toMatch(
      /^Backup of globex-careers\.dev finished: backup of \w{3} \d+, \d\d:\d\d\.\n$/,
    );
    const git = await cli(['backups', 'create', 'acme-events.live', '--element', 'db', '--no-wait']);
    expect(git.code).toBe(0);
    expect(git.stderr).toBe('');
  });

  it('a backup without the code is not asked about: the changes only miss from the code archive', async () => {
    const db = await cli(['backups', 'create', 'globex-careers.dev', '--element', 'db']);
    expect(db.stderr).not.toMatch(/lifeboat:|not committed/);
    expect(db.code).toBe(0);
    expect(db.stdout).toMatch(/^Backup of globex-careers\.dev finished: /);
    const files = await cli(['backups', 'create', 'globex-careers.dev', '--element', 'files', '--no-wait']);
    expect(files).toMatchObject({ code: 0, stderr: '' });
    // A mistyped environment is still "not found" when nothing asks for its changes.
    const typo = await cli(['backups', 'create', 'globex-careers.dve', '--element', 'db']);
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain("Site 'globex-careers' has no environment 'dve'");
  });
});

describe('progress of a workflow', () => {
  it('counts steps on a terminal line that fits its width; the download after a new backup counts its own bytes', async () => {
    const created = await cli(['backups', 'create', 'acme-events.dev', '--element', 'db'], {
      stderrColumns: 60,
    });
    expect(created.code).toBe(0);
    const lines = created.stderr.split('\r\x1b[2K').filter(Boolean);
    expect(lines.some((l) => /step \d of \d/.test(l))).toBe(true);
    for (const l of lines) {
      expect(l.length).toBeLessThanOrEqual(59);
      expect(l).not.toMatch(/bytes|\/s/);
    }
    const pulled = await cli(['pull', 'acme-events.dev', '--to', dir, '--element', 'db', '--backup', 'new']);
    expect(pulled.code).toBe(0);
    // The backup it made is kept as long as one of backups create: 365 days unless --keep-for says otherwise.
    const [made] = JSON.parse(
      (await cli(['backups', 'list', 'acme-events.dev', '--element', 'db', '--json'])).stdout,
    ) as BackupArchive[];
    expect(made!.ttl).toBe(365 * 86400);
    expect(pulled.stderr).toMatch(/step 3 of 3/);
    expect(pulled.stderr).not.toMatch(/\d bytes \/ \d bytes|bytes\/s/);
    expect(pulled.stderr).toMatch(/^Downloading\s+█{24}\s+100%\s+\d+ kB \/ \d+ kB/m);
  });
});

describe('jobs: a command’s work in the app’s journal', () => {
  it('pull, download and backups create are recorded as jobs that lifeboat jobs lists and shows', async () => {
    expect((await cli(['download', 'acme-blog.live', '--element', 'db', '--to', join(dir, 'dl')])).code).toBe(
      0,
    );
    const list = await cli(['jobs', 'list', '--json']);
    const jobs = JSON.parse(list.stdout) as { id: string; kind: string; state: string; title: string }[];
    expect(jobs).toEqual([
      expect.objectContaining({
        kind: 'download',
        state: 'succeeded',
        title: 'Download the database archive of acme-blog.live from the latest backup',
      }),
    ]);
    const show = await cli(['jobs', 'show', jobs[0]!.id.slice(0, 8)]);
    expect(show.stdout).toMatch(/^State\s+succeeded$/m);
    expect(show.stdout).toMatch(new RegExp(`^Output\\s+${join(dir, 'dl')}/`, 'm'));
  });

  it('download --exclude unpacks all but what it names', async () => {
    const r = await cli([
      'download',
      'acme-blog.live',
      '--to',
      dir,
      '--exclude',
      'files_live/2024/**',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const { extractedTo } = JSON.parse(r.stdout) as { extractedTo: string };
    const top = await readdir(extractedTo);
    expect(top.length).toBeGreaterThan(0);
    expect(top).not.toContain('2024');
  });
});

describe('--json of the commands that change something', () => {
  it('prints what the README documents', async () => {
    const cases: [string[], string, string?][] = [
      [['backups', 'create', 'acme-events.dev', '--element', 'db', '--keep-for', '2'], 'backups create'],
      [
        ['backups', 'create', 'acme-events.dev', '--element', 'db', '--no-wait'],
        'backups create',
        'with --no-wait',
      ],
      [['backups', 'automatic', 'enable', 'acme-events.dev', '--day', 'Sun'], 'backups automatic enable'],
      [['backups', 'automatic', 'disable', 'acme-events.dev'], 'backups automatic disable'],
      [['download', 'acme-events.live', '--element', 'db', '--to', join(dir, 'dl')], 'download'],
      [['pull', 'acme-events.live', '--element', 'db', '--to', join(dir, 'pull')], 'pull'],
    ];
    for (const [argv, name, when] of cases) {
      const r = await cli([...argv, '--json']);
      expect({ argv, code: r.code }).toEqual({ argv, code: 0 });
      expect({ argv, problems: jsonProblems(JSON.parse(r.stdout), docOf(name, when)) }).toEqual({
        argv,
        problems: [],
      });
    }
    await sandbox.idle();
    const jobs = JSON.parse((await cli(['jobs', 'list', '--json'])).stdout) as { id: string; kind: string }[];
    expect(jobs.map((j) => j.kind).sort()).toEqual(['create-backup', 'download', 'restore']);
    for (const sub of ['show', 'cancel']) {
      const r = await cli(['jobs', sub, jobs[0]!.id, '--json']);
      expect({ sub, code: r.code }).toEqual({ sub, code: 0 });
      expect(jsonProblems(JSON.parse(r.stdout), docOf(`jobs ${sub}`))).toEqual([]);
    }
  });
});
