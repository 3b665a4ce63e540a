/**
 * A restore overlaps its steps (issue 9 §4 and §5): the code is checked out while the other archives still
 * download, and an import asked for reads the database archive while it downloads. Each test holds one archive
 * back (the store throttled for that archive only), waits for the step that must not wait for it, then lets the
 * archive go: a restore that waited would never get there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import type { RestoreRequest } from '../../../electron/services/restore/plan';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../../helpers/mariadb';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { until } from '../../helpers/until';
import { fastTransfer } from '../../helpers/transfer';

let sandbox: Sandbox;
let dana: PantheonClient;
let dir: string;
const FAST = fastTransfer({ idleTimeoutMs: 1_500 });

beforeAll(async () => {
  sandbox = await testSandbox();
  dana = clientFor(sandbox, DANA);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-overlap-'));
  sandbox.setFaults({});
  return () => rm(dir, { recursive: true, force: true });
});

/** Holds back the archive whose file name contains `match` (a kilobyte at a time), or lets it go. */
const holdBack = (match: string | null): void =>
  sandbox.setFaults(match ? { store: { throttleBytesPerSecond: 4_000, match } } : {});

/** The last progress of each part, and the order in which parts first reported. */
function recorder(signal?: AbortSignal) {
  const parts = new Map<string, [number, number | null]>();
  const ctx: RestoreContext = {
    ...(signal ? { signal } : {}),
    phase: () => undefined,
    part: (key, _label, done, total) => parts.set(key, [done, total]),
  };
  return { ctx, parts };
}

const work = (): string => join(dir, '.acme-blog-live.lifeboat');
const downloaded = (parts: Map<string, [number, number | null]>, key: string): boolean => {
  const p = parts.get(key);
  return p !== undefined && p[0] === p[1];
};

async function start(request: Partial<RestoreRequest>, signal?: AbortSignal) {
  const r = recorder(signal);
  const site = await dana.getSite('acme-blog');
  const running = runRestore(
    // Every archive, however small, is extracted in a worker thread, as big ones are.
    { client: dana, site, options: { transfer: FAST, pollMs: 10, extractThreadFrom: 0 } },
    {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['code', 'files'],
      targetDir: dir,
      branch: 'lifeboat/overlap',
      ...request,
    },
    r.ctx,
  );
  running.catch(() => undefined);
  return { ...r, running };
}

describe('the code does not wait for the other archives', () => {
  it('is checked out on its new branch in the staging folder while the files archive still downloads', async () => {
    holdBack('_files');
    const { parts, running } = await start({});
    const head = join(work(), 'final', '.git', 'HEAD');
    await until(
      'the code checked out before the files archive arrived',
      async () => existsSync(head) && readFileSync(head, 'utf8').includes('refs/heads/lifeboat/overlap'),
      30_000,
    );
    expect(downloaded(parts, 'files')).toBe(false);
    holdBack(null);
    const result = await running;
    expect(await readdir(result.path)).toEqual(
      expect.arrayContaining(['.git', 'wp-content', 'lifeboat.json']),
    );
    expect(result.record.code).toMatchObject({ branch: 'lifeboat/overlap' });
  });

  it('still fails a restore whose files archive is damaged, and leaves no checkout behind', async () => {
    sandbox.setFaults({ store: { corrupt: true, match: '_files' } });
    const { running } = await start({});
    expect(await running.catch((e: unknown) => e)).toMatchObject({ code: 'integrity' });
    expect((await readdir(work())).sort()).toEqual(['downloads', 'restore.json']);
    expect(await readdir(dir)).toEqual(['.acme-blog-live.lifeboat']);
  });
});

describe('an import reads the database archive as it downloads', () => {
  let db: TestMariaDb | null = null;
  beforeAll(async () => {
    if (!(await mariadbUnavailable())) db = await startMariaDb();
  });
  afterAll(() => db?.stop());
  const url = () => ({ socket: db!.socket, user: 'root' });
  const scratch = async (): Promise<string[]> =>
    (await db!.query("SHOW DATABASES LIKE 'acme\\_import%'")).split('\n').filter(Boolean);

  it('starts loading before the download ends, and swaps in once the restore is in place', async (ctx) => {
    if (!db) return ctx.skip(`no MariaDB here: ${await mariadbUnavailable()}`);
    holdBack('_database');
    const { parts, running } = await start({
      elements: ['code', 'database'],
      database: { connection: url(), name: 'acme_import' },
    });
    await until(
      'the scratch database made while the archive downloads',
      async () => (await scratch()).some((n) => n.includes('__lb_')),
      30_000,
    );
    await until(
      'the import reading',
      async () => (parts.get('import')?.[0] ?? 0) > 0 || downloaded(parts, 'database'),
      30_000,
    );
    expect(downloaded(parts, 'database')).toBe(false);
    // Nothing is swapped in while the archive still downloads.
    expect(await scratch()).not.toContain('acme_import');
    holdBack(null);
    const result = await running;
    expect(result.record.database).toMatchObject({ importedInto: 'acme_import' });
    expect(await scratch()).toEqual(['acme_import']);
    expect((await db.query('SHOW TABLES', 'acme_import')).trim()).not.toBe('');
  });

  it('keeps nothing of an import whose download fails, and leaves the database it would replace as it was', async (ctx) => {
    if (!db) return ctx.skip(`no MariaDB here: ${await mariadbUnavailable()}`);
    await db.query(
      'CREATE DATABASE acme_kept; CREATE TABLE acme_kept.t (x int); INSERT INTO acme_kept.t VALUES (7);',
    );
    const before = await db.fingerprint('acme_kept');
    holdBack('_database');
    const { parts, running } = await start({
      elements: ['database'],
      database: { connection: url(), name: 'acme_kept', replace: true },
    });
    await until('some bytes', async () => (parts.get('database')?.[0] ?? 0) > 2_000, 30_000);
    // The connection stalls for good, and every new one is cut at once: the download gives up.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 1, dropAfterBytes: 0, match: '_database' } });
    expect(await running.catch((e: unknown) => e)).toMatchObject({ code: 'network' });
    expect(await db.fingerprint('acme_kept')).toBe(before);
    expect((await db.query("SHOW DATABASES LIKE '%\\_\\_lb\\_%'")).trim()).toBe('');
    // The bytes stay to resume, and no restore folder appeared.
    expect((await readdir(join(work(), 'downloads'))).some((n) => n.endsWith('.part'))).toBe(true);
    expect(await readdir(dir)).toEqual(['.acme-blog-live.lifeboat']);
  });

  it('is cancelled with the restore, and drops its scratch database', async (ctx) => {
    if (!db) return ctx.skip(`no MariaDB here: ${await mariadbUnavailable()}`);
    holdBack('_database');
    const abort = new AbortController();
    const { running } = await start(
      { elements: ['database'], database: { connection: url(), name: 'acme_cancelled' } },
      abort.signal,
    );
    await until(
      'the import started',
      async () => (await db!.query("SHOW DATABASES LIKE 'acme\\_cancelled%'")).trim() !== '',
      30_000,
    );
    abort.abort();
    expect(await running.catch((e: unknown) => e)).toMatchObject({ code: 'cancelled' });
    expect((await db.query("SHOW DATABASES LIKE 'acme\\_cancelled%'")).trim()).toBe('');
  });
});
