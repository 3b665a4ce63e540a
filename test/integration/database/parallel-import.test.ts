import { execFile } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { importDatabase, ownerAccount, type DbConnection } from '../../../electron/services/database/mysql';
import { holdLock, useMariaDb } from '../../helpers/mariadb-suite';
import { lit, plainDump, siteDump, table } from './parallel-dumps';

/**
 * The import over several connections, against a real MariaDB: the same database as over one connection, each
 * table loaded by one connection in order (read back from the server's general log), and every failure leaving
 * nothing behind, as with one.
 */

const server = useMariaDb('lifeboat-parallel-', {
  setup: async (db) => {
    // Which connection ran which statement, for the assertions on how the dump was split.
    await db.query("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1;");
  },
  each: async (db) => {
    await db.query('TRUNCATE TABLE mysql.general_log;');
  },
});

async function gz(name: string, sql: string): Promise<string> {
  const p = join(server.dir, name);
  await writeFile(p, gzipSync(Buffer.from(sql, 'latin1')));
  return p;
}

/** The connection (thread id) that ran each table's INSERTs, in the order they ran, since the last truncate. */
async function insertThreads(): Promise<Map<string, number[]>> {
  const out = await server.db.query(
    "SELECT thread_id, CONVERT(LEFT(argument, 200) USING latin1) FROM mysql.general_log WHERE command_type = 'Query' AND argument LIKE 'INSERT INTO %' ORDER BY event_time;",
  );
  const byTable = new Map<string, number[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [thread, text = ''] = line.split('\t');
    const name = /^INSERT INTO `((?:[^`]|``)*)`/.exec(text)?.[1] ?? text.slice(12, 30);
    const list = byTable.get(name) ?? [];
    list.push(Number(thread));
    byTable.set(name, list);
  }
  return byTable;
}

const threads = (m: Map<string, number[]>): Set<number> => new Set([...m.values()].flat());

/** No temporary import user is left. */
async function noImportUsers(): Promise<void> {
  expect(
    (
      await server.db.query(
        "SELECT COUNT(*) FROM mysql.global_priv WHERE User LIKE 'lifeboat\\_%' AND User NOT LIKE 'lifeboat\\_def\\_%'",
      )
    ).trim(),
  ).toBe('0');
}

describe('a dump loaded over several connections (real MariaDB)', () => {
  it('imports a site (foreign keys, views, a trigger, routines, blobs, tricky text) the same over 1, 2 and 4', async () => {
    const archive = await gz('site.sql.gz', siteDump(2));
    const size = statSync(archive).size;
    const prints: string[] = [];
    const used: Set<number>[] = [];
    for (const connections of [1, 2, 4]) {
      await server.db.query('TRUNCATE TABLE mysql.general_log;');
      const seen: number[] = [];
      const r = await importDatabase({
        archive,
        connection: server.conn,
        database: 'site_copy',
        replace: connections > 1,
        connections,
        onProgress: (d) => seen.push(d),
      });
      expect(r).toMatchObject({ tables: 6, views: 1, triggers: 1, routines: 2, confinement: 'user' });
      expect(seen.at(-1)).toBe(size);
      const m = await insertThreads();
      // Each table's rows came through one connection.
      for (const [name, list] of m) expect(new Set(list).size, `table ${name}`).toBe(1);
      used.push(threads(m));
      prints.push(await server.db.fingerprint('site_copy'));
    }
    expect(used.map((s) => s.size)).toEqual([1, 2, 4]);
    expect(prints[1]).toBe(prints[0]);
    expect(prints[2]).toBe(prints[0]);
    // The dump's rows did not go through the trigger (it was created after them), and the text stayed text.
    expect(
      (await server.db.query("SELECT COUNT(*) FROM site_copy.comments WHERE body LIKE '[t]%'")).trim(),
    ).toBe('0');
    expect(
      (
        await server.db.query("SELECT COUNT(*) FROM site_copy.posts WHERE body LIKE 'CREATE TABLE `evil`%'")
      ).trim(),
    ).toBe('240');
    expect((await server.db.query("SHOW TABLES FROM site_copy LIKE 'evil%'")).trim()).toBe('');
    expect((await server.db.query('SELECT post_count(1)', 'site_copy')).trim()).toBe(
      (await server.db.query('SELECT COUNT(*) FROM posts WHERE author_id = 1', 'site_copy')).trim(),
    );
    expect((await server.db.query('SELECT GROUP_CONCAT(v ORDER BY k) FROM site_copy.`we``ird`')).trim()).toBe(
      ';,$,$ $,DELIMITER ;',
    );
  });

  it('names the table, the connection and the line of the dump when one connection fails, and keeps nothing', async () => {
    await server.db.query(
      'DROP DATABASE IF EXISTS kept_p; CREATE DATABASE kept_p; CREATE TABLE kept_p.t (x int); INSERT INTO kept_p.t VALUES (1),(2);',
    );
    const before = await server.db.fingerprint('kept_p');
    // `second` fails half way through its rows while `first` (on the other connection) is loading.
    const sql = plainDump({ first: 3000, second: 400 }).replace(
      /(INSERT INTO `second` VALUES \(201,)/,
      'INSERT INTO `second` VALUES (1,2,3);\n$1',
    );
    const line = sql.split('\n').findIndex((l) => l.startsWith('INSERT INTO `second` VALUES (1,2,3)')) + 1;
    const archive = await gz('fails.sql.gz', sql);
    const err = (await importDatabase({
      archive,
      connection: server.conn,
      database: 'kept_p',
      replace: true,
      connections: 2,
    }).catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(err).toMatchObject({ code: 'database' });
    expect(err.message).toMatch(
      new RegExp(
        `refused the import: ERROR 1136 .* at line ${line}: Column count.*table \`second\`, connection 2 of 3`,
      ),
    );
    expect(await server.db.fingerprint('kept_p')).toBe(before);
    expect((await server.db.query("SHOW DATABASES LIKE 'kept\\_p%'")).trim()).toBe('kept_p');
    await noImportUsers();
  });

  it('stops every connection when cancelled while several load, and keeps nothing', async () => {
    const spool = await mkdtemp(join(tmpdir(), 'lifeboat-spool-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = spool;
    try {
      const archive = await gz('slow.sql.gz', plainDump({ one: 40_000, two: 40_000, three: 40_000 }));
      const controller = new AbortController();
      let loading = 0;
      const watch = (async () => {
        // Cancel once two import connections are inserting at the same time.
        for (let i = 0; i < 400 && !controller.signal.aborted; i++) {
          loading = Number(
            (
              await server.db.query(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER LIKE 'lifeboat\\_%' AND INFO LIKE 'INSERT INTO%'",
              )
            ).trim(),
          );
          if (loading >= 2) return controller.abort();
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      const err = await importDatabase({
        archive,
        connection: server.conn,
        database: 'cancel_p',
        connections: 2,
        signal: controller.signal,
      }).catch((e: unknown) => e);
      await watch;
      expect(loading, 'two connections never loaded at once').toBeGreaterThanOrEqual(2);
      expect(err).toMatchObject({ code: 'cancelled' });
      expect((await server.db.query("SHOW DATABASES LIKE 'cancel\\_p%'")).trim()).toBe('');
      await noImportUsers();
      // No client is left running (the server notices a killed client's connection at once), nor the spool.
      let left = '';
      for (let i = 0; i < 40; i++) {
        left = (
          await server.db.query(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER LIKE 'lifeboat\\_%'",
          )
        ).trim();
        if (left === '0') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(left).toBe('0');
      expect(await readdir(spool)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(spool, { recursive: true, force: true });
    }
  });

  it('keeps a damaged archive an integrity error, leaving nothing, with several connections', async () => {
    const good = gzipSync(plainDump({ a: 5000, b: 5000 }));
    const archive = join(server.dir, 'cut.sql.gz');
    await writeFile(archive, good.subarray(0, Math.floor(good.length * 0.7)));
    await expect(
      importDatabase({ archive, connection: server.conn, database: 'cut_p', connections: 2 }),
    ).rejects.toMatchObject({ code: 'integrity' });
    expect((await server.db.query("SHOW DATABASES LIKE 'cut\\_p%'")).trim()).toBe('');
    await noImportUsers();
  });
});

/** A fingerprint or message with a database's own names (its scratch copy, its owner account) made neutral. */
function named(text: string, database: string): string {
  return text
    .replace(new RegExp(`${database}__lb_[0-9a-f]+`, 'g'), 'SCRATCH')
    .replaceAll(ownerAccount(database).user, 'OWNER')
    .replaceAll(database, 'NAME');
}

describe('hostile or odd dumps over several connections', () => {
  /** Imports `sql` over 1, 2 and 4 connections; returns the outcomes (fingerprint or error) and threads used. */
  async function over(
    sql: string,
    options: { connection?: DbConnection; probe?: (database: string) => Promise<string> } = {},
  ) {
    const archive = await gz(`d${Math.random().toString(36).slice(2)}.sql.gz`, sql);
    const results: { outcome: string; threads: number }[] = [];
    for (const connections of [1, 2, 4]) {
      await server.db.query('TRUNCATE TABLE mysql.general_log;');
      const name = `odd_${connections}`;
      await server.db.query(`DROP DATABASE IF EXISTS ${name};`);
      const r = await importDatabase({
        archive,
        connection: options.connection ?? server.conn,
        database: name,
        connections,
      }).then(
        async () => named(await (options.probe ?? server.db.fingerprint)(name), name),
        (e: { code?: string; message?: string }) =>
          `${e.code}: ${named(e.message ?? '', name).replace(/ \([^()]*connection \d+ of \d+\)/, '')}`,
      );
      results.push({ outcome: r, threads: threads(await insertThreads()).size });
      await server.db.query(`DROP DATABASE IF EXISTS ${name};`);
    }
    return results;
  }

  it('does not split at text that looks like a table boundary in strings and comments', async () => {
    const sql = [
      table('a', ['`s` text'], [`(${lit('x;\nCREATE TABLE `b` (y int);\nINSERT INTO `b` VALUES (1);')})`]),
      '/* ;\nCREATE TABLE `c` (z int);\nINSERT INTO `c` VALUES (2); */\n-- CREATE TABLE `d` (w int);\n# DROP TABLE `a`;',
      table('e', ['`s` text'], ["('\nCREATE TABLE `f` (v int);\n')", `(${lit('*/;')})`]),
    ]
      .flat()
      .join('\n');
    const r = await over(sql);
    expect(r[0]!.outcome).toMatch(/CREATE TABLE `a`/);
    expect(r[0]!.outcome).not.toMatch(/CREATE TABLE `[bcdf]`/);
    expect(r.map((x) => x.outcome)).toEqual([r[0]!.outcome, r[0]!.outcome, r[0]!.outcome]);
    expect(r.map((x) => x.threads)).toEqual([1, 2, 2]);
  });

  it('keeps tables with backticks and newlines in their names apart, each whole and in order', async () => {
    const names = ['new\nline', 'new', 'line', 'a``b', 'a', 'b`'];
    const sql = names
      .flatMap((n, i) =>
        table(
          n.replace(/``/g, '`'),
          ['`id` int(11) NOT NULL', '`v` varchar(20)', 'PRIMARY KEY (`id`)'],
          Array.from({ length: 300 }, (_, k) => `(${k},${lit(`${i}:${k}`)})`),
          40,
        ),
      )
      .join('\n');
    // The helper's fingerprint cannot name a table with a newline: read every table back by its exact name.
    const probe = async (database: string): Promise<string> => {
      const hex = (
        await server.db.query(
          `SELECT HEX(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${database}' ORDER BY 1`,
        )
      )
        .split('\n')
        .filter(Boolean);
      const parts: string[] = [];
      for (const h of hex) {
        const name = Buffer.from(h, 'hex').toString();
        const q = `\`${name.replace(/`/g, '``')}\``;
        parts.push(
          h,
          await server.db.query(
            `SELECT COUNT(*), GROUP_CONCAT(v ORDER BY id), SUM(CRC32(v)) FROM ${q}`,
            database,
          ),
        );
      }
      return parts.join('\n');
    };
    const r = await over(sql, { probe });
    expect(r[0]!.outcome.split('\n').filter((l) => /^[0-9A-F]+$/.test(l))).toHaveLength(names.length);
    expect(r.map((x) => x.outcome)).toEqual([r[0]!.outcome, r[0]!.outcome, r[0]!.outcome]);
    expect(r.map((x) => x.threads)).toEqual([1, 2, 4]);
  });

  it('keeps every session setting on every connection: a NO_BACKSLASH_ESCAPES dump cannot smuggle a statement', async () => {
    await server.db.query(
      'DROP DATABASE IF EXISTS bystander_p; CREATE DATABASE bystander_p; CREATE TABLE bystander_p.u (x int); INSERT INTO bystander_p.u VALUES (7);',
    );
    await server.db.query(
      "CREATE USER IF NOT EXISTS 'limited_p'@'localhost' IDENTIFIED BY 'Limited-Pa55'; GRANT ALL PRIVILEGES ON *.* TO 'limited_p'@'localhost'; REVOKE CREATE USER ON *.* FROM 'limited_p'@'localhost';",
    );
    const before = await server.db.fingerprint('bystander_p');
    // Read with NO_BACKSLASH_ESCAPES, `b` gets two harmless rows; read without it, USE and DROP would run.
    const sql = plainDump(
      { a: 2000 },
      {
        before: ["SET sql_mode = 'NO_BACKSLASH_ESCAPES';"],
        after: [
          'CREATE TABLE `b` (`s` varchar(100));',
          "INSERT INTO `b` VALUES ('a\\'),(');USE bystander_p;DROP TABLE u;-- ');",
        ],
      },
    );
    const r = await over(sql, {
      connection: { socket: server.db.socket, user: 'limited_p', password: 'Limited-Pa55' },
    });
    expect(await server.db.fingerprint('bystander_p')).toBe(before);
    expect(r[0]!.outcome).toMatch(/CREATE TABLE `b`/);
    expect(r.map((x) => x.outcome)).toEqual([r[0]!.outcome, r[0]!.outcome, r[0]!.outcome]);
    expect(r.map((x) => x.threads)).toEqual([1, 2, 2]);
  });

  it('follows DELIMITER changes and statements glued in a conditional comment as one client would', async () => {
    const sql = [
      table('a', ['`x` int'], ['(1)', '(2)']),
      'DELIMITER $$',
      'CREATE TABLE `b` (`x` int)$$',
      'INSERT INTO `b` VALUES (1);INSERT INTO `b` VALUES (2)$$',
      'DELIMITER ;',
      table('c', ['`x` int'], ['(3)']),
      'DELIMITER //',
      "/*!40101 INSERT INTO `a` VALUES (9); SET sql_mode='NO_BACKSLASH_ESCAPES' */;//",
      'DELIMITER ;',
      table('d', ['`s` text'], ["'\\\\'"]),
    ]
      .flat()
      .join('\n');
    const r = await over(sql);
    // The glued statement fails on the server as it does over one connection, after the tables before it.
    expect(r[0]!.outcome).toMatch(/^database: .*ERROR 1064/);
    expect(r.map((x) => x.outcome)).toEqual([r[0]!.outcome, r[0]!.outcome, r[0]!.outcome]);
    expect(r[1]!.threads).toBeGreaterThanOrEqual(2);
  });

  it('keeps a table whose data comes before its CREATE, or is interleaved with others, in dump order', async () => {
    const early = 'INSERT INTO `late` VALUES (1);\nCREATE TABLE `late` (`x` int);\n';
    const r1 = await over(`${early}${table('other', ['`x` int'], ['(1)']).join('\n')}`);
    expect(r1[0]!.outcome).toMatch(/^database: .*ERROR 1146 .*late' doesn't exist/);
    expect(r1.map((x) => x.outcome)).toEqual([r1[0]!.outcome, r1[0]!.outcome, r1[0]!.outcome]);
    const interleaved = [
      'CREATE TABLE `p` (`x` int PRIMARY KEY);',
      'CREATE TABLE `q` (`x` int PRIMARY KEY);',
      'INSERT INTO `p` VALUES (1);',
      'INSERT INTO `q` VALUES (1);',
      'DELETE FROM `p`;',
      'INSERT INTO `p` VALUES (2);',
      'DROP TABLE `q`;',
      'CREATE TABLE `q` (`y` int);',
      'INSERT INTO `q` VALUES (5);',
    ].join('\n');
    const r2 = await over(interleaved);
    expect(r2[0]!.outcome).toMatch(/`y` int/);
    expect(r2.map((x) => x.outcome)).toEqual([r2[0]!.outcome, r2[0]!.outcome, r2[0]!.outcome]);
    // p and q on a connection each; from the DELETE on (which reads p), the rest in order on a third.
    expect(r2.map((x) => x.threads)).toEqual([1, 3, 3]);
  });

  it('imports a dump with no tables, and an empty one', async () => {
    for (const sql of ['', '/*!40101 SET NAMES utf8mb4 */;\nSET @x = 1;\n-- nothing else\n']) {
      const r = await over(sql);
      expect(r[0]!.outcome).not.toMatch(/^[a-z-]+: /);
      expect(r.map((x) => x.outcome)).toEqual([r[0]!.outcome, r[0]!.outcome, r[0]!.outcome]);
    }
  });

  it('loads a single INSERT larger than a connection keeps in memory, beside other tables', async () => {
    // About 12 MiB in one statement (the client's limit is 16 MiB): it goes through the spool on disk.
    const big = Array.from({ length: 3000 }, (_, i) => `(${i},${lit('z'.repeat(4000) + i)})`);
    const sql = [
      ...table('small', ['`x` int'], ['(1)']),
      ...table('huge', ['`id` int(11) NOT NULL', '`s` text', 'PRIMARY KEY (`id`)'], big, 3000),
      ...table('after', ['`x` int'], ['(2)']),
    ].join('\n');
    expect(sql.length).toBeGreaterThan(12_000_000);
    const r = await over(sql);
    expect(r[0]!.outcome).toMatch(/CREATE TABLE `huge`/);
    expect(r.map((x) => x.outcome)).toEqual([r[0]!.outcome, r[0]!.outcome, r[0]!.outcome]);
    expect(r.map((x) => x.threads)).toEqual([1, 2, 3]);
  });
});

describe('a connection that stalls', () => {
  it('spools no more than the limit behind it, waits, and loads everything once it goes on', async () => {
    // `a`'s first row waits for a lock this test holds, while the router reads on: `a`'s rows fill its
    // connection's queue in memory (8 MiB), then the spool on disk up to its limit (2 MiB here), and there the
    // router waits for that connection. Without a limit of its own, the spool took up to a quarter of the
    // temporary folder's free space (here: all of `a`'s rows, and `z` was loaded meanwhile).
    const hold = holdLock(server.db, 'lifeboat_test_stall');
    await hold.held;
    const tmp = join(server.dir, 'tmp');
    await mkdir(tmp);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const row = `(${lit('r'.repeat(1 << 20))})`;
      const sql = [
        ...table('b', ['`x` int'], ['(1)', '(2)']),
        ...table('c', ['`x` int'], ['(3)']),
        'CREATE TABLE `a` (`s` longtext);',
        "INSERT INTO `a` VALUES (GET_LOCK('lifeboat_test_stall', 3600));",
        ...Array.from({ length: 24 }, () => `INSERT INTO \`a\` VALUES ${row};`),
        ...table('z', ['`x` int'], ['(9)']),
        '',
      ].join('\n');
      const archive = await gz('stall.sql.gz', sql);
      const imported = importDatabase({
        archive,
        connection: server.conn,
        database: 'stalled',
        connections: 4,
        spoolLimit: 2 << 20,
      });
      imported.catch(() => undefined);
      const spooled = async (): Promise<number> => {
        let n = 0;
        for (const d of await readdir(tmp).catch(() => [] as string[])) {
          if (!d.startsWith('lifeboat-import-')) continue;
          for (const f of await readdir(join(tmp, d)).catch(() => [] as string[]))
            n += (await stat(join(tmp, d, f)).catch(() => null))?.size ?? 0;
        }
        return n;
      };
      const scratchTables = async (): Promise<string[]> => {
        const scratch = (
          await server.db.query(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'stalled\\_\\_lb\\_%'",
          )
        ).trim();
        if (!scratch) return [];
        return (
          await server.db.query(
            `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${scratch}' ORDER BY 1`,
          )
        )
          .split('\n')
          .filter(Boolean);
      };
      // While `a`'s connection waits: the spool on disk never passes the limit (give or take the one row that
      // found it empty), and nothing after `a`'s rows is read, so `z` never comes. Watched until the spool has
      // been at its fullest for a while (the old code had spooled all of `a` and made `z` by then).
      let most = 0;
      let still = 0;
      for (let i = 0; i < 400 && still < 20; i++) {
        const now = await spooled();
        still = now > 0 && now === most ? still + 1 : 0;
        most = Math.max(most, now);
        expect(await scratchTables(), 'z was made while a waited').not.toContain('z');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(most, 'the import never spooled behind the waiting connection').toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual((2 << 20) + (1 << 20) + 4096);
      await hold.release();
      const r = await imported;
      expect(r.tables).toBe(4);
      expect((await server.db.query('SELECT COUNT(*), SUM(LENGTH(s)) FROM stalled.a')).trim()).toBe(
        `25\t${24 * (1 << 20) + 1}`,
      );
      expect((await server.db.query('SELECT x FROM stalled.z')).trim()).toBe('9');
      // Still in parallel: `a`'s rows all went over one connection, `z`'s over another.
      const m = await insertThreads();
      expect(new Set(m.get('a')).size).toBe(1);
      expect(m.get('z')![0]).not.toBe(m.get('a')![0]);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      await hold.release();
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  }, 120_000);
});

describe('a client that quits before the end of the dump', () => {
  it('ends with the server’s error instead of waiting forever for its input to close', async () => {
    // The archive is a FIFO that stays open after the dump's first statement has failed and the client is gone:
    // the end of the input then comes after Node has closed the client's stdin.
    for (const connections of [1, 2]) {
      const fifo = join(server.dir, `slow-${connections}.sql.gz`);
      await promisify(execFile)('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      const written = (async () => {
        writer.write(gzipSync('INSERT INTO `late` VALUES (1);\nCREATE TABLE `late` (`x` int);\n'));
        await new Promise((r) => setTimeout(r, 1500));
        writer.end();
      })();
      const err = await importDatabase({
        archive: fifo,
        connection: server.conn,
        database: `quit_${connections}`,
        connections,
      }).catch((e: unknown) => e);
      await written;
      expect(err).toMatchObject({
        code: 'database',
        message: expect.stringMatching(/ERROR 1146 .* at line 1: Table .*late' doesn't exist/),
      });
      expect((await server.db.query(`SHOW DATABASES LIKE 'quit\\_${connections}%'`)).trim()).toBe('');
    }
  });
});

describe('importing from a stream', () => {
  it('imports from a stream fed in pieces, as a download still being written', async () => {
    const archive = gzipSync(Buffer.from(siteDump(1), 'latin1'));
    for (const connections of [1, 2]) {
      const name = `streamed_${connections}`;
      let opened = 0;
      const seen: [number, number][] = [];
      const r = await importDatabase({
        source: () => {
          opened++;
          // Pieces of 4 KiB, with a pause now and then, like a file that grows while it is read.
          return Readable.from(
            (async function* () {
              for (let i = 0; i < archive.length; i += 4096) {
                if (i % (64 * 1024) === 0) await new Promise((res) => setTimeout(res, 5));
                yield archive.subarray(i, i + 4096);
              }
            })(),
          );
        },
        total: archive.length,
        connection: server.conn,
        database: name,
        connections,
        onProgress: (d, t) => seen.push([d, t]),
      });
      expect(opened).toBe(1);
      expect(r).toMatchObject({ tables: 6, views: 1, triggers: 1, routines: 2 });
      expect(seen.at(-1)).toEqual([archive.length, archive.length]);
      expect((await server.db.query('SELECT COUNT(*) FROM posts', name)).trim()).toBe('600');
    }
    expect(named(await server.db.fingerprint('streamed_2'), 'streamed_2')).toBe(
      named(await server.db.fingerprint('streamed_1'), 'streamed_1'),
    );
  });

  it('keeps nothing when the stream fails half way, and passes its error on', async () => {
    await server.db.query(
      'DROP DATABASE IF EXISTS kept_s; CREATE DATABASE kept_s; CREATE TABLE kept_s.t (x int); INSERT INTO kept_s.t VALUES (42);',
    );
    const before = await server.db.fingerprint('kept_s');
    const archive = gzipSync(Buffer.from(plainDump({ a: 20_000, b: 20_000 }), 'latin1'));
    for (const connections of [1, 2]) {
      const broken = new Error('the download broke off');
      const err = await importDatabase({
        source: () =>
          Readable.from(
            (async function* () {
              for (let i = 0; i < archive.length / 2; i += 16384) yield archive.subarray(i, i + 16384);
              throw broken;
            })(),
          ),
        total: archive.length,
        connection: server.conn,
        database: 'kept_s',
        replace: true,
        connections,
      }).catch((e: unknown) => e);
      expect(err).toBe(broken);
      expect(await server.db.fingerprint('kept_s')).toBe(before);
      expect((await server.db.query("SHOW DATABASES LIKE 'kept\\_s%'")).trim()).toBe('kept_s');
      await noImportUsers();
    }
  });

  it('refuses both an archive and a stream, or neither, and a connection count out of range', async () => {
    await expect(
      importDatabase({ connection: server.conn, database: 'neither_s' } as Parameters<
        typeof importDatabase
      >[0]),
    ).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(
      importDatabase({
        archive: join(server.dir, 'x.sql.gz'),
        source: () => Readable.from([]),
        connection: server.conn,
        database: 'both_s',
      }),
    ).rejects.toMatchObject({ code: 'invalid-request' });
    for (const connections of [0, 1.5, 17]) {
      await expect(
        importDatabase({
          archive: join(server.dir, 'x.sql.gz'),
          connection: server.conn,
          database: 'n_s',
          connections,
        }),
      ).rejects.toMatchObject({ code: 'invalid-request', message: expect.stringContaining('1 to 16') });
    }
  });
});
