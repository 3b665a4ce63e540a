import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { importDatabase, type DbConnection } from '../../../electron/services/database/mysql';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../../helpers/mariadb';
import { testSandbox } from '../../helpers/sandbox';

let db: TestMariaDb | null = null;
let skip: string | null = null;
let sandbox: Sandbox;
let dir: string;
let conn: DbConnection;

beforeAll(async () => {
  sandbox = await testSandbox();
  skip = await mariadbUnavailable();
  if (!skip) {
    db = await startMariaDb();
    conn = { socket: db.socket, user: 'root' };
  }
});
afterAll(async () => {
  await db?.stop();
  await sandbox.close();
});
beforeEach(async (ctx) => {
  if (!db) return ctx.skip(`MariaDB unavailable: ${skip}`);
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-db-'));
  return () => rm(dir, { recursive: true, force: true });
});

async function sqlGz(name: string, sql: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, gzipSync(sql));
  return p;
}

describe('importing a database archive (real MariaDB)', () => {
  it('imports into a new database with progress by compressed bytes', async () => {
    const archive = (await sandbox.archive('acme-blog', 'live', 'database')).path;
    const seen: number[] = [];
    const r = await importDatabase({
      archive,
      connection: conn,
      database: 'acme_live_new',
      onProgress: (d) => seen.push(d),
    });
    expect(r).toMatchObject({ database: 'acme_live_new', replaced: false, collationsRewritten: false });
    expect(r.tables).toBe(3);
    expect(
      (await db!.query("SELECT value FROM wp_options WHERE name='lifeboat_env'", 'acme_live_new')).trim(),
    ).toBe('live');
    expect(seen.at(-1)).toBe((await sandbox.archive('acme-blog', 'live', 'database')).size);
  });

  it('rewrites the MySQL 8 collation MariaDB rejects', async () => {
    const archive = (await sandbox.archive('globex-www', 'live', 'database')).path;
    const r = await importDatabase({ archive, connection: conn, database: 'globex_live' });
    expect(r.collationsRewritten).toBe(true);
    expect(
      (
        await db!.query(
          "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA='globex_live' AND TABLE_NAME='node_field_data'",
        )
      ).trim(),
    ).toBe('utf8mb4_unicode_ci');
  });

  it('refuses an existing database unless asked to replace it', async () => {
    await db!.query(
      'CREATE DATABASE keepme; CREATE TABLE keepme.t (x int); INSERT INTO keepme.t VALUES (42);',
    );
    const archive = await sqlGz('a.sql.gz', 'CREATE TABLE t (x int); INSERT INTO t VALUES (1);\n');
    await expect(importDatabase({ archive, connection: conn, database: 'keepme' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('"keepme" already exists'),
    });
    expect((await db!.query('SELECT x FROM keepme.t')).trim()).toBe('42');
  });

  it('replaces an existing database when asked, in one swap', async () => {
    await db!.query(
      'CREATE DATABASE swapme; CREATE TABLE swapme.old_only (x int); CREATE TABLE swapme.t (x int); INSERT INTO swapme.t VALUES (42);',
    );
    const archive = await sqlGz(
      'b.sql.gz',
      'CREATE TABLE t (x int); INSERT INTO t VALUES (7);\nCREATE TABLE fresh (y int);\n',
    );
    const r = await importDatabase({ archive, connection: conn, database: 'swapme', replace: true });
    expect(r).toMatchObject({ replaced: true, tables: 2 });
    expect((await db!.query('SELECT x FROM swapme.t')).trim()).toBe('7');
    expect((await db!.query('SHOW TABLES FROM swapme')).split('\n').filter(Boolean).sort()).toEqual([
      'fresh',
      't',
    ]);
    expect((await db!.query("SHOW DATABASES LIKE 'swapme%'")).split('\n').filter(Boolean)).toEqual([
      'swapme',
    ]);
  });

  it('leaves an existing database exactly as it was when the import fails half way', async () => {
    await db!.query(
      'CREATE DATABASE precious; CREATE TABLE precious.t (x int); INSERT INTO precious.t VALUES (1),(2),(3);',
    );
    const archive = await sqlGz(
      'bad.sql.gz',
      // A statement the dump guard lets through and the server refuses, half way.
      'CREATE TABLE t (x int);\nINSERT INTO t VALUES (100);\nINSERT INTO no_such_table VALUES (1);\nINSERT INTO t VALUES (200);\n',
    );
    const err = await importDatabase({
      archive,
      connection: conn,
      database: 'precious',
      replace: true,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'database',
      message: expect.stringContaining('The database server refused the import'),
    });
    expect((await db!.query('SELECT GROUP_CONCAT(x ORDER BY x) FROM precious.t')).trim()).toBe('1,2,3');
    expect((await db!.query("SHOW DATABASES LIKE 'precious%'")).split('\n').filter(Boolean)).toEqual([
      'precious',
    ]);
  });

  it('drops a new database again when its import fails', async () => {
    const archive = await sqlGz('bad2.sql.gz', 'CREATE TABLE t (x int);\nNOT SQL AT ALL;\n');
    await expect(
      importDatabase({ archive, connection: conn, database: 'never_there' }),
    ).rejects.toMatchObject({ code: 'database' });
    expect((await db!.query("SHOW DATABASES LIKE 'never_there%'")).trim()).toBe('');
  });

  it('reports a damaged archive as integrity and keeps nothing', async () => {
    const good = gzipSync('CREATE TABLE t (x int);\n'.repeat(2000));
    const archive = join(dir, 'cut.sql.gz');
    await writeFile(archive, good.subarray(0, good.length - 10));
    await expect(importDatabase({ archive, connection: conn, database: 'cut_db' })).rejects.toMatchObject({
      code: expect.stringMatching(/integrity|database/),
    });
    expect((await db!.query("SHOW DATABASES LIKE 'cut_db%'")).trim()).toBe('');
  });
});

describe('a restore with a database import', () => {
  it('imports into <site>_<env>_<date> and records it in lifeboat.json', async () => {
    const { runRestore } = await import('../../../electron/services/restore/restore');
    const { clientFor, DANA } = await import('../../helpers/sandbox');
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-shop');
    const ctx = { phase: () => undefined, part: () => undefined };
    const r = await runRestore(
      { client, site },
      {
        site: 'acme-shop',
        env: 'live',
        backup: 'latest',
        elements: ['database'],
        targetDir: dir,
        database: { connection: conn },
      },
      ctx,
    );
    const name = `acme_shop_live_${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(r.record.database).toBeDefined();
    const { readFile } = await import('node:fs/promises');
    const record = JSON.parse(await readFile(join(r.path, 'lifeboat.json'), 'utf8'));
    expect(record.database).toMatchObject({ importedInto: name, replaced: false, confinement: 'user' });
    expect((await db!.query("SELECT value FROM config WHERE name='lifeboat_env'", name)).trim()).toBe('live');
    // A second restore into the same database (named: by default a restore picks a free name) is refused before
    // anything is downloaded.
    await expect(
      runRestore(
        { client, site },
        {
          site: 'acme-shop',
          env: 'live',
          backup: 'latest',
          elements: ['database'],
          targetDir: dir,
          folderName: 'again',
          database: { connection: conn, name },
        },
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(name) });
  });
});
