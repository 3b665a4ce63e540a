/**
 * `lifeboat pull --from-mirror PATH --to DIR`: the restore from a mirror on the command line, with no account, no
 * keychain and no Pantheon (the API address given points at a closed port), through the same plan, job and copy
 * registration as every pull. The mirror is made once with the real engine against a sandbox closed afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CopyRegistry } from '../../../electron/services/copies/registry';
import { lifeboat, runMain } from '../../helpers/cli';
import { shellEscapeDump } from '../../helpers/hostile-dumps';
import { mariadbUnavailable, startMariaDb } from '../../helpers/mariadb';
import { flipByte } from '../../helpers/mirror';
import {
  archivePath,
  copyMirror,
  mirrorAcmeLive,
  replaceArchive,
  type MadeMirror,
} from '../../helpers/mirror-fixture';

const run = promisify(execFile);
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd })).stdout.trim();
/** `text` matched as it is in a RegExp (a Windows path's backslashes and dots included). */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let made: MadeMirror;
let closedApi: string;
let dir: string;
let mirror: MadeMirror;
let target: string;
let dataDir: string;

/** An API address nothing listens on: any request to Pantheon fails at once. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  made = await mirrorAcmeLive();
  closedApi = `http://127.0.0.1:${await closedPort()}/api/`;
});
afterAll(() => made.remove());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-pull-mirror-'));
  mirror = await copyMirror(made, dir);
  target = join(dir, 'target');
  dataDir = join(dir, 'data');
  await mkdir(target);
  return () => rm(dir, { recursive: true, force: true });
});

/** No token, no saved account, no keychain (no session bus), and Pantheon's address closed. */
const offline = {
  TERMINUS_MACHINE_TOKEN: '',
  DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/lifeboat-test-bus',
};
const inProcess = (args: string[]) =>
  runMain(['--api-url', closedApi, 'pull', ...args], { env: { ...offline, LIFEBOAT_DATA_DIR: dataDir } });

describe('lifeboat pull --from-mirror', () => {
  it('restores with no account and Pantheon unreachable: the deploy tag checked out, the files, the copy registered', async () => {
    const r = await lifeboat(
      ['--api-url', closedApi, 'pull', '--from-mirror', mirror.envDir, '--to', target],
      {
        ...offline,
        LIFEBOAT_DATA_DIR: dataDir,
      },
    );
    expect(r.stderr).not.toMatch(/lifeboat: (?!warning)/);
    expect(r.code).toBe(0);
    const root = join(target, 'acme-blog-live');
    expect(r.stdout).toContain(`Restored acme-blog.live (`);
    expect(r.stdout).toContain(`from the mirror's ${mirror.setDir} into ${root}`);
    const record = JSON.parse(await readFile(join(root, 'lifeboat.json'), 'utf8'));
    expect(record.backup.folder).toBe(mirror.manifest.backup.folder);
    const tag = record.code.tag as string;
    expect(await git(root, 'rev-parse', 'HEAD')).toBe(await git(root, 'rev-parse', `${tag}^{commit}`));
    expect(await git(root, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(record.code.branch);
    expect((await readdir(join(root, 'wp-content', 'uploads'))).length).toBeGreaterThan(0);
    expect(await readdir(join(root, 'database'))).toEqual([
      mirror.manifest.archives.find((a) => a.element === 'database')!.filename,
    ]);
    // Registered as any restore, with no account (none was used).
    const copies = await new CopyRegistry({ dataDir }).list();
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({
      path: root,
      state: 'present',
      site: { name: 'acme-blog' },
      env: 'live',
      accountId: null,
      backup: { folder: mirror.manifest.backup.folder },
      deployTag: tag,
    });
  });

  it('--dry-run prints the run’s own plan and creates nothing; --json gives the preview', async () => {
    const text = await inProcess([
      'acme-blog.live',
      '--from-mirror',
      mirror.setDir,
      '--to',
      target,
      '--dry-run',
    ]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `^Would restore acme-blog\\.live \\(.*\\) from the mirror's ${literal(mirror.setDir)} into ${literal(join(target, 'acme-blog-live'))}`,
      ),
    );
    expect(text.stdout).toMatch(
      /^ {2}branch +.* the live code, checked out on the new branch lifeboat\/live-/m,
    );
    expect(text.stdout).toContain('No conflicts: the restore can start.');
    const json = await inProcess(['--from-mirror', mirror.envDir, '--to', target, '--dry-run', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      path: join(target, 'acme-blog-live'),
      backupFolder: mirror.manifest.backup.folder,
      elements: ['code', 'database', 'files'],
      conflicts: [],
    });
    expect(await readdir(target)).toEqual([]);
    await expect(stat(join(dataDir, 'copies'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    [['--backup', 'new'], '--backup new would make one on Pantheon'],
    [['--keep-for', '30'], '--keep-for is for --backup new'],
    [['globex-www.live'], 'is a mirrored backup of acme-blog.live, not of globex-www.live'],
  ])(
    'refuses what needs Pantheon or contradicts the mirror (%s), before anything is written',
    async (extra, message) => {
      const r = await inProcess(['--from-mirror', mirror.envDir, '--to', target, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(await readdir(target)).toEqual([]);
    },
  );

  it('into the mirror itself: the plan shows the conflict, the run is refused, the mirror is left as it was', async () => {
    const before = (await readdir(mirror.root, { recursive: true })).sort();
    for (const to of [mirror.root, mirror.envDir, mirror.setDir]) {
      const dry = await inProcess(['--from-mirror', mirror.envDir, '--to', to, '--dry-run', '--json']);
      expect({ to, code: dry.code }).toEqual({ to, code: 7 });
      const preview = JSON.parse(dry.stdout) as { conflicts: { kind: string; message: string }[] };
      expect(preview.conflicts.map((c) => c.kind)).toEqual(['folder']);
      expect(preview.conflicts[0]!.message).toContain(mirror.root);
      const r = await inProcess(['--from-mirror', mirror.envDir, '--to', to]);
      expect({ to, code: r.code }).toEqual({ to, code: 7 });
      expect(r.stderr).toContain('Restore somewhere else');
    }
    expect((await readdir(mirror.root, { recursive: true })).sort()).toEqual(before);
    await expect(stat(join(dataDir, 'copies'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('without SITE.ENV or --from-mirror, says it needs one of them', async () => {
    const r = await inProcess(['--to', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'lifeboat pull needs SITE.ENV: the site and environment (acme-blog.live), or --from-mirror PATH',
    );
  });

  it('a flipped byte in a mirrored archive fails with the integrity exit code, naming the file and mirror verify', async () => {
    const file = await archivePath(mirror.setDir, 'files');
    await flipByte(file);
    const r = await inProcess(['--from-mirror', mirror.envDir, '--to', target]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain(`lifeboat mirror verify ${mirror.root}`);
    expect(await readdir(target)).toEqual([]);
  });

  it('a mirrored dump with a shell escape runs nothing and fails the import (exit 10), as online', async (ctx) => {
    const why = await mariadbUnavailable();
    if (why) return ctx.skip(`no MariaDB here: ${why}`);
    const db = await startMariaDb();
    try {
      const marker = join(dir, 'dump-ran');
      await replaceArchive(mirror.setDir, 'database', shellEscapeDump(marker));
      const url = `mysql://root@localhost/acme_blog_live?socket=${encodeURIComponent(db.socket)}`;
      const r = await lifeboat(
        [
          ...['--api-url', closedApi, 'pull', '--from-mirror', mirror.envDir, '--to', target],
          ...['--element', 'code,database', '--db-import', url],
        ],
        { ...offline, LIFEBOAT_DATA_DIR: dataDir },
      );
      expect(r.code).toBe(10);
      await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readdir(target)).toEqual([]);
      expect((await db.query("SHOW DATABASES LIKE 'acme_blog_live'")).trim()).toBe('');
    } finally {
      await db.stop();
    }
  });
});
