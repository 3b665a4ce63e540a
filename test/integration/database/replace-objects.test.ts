import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as mysql from '../../../electron/services/database/mysql';
import { importDatabase, ownerAccount } from '../../../electron/services/database/mysql';
import { mysqldumpWithObjects, writeDump } from '../../helpers/hostile-dumps';
import { useMariaDb } from '../../helpers/mariadb-suite';

/**
 * Replacing a database that holds views, triggers and stored routines (vector 4): RENAME TABLE cannot move a
 * view or a table with triggers to another database, so these are re-created from the server's definitions,
 * owned by the database's locked owner account; and a replace that fails at the swap leaves the old database as
 * it was.
 */

const server = useMariaDb('lifeboat-replace-');

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

/** A site database as an application leaves it: a table, views, a trigger and routines, some named as the dump's. */
async function makeSite(name: string): Promise<void> {
  await server.db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};`);
  await server.db.query(
    [
      'CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, name varchar(64) NOT NULL, stamp varchar(64));',
      "INSERT INTO t (name) VALUES ('old-a'), ('old-b'), ('old-c');",
      'CREATE TABLE old_only (y int);',
      'CREATE VIEW v AS SELECT id FROM t;',
      'CREATE VIEW v_old AS SELECT name FROM t;',
      "CREATE TRIGGER t_stamp BEFORE INSERT ON t FOR EACH ROW SET NEW.stamp = CONCAT('old:', NEW.name);",
      'CREATE PROCEDURE p_count(OUT n INT) SELECT -1 INTO n;',
      'CREATE PROCEDURE p_old() SELECT 1;',
    ].join('\n'),
    name,
  );
}

describe('replacing a database with views, triggers and routines (vector 4)', () => {
  it('swaps in a dump that has them too: everything from the dump, nothing of the old left', async () => {
    await makeSite('site');
    const archive = await writeDump(server.dir, 'objects', mysqldumpWithObjects({ marker: 'new' }));
    const r = await importDatabase({ archive, connection: server.conn, database: 'site', replace: true });
    expect(r).toMatchObject({
      replaced: true,
      tables: 1,
      views: 1,
      triggers: 1,
      routines: 2,
      confinement: 'user',
    });

    expect(lines(await server.db.query('SHOW FULL TABLES FROM site')).sort()).toEqual([
      't\tBASE TABLE',
      'v\tVIEW',
    ]);
    expect(lines(await server.db.query('SELECT name FROM site.v ORDER BY id'))).toEqual([
      'new-one',
      'it\'s "new"\\n; DROP TABLE x; -- two',
    ]);
    // The dump's trigger fires, its procedure and function run.
    await server.db.query("INSERT INTO t (name) VALUES ('added')", 'site');
    expect((await server.db.query("SELECT stamp FROM site.t WHERE name = 'added'")).trim()).toBe('new:added');
    expect(lines(await server.db.query('CALL p_count(@n); SELECT @n, f_label(7);', 'site'))).toEqual([
      '3\tnew#7',
    ]);
    // Owned by the database's locked owner account, and run with its rights (which reach this database only).
    const owner = `${ownerAccount('site').user}@localhost`;
    expect(r.owner).toBe(owner);
    expect(
      lines(
        await server.db.query(
          "SELECT DEFINER, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA='site'",
        ),
      ),
    ).toEqual([`${owner}\tDEFINER`]);
    expect(
      lines(
        await server.db.query("SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='site'"),
      ),
    ).toEqual([owner]);
    expect(
      lines(
        await server.db.query(
          "SELECT ROUTINE_NAME, DEFINER, SECURITY_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='site' ORDER BY 1",
        ),
      ),
    ).toEqual([`f_label\t${owner}\tDEFINER`, `p_count\t${owner}\tDEFINER`]);
    // No scratch or aside database, no import user left behind: only the owner account.
    expect(lines(await server.db.query("SHOW DATABASES LIKE 'site%'"))).toEqual(['site']);
    expect(
      lines(await server.db.query("SELECT User FROM mysql.global_priv WHERE User LIKE 'lifeboat\\_%'")),
    ).toEqual([ownerAccount('site').user]);
  });

  it('imports such a dump into a new database, with the objects owned by its locked owner account', async () => {
    const archive = await writeDump(
      server.dir,
      'fresh',
      mysqldumpWithObjects({ marker: 'fresh', sandboxLine: true, gtid: true }),
    );
    const r = await importDatabase({ archive, connection: server.conn, database: 'fresh_site' });
    expect(r).toMatchObject({ replaced: false, tables: 1, views: 1, triggers: 1, routines: 2 });
    expect((await server.db.query('SELECT name FROM fresh_site.v WHERE id = 1')).trim()).toBe('fresh-one');
    expect(
      lines(
        await server.db.query(
          "SELECT DEFINER, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA='fresh_site'",
        ),
      ),
    ).toEqual([`${ownerAccount('fresh_site').user}@localhost\tDEFINER`]);
    expect(lines(await server.db.query("SHOW DATABASES LIKE 'fresh\\_site%'"))).toEqual(['fresh_site']);
  });

  it('leaves the old database as it was when the swap itself fails (old triggers are put back)', async () => {
    await makeSite('locked');
    await server.db.query('CREATE TABLE held (z int); INSERT INTO held VALUES (5);', 'locked');
    const before = await server.db.fingerprint('locked');
    // Another session holds a table of the old database, so the one RENAME TABLE cannot get its lock in time.
    await server.db.query('SET GLOBAL lock_wait_timeout = 2');
    const holder: ChildProcess = spawn('mariadb', [
      '--no-defaults',
      `--socket=${server.db.socket}`,
      '-uroot',
      '-e',
      'LOCK TABLES locked.held READ; SELECT SLEEP(60);',
    ]);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const archive = await writeDump(server.dir, 'blocked', mysqldumpWithObjects({ marker: 'blocked' }));
      const err = await importDatabase({
        archive,
        connection: server.conn,
        database: 'locked',
        replace: true,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'database',
        message: expect.stringMatching(/"locked" was left as it was.*Lock wait timeout/s),
      });
    } finally {
      holder.kill('SIGKILL');
      await server.db.query('SET GLOBAL lock_wait_timeout = DEFAULT');
    }
    expect(await server.db.fingerprint('locked')).toBe(before);
    expect(lines(await server.db.query("SHOW DATABASES LIKE 'locked%'"))).toEqual(['locked']);
  });
});

describe('replaceBlockers (for the restore preflight)', () => {
  it('finds nothing in an ordinary database, or one that does not exist', async () => {
    await makeSite('plain');
    expect(await mysql.replaceBlockers(server.conn, 'plain')).toEqual([]);
    expect(await mysql.replaceBlockers(server.conn, 'not_there')).toEqual([]);
  });

  it('names scheduled events, foreign keys from other databases and the server’s own databases', async () => {
    await makeSite('with_event');
    await server.db.query(
      'CREATE EVENT ev ON SCHEDULE EVERY 1 DAY DO DELETE FROM t WHERE id < 0;',
      'with_event',
    );
    expect(await mysql.replaceBlockers(server.conn, 'with_event')).toEqual([
      expect.stringMatching(/scheduled events \(ev\)/),
    ]);

    await makeSite('referenced');
    await server.db.query(
      'DROP DATABASE IF EXISTS referrer; CREATE DATABASE referrer; CREATE TABLE referrer.r (tid int, FOREIGN KEY (tid) REFERENCES referenced.t (id)) ENGINE=InnoDB;',
    );
    expect(await mysql.replaceBlockers(server.conn, 'referenced')).toEqual([
      expect.stringMatching(/referrer\.r → t/),
    ]);
    expect(await mysql.replaceBlockers(server.conn, 'mysql')).toEqual([
      expect.stringMatching(/server's own/),
    ]);
  });

  it('is checked by the import too, which then changes nothing', async () => {
    const before = await server.db.fingerprint('with_event');
    const archive = await writeDump(server.dir, 'ev', mysqldumpWithObjects({}));
    await expect(
      importDatabase({ archive, connection: server.conn, database: 'with_event', replace: true }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/cannot be replaced safely.*scheduled events/),
    });
    expect(await server.db.fingerprint('with_event')).toBe(before);
  });
});
