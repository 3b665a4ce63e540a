import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as mysql from '../../../electron/services/database/mysql';
import { importDatabase, type DbConnection } from '../../../electron/services/database/mysql';
import * as dumps from '../../helpers/hostile-dumps';
import { writeDump } from '../../helpers/hostile-dumps';
import { useMariaDb } from '../../helpers/mariadb-suite';

/**
 * Untrusted dumps against a real MariaDB: client commands must not run on this computer, a dump must not reach
 * any database but the one it is imported into, and a failed replace must leave the kept database untouched.
 * Each hostile dump is checked for its effect (a file that must not exist, a database that must not change),
 * not only for the error.
 */

const server = useMariaDb('lifeboat-hostile-', {
  each: async (db) => {
    // A database that belongs to someone else, which no import may touch.
    await db.query(
      'DROP DATABASE IF EXISTS bystander; CREATE DATABASE bystander; ' +
        'CREATE TABLE bystander.t (x int); INSERT INTO bystander.t VALUES (10),(20),(30); ' +
        "CREATE TABLE bystander.u (s varchar(20)); INSERT INTO bystander.u VALUES ('keep');",
    );
  },
});
let n = 0;

/** A fresh target name per import. */
const target = (): string => `hostile_${++n}`;

/**
 * Imports a dump that must be refused. Checks first that it did nothing (no `marker` file, the bystander
 * database unchanged, no target left), then that it failed with code `database` and a message naming a line.
 */
async function refused(
  dump: Buffer,
  expected: RegExp,
  options: { into?: string; connection?: DbConnection; marker?: string } = {},
): Promise<string> {
  const into = options.into ?? target();
  const before = await server.db.fingerprint('bystander');
  const archive = await writeDump(server.dir, `d${n}`, dump);
  const err = (await importDatabase({
    archive,
    connection: options.connection ?? server.conn,
    database: into,
  }).catch((e: unknown) => e)) as { code?: string; message?: string };
  if (options.marker)
    expect(existsSync(options.marker), 'the dump ran a command on this computer').toBe(false);
  expect(await server.db.fingerprint('bystander'), 'the dump changed another database').toBe(before);
  expect(err).toMatchObject({ code: 'database' });
  expect(err.message).toMatch(expected);
  expect((await server.db.query(`SHOW DATABASES LIKE '${into}%'`)).trim()).toBe('');
  return err.message!;
}

/** No temporary import user is left (the locked `lifeboat_def_…` owners of imported stored code may stay). */
async function noImportUsersLeft(): Promise<void> {
  expect(
    (
      await server.db.query(
        "SELECT COUNT(*) FROM mysql.global_priv WHERE User LIKE 'lifeboat\\_%' AND User NOT LIKE 'lifeboat\\_def\\_%'",
      )
    ).trim(),
  ).toBe('0');
}

describe('client commands in a dump never run on this computer (vector 1)', () => {
  it('refuses \\! (shell escape) and runs nothing', async () => {
    const marker = join(server.dir, 'shell-ran');
    await refused(dumps.shellEscapeDump(marker), /Line 4 .*client command \(\\!\)/, { marker });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses `system` on a line of its own', async () => {
    const marker = join(server.dir, 'system-ran');
    await refused(dumps.systemCommandDump(marker), /Line 4 .*client command \(system\)/, { marker });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses `system` as the second statement of a line', async () => {
    const marker = join(server.dir, 'midline-ran');
    await refused(dumps.midLineSystemDump(marker), /Line 4 .*client command \(system\)/, { marker });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses \\. and `source` (another file run as SQL)', async () => {
    const other = join(server.dir, 'other.sql');
    await writeFile(other, 'CREATE DATABASE sourced_proof;\nDROP TABLE bystander.u;\n');
    await refused(dumps.sourceShortDump(other), /client command \(\\\.\)/);
    await refused(dumps.sourceCommandDump(other), /client command \(source\)/);
    expect((await server.db.query("SHOW DATABASES LIKE 'sourced_proof'")).trim()).toBe('');
  });

  it('refuses `tee` and \\T (writing a file of the dump’s choosing)', async () => {
    const out = join(server.dir, 'tee-out');
    await refused(dumps.teeDump(out), /client command \(tee\)/, { marker: out });
    await refused(dumps.teeShortDump(out), /client command \(\\T\)/, { marker: out });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses `pager` and `connect`', async () => {
    const marker = join(server.dir, 'pager-ran');
    await refused(dumps.pagerDump(marker), /client command \(pager\)/, { marker });
    expect(existsSync(marker)).toBe(false);
    await refused(dumps.connectDump('bystander'), /client command \(connect\)/);
  });

  it('refuses a command hidden after a DELIMITER change', async () => {
    const marker = join(server.dir, 'delimiter-ran');
    await refused(dumps.delimiterTrickDump(marker), /Line 5 .*client command \(system\)/, { marker });
    expect(existsSync(marker)).toBe(false);
  });

  it("follows NO_BACKSLASH_ESCAPES as the client does, so a command after `'a\\'` is seen", async () => {
    const marker = join(server.dir, 'nobs-ran');
    await refused(dumps.noBackslashShellDump(marker), /Line 5 .*client command \(\\!\)/, { marker });
    expect(existsSync(marker)).toBe(false);
  });

  it('runs the client itself with its commands switched off (binary mode, sandbox, no LOCAL INFILE)', async () => {
    const args = await mysql.clientSafetyArgs('mariadb');
    expect(args).toContain('--binary-mode');
    expect(args).toContain('--local-infile=0');
    // The second line of defence on its own: the real client, these flags, a dump the guard never saw.
    const marker = join(server.dir, 'client-ran');
    const script = `SELECT 1;\n\\! touch ${marker}\nsystem touch ${marker}\nSELECT 2; system touch ${marker};\n`;
    const child = execFile('mariadb', [
      '--no-defaults',
      `--socket=${server.db.socket}`,
      '-uroot',
      '--batch',
      ...args,
    ]);
    child.stdin!.end(script);
    await new Promise((r) => child.once('close', r));
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a dump reaches no database but its own (vector 2)', () => {
  it('refuses USE of another database after its tables', async () => {
    const m = await refused(
      dumps.useOtherDatabaseDump('bystander'),
      /Line 4 .*switches to another database \(USE `bystander`\)/,
    );
    expect(m).toMatch(/only into its own database/);
  });

  it('refuses qualified names of another database', async () => {
    await refused(
      dumps.qualifiedDropDump('bystander'),
      /Line 4 .*names another database \(DROP TABLE `bystander`/,
    );
    await refused(dumps.qualifiedInsertDump('bystander'), /Line 4 .*names another database/);
  });

  it('refuses a second database in a `--databases` dump, and DROP DATABASE', async () => {
    await refused(dumps.twoDatabasesDump('site_a', 'bystander'), /Line 8 .*creates another database/);
    await refused(dumps.dropDatabaseDump('bystander'), /Line 4 .*drops another database/);
  });

  it('refuses writes to the server’s own tables, GRANT and SET GLOBAL', async () => {
    const before = (await server.db.query('SELECT @@GLOBAL.max_connections')).trim();
    await refused(dumps.accountTableDump('lb_evil'), /names another database|server's own/);
    await refused(dumps.grantDump('lb_evil2'), /Line 4 .*does not contain \(GRANT/);
    await refused(dumps.setGlobalDump(1234), /Line 4 .*server-wide setting/);
    expect(
      (await server.db.query("SELECT COUNT(*) FROM mysql.global_priv WHERE User LIKE 'lb\\_evil%'")).trim(),
    ).toBe('0');
    expect((await server.db.query('SELECT @@GLOBAL.max_connections')).trim()).toBe(before);
  });

  it('refuses LOAD DATA [LOCAL] INFILE, INTO OUTFILE and INSTALL SONAME', async () => {
    const secret = join(server.dir, 'secret.txt');
    await writeFile(secret, 'private key material\n');
    await refused(dumps.loadDataInfileDump(secret), /Line 2 .*(does not contain \(LOAD|reads a file)/);
    await refused(dumps.loadDataLocalInfileDump(secret), /Line 2 .*(does not contain \(LOAD|reads a file)/);
    const out = join(server.dir, 'outfile');
    await refused(dumps.intoOutfileDump(out), /Line 4 .*writes a file on the server/, { marker: out });
    expect(existsSync(out)).toBe(false);
    await refused(
      dumps.installPluginDump('ha_blackhole'),
      /Line 4 .*(does not contain \(INSTALL|shared library)/,
    );
    expect(
      (
        await server.db.query(
          "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'BLACKHOLE'",
        )
      ).trim(),
    ).toBe('0');
  });

  it('refuses a GBK string that would hide a statement from the client', async () => {
    await refused(dumps.gbkSmuggleDump('bystander'), /Line 1 .*gbk character set/);
  });

  it('follows NO_BACKSLASH_ESCAPES, so a USE hidden in a "string" is seen', async () => {
    await refused(dumps.noBackslashUseDump('bystander'), /Line 3 .*switches to another database/);
  });

  it('runs the import as a user the server confines to the new database: a trigger cannot reach out', async () => {
    // The guard lets a trigger through (it is ordinary dump content); the server stops what it does.
    const m = await refused(dumps.triggerEscapeDump('bystander'), /beyond its own database.*denied/s);
    expect(m).not.toMatch(/lifeboat_[0-9a-f]/);
    await noImportUsersLeft();
  });

  it('…nor a view written through to another database', async () => {
    await refused(dumps.viewWriteThroughDump('bystander'), /beyond its own database.*denied/s);
    await noImportUsersLeft();
  });

  it('imports a `--databases` dump of one database into the target, whatever it was called', async () => {
    // The dump names "bystander": its CREATE DATABASE and USE are dropped, so it lands in the target.
    const before = await server.db.fingerprint('bystander');
    const archive = await writeDump(
      server.dir,
      'named',
      dumps.mysqldumpWithObjects({ database: 'bystander', marker: 'moved' }),
    );
    const r = await importDatabase({ archive, connection: server.conn, database: 'renamed_site' });
    expect(r).toMatchObject({
      database: 'renamed_site',
      dumpDatabase: 'bystander',
      confinement: 'user',
      tables: 1,
    });
    expect(await server.db.fingerprint('bystander')).toBe(before);
    expect((await server.db.query('SELECT name FROM renamed_site.t WHERE id = 1')).trim()).toBe('moved-one');
    await noImportUsersLeft();
  });

  describe('when the configured user cannot create a restricted user', () => {
    let limited: DbConnection;
    beforeAll(async () => {
      const db = server.running;
      if (!db) return;
      await db.query(
        "CREATE USER IF NOT EXISTS 'limited'@'localhost' IDENTIFIED BY 'Limited-Pa55'; " +
          "GRANT ALL PRIVILEGES ON *.* TO 'limited'@'localhost'; REVOKE CREATE USER ON *.* FROM 'limited'@'localhost';",
      );
      limited = { socket: db.socket, user: 'limited', password: 'Limited-Pa55' };
    });

    it('still imports an ordinary dump, under the guard’s strict rules', async () => {
      const archive = await writeDump(
        server.dir,
        'plain',
        dumps.sqlGz('CREATE TABLE `t` (`x` int);\nINSERT INTO `t` VALUES (1);\n'),
      );
      const r = await importDatabase({ archive, connection: limited, database: 'limited_ok' });
      expect(r).toMatchObject({ confinement: 'guard', tables: 1 });
    });

    it('refuses stored code and reads of other databases, which only the server could confine', async () => {
      await refused(dumps.triggerEscapeDump('bystander'), /Line 5 .*stored code \(trigger\)/, {
        connection: limited,
      });
      await refused(dumps.viewWriteThroughDump('bystander'), /Line 4 .*stored code \(view\)/, {
        connection: limited,
      });
      await refused(dumps.crossDatabaseReadDump('bystander'), /Line 4 .*another database/, {
        connection: limited,
      });
    });
  });
});

describe('after a DELIMITER change, every statement the server runs is judged', () => {
  describe('with a configured user that has ALL ON *.* but no GRANT OPTION (strict mode)', () => {
    let dev: DbConnection;
    beforeAll(async () => {
      const db = server.running;
      if (!db) return;
      await db.query(
        "CREATE USER IF NOT EXISTS 'dev'@'localhost' IDENTIFIED BY 'Dev-Pa55word'; " +
          "GRANT ALL PRIVILEGES ON *.* TO 'dev'@'localhost';",
      );
      dev = { socket: db.socket, user: 'dev', password: 'Dev-Pa55word' };
    });
    beforeEach(async () => {
      await server.db.query(
        'DROP DATABASE IF EXISTS precious; CREATE DATABASE precious; ' +
          'CREATE TABLE precious.victim (x int); INSERT INTO precious.victim VALUES (1),(2),(3);',
      );
    });

    it("refuses the outside tester's `INSERT …; USE precious; DROP TABLE victim//` and names line 3", async () => {
      const before = await server.db.fingerprint('precious');
      const into = target();
      const archive = await writeDump(server.dir, 'multi', dumps.multiStatementDump('precious', 'victim'));
      const err = (await importDatabase({ archive, connection: dev, database: into }).catch(
        (e: unknown) => e,
      )) as { code?: string; message?: string };
      expect(await server.db.fingerprint('precious'), 'the dump dropped precious.victim').toBe(before);
      expect(err).toMatchObject({ code: 'database' });
      expect(err.message).toMatch(/^Line 3 .*switches to another database \(USE precious\)/);
      expect((await server.db.query(`SHOW DATABASES LIKE '${into}%'`)).trim()).toBe('');
    });
  });

  it('names the line in confined mode too, before the server has to stop it', async () => {
    await server.db.query(
      'DROP DATABASE IF EXISTS precious; CREATE DATABASE precious; CREATE TABLE precious.victim (x int);',
    );
    const before = await server.db.fingerprint('precious');
    await refused(dumps.multiStatementDump('precious', 'victim'), /^Line 3 .*switches to another database/);
    expect(await server.db.fingerprint('precious')).toBe(before);
    await noImportUsersLeft();
  });
});

describe('a cancelled import', () => {
  it('rejects with `cancelled`, and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const archive = await writeDump(server.dir, 'slow', dumps.slowDump(200_000));
      const controller = new AbortController();
      const into = target();
      let started = false;
      const result = importDatabase({
        archive,
        connection: server.conn,
        database: into,
        signal: controller.signal,
        onProgress: () => {
          if (started) return;
          started = true;
          setTimeout(() => controller.abort(), 300);
        },
      }).catch((e: unknown) => e);
      const err = (await result) as { code?: string };
      // Give a stray rejection the turns of the event loop it needs to be reported.
      await new Promise((r) => setTimeout(r, 200));
      expect(started, 'the import never started feeding the client').toBe(true);
      expect(err).toMatchObject({ code: 'cancelled' });
      expect(unhandled).toEqual([]);
      expect((await server.db.query(`SHOW DATABASES LIKE '${into}%'`)).trim()).toBe('');
      await noImportUsersLeft();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a failed replace leaves the kept database as it was (vector 3)', () => {
  beforeEach(async () => {
    await server.db.query(
      'DROP DATABASE IF EXISTS kept; CREATE DATABASE kept; CREATE TABLE kept.t (x int); INSERT INTO kept.t VALUES (1),(2),(3); ' +
        'CREATE TABLE kept.other (y int); INSERT INTO kept.other VALUES (9); ' +
        'CREATE VIEW kept.v AS SELECT x FROM kept.t; ' +
        'CREATE TRIGGER kept.tr BEFORE INSERT ON kept.t FOR EACH ROW SET NEW.x = NEW.x + 1; ' +
        'CREATE PROCEDURE kept.p() SELECT COUNT(*) FROM kept.t;',
    );
  });

  it('when the dump says USE <target>; DROP TABLE and then fails', async () => {
    const before = await server.db.fingerprint('kept');
    const archive = await writeDump(server.dir, 'dropfail', dumps.dropThenFailDump('kept'));
    const err = await importDatabase({
      archive,
      connection: server.conn,
      database: 'kept',
      replace: true,
    }).catch((e: unknown) => e);
    expect(await server.db.fingerprint('kept'), 'the kept database changed').toBe(before);
    expect(err).toMatchObject({ code: 'database' });
    expect((await server.db.query("SHOW DATABASES LIKE 'kept%'")).split('\n').filter(Boolean)).toEqual([
      'kept',
    ]);
    await noImportUsersLeft();
  });

  it('when the dump drops <target>.t by its qualified name and then fails', async () => {
    const before = await server.db.fingerprint('kept');
    const archive = await writeDump(server.dir, 'qdropfail', dumps.qualifiedDropThenFailDump('kept'));
    const err = await importDatabase({
      archive,
      connection: server.conn,
      database: 'kept',
      replace: true,
    }).catch((e: unknown) => e);
    expect(await server.db.fingerprint('kept'), 'the kept database changed').toBe(before);
    expect(err).toMatchObject({ code: 'database', message: expect.stringMatching(/Line 1 /) });
  });
});

describe('passwords stay out of messages (vector 5)', () => {
  it('hides the password of a connection in the server’s error and its detail', async () => {
    await server.db.query(
      "CREATE USER IF NOT EXISTS 'pwuser'@'localhost' IDENTIFIED BY 'Hunter2-Secret-Pw'; GRANT ALL PRIVILEGES ON *.* TO 'pwuser'@'localhost' WITH GRANT OPTION;",
    );
    const archive = await writeDump(
      server.dir,
      'echo',
      dumps.sqlGz(
        "CREATE TABLE `t` (`x` varchar(80));\nINSERT INTO `no_such_table` VALUES ('Hunter2-Secret-Pw', 'mysql://root:Other-Secret@db.example/x');\n",
      ),
    );
    const err = (await importDatabase({
      archive,
      connection: { socket: server.db.socket, user: 'pwuser', password: 'Hunter2-Secret-Pw' },
      database: target(),
    }).catch((e: unknown) => e)) as { code: string; message: string; detail?: string };
    expect(err.code).toBe('database');
    expect(`${err.message}\n${err.detail ?? ''}`).not.toMatch(/Hunter2-Secret-Pw|Other-Secret/);
    expect(err.detail ?? '').toMatch(/no_such_table/);
  });

  it('hides the password of a wrong connection', async () => {
    const archive = await writeDump(server.dir, 'any', dumps.sqlGz('CREATE TABLE `t` (`x` int);\n'));
    const err = (await importDatabase({
      archive,
      connection: { socket: server.db.socket, user: 'nobody', password: 'Wrong-Secret-Pw' },
      database: target(),
    }).catch((e: unknown) => e)) as { message: string; detail?: string };
    expect(`${err.message}\n${err.detail ?? ''}`).not.toContain('Wrong-Secret-Pw');
  });
});
