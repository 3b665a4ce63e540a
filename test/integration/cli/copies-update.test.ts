// `lifeboat copies update PATH` and `lifeboat pull --update`: real processes against the sandbox on 127.0.0.1, a
// newer backup made there, real git and files; and a process killed with SIGKILL in the middle of the apply.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import type { Sandbox } from '../../../electron/sandbox';
import type { LocalCopy, RestorePreview } from '../../../shared/models';
import { lifeboat } from '../../helpers/cli';
import { safeGit } from '../../helpers/hostile-git';
import { cliAuth, clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { newBackup, snapshot } from '../restore/newer-backup';
import { writeBulkUploads } from '../../helpers/bulk-files';

let sandbox: Sandbox;
let dir: string;
let env: NodeJS.ProcessEnv;
const doc = (name: string, i = 0) => COMMANDS.find((c) => c.name === name)!.json![i]!;

beforeEach(async () => {
  sandbox = await testSandbox();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-update-'));
  env = { LIFEBOAT_DATA_DIR: join(dir, 'data') };
});
afterEach(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: readonly string[], onStart?: Parameters<typeof lifeboat>[2]) =>
  lifeboat([...cliAuth(sandbox), ...args], env, onStart);
const ok = async (args: readonly string[]) => {
  const r = await cli(args);
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
  return r;
};
const sites = () => join(dir, 'sites');
/** The backups of acme-blog.live, newest first. */
const folders = async (): Promise<string[]> =>
  (
    JSON.parse((await ok(['backups', 'list', 'acme-blog.live', '--json'])).stdout) as { folder: string }[]
  ).map((b) => b.folder);

describe('lifeboat copies update PATH', () => {
  it('plans, then updates the copy from the newest backup; a mistyped path is named', async () => {
    const [, older] = await folders();
    await ok(['pull', 'acme-blog.live', '--to', sites(), '--element', 'code,files', '--backup', older!]);
    const copy = join(sites(), 'acme-blog-live');
    const typo = await cli(['copies', 'update', `${copy}x`]);
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain(`Did you mean ${copy}?`);

    const dry = await cli(['copies', 'update', copy, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as RestorePreview;
    expect(jsonProblems(plan, doc('copies update', 1))).toEqual([]);
    const [newest] = await folders();
    expect(plan).toMatchObject({ update: true, backupFolder: newest, conflicts: [] });

    const run = await cli(['copies', 'update', copy, '--json']);
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    const done = JSON.parse(run.stdout) as {
      path: string;
      refresh: { unchanged: number; keptAside: unknown };
    };
    expect(jsonProblems(done, doc('copies update'))).toEqual([]);
    expect(done.path).toBe(copy);
    // The sandbox serves one files archive for every backup: nothing to rewrite, nothing kept aside.
    expect(done.refresh).toMatchObject({ added: 0, replaced: 0, removed: 0, keptAside: null });
    expect(done.refresh.unchanged).toBeGreaterThan(0);
    expect(await safeGit(copy, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(plan.branch);
    const listed = JSON.parse((await lifeboat(['copies', '--json'], env)).stdout) as LocalCopy[];
    expect(listed).toEqual([
      expect.objectContaining({ path: copy, backup: expect.objectContaining({ folder: newest }) }),
    ]);
    // Up to date now: the conflict's exit code (7), with what to do.
    const again = await cli(['copies', 'update', copy]);
    expect(again.code).toBe(7);
    expect(again.stderr).toContain('is already at the backup of');
  });

  it('pull --update makes the same request: the copy’s own include patterns, its folder, the next free branch', async () => {
    const [, older] = await folders();
    await ok([
      'pull',
      'acme-blog.live',
      '--to',
      sites(),
      '--element',
      'code,files',
      '--include',
      'files_live/2024/',
      '--backup',
      older!,
    ]);
    const copy = join(sites(), 'acme-blog-live');
    const uploads = join(copy, 'wp-content', 'uploads');
    expect(await readdir(uploads)).toEqual(['2024']);
    const today = new Date().toLocaleDateString('sv-SE');
    const r = await ok(['pull', 'acme-blog.live', '--to', sites(), '--update']);
    expect(r.stdout).toContain(`Updated ${copy}`);
    expect(r.stdout).toContain(`branch lifeboat/live-${today}-2`);
    // Without --include on its command line the update kept the copy's: nothing else came in or went aside.
    expect(await readdir(uploads)).toEqual(['2024']);
    expect((await readdir(join(copy, 'wp-content'))).filter((n) => n.includes('.before-'))).toEqual([]);
    const record = JSON.parse(await readFile(join(copy, 'lifeboat.json'), 'utf8'));
    expect(record.files.include).toEqual(['files_live/2024/']);
  });
});

describe('a process killed in the middle of the apply', () => {
  it('leaves a journal that the next run rolls back under the lock before anything else (a dry run only says so); the copy is exactly as it was', async () => {
    // Thousands of uploads, so the apply (a move aside and a move in for each) takes a while.
    const DIRS = 30;
    const served = join(dir, 'served');
    const files = join(served, 'files_live');
    await writeBulkUploads(files, DIRS);
    const pack = async (name: string): Promise<void> => {
      const file = join(dir, name);
      await tar.c({ gzip: { level: 1 }, file, cwd: served, portable: true }, ['files_live']);
      sandbox.serveArchive('acme-blog', 'live', 'files', file);
    };
    await pack('files-1.tar.gz');
    const [, older] = await folders();
    await ok(['pull', 'acme-blog.live', '--to', sites(), '--element', 'code,files', '--backup', older!]);
    const copy = join(sites(), 'acme-blog-live');
    // The newer backup has every upload touched since: each one is replaced (and kept aside).
    const later = new Date('2025-06-01T00:00:00Z');
    for (let d = 0; d < DIRS; d++)
      for (let f = 0; f < 100; f++) await utimes(join(files, 'bulk', String(d), `f${f}.txt`), later, later);
    await pack('files-2.tar.gz');
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    const before = await snapshot(copy);
    const original = await safeGit(copy, 'rev-parse', '--abbrev-ref', 'HEAD');

    const staging = join(sites(), '.acme-blog-live.lifeboat');
    const journal = join(staging, 'apply.json');
    let killedAt = 0;
    const killed = await cli(['copies', 'update', copy], (child) => {
      const look = (): void => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const wp = join(copy, 'wp-content');
        const aside = existsSync(journal) && readdirSync(wp).find((n) => n.startsWith('uploads.before-'));
        // The aside folder is made one level at a time: its bulk/ may not be there yet.
        const moved =
          aside && existsSync(join(wp, aside, 'bulk')) ? readdirSync(join(wp, aside, 'bulk')).length : 0;
        // Killed once the apply is well under way: the code checked out, some uploads moved aside.
        if (moved >= 3) {
          child.kill('SIGKILL');
          killedAt = moved;
          return;
        }
        setTimeout(look, 2);
      };
      look();
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(3);
    const left = JSON.parse(await readFile(journal, 'utf8')) as { state: string };
    expect(left.state).toBe('applying');
    // Half applied: the new branch checked out, some uploads aside.
    expect(await safeGit(copy, 'rev-parse', '--abbrev-ref', 'HEAD')).toMatch(/-2$/);
    const halfWay = await snapshot(copy);
    expect(halfWay).not.toEqual(before);

    // A dry run changes nothing, and says the run rolls it back first.
    const dry = await cli(['copies', 'update', copy, '--dry-run']);
    expect({ code: dry.code, stderr: dry.stderr }).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain('stopped half way there is rolled back');
    expect(await snapshot(copy)).toEqual(halfWay);
    expect(existsSync(journal)).toBe(true);

    // The next run undoes it under the lock before anything else, even one its checks then refuse (a branch the
    // copy has): the copy is exactly as it was.
    const refused = await cli(['copies', 'update', copy, '--branch', original]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`The branch "${original}" already exists`);
    expect(await snapshot(copy)).toEqual(before);
    expect(existsSync(journal)).toBe(false);

    // And the update runs to the end.
    const r = await cli(['copies', 'update', copy, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    const done = JSON.parse(r.stdout) as { refresh: { replaced: number; keptAside: { count: number } } };
    expect(done.refresh.replaced).toBe(DIRS * 100);
    expect(done.refresh.keptAside.count).toBe(DIRS * 100);
    // Real processes and thousands of files on two shared cores: a bound on the wait, not a timing assertion.
  }, 240_000);
});
