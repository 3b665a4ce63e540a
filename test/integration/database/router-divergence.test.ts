// Outside attack (issue 9): the parallel import must give the same database, or the same refusal, over one
// connection and over four. Each dump here is hostile in one way: it relies on per-connection state that the
// router does not carry from one connection to another (LOCK TABLES, temporary tables, INSERT_ID,
// @@last_insert_id), or on an order the router changes (a trigger writing to a table named after it, a sequence
// read by another table's INSERT). A test fails when the two imports differ.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importDatabase, ownerAccount } from '../../../electron/services/database/mysql';
import { useMariaDb } from '../../helpers/mariadb-suite';
import { mountSmallFs, smallFsUnavailable } from '../../helpers/small-fs';

const server = useMariaDb('lifeboat-attack9-router-');

/** The database's own name and the throwaway names in it replaced, so two imports compare. */
function named(text: string, database: string): string {
  return text
    .replace(new RegExp(`${database}__lb_[0-9a-f]+`, 'g'), 'SCRATCH')
    .replaceAll(ownerAccount(database).user, 'OWNER')
    .replaceAll(database, 'NAME');
}

/** Imports `sql` over 1 and over 4 connections: the outcome of each (the database's content, or the error). */
async function over(sql: string, before4?: () => Promise<void>): Promise<{ one: string; four: string }> {
  const archive = join(server.dir, `d${Math.random().toString(36).slice(2)}.sql.gz`);
  await writeFile(archive, gzipSync(Buffer.from(sql, 'utf8')));
  const out: string[] = [];
  for (const connections of [1, 4]) {
    const name = `attack9_r${connections}`;
    if (connections === 4) await before4?.();
    await server.db.query(`DROP DATABASE IF EXISTS ${name};`);
    const outcome = await importDatabase({
      archive,
      connection: server.conn,
      database: name,
      connections,
    }).then(
      async () => {
        const tables = (
          await server.db.query(
            `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${name}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
          )
        )
          .split('\n')
          .filter(Boolean);
        // The rows themselves, sorted, beside the helper's fingerprint (definitions, checksums, objects).
        const rows: string[] = [];
        for (const t of tables) {
          // Each column's first 40 characters: enough to compare, small for tables of long rows.
          const columns = (
            await server.db.query(
              `SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${name}' AND TABLE_NAME = '${t}' ORDER BY ORDINAL_POSITION`,
            )
          )
            .split('\n')
            .filter(Boolean)
            .map((c) => `LEFT(\`${c}\`, 40)`);
          const body = (
            await server.db.query(`SELECT CONCAT_WS('/', ${columns.join(', ')}) FROM \`${t}\``, name)
          )
            .split('\n')
            .filter(Boolean)
            .sort();
          rows.push(`${t}: ${body.join(' | ')}`);
        }
        return named(`${await server.db.fingerprint(name)}\n${rows.join('\n')}`, name);
      },
      (e: { code?: string; message?: string }) =>
        `${e.code}: ${named(e.message ?? '', name).replace(/ \([^()]*connection \d+ of \d+\)/, '')}`,
    );
    out.push(outcome);
    await server.db.query(`DROP DATABASE IF EXISTS ${name};`);
  }
  return { one: out[0]!, four: out[1]! };
}

describe('per-connection state the router does not carry between connections', () => {
  it('SET INSERT_ID applies to the next row of one connection, not to the next row of every table', async () => {
    // Over one connection only `a`'s next row gets id 500; every table connection runs the SET, so over four
    // `b`'s first row (on another connection) gets 500 too.
    const sql = [
      'CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `v` int);',
      'INSERT INTO `a` (`v`) VALUES (0);',
      'CREATE TABLE `b` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `v` int);',
      'SET INSERT_ID = 500;',
      'INSERT INTO `a` (`v`) VALUES (1);',
      'INSERT INTO `b` (`v`) VALUES (2);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/a: 1\/0 \| 500\/1/);
    expect(r.four).toBe(r.one);
  });

  it('LOCK TABLES of one table refuses writes to another as over one connection', async () => {
    // Over one connection the INSERT into `c` fails (ERROR 1100, not locked); over four it runs on another
    // connection, which holds no LOCK TABLES, and the import succeeds.
    const sql = [
      'CREATE TABLE `a` (`x` int);',
      'CREATE TABLE `c` (`x` int);',
      'LOCK TABLES `a` WRITE;',
      'INSERT INTO `a` VALUES (1);',
      'INSERT INTO `c` VALUES (2);',
      'UNLOCK TABLES;',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/^database: .*ERROR 1100/);
    expect(r.four).toBe(r.one);
  });

  it('a temporary table hides its base table from later rows also once a view made them go last', async () => {
    // The view sends every table named so far to the final connection, which never saw the TEMPORARY table:
    // over four the last row lands in the base table, over one in the temporary one (and is gone).
    const sql = [
      'CREATE TABLE `t` (`x` int);',
      'CREATE TEMPORARY TABLE `t` (`x` int);',
      'INSERT INTO `t` VALUES (1);',
      'CREATE VIEW `v` AS SELECT 1 AS `one`;',
      'INSERT INTO `t` VALUES (2);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/\nt: $/m);
    expect(r.four).toBe(r.one);
  });

  it("with autocommit off, a DDL of another table commits this table's rows before it, as over one connection", async () => {
    // Over one connection CREATE TABLE `c` commits `a`'s first row; the second is never committed and goes when
    // the client ends. Over four, `c` is created on another connection, and `a`'s connection ends with both
    // rows uncommitted (the router adds a COMMIT only where a committing statement follows a lane's last one).
    const sql = [
      'SET autocommit = 0;',
      'CREATE TABLE `a` (`x` int) ENGINE=InnoDB;',
      'CREATE TABLE `b` (`x` int) ENGINE=InnoDB;',
      'INSERT INTO `a` VALUES (1);',
      'INSERT INTO `b` VALUES (1);',
      'CREATE TABLE `c` (`x` int) ENGINE=InnoDB;',
      'INSERT INTO `a` VALUES (2);',
      'INSERT INTO `b` VALUES (2);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/\na: 1$/m);
    expect(r.four).toBe(r.one);
  });

  it('@@last_insert_id read into a variable is the one of the connection that inserted', async () => {
    // The SET runs on every connection; the INSERT that uses the variable goes to the final connection, whose
    // own last insert id is 0 where one connection's is 1.
    const sql = [
      'CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY);',
      'INSERT INTO `a` VALUES (NULL),(NULL),(NULL);',
      'SET @last = @@last_insert_id;',
      'CREATE TABLE `b` (`v` int);',
      'INSERT INTO `b` VALUES (@last);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/\nb: 1$/m);
    expect(r.four).toBe(r.one);
  });

  it.each([
    ['LAST_INSERT_ID() in the data', 'INSERT INTO `b` VALUES (LAST_INSERT_ID());', /\nb: 1$/m],
    ['@@identity in the data', 'INSERT INTO `b` VALUES (@@identity);', /\nb: 1$/m],
    ['ROW_COUNT() into a variable', 'SET @n = ROW_COUNT();\nINSERT INTO `b` VALUES (@n);', /\nb: 3$/m],
    [
      '@@warning_count into a variable',
      'INSERT IGNORE INTO `a` VALUES (1);\nSET @w = @@warning_count;\nINSERT INTO `b` VALUES (@w);',
      /\nb: 1$/m,
    ],
  ])('%s is what the connection that ran the statement before it left', async (_what, read, expected) => {
    const sql = [
      'CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY);',
      'CREATE TABLE `b` (`v` int);',
      'INSERT INTO `a` VALUES (NULL),(NULL),(NULL);',
      read,
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(expected);
    expect(r.four).toBe(r.one);
  });

  it('reads a streamed archive again from its first byte, with progress that only grows', async () => {
    // The restore's import reads the download as it grows: starting over, it opens the stream again.
    const sql = [
      'CREATE TABLE `a` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `pad` text);',
      ...Array.from(
        { length: 50 },
        (_, i) => `INSERT INTO \`a\` VALUES (NULL, '${String(i).repeat(2000)}');`,
      ),
      'CREATE TABLE `b` (`v` int);',
      'INSERT INTO `b` VALUES (LAST_INSERT_ID());',
      '',
    ].join('\n');
    const gz = gzipSync(Buffer.from(sql, 'utf8'));
    let opens = 0;
    const seen: number[] = [];
    await server.db.query('DROP DATABASE IF EXISTS attack9_stream;');
    const r = await importDatabase({
      source: () => {
        opens++;
        return Readable.from(
          Array.from({ length: Math.ceil(gz.length / 4096) }, (_, i) =>
            gz.subarray(i * 4096, (i + 1) * 4096),
          ),
        );
      },
      total: gz.length,
      connection: server.conn,
      database: 'attack9_stream',
      connections: 4,
      onProgress: (done) => seen.push(done),
    });
    expect(r.tables).toBe(2);
    expect((await server.db.query('SELECT v FROM attack9_stream.b')).trim()).toBe('50');
    expect((await server.db.query('SELECT COUNT(*) FROM attack9_stream.a')).trim()).toBe('50');
    expect(opens).toBe(2);
    expect(seen.at(-1)).toBe(gz.length);
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true);
    await server.db.query('DROP DATABASE attack9_stream;');
  });
});

describe('an order the router changes', () => {
  it('a trigger writes into a table named after it only while that table exists in dump order', async () => {
    // `log` is first named after the trigger, on a table connection; the INSERT into `a` that fires the trigger
    // goes last, and with it (the router defers every table named so far) `log`'s drop and re-create: the
    // trigger's row goes into the dropped `log` over four connections as over one. A guard.
    const sql = [
      'CREATE TABLE `a` (`id` int);',
      'CREATE TRIGGER `tr` AFTER INSERT ON `a` FOR EACH ROW INSERT INTO `log` VALUES (NEW.id);',
      'CREATE TABLE `log` (`id` int);',
      'INSERT INTO `a` VALUES (1);',
      'DROP TABLE `log`;',
      'CREATE TABLE `log` (`id` int);',
      'INSERT INTO `log` VALUES (7);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/\nlog: 7$/m);
    expect(r.four).toBe(r.one);
  });

  it('a view or trigger on a table the dump creates only after it fails as over one connection', async () => {
    // The final connection runs views and triggers after every table connection has finished, so a table named
    // only after them exists by then: over four both are created, over one the view fails (ERROR 1146).
    const sql = [
      'CREATE VIEW `v` AS SELECT `x` FROM `later`;',
      'CREATE TABLE `later` (`x` int);',
      'INSERT INTO `later` VALUES (1);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/^database: .*ERROR 1146/);
    expect(r.four).toBe(r.one);
  });

  it('ALTER TABLE … CONVERT TABLE (another table into a partition) waits for that table as over one connection', async () => {
    // MariaDB 10.7+: the ALTER names `u` after words the router does not read (CONVERT TABLE), so it runs on
    // `t`'s connection while `u` still loads on another: over four it takes `u` half loaded, and `u`'s next row
    // finds no table; over one, both rows move into `t`.
    const sql = [
      'CREATE TABLE `t` (`x` int) PARTITION BY RANGE (`x`) (PARTITION `p0` VALUES LESS THAN (10));',
      'CREATE TABLE `u` (`x` int);',
      'INSERT INTO `u` VALUES (SLEEP(2) + 15);',
      'INSERT INTO `u` VALUES (16);',
      'ALTER TABLE `t` CONVERT TABLE `u` TO PARTITION `p1` VALUES LESS THAN (20);',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/\nt: 15 \| 16$/m);
    expect(r.four).toBe(r.one);
  });

  it("an INSERT that reads a sequence (NEXTVAL, no SELECT) waits for the sequence's own statements", async () => {
    // The sequence is a CREATE TABLE … SEQUENCE=1 (a table to the router) on a connection that is still busy
    // (SLEEP); `t`'s INSERT reads it on another connection before it exists. Padding only steers which
    // connection each table gets (the least loaded one).
    const pad = (name: string): string =>
      `CREATE TABLE \`${name}\` (\`x\` int) COMMENT='${'p'.repeat(1500)}';`;
    const sql = [
      'CREATE TABLE `slow` (`x` int);',
      'INSERT INTO `slow` VALUES (SLEEP(4));',
      `CREATE TABLE \`t\` (\`x\` bigint) COMMENT='${'p'.repeat(1500)}';`,
      pad('p3'),
      pad('p4'),
      'CREATE TABLE `s` (`next_not_cached_value` bigint(21) NOT NULL, `minimum_value` bigint(21) NOT NULL, `maximum_value` bigint(21) NOT NULL, `start_value` bigint(21) NOT NULL, `increment` bigint(21) NOT NULL, `cache_size` bigint(21) unsigned NOT NULL, `cycle_option` tinyint(1) unsigned NOT NULL, `cycle_count` bigint(21) NOT NULL) ENGINE=InnoDB SEQUENCE=1;',
      'INSERT INTO `s` VALUES (100,1,9223372036854775806,1,1,1000,0,0);',
      'INSERT INTO `t` VALUES (NEXTVAL(`s`));',
      '',
    ].join('\n');
    const r = await over(sql);
    expect(r.one).toMatch(/\nt: 100$/m);
    expect(r.four).toBe(r.one);
  });
});

describe('a lock the router splits from the statements it covers', () => {
  it('LOCK TABLES of two tables does not stall the import once the spool is full', async (ctx) => {
    const why = await smallFsUnavailable();
    if (why) return ctx.skip(why);
    // `LOCK TABLES a WRITE, b WRITE` goes to `a`'s connection, which then idles holding the lock on `b` until
    // its input ends; `b`'s rows go to another connection, whose first INSERT waits for that lock. The router
    // spools `b`'s rows until the spool's disk budget is used up, then waits for `b`'s connection to read, which
    // waits for the lock, which waits for the router to end `a`'s input: a cycle no one breaks. Over one
    // connection it simply loads. The server's lock wait is cut to 20 s here so that the stall ends as an
    // error (its default is a day); the spool is on a 128 MiB file system, so its budget is the 64 MiB floor.
    const small = await mountSmallFs(128);
    const saved = process.env.TMPDIR;
    try {
      const row = `('${'b'.repeat(1 << 20)}')`;
      const sql = [
        'CREATE TABLE `a` (`x` int);',
        'CREATE TABLE `b` (`s` longtext);',
        // `b`'s connection is busy in its first row while the lock is asked for (which then goes first), and
        // `a`'s waits a moment so that `b` exists when the lock names it.
        'INSERT INTO `b` VALUES (SLEEP(3));',
        'INSERT INTO `a` VALUES (SLEEP(1));',
        'LOCK TABLES `a` WRITE, `b` WRITE;',
        ...Array.from({ length: 100 }, () => `INSERT INTO \`b\` VALUES ${row};`),
        'UNLOCK TABLES;',
        '',
      ].join('\n');
      const r = await over(sql, async () => {
        process.env.TMPDIR = small.dir;
        await server.db.query('SET GLOBAL lock_wait_timeout = 20;');
      });
      expect(r.one).toMatch(/\nb: /);
      expect(r.four).toBe(r.one);
    } finally {
      await server.db.query('SET GLOBAL lock_wait_timeout = DEFAULT;');
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await small.unmount();
    }
  }, 180_000);
});
