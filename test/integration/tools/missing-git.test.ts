// A computer without git on PATH (issue 12 §3), on the real engine: the app's contract and the lifeboat command.
// Restoring code says git is missing, what to install and how to point at it (never "not a valid branch name");
// downloading only files needs no git; the path of the real git, set in Settings → Tools or given with --git /
// LIFEBOAT_GIT, makes it work again.
//
// PATH is a folder holding only node. LIFEBOAT_TOOL_SEARCH=path keeps the lookup off the usual places, since
// /usr/bin, one of Linux's, has git on this machine: it stands for a computer that has git nowhere.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { RequestOf } from '../../../shared/api/schemas';
import { appUnderTest, type AppUnderTest } from '../../helpers/app-engine';
import { lifeboat } from '../../helpers/cli';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { testSandbox } from '../../helpers/sandbox';
import { onPath } from '../../helpers/platform';

type RestoreRequestOf = RequestOf<'restore'>;

/** The real git of this machine, found as a shell finds it. */
const realGit = onPath('git') ?? 'git';
/** Its database client, if it has one (else that test is skipped, saying why). */
const realClient = onPath('mariadb') ?? onPath('mysql') ?? '';

let sandbox: Sandbox;
let dir: string;
let bin: string;
/** The environment of a computer without git. */
let noGit: Record<string, string>;

beforeAll(async () => {
  sandbox = await testSandbox();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-no-git-'));
  bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink(process.execPath, join(bin, 'node'));
  noGit = { PATH: bin, LIFEBOAT_TOOL_SEARCH: 'path' };
});
afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `fn` with this process's PATH lacking git (the engine under test runs in this process). */
async function withoutGit<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, LIFEBOAT_TOOL_SEARCH: process.env.LIFEBOAT_TOOL_SEARCH };
  Object.assign(process.env, noGit);
  try {
    return await fn();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.LIFEBOAT_TOOL_SEARCH === undefined) delete process.env.LIFEBOAT_TOOL_SEARCH;
    else process.env.LIFEBOAT_TOOL_SEARCH = saved.LIFEBOAT_TOOL_SEARCH;
  }
}

describe("the app's engine without git on PATH", () => {
  it('previews a code restore with one tool conflict naming git; files alone restore; Settings → Tools fixes it', async () => {
    expect(existsSync(join(bin, 'git'))).toBe(false);
    await withoutGit(async () => {
      const app: AppUnderTest = await appUnderTest(sandbox, join(dir, 'app-data'), {
        secrets: new MemorySecrets(),
      });
      try {
        const req = (elements: RestoreRequestOf['elements'], folderName: string): RestoreRequestOf => ({
          accountId: app.accountId,
          site: 'acme-blog',
          env: 'live',
          backup: 'latest',
          elements,
          targetDir: join(dir, 'app-sites'),
          folderName,
        });

        const preview = await app.api.restores.preview(req(['code', 'files'], 'with-code'));
        if (!preview.ok) throw new Error(preview.error.message);
        // One conflict, the tool's: not also "not a valid branch name" (the branch cannot be checked without git).
        expect(preview.value.conflicts).toEqual([
          {
            kind: 'tool',
            code: 'missing-tool',
            message: expect.stringMatching(
              /^git was not found: it is needed to restore code\. Lifeboat looked on PATH\. Install it with `sudo apt install git`.* set its path in Settings → Tools \(for the lifeboat command: --git PATH\)\.$/,
            ),
          },
        ]);
        // The run refuses with the same error before downloading anything.
        expect(await app.restore(req(['code', 'files'], 'with-code'))).toEqual({ refused: 'missing-tool' });

        // Settings → Tools shows the same: git missing, with what to do.
        const tools = await app.api.tools.find();
        if (!tools.ok) throw new Error(tools.error.message);
        expect(tools.value.git).toMatchObject({ found: null, error: { code: 'missing-tool' } });
        expect(tools.value.git.error?.message).toMatch(/^git was not found/);

        // A designer who only wants the files needs no git.
        const files = await app.api.restores.preview(req(['files'], 'files-only'));
        expect(files).toMatchObject({ ok: true, value: { conflicts: [] } });
        expect(await app.restore(req(['files'], 'files-only'))).toMatchObject({ state: 'succeeded' });
        expect(existsSync(join(dir, 'app-sites', 'files-only', 'lifeboat.json'))).toBe(true);

        // A path set in Settings → Tools that points to nothing is said as such, with no git found elsewhere.
        const nowhere = join(dir, 'no-such-git');
        expect(await app.api.settings.update({ tools: { git: nowhere } })).toMatchObject({
          ok: true,
          value: { tools: { git: nowhere, mysqlClient: null } },
        });
        const wrong = await app.api.restores.preview(req(['code'], 'with-code'));
        expect(wrong.ok && wrong.value.conflicts).toEqual([
          {
            kind: 'tool',
            code: 'missing-tool',
            message: expect.stringContaining(
              `Settings → Tools says git is at ${nowhere}, but nothing is there.`,
            ),
          },
        ]);

        // The real git, set there: found (with its version), and a code restore runs and checks out its branch.
        await app.api.settings.update({ tools: { git: realGit } });
        const found = await app.api.tools.find();
        expect(found.ok && found.value.git).toEqual({
          found: { path: realGit, version: expect.stringMatching(/^git version \d/), via: 'setting' },
          error: null,
        });
        const fixed = await app.api.restores.preview(req(['code', 'files'], 'with-code'));
        expect(fixed).toMatchObject({ ok: true, value: { conflicts: [] } });
        const job = await app.restore(req(['code', 'files'], 'with-code'));
        expect(job).toMatchObject({ state: 'succeeded' });
        const branch = execFileSync(realGit, [
          '-C',
          join(dir, 'app-sites', 'with-code'),
          'branch',
          '--show-current',
        ])
          .toString()
          .trim();
        expect(branch).toBe(fixed.ok ? fixed.value.branch : 'no preview');
      } finally {
        await app.close();
      }
    });
  });
});

describe('the lifeboat command without git on PATH', () => {
  const dataDir = (): string => join(dir, 'cli-data');

  it('pull --dry-run lists the missing git as its one conflict and exits 11 (missing tool)', async () => {
    const r = await lifeboat(
      ['--demo', 'pull', 'acme-blog.live', '--to', join(dir, 'cli-sites'), '--dry-run', '--json'],
      { ...noGit, LIFEBOAT_DATA_DIR: dataDir() },
    );
    expect(r.code).toBe(11);
    const plan = JSON.parse(r.stdout) as { conflicts: { kind: string; code: string; message: string }[] };
    expect(plan.conflicts).toEqual([
      { kind: 'tool', code: 'missing-tool', message: expect.stringMatching(/^git was not found: /) },
    ]);
  });

  it('pull --element files needs no git', async () => {
    const r = await lifeboat(
      ['--demo', 'pull', 'acme-blog.live', '--to', join(dir, 'cli-files'), '--element', 'files', '--json'],
      { ...noGit, LIFEBOAT_DATA_DIR: dataDir() },
    );
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    expect(existsSync(join(dir, 'cli-files', 'acme-blog-live', 'lifeboat.json'))).toBe(true);
  });

  it('--git with the real git (or LIFEBOAT_GIT) restores the code; --git to nothing is an error naming --git', async () => {
    const wrong = await lifeboat(
      [
        '--demo',
        'pull',
        'acme-blog.live',
        '--to',
        join(dir, 'cli-wrong'),
        '--git',
        join(dir, 'nope'),
        '--json',
      ],
      { ...noGit, LIFEBOAT_DATA_DIR: dataDir() },
    );
    expect(wrong.code).toBe(11);
    expect(JSON.parse(wrong.stdout)).toEqual({
      error: {
        code: 'missing-tool',
        message: expect.stringMatching(
          new RegExp(`^--git says git is at ${join(dir, 'nope')}, but nothing is there\\.`),
        ),
        retryable: false,
      },
    });

    const byFlag = await lifeboat(
      ['--demo', 'pull', 'acme-blog.live', '--to', join(dir, 'cli-code'), '--git', realGit],
      { ...noGit, LIFEBOAT_DATA_DIR: dataDir() },
    );
    expect({ code: byFlag.code, stderr: byFlag.stderr }).toMatchObject({ code: 0 });
    expect(byFlag.stdout).toMatch(/code\s+branch lifeboat\/live-/);

    const byEnv = await lifeboat(
      ['--demo', 'pull', 'acme-blog.live', '--to', join(dir, 'cli-env'), '--element', 'code', '--json'],
      { ...noGit, LIFEBOAT_GIT: realGit, LIFEBOAT_DATA_DIR: dataDir() },
    );
    expect({ code: byEnv.code, stderr: byEnv.stderr }).toMatchObject({ code: 0 });
    const head = execFileSync(realGit, ['-C', join(dir, 'cli-env', 'acme-blog-live'), 'rev-parse', 'HEAD'])
      .toString()
      .trim();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
  });

  it.skipIf(realClient === '')(
    'without the database client, --db-import says so as a tool conflict (exit 11); --mysql-client finds it',
    async () => {
      const args = (extra: string[]) => [
        '--demo',
        'pull',
        'acme-blog.live',
        '--to',
        join(dir, 'cli-db'),
        '--element',
        'files,database',
        '--db-import',
        // Nothing listens on port 1: once the client is found, the server is what is missing.
        'mysql://root@127.0.0.1:1/acme',
        '--dry-run',
        '--json',
        ...extra,
      ];
      const none = await lifeboat(args([]), { ...noGit, LIFEBOAT_DATA_DIR: dataDir() });
      expect(none.code).toBe(11);
      expect((JSON.parse(none.stdout) as { conflicts: unknown[] }).conflicts).toEqual([
        {
          kind: 'tool',
          code: 'missing-tool',
          message: expect.stringMatching(
            /^The MySQL\/MariaDB command-line client \(mariadb or mysql\) was not found: .*apt install mariadb-client.*--mysql-client PATH/,
          ),
        },
      ]);
      const found = await lifeboat(args(['--mysql-client', realClient]), {
        ...noGit,
        LIFEBOAT_DATA_DIR: dataDir(),
      });
      expect(found.code).toBe(10);
      expect((JSON.parse(found.stdout) as { conflicts: unknown[] }).conflicts).toEqual([
        { kind: 'database', code: 'database', message: expect.stringMatching(/^No database server answers/) },
      ]);
    },
  );

  it('lifeboat --help says where git and the client are looked for and names --git and --mysql-client', async () => {
    const help = (await lifeboat(['--help'], noGit)).stdout;
    expect(help).toContain('--git PATH');
    expect(help).toContain('--mysql-client PATH');
    expect(help).toContain('LIFEBOAT_GIT');
    expect(help).toContain('11 missing tool');
  });
});
