import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { BIN, lifeboat, SCRATCH_DATA_DIR, TEST_KEYCHAIN_SERVICE } from '../../helpers/cli';
import { cliAuth, DANA, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

const run = promisify(execFile);
let sandbox: Sandbox;
let dir: string;
let auth: string[];

beforeAll(async () => {
  sandbox = await testSandbox();
  auth = cliAuth(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'));
  sandbox.setFaults({});
  return () => rm(dir, { recursive: true, force: true });
});

describe('lifeboat --demo pull (the README command)', () => {
  it('restores code at the newest live tag on a new branch, files in place and the database archive', async () => {
    const r = await lifeboat(['--demo', 'pull', 'acme-blog.live', '--to', dir]);
    expect(r.stderr).not.toMatch(/lifeboat:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('branch lifeboat/live-');
    expect(r.stdout).toContain('at pantheon_live_12');
    const root = join(dir, 'acme-blog-live');
    expect(
      (await run('git', ['describe', '--tags', '--exact-match', 'HEAD'], { cwd: root })).stdout.trim(),
    ).toBe('pantheon_live_12');
    expect(await readdir(join(root, 'wp-content', 'uploads'))).toContain('2024');
    expect((await readdir(join(root, 'database')))[0]).toMatch(/_database\.sql\.gz$/);
    expect(JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8')).code.tag).toBe('pantheon_live_12');
    // Not a terminal: plain progress lines, one per phase and quarter.
    expect(r.stderr).toMatch(/^Downloading\s+[█░]{24}\s+\d+%/m);
    expect(r.stderr).toMatch(/^Downloading\s+█{24}\s+100%/m);
    expect(r.stderr).toMatch(/^Checking out live…$/m);
  });
});

describe.each(SANDBOX_MODES)('read-only commands against the %s sandbox (a real process)', (mode) => {
  let box: Sandbox;
  let as: string[];
  beforeAll(async () => {
    box = mode === 'rich' ? sandbox : await testSandbox({ mode });
    as = cliAuth(box);
  });
  afterAll(() => (box === sandbox ? undefined : box.close()));

  it('lists sites as JSON using the shared models', async () => {
    const r = await lifeboat([...as, 'sites', '--json']);
    expect(r.code).toBe(0);
    const sites = JSON.parse(r.stdout) as { name: string; frozen: boolean; organizations: string[] }[];
    expect(sites.map((s) => s.name)).toContain('acme-shop');
    expect(sites.find((s) => s.name === 'acme-intranet')!.frozen).toBe(true);
  });

  it('lists environments and backups as tables, dates with their offset', async () => {
    const envs = await lifeboat([...as, 'envs', 'acme-blog']);
    expect(envs.stdout).toMatch(/live\s+pantheon_live_12\s+live-acme-blog\.pantheonsite\.io\s+ready/);
    const backups = await lifeboat([...as, 'backups', 'list', 'acme-blog.live', '--element', 'db'], {
      TZ: 'UTC',
    });
    expect(backups.code).toBe(0);
    expect(backups.stdout.split('\n')[0]).toMatch(/^FOLDER\s+DATE\s+BY\s+DATABASE\s+EXPIRES$/);
    expect(backups.stdout).toMatch(
      /_automated\s+\d{4}-\d\d-\d\d \d\d:\d\d \+00:00\s+automated\s+\d+ kB\s+\d{4}-\d\d-\d\d \d\d:\d\d \+00:00$/m,
    );
  });
});

describe('commands against the sandbox', () => {
  it('creates a backup and waits for it', async () => {
    const r = await lifeboat([
      ...auth,
      'backups',
      'create',
      'acme-events.dev',
      '--element',
      'db',
      '--keep-for',
      '30',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      workflow: { result: string };
      backup: { archives: { database: { ttl: number } } };
    };
    expect(out.workflow.result).toBe('succeeded');
    expect(out.backup.archives.database.ttl).toBe(30 * 86400);
  });

  it('downloads one archive as it is, for a designer', async () => {
    const r = await lifeboat([
      ...auth,
      'download',
      'acme-blog.live',
      '--element',
      'files',
      '--to',
      dir,
      '--include',
      'files_live/2024/',
    ]);
    expect(r.code).toBe(0);
    const names = await readdir(dir);
    const archive = names.find((n) => n.endsWith('_files.tar.gz'))!;
    expect(
      createHash('sha256')
        .update(await readFile(join(dir, archive)))
        .digest('hex'),
    ).toBe((await sandbox.archive('acme-blog', 'live', 'files')).sha256);
    const unpacked = join(dir, archive.replace('.tar.gz', ''));
    expect(await readdir(unpacked)).toEqual(['2024']);
  });
});

describe('errors and exit codes', () => {
  it('prints its version and help, and the usage on stderr with exit 2 when given nothing to do', async () => {
    const { version } = JSON.parse(
      await readFile(join(import.meta.dirname, '../../../package.json'), 'utf8'),
    ) as { version: string };
    expect(await lifeboat(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(await lifeboat(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^ {2}pull\s+Restore a site locally/m),
    });
    expect(await lifeboat([])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('Usage:'),
    });
  });

  it('usage errors exit 2 with a specific message', async () => {
    expect(await lifeboat(['pull', 'acme-blog', '--to', dir])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Expected SITE.ENV'),
    });
    expect(await lifeboat(['pull', 'acme-blog.live'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('needs --to DIR'),
    });
    expect(await lifeboat(['backups', 'list', 'a.live', '--element', 'nope', ...auth])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown element "nope"'),
    });
    expect(await lifeboat(['frobnicate'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command "frobnicate"'),
    });
    expect(await lifeboat(['sites', '--bogus'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--bogus'"),
    });
  });

  it('a rejected token exits 3 without printing the token', async () => {
    const r = await lifeboat(['--api-url', sandbox.apiUrl, '--machine-token', 'wrong-token-abcdef', 'sites']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The machine token was rejected by Pantheon');
    expect(r.stderr + r.stdout).not.toContain('wrong-token-abcdef');
  });

  it('an unknown site exits 4, a non-empty target 7, with nothing written', async () => {
    expect(await lifeboat([...auth, 'envs', 'no-such-site'])).toMatchObject({
      code: 4,
      stderr: expect.stringContaining("Site 'no-such-site' was not found"),
    });
    await mkdir(join(dir, 'acme-blog-live'), { recursive: true });
    await writeFile(join(dir, 'acme-blog-live', 'keep.txt'), '');
    // Named: by default a restore picks a folder name that is free.
    const r = await lifeboat([
      ...auth,
      'pull',
      'acme-blog.live',
      '--to',
      dir,
      '--folder',
      'acme-blog-live',
      '--json',
    ]);
    expect(r.code).toBe(7);
    expect(JSON.parse(r.stdout).error.code).toBe('conflict');
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
  });

  it('a corrupt archive exits 6', async () => {
    sandbox.setFaults({ store: { corrupt: true } });
    const r = await lifeboat([...auth, 'pull', 'acme-blog.dev', '--to', dir, '--element', 'files']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('is damaged');
  });

  it('without any account it says how to log in (exit 3)', async () => {
    const r = await lifeboat(['sites'], { LIFEBOAT_DATA_DIR: dir, TERMINUS_MACHINE_TOKEN: '' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Run: lifeboat auth login (it reads the token from standard input)');
    // A hint never puts a token on the command line, where `ps` shows it.
    expect(r.stderr).not.toContain('--machine-token');
  });
});

describe('a killed pull', () => {
  it('resumes its downloads when run again, and the result is byte-identical', async () => {
    // Slow the files archive so the first process is killed half way.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 200_000, match: '_files.' } });
    const args = [...auth, 'pull', 'globex-docs.live', '--to', dir, '--element', 'files,database'];
    const partDir = join(dir, '.globex-docs-live.lifeboat', 'downloads');
    const first = await lifeboat(args, {}, (child) => {
      const t = setInterval(async () => {
        const names = await readdir(partDir).catch(() => [] as string[]);
        const part = names.find((n) => n.endsWith('_files.tar.gz.part'));
        if (part && (await stat(join(partDir, part))).size > 80_000) {
          clearInterval(t);
          child.kill('SIGKILL');
        }
      }, 20);
    });
    expect(first.signal).toBe('SIGKILL');
    const part = (await readdir(partDir)).find((n) => n.endsWith('_files.tar.gz.part'))!;
    const kept = (await stat(join(partDir, part))).size;
    expect(await readdir(dir)).toEqual(['.globex-docs-live.lifeboat']);
    sandbox.setFaults({});
    const from = sandbox.requests.length;
    const second = await lifeboat(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/resumed\s+\d/);
    const storeRequests = sandbox.requests.slice(from).filter((r) => r.path.endsWith('_files.tar.gz'));
    expect(storeRequests.map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    const root = join(dir, 'globex-docs-live');
    const db = (await readdir(join(root, 'database')))[0]!;
    expect(
      createHash('sha256')
        .update(await readFile(join(root, 'database', db)))
        .digest('hex'),
    ).toBe((await sandbox.archive('globex-docs', 'live', 'database')).sha256);
    expect(await readdir(join(root, 'files'))).toEqual(expect.arrayContaining(['2024', 'media', 'pictures']));
    expect(await readdir(dir)).toEqual(['globex-docs-live']);
  });
});

describe('output piped into a reader that stops early (`lifeboat … | head -1`)', () => {
  /** Runs the CLI with its standard output a pipe whose reading end is already closed. */
  const closedPipe = (argv: readonly string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...argv], {
        env: {
          ...process.env,
          VITEST: '',
          LIFEBOAT_DATA_DIR: SCRATCH_DATA_DIR,
          LIFEBOAT_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE,
          TERMINUS_MACHINE_TOKEN: sandbox.accounts.find((a) => a.email === DANA)!.machineToken,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Closed before the process has even started: its first line on stdout meets a pipe nobody reads.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, stderr }));
    });

  it.each([
    [['sites']],
    [['backups', 'list', 'acme-blog.live']],
    [['pull', 'acme-blog.live', '--to', 'DIR', '--dry-run']],
  ])('lifeboat %j ends quietly with exit 0, never "internal error: write EPIPE"', async (argv) => {
    const r = await closedPipe(['--api-url', sandbox.apiUrl, ...argv.map((a) => (a === 'DIR' ? dir : a))]);
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.stderr).not.toMatch(/^lifeboat:/m);
    expect(r.code).toBe(0);
  });
});
