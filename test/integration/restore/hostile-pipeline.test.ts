/**
 * The hostile corpus run end to end, as a user would meet it: each archive built to attack Lifeboat is
 * served by the sandbox as a real backup, then pulled through the CLI (`lifeboat pull`) and through the app's
 * path (`restores.start` → job). Each test names the promise of the README it attacks.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { Element, Job } from '../../../shared/models';
import { appUnderTest, type AppUnderTest } from '../../helpers/app-engine';
import { lifeboat } from '../../helpers/cli';
import { codeArchive, hostileRepo } from '../../helpers/hostile-git';
import { shellEscapeDump, useOtherDatabaseDump } from '../../helpers/hostile-dumps';
import { longName, setuidFile, symlinkChain, zipBomb } from '../../helpers/hostile-tar';
import { mariadbUnavailable, startMariaDb } from '../../helpers/mariadb';
import { DANA, requestsTo, testSandbox } from '../../helpers/sandbox';
import { mountSmallFs, smallFsUnavailable } from '../../helpers/small-fs';
import { fastTransfer } from '../../helpers/transfer';
import { itUnless, noPermissionBits, noSymlinks } from '../../helpers/platform';

const run = promisify(execFile);
let sandbox: Sandbox;
let root: string;
let target: string;
let outside: string;
let app: AppUnderTest;

beforeEach(async () => {
  sandbox = await testSandbox();
  root = await mkdtemp(join(tmpdir(), 'lifeboat-hostile-'));
  target = join(root, 'target');
  outside = join(root, 'outside');
  await mkdir(target);
  await mkdir(outside);
  await writeFile(join(outside, 'precious.txt'), 'mine');
  app = await appUnderTest(sandbox, join(root, 'data'));
});
afterEach(async () => {
  await app.close();
  await sandbox.close();
  await rm(root, { recursive: true, force: true });
});

/** Serves `bytes` as acme-blog's live archive of `element`. */
async function serve(element: Element, bytes: Buffer | string): Promise<void> {
  const file = join(root, `served-${element}`);
  if (typeof bytes === 'string') await writeFile(file, await readFile(bytes));
  else await writeFile(file, bytes);
  sandbox.serveArchive('acme-blog', 'live', element, file);
}

const cli = (elements: string, extra: string[] = [], to = target) =>
  lifeboat([
    '--api-url',
    sandbox.apiUrl,
    '--machine-token',
    sandbox.accounts.find((a) => a.email === DANA)!.machineToken,
    'pull',
    'acme-blog.live',
    '--to',
    to,
    '--element',
    elements,
    ...extra,
  ]);

const viaApp = (elements: Element[], to = target) =>
  app.restore({ site: 'acme-blog', env: 'live', backup: 'latest', elements, targetDir: to });

const failedWith = (j: Job | { refused: string }): string | undefined =>
  'refused' in j ? `refused:${j.refused}` : j.state === 'failed' ? j.error?.code : j.state;

/** Nothing outside the target changed, no restore folder appeared, and the staging folder holds no extraction. */
async function nothingLanded(to = target): Promise<void> {
  expect((await readdir(root)).filter((n) => !n.startsWith('served-')).sort()).toEqual(
    ['data', 'outside', 'target'].filter((n) => n !== 'target' || to === target).sort(),
  );
  expect(await readdir(outside)).toEqual(['precious.txt']);
  expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('mine');
  for (const name of await readdir(to)) {
    expect(name).toMatch(/^\.acme-blog-live\.lifeboat$/);
    expect((await readdir(join(to, name))).filter((n) => n !== 'downloads' && n !== 'restore.json')).toEqual(
      [],
    );
  }
}

describe('safe archives: nothing from an archive lands outside its target', () => {
  it('a chain of relative symlinks in the code archive is refused, through the CLI and the app', async () => {
    await serve('code', symlinkChain(4, 'dir', { top: 'acme-blog' }));
    const r = await cli('code,files,database');
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('the code archive contains an unsafe entry');
    await nothingLanded();
    expect(failedWith(await viaApp(['code', 'files', 'database']))).toBe('hostile-archive');
    await nothingLanded();
  });

  itUnless(noPermissionBits)(
    'setuid, setgid and sticky bits in the files archive are not restored',
    async () => {
      await serve('files', setuidFile({ top: 'files_live' }));
      const r = await cli('files');
      expect(r.stderr).not.toMatch(/lifeboat: (?!warning)/);
      expect(r.code).toBe(0);
      const mode = async (p: string) =>
        (await stat(join(target, 'acme-blog-live', 'files', p))).mode & 0o7777;
      expect(await mode('bin/suid')).toBe(0o755);
      expect(await mode('bin/sgid')).toBe(0o755);
      expect((await mode('shared')) & 0o7000).toBe(0);
    },
  );

  it('a name too long for the file system fails the archive clearly instead of dropping the file', async () => {
    await serve('files', longName(300, { top: 'files_live' }));
    const r = await cli('files');
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/too long/i);
    await nothingLanded();
  });

  it('a damaged archive leaves no partial extraction in the staging folder', async () => {
    sandbox.setFaults({ store: { corrupt: true, match: 'files' } });
    const r = await cli('code,files');
    expect(r.code).toBe(6);
    await nothingLanded();
    expect(failedWith(await viaApp(['code', 'files']))).toBe('integrity');
    await nothingLanded();
  });
});

describe('disk full: a restore fails, never "Restored" with a truncated file, and the disk is not left full', () => {
  it('a 300 KB archive that expands to 300 MiB on a 96 MiB disk', async (ctx) => {
    const why = await smallFsUnavailable();
    if (why) return ctx.skip(`no small file system to fill: ${why}`);
    const small = await mountSmallFs(96);
    try {
      await serve('files', await zipBomb(300, { top: 'files_live' }));
      const r = await cli('files', [], small.dir);
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/disk/i);
      expect(await readdir(small.dir).then((n) => n.filter((x) => !x.startsWith('.')))).toEqual([]);
      const used = Number((await run('df', ['--output=used', '-B1', small.dir])).stdout.split('\n')[1]);
      expect(used).toBeLessThan(4 * 1024 * 1024);
      expect(failedWith(await viaApp(['files'], small.dir))).toBe('disk-full');
      const after = Number((await run('df', ['--output=used', '-B1', small.dir])).stdout.split('\n')[1]);
      expect(after).toBeLessThan(4 * 1024 * 1024);
    } finally {
      await small.unmount();
    }
  });
});

describe('git: the restored repository never runs its own code', () => {
  it('hooks, fsmonitor, hooksPath, filters and includes planted in the code archive run neither in the CLI nor in the app', async () => {
    // The marker lives outside the build folder (removed below), so a payload that runs can really write it.
    const built = await hostileRepo({
      topFolder: 'acme-blog',
      root: join(root, 'build'),
      marker: join(root, 'git-ran'),
    });
    await serve('code', await codeArchive(built, join(root, 'build.tar.gz')));
    await rm(join(root, 'build'), { recursive: true, force: true });
    await rm(join(root, 'build.tar.gz'));
    const r = await cli('code', ['--branch', 'snap']);
    expect(r.stderr).not.toMatch(/lifeboat: (?!warning)/);
    expect(r.code).toBe(0);
    await expect(stat(built.marker)).rejects.toMatchObject({ code: 'ENOENT' });
    const restored = join(target, 'acme-blog-live');
    expect(
      (await run('git', ['describe', '--tags', '--exact-match', 'HEAD'], { cwd: restored })).stdout.trim(),
    ).toBe(built.liveTag);
    const job = await viaApp(['code'], join(root, 'app'));
    expect(failedWith(job)).toBe('succeeded');
    await expect(stat(built.marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('updates: every conflict found before the first byte, nothing left half done', () => {
  it('an update from the backup the copy is already at is refused before downloading, and nothing changes', async () => {
    const first = await cli('code,files,database', ['--branch', 'one']);
    expect(first.code).toBe(0);
    const restored = join(target, 'acme-blog-live');
    const before = (await readdir(restored, { recursive: true })).sort();
    const branches = (await run('git', ['branch', '--list'], { cwd: restored })).stdout;
    const downloads = requestsTo(sandbox, '/store/').length;
    const again = await cli('code,files,database', ['--branch', 'two', '--update']);
    expect(again.code).toBe(7);
    expect(again.stderr).toContain('is already at the backup of');
    // Its database archive being there already is a conflict of its own, listed too.
    const dry = await cli('code,files,database', ['--branch', 'two', '--update', '--dry-run']);
    expect(dry.stdout).toContain('is already there (this backup was restored before)');
    expect(requestsTo(sandbox, '/store/').length).toBe(downloads);
    expect((await readdir(restored, { recursive: true })).sort()).toEqual(before);
    expect((await run('git', ['branch', '--list'], { cwd: restored })).stdout).toBe(branches);
  });
});

describe('the dump is data, not a program, and reaches no other database', () => {
  it('a dump with a shell escape runs nothing, fails the import (exit 10) and leaves no restore that looks complete', async (ctx) => {
    const why = await mariadbUnavailable();
    if (why) return ctx.skip(`no MariaDB here: ${why}`);
    const db = await startMariaDb();
    try {
      const marker = join(root, 'dump-ran');
      await serve('database', shellEscapeDump(marker));
      const url = `mysql://root@localhost/acme_blog_live?socket=${encodeURIComponent(db.socket)}`;
      const r = await cli('code,database', ['--db-import', url]);
      expect(r.code).toBe(10);
      await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
      await nothingLanded();
      expect((await db.query("SHOW DATABASES LIKE 'acme_blog_live'")).trim()).toBe('');
    } finally {
      await db.stop();
    }
  });

  it('a dump that switches to another database leaves that database exactly as it was', async (ctx) => {
    const why = await mariadbUnavailable();
    if (why) return ctx.skip(`no MariaDB here: ${why}`);
    const db = await startMariaDb();
    try {
      await db.query(
        'CREATE DATABASE bystander; CREATE TABLE bystander.t (x int); INSERT INTO bystander.t VALUES (7);',
      );
      const before = await db.fingerprint('bystander');
      await serve('database', useOtherDatabaseDump('bystander'));
      const url = `mysql://root@localhost/acme_blog_live?socket=${encodeURIComponent(db.socket)}`;
      const r = await cli('database', ['--db-import', url]);
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(/bystander/);
      expect(await db.fingerprint('bystander')).toBe(before);
      await nothingLanded();
    } finally {
      await db.stop();
    }
  });
});

describe("an outside tester's findings", () => {
  it('a database import waits for every other step: a code archive with its own lifeboat.json leaves --replace-db untouched', async (ctx) => {
    const why = await mariadbUnavailable();
    if (why) return ctx.skip(`no MariaDB here: ${why}`);
    const db = await startMariaDb();
    try {
      await db.query(
        'CREATE DATABASE mysite; CREATE TABLE mysite.my_work (x int); INSERT INTO mysite.my_work VALUES (1),(2);',
      );
      const before = await db.fingerprint('mysite');
      const built = await hostileRepo({
        vectors: [],
        topFolder: 'acme-blog',
        root: join(root, 'build'),
        marker: join(root, 'm'),
      });
      await writeFile(join(built.repo, 'lifeboat.json'), '{}');
      await run('git', ['-c', 'core.hooksPath=/dev/null', 'add', 'lifeboat.json'], { cwd: built.repo });
      await run(
        'git',
        [
          '-c',
          'core.hooksPath=/dev/null',
          '-c',
          'user.name=t',
          '-c',
          'user.email=t@t',
          'commit',
          '-qm',
          'own record',
        ],
        { cwd: built.repo },
      );
      await run('git', ['tag', '-f', 'pantheon_live_9'], { cwd: built.repo });
      await serve('code', await codeArchive(built, join(root, 'code.tar.gz')));
      const url = `mysql://root@localhost/mysite?socket=${encodeURIComponent(db.socket)}`;
      const r = await cli('code,database', ['--db-import', url, '--replace-db']);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain('has a file of its own at lifeboat.json');
      expect(await db.fingerprint('mysite')).toBe(before);
    } finally {
      await db.stop();
    }
  });

  it("a folder of the user's named like the staging folder is a conflict, never cleared", async () => {
    await mkdir(join(target, '.acme-blog-live.lifeboat', '.git'), { recursive: true });
    await writeFile(join(target, '.acme-blog-live.lifeboat', 'work.txt'), 'mine');
    const r = await cli('files');
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("is in the way of Lifeboat's staging folder and is not one of its own");
    expect((await readdir(join(target, '.acme-blog-live.lifeboat'))).sort()).toEqual(['.git', 'work.txt']);
  });

  it('a network failure is a network error and keeps the .part to resume, for the database archive too', async () => {
    const { runRestore } = await import('../../../electron/services/restore/restore');
    const { clientFor } = await import('../../helpers/sandbox');
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-blog');
    const FAST = fastTransfer();
    const request = {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest' as const,
      elements: ['database'] as const,
      targetDir: target,
    };
    const downloads = join(target, '.acme-blog-live.lifeboat', 'downloads');
    const partSize = async () => {
      const names = await readdir(downloads).catch(() => [] as string[]);
      const part = names.find((n) => n.endsWith('.part'));
      return part ? (await stat(join(downloads, part))).size : 0;
    };
    // 1. A slow download, cancelled once part of it is on disk.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 20_000 } });
    const ac = new AbortController();
    const first = runRestore({ client, site, options: { transfer: FAST } }, request, {
      signal: ac.signal,
      phase: () => undefined,
      part: (_k, _l, done) => done >= 8_000 && ac.abort(),
    }).catch((e: unknown) => e);
    expect(await first).toMatchObject({ code: 'cancelled' });
    const kept = await partSize();
    expect(kept).toBeGreaterThan(0);
    // 2. The store now hangs up on every request: a network error, and the bytes stay.
    sandbox.setFaults({ store: { dropAfterBytes: 0 } });
    const failed = await runRestore({ client, site, options: { transfer: FAST } }, request, {
      phase: () => undefined,
      part: () => undefined,
    }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'network' });
    expect(await partSize()).toBe(kept);
    // 3. The network is back: the download resumes from there.
    sandbox.setFaults({});
    const done = await runRestore({ client, site, options: { transfer: FAST } }, request, {
      phase: () => undefined,
      part: () => undefined,
    });
    expect(done.resumedBytes).toBe(kept);
  });

  it('a branch the site repository already has (master, a multidev) is a conflict before downloading', async () => {
    const downloads = requestsTo(sandbox, '/store/').length;
    const r = await cli('code', ['--branch', 'master']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('already has a branch "master"');
    expect(requestsTo(sandbox, '/store/').length).toBe(downloads);
  });

  itUnless(noSymlinks())(
    'a link at the restore path, or a file as --to, is a clear conflict before downloading',
    async () => {
      await mkdir(join(root, 'elsewhere'));
      await symlink(join(root, 'elsewhere'), join(target, 'acme-blog-live'));
      // Named: by default a restore picks a folder name that is free.
      const r = await cli('files', ['--folder', 'acme-blog-live']);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain('is a link; Lifeboat restores into a real folder only');
      await writeFile(join(root, 'afile'), 'x');
      const f = await cli('files', [], join(root, 'afile'));
      expect(f.code).toBe(7);
      expect(f.stderr).toContain('is a file, not a folder to restore into');
      await rm(join(root, 'afile'));
      await rm(join(root, 'elsewhere'), { recursive: true });
    },
  );

  it('--update refuses a restore of another site instead of replacing its files', async () => {
    expect((await cli('files')).code).toBe(0);
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    const r = await lifeboat([
      '--api-url',
      sandbox.apiUrl,
      '--machine-token',
      token,
      'pull',
      'acme-events.live',
      '--to',
      target,
      '--folder',
      'acme-blog-live',
      '--update',
      '--element',
      'files',
    ]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('is a restore of acme-blog.live, not of acme-events.live');
    expect((await readdir(join(target, 'acme-blog-live', 'files'))).some((n) => n.includes('.before-'))).toBe(
      false,
    );
  });

  it('an --include that matches nothing is a usage error naming it (exit 2), and download --to a file is a conflict, not an internal error', async () => {
    const r = await cli('files', ['--include', 'wp-content/uploads/2024']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Nothing in the files archive matches the include pattern "wp-content/uploads/2024"',
    );
    await nothingLanded();
    await writeFile(join(root, 'afile'), 'x');
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    const d = await lifeboat([
      '--api-url',
      sandbox.apiUrl,
      '--machine-token',
      token,
      'download',
      'acme-blog.live',
      '--element',
      'files',
      '--to',
      join(root, 'afile'),
    ]);
    expect(d.code).toBe(7);
    expect(d.stderr).toContain('is a file, not a folder to save into');
    await rm(join(root, 'afile'));
  });
});

describe("a second outside tester's findings", () => {
  it('--into-repo --checkout never overwrites files of yours that git ignores; the clone is left as it was', async () => {
    expect((await cli('code', ['--branch', 'one'])).code).toBe(0);
    const restored = join(target, 'acme-blog-live');
    const tag = (
      await run('git', ['describe', '--tags', '--exact-match', 'HEAD'], { cwd: restored })
    ).stdout.trim();
    const tracked = (await run('git', ['ls-tree', '--name-only', tag], { cwd: restored })).stdout
      .split('\n')
      .find((n) => n.endsWith('.php'))!;
    const clone = join(root, 'clone');
    const g = (...args: string[]) =>
      run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: clone }).then((r) =>
        r.stdout.trim(),
      );
    await run('git', ['clone', '-q', restored, clone]);
    await g('checkout', '-q', '--orphan', 'mine');
    await g('rm', '-rfq', '.');
    await writeFile(join(clone, 'mine.txt'), 'mine');
    await g('add', 'mine.txt');
    await g('commit', '-qm', 'mine');
    await writeFile(join(clone, '.git', 'info', 'exclude'), `${tracked}\n`);
    await writeFile(join(clone, tracked), 'MY LOCAL SECRET');
    const refs = await g('for-each-ref');
    const r = await cli(
      'code',
      ['--branch', 'two', '--into-repo', clone, '--checkout'],
      join(root, 'second'),
    );
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('would overwrite files of yours that git ignores');
    expect(await readFile(join(clone, tracked), 'utf8')).toBe('MY LOCAL SECRET');
    expect(await g('branch', '--show-current')).toBe('mine');
    expect(await g('for-each-ref')).toBe(refs);
    await rm(join(root, 'second'), { recursive: true, force: true });
    await rm(clone, { recursive: true, force: true });
  });

  it('download --include leaves a folder of yours named like its staging folder, and a file named like its lock', async () => {
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    const dl = join(root, 'dl');
    const client = (await import('../../helpers/sandbox')).clientFor(sandbox, DANA);
    const site = await client.getSite('acme-blog');
    const [latest] = await client.listBackupSets(site, 'live');
    const name = latest!.archives.files!.filename;
    await mkdir(join(dl, `${name.replace(/\.tar\.gz$/, '')}.lifeboat-staging`), { recursive: true });
    await writeFile(join(dl, `${name.replace(/\.tar\.gz$/, '')}.lifeboat-staging`, 'notes.txt'), 'my notes');
    const args = [
      '--api-url',
      sandbox.apiUrl,
      '--machine-token',
      token,
      'download',
      'acme-blog.live',
      '--element',
      'files',
      '--to',
      dl,
    ];
    const r = await lifeboat([...args, '--include', '2024/**']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('is not one of its own');
    expect(
      await readFile(join(dl, `${name.replace(/\.tar\.gz$/, '')}.lifeboat-staging`, 'notes.txt'), 'utf8'),
    ).toBe('my notes');
    await writeFile(join(dl, `${name}.lock`), 'mine');
    const l = await lifeboat(args);
    expect(l.code).toBe(7);
    expect(await readFile(join(dl, `${name}.lock`), 'utf8')).toBe('mine');
    await rm(dl, { recursive: true, force: true });
  });

  it('a replace whose folder cannot be put in place (something appeared there during the import) keeps the old database', async (ctx) => {
    const why = await mariadbUnavailable();
    if (why) return ctx.skip(`no MariaDB here: ${why}`);
    const db = await startMariaDb();
    try {
      await db.query(
        'CREATE DATABASE mysite; CREATE TABLE mysite.keep_me (x int); INSERT INTO mysite.keep_me VALUES (1);',
      );
      const before = await db.fingerprint('mysite');
      const { runRestore } = await import('../../../electron/services/restore/restore');
      const { clientFor } = await import('../../helpers/sandbox');
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const path = join(target, 'acme-blog-live');
      const err = await runRestore(
        { client, site },
        {
          site: 'acme-blog',
          env: 'live',
          backup: 'latest',
          elements: ['database'],
          targetDir: target,
          database: { connection: { user: 'root', socket: db.socket }, name: 'mysite', replace: true },
        },
        {
          phase: (p) => {
            // Somebody writes into the target folder while the import runs.
            if (p === 'importing') {
              mkdirSync(path, { recursive: true });
              writeFileSync(join(path, 'notes.txt'), 'mine');
            }
          },
          part: () => undefined,
        },
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('appeared while the restore ran'),
      });
      expect(await db.fingerprint('mysite')).toBe(before);
      expect(await readFile(join(path, 'notes.txt'), 'utf8')).toBe('mine');
      expect((await db.query("SHOW DATABASES LIKE 'mysite\\_\\_lb%'")).trim()).toBe('');
    } finally {
      await db.stop();
    }
  });
});
