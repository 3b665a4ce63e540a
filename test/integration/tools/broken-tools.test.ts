// Tools that are there but are not what Lifeboat needs (issue 12 §3), with real programs: a git that answers
// --version and fails at everything else is a broken git, not a bad branch name; git given as the database client
// is refused as such; a bare name given as the path never runs ./git from the current folder; and the client's
// --help probe sees none of Lifeboat's secrets.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSafetyArgs } from '../../../electron/services/database/mysql';
import { validateBranchName } from '../../../electron/services/git/git';
import { runVersion } from '../../../electron/services/tools/find-tool';
import { configureTools } from '../../../electron/services/tools/tools';
import { lifeboat } from '../../helpers/cli';
import { onPath } from '../../helpers/platform';

/** The real git of this machine, found as a shell finds it. */
const realGit = onPath('git') ?? 'git';

let dir: string;
const noSettings = async () => ({ git: null, mysqlClient: null });

/** Writes an executable shell script. */
async function script(path: string, body: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-broken-tools-'));
});
afterAll(async () => {
  configureTools({ given: {} });
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('a git that runs --version but fails at the rest', () => {
  let fakeGit: string;
  beforeAll(async () => {
    fakeGit = await script(
      join(dir, 'fake', 'git'),
      'if [ "$1" = "--version" ]; then echo "git version 2.99.fake"; exit 0; fi\necho "fakegit: boom" >&2; exit 3',
    );
  });

  it('checking a branch name: missing-tool naming that git and quoting its error, not "not a valid branch name"', async () => {
    configureTools({ saved: noSettings, given: { git: { path: fakeGit, name: '--git' } } });
    const e = (await validateBranchName('lifeboat/live-broken').then(
      () => new Error('accepted'),
      (x: unknown) => x,
    )) as Error & { code?: string };
    expect(e).toMatchObject({ code: 'missing-tool' });
    expect(e.message).toBe(
      `The git at ${fakeGit} (set in --git) failed while checking a branch name, with exit code 3: "fakegit: boom". Correct or clear that path.`,
    );
  });

  it('a git killed by a signal, or exiting 1 with a message, is broken too', async () => {
    const killed = await script(
      join(dir, 'killed', 'git'),
      'if [ "$1" = "--version" ]; then echo "git version 2.99.fake"; exit 0; fi\nkill -KILL $$',
    );
    configureTools({ saved: noSettings, given: { git: { path: killed, name: '--git' } } });
    await expect(validateBranchName('lifeboat/live-killed')).rejects.toMatchObject({
      code: 'missing-tool',
      message: expect.stringContaining(
        `The git at ${killed} (set in --git) failed while checking a branch name, with signal SIGKILL.`,
      ),
    });
    const one = await script(
      join(dir, 'one', 'git'),
      'if [ "$1" = "--version" ]; then echo "git version 2.99.fake"; exit 0; fi\necho "error: cannot load libpcre2" >&2; exit 1',
    );
    configureTools({ saved: noSettings, given: { git: { path: one, name: '--git' } } });
    await expect(validateBranchName('lifeboat/live-one')).rejects.toMatchObject({
      code: 'missing-tool',
      message: expect.stringContaining('with exit code 1: "error: cannot load libpcre2"'),
    });
  });

  it('the real git still refuses a bad name as a bad name, and accepts a good one', async () => {
    configureTools({ saved: noSettings, given: { git: { path: realGit, name: '--git' } } });
    await expect(validateBranchName('a..b')).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringMatching(/^"a\.\.b" is not a valid branch name/),
    });
    await expect(validateBranchName('lifeboat/live-good')).resolves.toBeUndefined();
  });

  it('lifeboat pull --element code --git <that git> exits 11 (missing tool) with the same message', async () => {
    const r = await lifeboat(
      [
        '--demo',
        'pull',
        'acme-blog.live',
        '--to',
        join(dir, 'cli-code'),
        '--element',
        'code',
        '--git',
        fakeGit,
      ],
      { LIFEBOAT_DATA_DIR: join(dir, 'cli-data') },
    );
    expect(r.code).toBe(11);
    expect(r.stderr).toContain(
      `The git at ${fakeGit} (set in --git) failed while checking a branch name, with exit code 3: "fakegit: boom".`,
    );
    expect(r.stderr).not.toContain('not a valid branch name');
  });
});

describe.skipIf(process.platform === 'win32')('another program given as a tool', () => {
  it('--mysql-client with git is "not a MySQL or MariaDB client", exit 11, not blamed on the server', async () => {
    const r = await lifeboat(
      [
        '--demo',
        'pull',
        'acme-blog.live',
        '--to',
        join(dir, 'cli-db'),
        '--element',
        'files,database',
        '--db-import',
        'mysql://root@127.0.0.1:1/acme',
        '--mysql-client',
        realGit,
        '--dry-run',
        '--json',
      ],
      { LIFEBOAT_DATA_DIR: join(dir, 'cli-data') },
    );
    expect(r.code).toBe(11);
    const version = execFileSync(realGit, ['--version']).toString().trim();
    expect((JSON.parse(r.stdout) as { conflicts: unknown[] }).conflicts).toEqual([
      {
        kind: 'tool',
        code: 'missing-tool',
        message: expect.stringContaining(
          `--mysql-client says the database client is at ${realGit}, but that is not a MySQL or MariaDB client (its --version said: ${version}).`,
        ),
      },
    ]);
  });

  it('--git git (a bare name) says to give the full path, and never runs ./git from the current folder', async () => {
    const cwd = join(dir, 'site');
    const marker = join(dir, 'ran-dot-git');
    await script(join(cwd, 'git'), `touch '${marker}'\necho "git version 6.6.6"`);
    const r = await lifeboat(
      [
        '--demo',
        'pull',
        'acme-blog.live',
        '--to',
        join(dir, 'cli-bare'),
        '--element',
        'code',
        '--git',
        'git',
      ],
      { LIFEBOAT_DATA_DIR: join(dir, 'cli-data') },
      undefined,
      '',
      cwd,
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 11,
      stderr: expect.stringContaining(
        'lifeboat: --git says git is "git", a name, not a path: give the full path to git (for example /usr/bin/git).',
      ),
    });
    expect(existsSync(marker)).toBe(false);
  });
});

describe.skipIf(process.platform === 'win32')('the database client’s probes', () => {
  it('--version and --help see none of Lifeboat’s secrets (the machine token, MYSQL_PWD, LIFEBOAT_DB_PASSWORD)', async () => {
    const record = join(dir, 'client-env');
    await mkdir(record);
    const client = await script(
      join(dir, 'client', 'mariadb'),
      [
        'case "$*" in',
        `  --version) env > '${record}/version'; echo "mariadb  Ver 15.1 Distrib 10.11.6-MariaDB" ;;`,
        `  *--help*) env > '${record}/help'; printf "Usage: mariadb [OPTIONS]\\n  --binary-mode  Binary mode.\\n  --local-infile  Local infile.\\n" ;;`,
        'esac',
      ].join('\n'),
    );
    const secrets = {
      TERMINUS_MACHINE_TOKEN: 'lbsecret-terminus-token',
      MYSQL_PWD: 'lbsecret-mysql-pwd',
      LIFEBOAT_DB_PASSWORD: 'lbsecret-db-password',
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, secrets);
    try {
      expect(await runVersion(client)).toBe('mariadb  Ver 15.1 Distrib 10.11.6-MariaDB');
      // The options the help lists prove it was read; what it saw is what it recorded.
      expect(await clientSafetyArgs(client)).toEqual(['--binary-mode', '--local-infile=0']);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    for (const run of ['version', 'help']) {
      const seen = await readFile(join(record, run), 'utf8');
      expect(seen, run).toContain('PATH=');
      expect(
        seen.split('\n').filter((l) => /token|password|secret|^MYSQL_PWD$/i.test(l.split('=')[0] ?? '')),
      ).toEqual([]);
      expect(seen).not.toContain('lbsecret');
    }
  });
});
