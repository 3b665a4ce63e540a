import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchSeed, DRUPAL_EXCLUDED, releaseLine, type Sandbox } from '../../../electron/sandbox';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../../helpers/mariadb';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';

const run = promisify(execFile);
let sandbox: Sandbox;
let work: string;

beforeAll(async () => {
  sandbox = await testSandbox();
  work = await mkdtemp(join(tmpdir(), 'lifeboat-archives-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
});

async function extract(site: string, env: string, element: 'code' | 'files'): Promise<string> {
  const dir = join(work, `${site}-${env}-${element}`);
  await run('mkdir', ['-p', dir]);
  await tar.x({ file: (await sandbox.archive(site, env, element)).path, cwd: dir });
  return dir;
}

const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd })).stdout.trim();

describe('code archives', () => {
  it('hold the whole repository with every deploy tag, checked out at the newest live tag', async () => {
    const dir = await extract('acme-blog', 'live', 'code');
    expect(await readdir(dir)).toEqual(['acme-blog_live_code']);
    const repo = join(dir, 'acme-blog_live_code');
    const tags = (await git(repo, 'tag')).split('\n');
    expect(tags).toContain('pantheon_live_12');
    expect(tags).toContain('pantheon_test_14');
    expect(tags).toContain('pantheon.initialize');
    expect(await git(repo, 'describe', '--tags', '--exact-match', 'HEAD')).toBe('pantheon_live_12');
    expect(await readFile(join(repo, 'RELEASE.txt'), 'utf8')).toBe(
      releaseLine(
        sandbox.seed.sites.find((s) => s.name === 'acme-blog')!,
        13,
      ),
    );
    expect(await git(repo, 'status', '--porcelain')).toBe('');
    expect(await git(repo, 'branch', '--list', 'feature-x')).toContain('feature-x');
  });

  it('check out master on dev and the branch on a multidev', async () => {
    const dev = join(await extract('acme-blog', 'dev', 'code'), 'acme-blog_dev_code');
    expect(await git(dev, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('master');
    const md = join(await extract('acme-blog', 'feature-x', 'code'), 'acme-blog_feature-x_code');
    expect(await git(md, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feature-x');
    expect(await readFile(join(md, 'MULTIDEV.txt'), 'utf8')).toBe('feature-x\n');
  });

  it('may have no top folder at all', async () => {
    const dir = await extract('fran-bakery', 'test', 'code');
    expect(await readdir(dir)).toContain('.git');
    expect(await git(dir, 'describe', '--tags', '--exact-match', 'HEAD')).toBe('pantheon_test_3');
  });

  it('are the same history every time they are built, and files and database the same bytes', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'lifeboat-cache-'));
    const other = await testSandbox({ cacheDir: cache });
    try {
      // Git's index records inode and change times, so the code archive is the same repository, not the same bytes.
      const refs = async (sbx: Sandbox, dir: string) => {
        const out = join(work, dir);
        await run('mkdir', ['-p', out]);
        await tar.x({ file: (await sbx.archive('acme-shop', 'dev', 'code')).path, cwd: out });
        const repo = join(out, 'acme-shop_dev_code');
        return [
          await git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'),
          await git(repo, 'rev-parse', 'HEAD'),
        ];
      };
      expect(await refs(other, 'det-b')).toEqual(await refs(sandbox, 'det-a'));
      for (const el of ['files', 'database'] as const) {
        expect((await other.archive('acme-shop', 'dev', el)).sha256).toBe(
          (await sandbox.archive('acme-shop', 'dev', el)).sha256,
        );
      }
    } finally {
      await other.close();
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe('files archives', () => {
  it('have one top folder files_<env>/ with images and documents', async () => {
    const dir = await extract('acme-blog', 'live', 'files');
    expect(await readdir(dir)).toEqual(['files_live']);
    const top = await readdir(join(dir, 'files_live'));
    expect(top).toEqual(expect.arrayContaining(['2024', 'documents', 'media']));
    const png = await readFile(join(dir, 'files_live', '2024', '01', 'photo-2-1.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('leave out what Pantheon leaves out of a Drupal files folder', async () => {
    const entries: string[] = [];
    await tar.t({
      file: (await sandbox.archive('acme-shop', 'live', 'files')).path,
      onReadEntry: (e) => entries.push(e.path),
    });
    expect(entries.some((p) => p.startsWith('files_live/pictures/'))).toBe(true);
    for (const d of DRUPAL_EXCLUDED)
      expect(entries.filter((p) => p.startsWith(`files_live/${d}/`))).toEqual([]);
  });

  it('reach the size the seed asks for', async () => {
    const site = sandbox.seed.sites.find((s) => s.name === 'acme-blog')!;
    let bytes = 0;
    await tar.t({
      file: (await sandbox.archive('acme-blog', 'dev', 'files')).path,
      onReadEntry: (e) => (bytes += e.size ?? 0),
    });
    expect(bytes).toBeGreaterThanOrEqual(site.sizes.files);
    expect(bytes).toBeLessThan(site.sizes.files * 1.1);
  });
});

describe('database archives', () => {
  it('are one gzip stream of a mysqldump', async () => {
    const chunks: Buffer[] = [];
    await pipeline(
      createReadStream((await sandbox.archive('globex-www', 'live', 'database')).path),
      createGunzip(),
      async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) chunks.push(c);
      },
    );
    const sql = Buffer.concat(chunks).toString('utf8');
    expect(sql).toMatch(/^-- MySQL dump/);
    expect(sql).toContain('utf8mb4_0900_ai_ci');
    expect(sql).toContain('CREATE TABLE `node_field_data`');
    expect(sql.trimEnd()).toMatch(/-- Dump completed on/);
  });

  describe('imported into a real MariaDB', () => {
    let db: TestMariaDb | null = null;
    let skipReason: string | null = null;
    beforeAll(async () => {
      skipReason = await mariadbUnavailable();
      if (!skipReason) db = await startMariaDb();
    });
    afterAll(() => db?.stop());

    it('load completely (MariaDB dump)', async (ctx) => {
      if (!db) return ctx.skip(`MariaDB unavailable: ${skipReason}`);
      await db.query('CREATE DATABASE acme_blog_live');
      const path = (await sandbox.archive('acme-blog', 'live', 'database')).path;
      await run('sh', [
        '-c',
        `gunzip -c '${path}' | mariadb --no-defaults --socket='${db.socket}' -uroot acme_blog_live`,
      ]);
      expect(
        (await db.query("SELECT value FROM wp_options WHERE name='lifeboat_env'", 'acme_blog_live')).trim(),
      ).toBe('live');
      expect(Number(await db.query('SELECT COUNT(*) FROM wp_posts', 'acme_blog_live'))).toBeGreaterThan(50);
      expect((await db.query('SELECT email FROM wp_users WHERE id=2', 'acme_blog_live')).trim()).toBe(
        "o'brien@acme-blog.example",
      );
    });

    it('spread a dense (benchmark) dump over several large tables, as real sites do', async (ctx) => {
      if (!db) return ctx.skip(`MariaDB unavailable: ${skipReason}`);
      // A parallel import can only be measured on a dump whose data is not all in one table.
      const bench = await testSandbox({ seed: benchSeed(2) });
      try {
        await db.query('CREATE DATABASE bench_db');
        const path = (await bench.archive('bench-db', 'live', 'database')).path;
        await run('sh', [
          '-c',
          `gunzip -c '${path}' | mariadb --no-defaults --socket='${db.socket}' -uroot bench_db`,
        ]);
        // Rows are all of one shape, so their counts are the tables' shares.
        const sizes = await Promise.all(
          ['node_field_data', 'node__body', 'node_revision', 'cache_render'].map(async (t) =>
            Number(await db!.query(`SELECT COUNT(*) FROM \`${t}\``, 'bench_db')),
          ),
        );
        expect(sizes).toHaveLength(4);
        const total = sizes.reduce((a, b) => a + b, 0);
        for (const size of sizes) expect(size / total).toBeGreaterThan(0.1);
        expect(Math.max(...sizes) / total).toBeLessThan(0.5);
      } finally {
        await bench.close();
      }
    });

    it('fail on MariaDB with the MySQL 8 collation, as real MySQL 8 dumps do', async (ctx) => {
      if (!db) return ctx.skip(`MariaDB unavailable: ${skipReason}`);
      await db.query('CREATE DATABASE globex');
      const path = (await sandbox.archive('globex-www', 'live', 'database')).path;
      const err = await run('sh', [
        '-c',
        `gunzip -c '${path}' | mariadb --no-defaults --socket='${db.socket}' -uroot globex`,
      ]).catch((e: { stderr: string }) => e);
      expect((err as { stderr: string }).stderr).toMatch(/Unknown collation: 'utf8mb4_0900_ai_ci'/);
    });
  });
});

describe('a deploy on the sandbox', () => {
  it('moves the environment to the next deploy tag, in its API and its code archive, in that sandbox only', async () => {
    const own = await testSandbox();
    try {
      expect(own.deploy('acme-blog', 'live')).toBe('pantheon_live_13');
      const dana = clientFor(own, DANA);
      const live = (await dana.listEnvironments(await dana.getSite('acme-blog'))).find(
        (e) => e.id === 'live',
      )!;
      expect(live.targetRef).toBe('refs/tags/pantheon_live_13');
      const dir = join(work, 'deployed');
      await run('mkdir', ['-p', dir]);
      await tar.x({ file: (await own.archive('acme-blog', 'live', 'code')).path, cwd: dir });
      const repo = join(dir, 'acme-blog_live_code');
      const tags = (await git(repo, 'tag')).split('\n');
      // Every earlier tag stays, as in a real archive.
      expect(tags).toEqual(
        expect.arrayContaining(['pantheon_live_12', 'pantheon_live_13', 'pantheon_test_14']),
      );
      expect(await git(repo, 'describe', '--tags', '--exact-match', 'HEAD')).toBe('pantheon_live_13');
      // Live promotes what test has: once live has caught up, a live deploy deploys to test first.
      expect(own.deploy('acme-blog', 'live')).toBe('pantheon_live_14');
      expect(own.deploy('acme-blog', 'live')).toBe('pantheon_live_15');
      const test = (await dana.listEnvironments(await dana.getSite('acme-blog'))).find(
        (e) => e.id === 'test',
      )!;
      expect(test.targetRef).toBe('refs/tags/pantheon_test_15');
      // Another sandbox of the same seed is not moved.
      const other = (await clientFor(sandbox, DANA).listEnvironments(await dana.getSite('acme-blog'))).find(
        (e) => e.id === 'live',
      )!;
      expect(other.targetRef).toBe('refs/tags/pantheon_live_12');
    } finally {
      await own.close();
    }
  });
});
