import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { importDatabase, type DbConnection } from '../../../electron/services/database/mysql';
import * as dumps from '../../helpers/hostile-dumps';
import { writeDump } from '../../helpers/hostile-dumps';
import { useMariaDb } from '../../helpers/mariadb-suite';

/**
 * Whose rights a dump's stored code runs with once it is in place. A trigger always runs as its definer, and so do
 * views and routines with SQL SECURITY DEFINER (with INVOKER they run as whoever uses them, an administrator
 * included). A dump's trigger whose body writes another database passes the import (nothing fires it there), so
 * what stops it is the account it belongs to afterwards: Lifeboat gives every imported database a locked account
 * of its own that can reach that database only, and makes it the definer of every view, trigger and routine.
 */

const server = useMariaDb('lifeboat-definer-', {
  each: async (db) => {
    // Someone else's data on the same server, which no site's code may touch.
    await db.query(
      'DROP DATABASE IF EXISTS precious; CREATE DATABASE precious; ' +
        'CREATE TABLE precious.keep (x int) ENGINE=InnoDB; INSERT INTO precious.keep VALUES (1),(2),(3);',
    );
  },
});

const lines = (s: string): string[] => s.split('\n').filter(Boolean);
const SITE_PASSWORD = 'Site-User-Pa55';
const grantName = (database: string): string => `\`${database.replace(/[_%]/g, '\\$&')}\``;

/** The site's own database user (as WordPress has one): `privileges` on `database`, nothing anywhere else. */
async function siteUser(database: string, privileges = 'ALL PRIVILEGES'): Promise<string> {
  const user = `site_${database}`.slice(0, 32);
  await server.db.query(
    `DROP USER IF EXISTS '${user}'@'localhost'; CREATE USER '${user}'@'localhost' IDENTIFIED BY '${SITE_PASSWORD}'; ` +
      `GRANT ${privileges} ON ${grantName(database)}.* TO '${user}'@'localhost';`,
  );
  return user;
}

/** Runs `sql` as `user`; resolves with its output, or with the server's error. */
async function as(user: string, sql: string, database: string): Promise<{ out?: string; error?: string }> {
  return server.db.queryAs(user, SITE_PASSWORD, sql, database).then(
    (out) => ({ out }),
    (e: unknown) => ({ error: (e as Error).message }),
  );
}

/** Runs `sql` as root; resolves with its output, or with the server's error. */
async function asRoot(sql: string, database: string): Promise<{ out?: string; error?: string }> {
  return server.db.query(sql, database).then(
    (out) => ({ out }),
    (e: unknown) => ({ error: String((e as { stderr?: string }).stderr ?? (e as Error).message) }),
  );
}

/** The definers of everything stored in `database`, one per object. */
async function definers(database: string): Promise<string[]> {
  const s = `'${database}'`;
  return lines(
    await server.db.query(
      [
        `SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${s}`,
        `SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ${s}`,
        `SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${s}`,
      ].join(' UNION ALL '),
    ),
  );
}

/** The one definer account of `database`'s objects, as `user`. */
async function ownerOf(database: string): Promise<string> {
  const all = [...new Set(await definers(database))];
  expect(all).toHaveLength(1);
  expect(all[0]).toMatch(/^lifeboat_def_[0-9a-f]{16}@localhost$/);
  return all[0]!.split('@')[0]!;
}

/** The name Lifeboat gives the owner account of `database`'s stored code. */
const ownerName = (database: string): string =>
  `lifeboat_def_${createHash('sha256').update(database).digest('hex').slice(0, 16)}`;

const definerAccounts = async (): Promise<string[]> =>
  lines(
    await server.db.query(
      "SELECT User FROM mysql.global_priv WHERE User LIKE 'lifeboat\\_def\\_%' ORDER BY 1",
    ),
  );

const DENIED_TO_OWNER =
  /INSERT command denied to user 'lifeboat_def_[0-9a-f]{16}'@'localhost' for table `precious`\.`keep`/;
const WP_INSERT = "INSERT INTO wp_options (option_name, option_value) VALUES ('blogname', 'mine')";

describe("a dump's stored code runs with its own database's rights, whoever sets it off", () => {
  it('a trigger that writes another database: the site user’s INSERT into its own table is denied (new database)', async () => {
    const before = await server.db.fingerprint('precious');
    const archive = await writeDump(server.dir, 'attack', dumps.crossDatabaseTriggerDump('precious'));
    const r = await importDatabase({ archive, connection: server.conn, database: 'attacked' });
    expect(r).toMatchObject({ replaced: false, triggers: 1, confinement: 'user' });

    const user = await siteUser('attacked');
    const res = await as(user, WP_INSERT, 'attacked');
    expect(await server.db.fingerprint('precious'), 'the trigger wrote into another database').toBe(before);
    expect(res.error).toMatch(DENIED_TO_OWNER);
    // An administrator writing the table lends the trigger nothing either.
    expect((await asRoot(WP_INSERT, 'attacked')).error).toMatch(DENIED_TO_OWNER);
    expect(await server.db.fingerprint('precious')).toBe(before);
    await ownerOf('attacked');
  });

  it('the same trigger, when it replaces an existing site database', async () => {
    await server.db.query(
      "DROP DATABASE IF EXISTS victim; CREATE DATABASE victim; CREATE TABLE victim.wp_options (option_id bigint unsigned AUTO_INCREMENT PRIMARY KEY, option_name varchar(191) NOT NULL, option_value longtext NOT NULL); INSERT INTO victim.wp_options VALUES (1, 'siteurl', 'https://old.example');",
    );
    const before = await server.db.fingerprint('precious');
    const archive = await writeDump(server.dir, 'attack', dumps.crossDatabaseTriggerDump('precious'));
    const r = await importDatabase({ archive, connection: server.conn, database: 'victim', replace: true });
    expect(r).toMatchObject({ replaced: true, triggers: 1 });

    const user = await siteUser('victim');
    expect((await as(user, WP_INSERT, 'victim')).error).toMatch(DENIED_TO_OWNER);
    expect((await asRoot(WP_INSERT, 'victim')).error).toMatch(DENIED_TO_OWNER);
    expect(await server.db.fingerprint('precious'), 'the trigger wrote into another database').toBe(before);
    expect(lines(await server.db.query('SELECT COUNT(*) FROM victim.wp_options'))).toEqual(['1']);
  });

  it('a procedure, a function and a view that write another database get no rights from who calls them', async () => {
    const before = await server.db.fingerprint('precious');
    const archive = await writeDump(server.dir, 'routines', dumps.crossDatabaseRoutinesDump('precious'));
    const r = await importDatabase({ archive, connection: server.conn, database: 'routined' });
    expect(r).toMatchObject({ views: 1, routines: 2 });

    // An administrator (root) calls the site's procedure, reads its view, uses its function.
    expect((await asRoot('CALL wp_cleanup()', 'routined')).error).toMatch(DENIED_TO_OWNER);
    expect((await asRoot('SELECT * FROM wp_stats', 'routined')).error).toMatch(/denied|lack rights/);
    expect((await asRoot('SELECT wp_count()', 'routined')).error).toMatch(DENIED_TO_OWNER);
    const user = await siteUser('routined');
    expect((await as(user, 'CALL wp_cleanup()', 'routined')).error).toMatch(DENIED_TO_OWNER);
    expect(await server.db.fingerprint('precious'), 'stored code wrote into another database').toBe(before);
    // Views and routines run as the locked owner (SQL SECURITY DEFINER), not as whoever uses them.
    expect(
      lines(
        await server.db.query(
          "SELECT SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'routined' UNION ALL SELECT SECURITY_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'routined'",
        ),
      ),
    ).toEqual(['DEFINER', 'DEFINER', 'DEFINER']);
    await ownerOf('routined');
  });

  it('cannot fire with wider rights during the import itself: it runs as the confined import user', async () => {
    const before = await server.db.fingerprint('precious');
    const archive = await writeDump(
      server.dir,
      'fires',
      dumps.crossDatabaseTriggerDump('precious', { fireDuringImport: true }),
    );
    const err = await importDatabase({ archive, connection: server.conn, database: 'fired' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'database',
      message: expect.stringMatching(/beyond its own database.*denied/s),
    });
    expect(await server.db.fingerprint('precious')).toBe(before);
    expect(lines(await server.db.query("SHOW DATABASES LIKE 'fired%'"))).toEqual([]);
    expect(await definerAccounts()).not.toContain(ownerName('fired'));
  });
});

describe('a legitimate trigger, view and routines keep working, owned by a locked account', () => {
  it('after an import and after a replace, for a site user with fewer rights than the owner', async () => {
    const check = async (marker: string): Promise<string> => {
      // Fewer rights than the owner: no CREATE, DROP, ALTER, TRIGGER… The objects still do their work.
      const user = await siteUser('legit_site', 'SELECT, INSERT, EXECUTE');
      expect((await as(user, `INSERT INTO t (name) VALUES ('by-site')`, 'legit_site')).error).toBeUndefined();
      expect(
        lines((await as(user, "SELECT stamp FROM t WHERE name = 'by-site'", 'legit_site')).out ?? ''),
      ).toEqual([`${marker}:by-site`]);
      expect(lines((await as(user, 'SELECT name FROM v WHERE id = 1', 'legit_site')).out ?? '')).toEqual([
        `${marker}-one`,
      ]);
      expect(
        lines((await as(user, 'CALL p_count(@n); SELECT @n, f_label(7);', 'legit_site')).out ?? ''),
      ).toEqual([`3\t${marker}#7`]);

      const owner = await ownerOf('legit_site');
      const ownerSql = `\`${owner}\`@\`localhost\``;
      for (const show of [
        'SHOW CREATE TRIGGER t_stamp',
        'SHOW CREATE VIEW v',
        'SHOW CREATE PROCEDURE p_count',
        'SHOW CREATE FUNCTION f_label',
      ]) {
        expect(await server.db.query(show, 'legit_site'), show).toContain(`DEFINER=${ownerSql}`);
      }
      expect(await server.db.query('SHOW CREATE VIEW v', 'legit_site')).toContain('SQL SECURITY DEFINER');
      // Locked, and rights on this one database only: no global privilege, no GRANT OPTION, `_` escaped.
      expect(await server.db.query(`SHOW CREATE USER ${ownerSql}`)).toMatch(/ACCOUNT LOCK/);
      const grants = lines(await server.db.query(`SHOW GRANTS FOR ${ownerSql}`));
      expect(grants).toHaveLength(2);
      expect(grants[0]).toBe(`GRANT USAGE ON *.* TO ${ownerSql}`);
      expect(grants[1]).toMatch(
        new RegExp(`^GRANT [A-Z ,]+ ON \`legit\\\\\\\\_site\`\\.\\* TO ${ownerSql}$`),
      );
      expect(grants[1]).not.toMatch(/EVENT|GRANT OPTION|ALL PRIVILEGES/);
      expect(
        (await server.db.queryAs(owner, '', 'SELECT 1').catch((e: Error) => e.message)) as string,
      ).toMatch(/locked|denied/i);
      return owner;
    };

    const first = await importDatabase({
      archive: await writeDump(server.dir, 'legit', dumps.mysqldumpWithObjects({ marker: 'first' })),
      connection: server.conn,
      database: 'legit_site',
    });
    expect(first).toMatchObject({ triggers: 1, views: 1, routines: 2 });
    const owner = await check('first');
    expect(owner).toBe(ownerName('legit_site'));

    const second = await importDatabase({
      archive: await writeDump(server.dir, 'legit2', dumps.mysqldumpWithObjects({ marker: 'second' })),
      connection: server.conn,
      database: 'legit_site',
      replace: true,
    });
    expect(second).toMatchObject({ replaced: true, triggers: 1, views: 1, routines: 2 });
    // The same account, reused for the same database.
    expect(await check('second')).toBe(owner);
    expect((await definerAccounts()).filter((a) => a === owner)).toHaveLength(1);
  });

  it('puts the owner back to its own database only when someone widened its rights', async () => {
    await importDatabase({
      archive: await writeDump(server.dir, 'legit', dumps.mysqldumpWithObjects({ marker: 'a' })),
      connection: server.conn,
      database: 'widened',
    });
    const owner = `\`${await ownerOf('widened')}\`@\`localhost\``;
    await server.db.query(
      `GRANT INSERT ON precious.* TO ${owner}; GRANT SELECT ON mysql.user TO ${owner}; ALTER USER ${owner} ACCOUNT UNLOCK;`,
    );
    await importDatabase({
      archive: await writeDump(server.dir, 'legit2', dumps.mysqldumpWithObjects({ marker: 'b' })),
      connection: server.conn,
      database: 'widened',
      replace: true,
    });
    const grants = lines(await server.db.query(`SHOW GRANTS FOR ${owner}`));
    expect(grants).toHaveLength(2);
    expect(grants.join('\n')).not.toMatch(/precious|mysql/);
    expect(await server.db.query(`SHOW CREATE USER ${owner}`)).toMatch(/ACCOUNT LOCK/);
  });

  it('a failed replace leaves a database whose code it owns, and the owner, as they were', async () => {
    await importDatabase({
      archive: await writeDump(server.dir, 'legit', dumps.mysqldumpWithObjects({ marker: 'kept' })),
      connection: server.conn,
      database: 'owned_site',
    });
    await server.db.query('CREATE TABLE held (z int); INSERT INTO held VALUES (5);', 'owned_site');
    const owner = `\`${ownerName('owned_site')}\`@\`localhost\``;
    const before = await server.db.fingerprint('owned_site');
    const grantsBefore = await server.db.query(`SHOW GRANTS FOR ${owner}`);
    // Another session holds a table of the old database, so the one RENAME TABLE cannot get its lock in time.
    await server.db.query('SET GLOBAL lock_wait_timeout = 2');
    const holder = spawn('mariadb', [
      '--no-defaults',
      `--socket=${server.db.socket}`,
      '-uroot',
      '-e',
      'LOCK TABLES owned_site.held READ; SELECT SLEEP(60);',
    ]);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const err = await importDatabase({
        archive: await writeDump(server.dir, 'legit2', dumps.mysqldumpWithObjects({ marker: 'new' })),
        connection: server.conn,
        database: 'owned_site',
        replace: true,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ message: expect.stringMatching(/"owned_site" was left as it was/) });
    } finally {
      holder.kill('SIGKILL');
      await server.db.query('SET GLOBAL lock_wait_timeout = DEFAULT');
    }
    expect(await server.db.fingerprint('owned_site')).toBe(before);
    expect(await server.db.query(`SHOW GRANTS FOR ${owner}`)).toBe(grantsBefore);
    const user = await siteUser('owned_site', 'SELECT, INSERT');
    expect((await as(user, "INSERT INTO t (name) VALUES ('after')", 'owned_site')).error).toBeUndefined();
    expect(lines(await server.db.query("SELECT stamp FROM owned_site.t WHERE name = 'after'"))).toEqual([
      'kept:after',
    ]);
  });

  it('keeps no owner account for a database without stored code', async () => {
    await importDatabase({
      archive: await writeDump(server.dir, 'legit', dumps.mysqldumpWithObjects({ marker: 'a' })),
      connection: server.conn,
      database: 'emptied',
    });
    const owner = await ownerOf('emptied');
    expect(await definerAccounts()).toContain(owner);
    await importDatabase({
      archive: await writeDump(server.dir, 'plain', dumps.sqlGz('CREATE TABLE `t` (`x` int);\n')),
      connection: server.conn,
      database: 'emptied',
      replace: true,
    });
    expect(await definerAccounts()).not.toContain(owner);
    await importDatabase({
      archive: await writeDump(server.dir, 'plain2', dumps.sqlGz('CREATE TABLE `t` (`x` int);\n')),
      connection: server.conn,
      database: 'never_coded',
    });
    expect(await definerAccounts()).not.toContain(ownerName('never_coded'));
  });
});

describe('when the configured user cannot give stored code a locked owner', () => {
  const PASSWORD = 'Cfg-User-Pa55';
  const connect = (user: string): DbConnection => ({ socket: server.db.socket, user, password: PASSWORD });

  beforeAll(async () => {
    const db = server.running;
    if (!db) return;
    await db.query(
      [
        // Can create users (so the import is confined) but not make another account a definer.
        `CREATE USER IF NOT EXISTS 'no_definer'@'localhost' IDENTIFIED BY '${PASSWORD}';`,
        "GRANT ALL PRIVILEGES ON *.* TO 'no_definer'@'localhost' WITH GRANT OPTION;",
        "REVOKE SUPER, SET USER ON *.* FROM 'no_definer'@'localhost';",
        // Cannot create users at all (the import then runs under the guard's strict rules).
        `CREATE USER IF NOT EXISTS 'no_users'@'localhost' IDENTIFIED BY '${PASSWORD}';`,
        "GRANT ALL PRIVILEGES ON *.* TO 'no_users'@'localhost';",
        "REVOKE CREATE USER ON *.* FROM 'no_users'@'localhost';",
      ].join('\n'),
    );
  });

  it('refuses dumps with triggers, views or routines, and still imports the rest', async () => {
    for (const user of ['no_definer', 'no_users']) {
      const before = await server.db.fingerprint('precious');
      for (const dump of [
        dumps.crossDatabaseTriggerDump('precious'),
        dumps.crossDatabaseRoutinesDump('precious'),
        dumps.mysqldumpWithObjects({}),
      ]) {
        const err = await importDatabase({
          archive: await writeDump(server.dir, 'coded', dump),
          connection: connect(user),
          database: 'refused_site',
        }).catch((e: unknown) => e);
        expect(err, user).toMatchObject({
          code: 'database',
          message: expect.stringMatching(/stored code \((trigger|view|procedure)\)/),
        });
        expect(lines(await server.db.query("SHOW DATABASES LIKE 'refused\\_site%'"))).toEqual([]);
      }
      expect(await server.db.fingerprint('precious')).toBe(before);
      const ok = await importDatabase({
        archive: await writeDump(
          server.dir,
          'plain',
          dumps.sqlGz('CREATE TABLE `t` (`x` int);\nINSERT INTO `t` VALUES (1);\n'),
        ),
        connection: connect(user),
        database: `plain_${user}`,
      });
      expect(ok).toMatchObject({ tables: 1, confinement: user === 'no_users' ? 'guard' : 'user' });
    }
    const left = await definerAccounts();
    for (const name of ['refused_site', 'plain_no_definer', 'plain_no_users'])
      expect(left).not.toContain(ownerName(name));
  });
});
