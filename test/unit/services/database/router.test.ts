import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dumpGuard, type DumpGuardOptions } from '../../../../electron/services/database/dump-guard';
import { OneConnectionNeeded, Router } from '../../../../electron/services/database/router';
import { SpoolBudget, SpoolQueue } from '../../../../electron/services/database/spool';
import * as dumps from '../../../helpers/hostile-dumps';

interface Routed {
  /** What each lane's client gets; the last is the final lane, with `|barrier|` where the table lanes finished. */
  readonly lanes: string[];
  readonly serial: string | null;
  readonly router: Router;
}

/** Runs `sql` through a guard and a router over `n` table lanes, in chunks of `size` bytes (0: one chunk). */
async function route(
  sql: string,
  n = 2,
  options: {
    size?: number;
    holdMax?: number;
    lctn?: number;
    prelude?: string;
    guard?: Partial<DumpGuardOptions>;
  } = {},
): Promise<Routed> {
  const guard = dumpGuard({ mode: 'confined', ...options.guard, units: true });
  const out: string[][] = Array.from({ length: n + 1 }, () => []);
  const lanes = out.map((o) => ({
    append: async (b: Buffer): Promise<void> => {
      o.push(b.toString('latin1'));
    },
  }));
  const router = new Router({
    lanes: lanes.slice(0, n),
    final: lanes[n]!,
    lowerCaseTableNames: options.lctn ?? 0,
    barrier: async () => {
      out[n]!.push('|barrier|');
    },
    ...(options.holdMax ? { holdMax: options.holdMax } : {}),
    ...(options.prelude ? { prelude: options.prelude } : {}),
  });
  const buf = Buffer.from(sql, 'latin1');
  const parts: Buffer[] = [];
  const size = options.size ?? 0;
  if (size > 0) for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  else parts.push(buf);
  await pipeline(
    Readable.from(parts),
    guard,
    new Writable({
      write(c: Buffer, _e, cb) {
        router.write(c, guard.takeUnits()).then(() => cb(), cb);
      },
      final(cb) {
        router.end(guard.delimiterText, guard.line).then(() => cb(), cb);
      },
    }),
  );
  return { lanes: out.map((o) => o.join('')), serial: router.serial, router };
}

/** The statements of a lane's input, as its client splits them (`;` only, no DELIMITER in these inputs). */
const statements = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('--') && l !== '|barrier|')
    .join('\n')
    .split(/;\n?/)
    .map((s) => s.trim())
    .filter(Boolean);

const sql = (b: Buffer): string => gunzipSync(b).toString('latin1');

describe('the router splits a guarded dump over connections', () => {
  it('gives every lane every session setting before its next table, and each table whole to one lane', async () => {
    const dump = [
      "SET NAMES utf8mb4;\nSET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';",
      'CREATE TABLE a (x int);\nLOCK TABLES a WRITE;\nINSERT INTO a VALUES (1),(2);\nUNLOCK TABLES;',
      'SET @saved = @@character_set_client;',
      'CREATE TABLE b (x int);\nINSERT INTO b VALUES (3);',
      'CREATE TABLE c (x int);\nINSERT INTO c VALUES (4);',
      'SET time_zone = @old;',
      'INSERT INTO a VALUES (5);',
      '',
    ].join('\n');
    const { lanes, serial } = await route(dump);
    expect(serial).toBeNull();
    expect(statements(lanes[0]!)).toEqual([
      'SET NAMES utf8mb4',
      "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
      'CREATE TABLE a (x int)',
      'LOCK TABLES a WRITE',
      'INSERT INTO a VALUES (1),(2)',
      'UNLOCK TABLES',
      'SET @saved = @@character_set_client',
      'SET time_zone = @old',
      'INSERT INTO a VALUES (5)',
    ]);
    // b is the least loaded lane's, and c goes where the least table bytes are then (lane 2 again: b is small).
    expect(statements(lanes[1]!)).toEqual([
      'SET NAMES utf8mb4',
      "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
      'SET @saved = @@character_set_client',
      'CREATE TABLE b (x int)',
      'INSERT INTO b VALUES (3)',
      'CREATE TABLE c (x int)',
      'INSERT INTO c VALUES (4)',
      'SET time_zone = @old',
    ]);
    // The final lane runs every session setting too, in order, after the barrier nothing.
    expect(statements(lanes[2]!)).toEqual([
      'SET NAMES utf8mb4',
      "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
      'SET @saved = @@character_set_client',
      'SET time_zone = @old',
    ]);
    expect(lanes[2]!.endsWith('|barrier|')).toBe(true);
  });

  it('never splits inside strings or comments that look like statements, whatever the chunks', async () => {
    const dump = [
      "CREATE TABLE a (s text);\nINSERT INTO a VALUES ('x;\nCREATE TABLE b (y int);\nINSERT INTO b VALUES (1);');",
      '/* ;\nCREATE TABLE c (z int); */\n-- CREATE TABLE d (w int);\n# INSERT INTO e VALUES (1);',
      "CREATE TABLE f (s text);\nINSERT INTO f VALUES ('*/;'), ('\\';CREATE TABLE g (x int);');",
      '',
    ].join('\n');
    const whole = await route(dump);
    expect(whole.lanes[0]).toContain("('x;\nCREATE TABLE b (y int);\nINSERT INTO b VALUES (1);')");
    expect(whole.lanes[0]).toContain('/* ;\nCREATE TABLE c (z int); */');
    expect(whole.lanes[1]).toContain("INSERT INTO f VALUES ('*/;'), ('\\';CREATE TABLE g (x int);');");
    expect(whole.lanes[1]).not.toContain('CREATE TABLE b');
    for (const size of [1, 3, 7, 64])
      expect(await route(dump, 2, { size })).toMatchObject({ lanes: whole.lanes });
  });

  it('puts a DELIMITER line before a statement read with another delimiter than its lane’s client has', async () => {
    const dump = [
      'CREATE TABLE a (x int);',
      'DELIMITER $$',
      'CREATE TABLE b (x int)$$',
      'INSERT INTO b VALUES (1);INSERT INTO b VALUES (2)$$',
      'DELIMITER ;',
      'INSERT INTO a VALUES (1);',
      '',
    ].join('\n');
    const { lanes, serial } = await route(dump);
    expect(serial).toBeNull();
    // Lane 1 got `DELIMITER $$` with the bytes after a's CREATE, so it is put back to `;` before a's INSERT.
    expect(lanes[0]).toBe(
      'CREATE TABLE a (x int);\nDELIMITER $$\n\nDELIMITER ;\nINSERT INTO a VALUES (1);\n',
    );
    // Lane 2's client has `;`: it is told `$$` first, and gets b's two-statement unit whole.
    expect(lanes[1]).toBe(
      '\nDELIMITER $$\nCREATE TABLE b (x int)$$\nINSERT INTO b VALUES (1);INSERT INTO b VALUES (2)$$\nDELIMITER ;\n',
    );
  });

  it('keeps a table’s statements on its lane in dump order, data before CREATE and interleaved included', async () => {
    const dump = [
      'SET autocommit = 0;',
      'INSERT INTO late VALUES (1);',
      'CREATE TABLE other (x int);',
      'CREATE TABLE late (x int);',
      'INSERT INTO other VALUES (1);',
      'INSERT INTO `late` VALUES (2);',
      'DROP TABLE IF EXISTS late;',
      '',
    ].join('\n');
    const { lanes } = await route(dump);
    // With autocommit off, each DDL commits, on one connection, what every table left open before it: a COMMIT
    // goes to the other lanes there.
    expect(statements(lanes[0]!)).toEqual([
      'SET autocommit = 0',
      'INSERT INTO late VALUES (1)',
      'COMMIT',
      'CREATE TABLE late (x int)',
      'INSERT INTO `late` VALUES (2)',
      'DROP TABLE IF EXISTS late',
    ]);
    expect(statements(lanes[1]!)).toEqual([
      'SET autocommit = 0',
      'CREATE TABLE other (x int)',
      'INSERT INTO other VALUES (1)',
      'COMMIT',
    ]);
  });

  it('compares table names as the server does: exactly, or ignoring ASCII case', async () => {
    const dump = 'CREATE TABLE T1 (x int, y int);\nCREATE TABLE t2 (x int);\nINSERT INTO t1 VALUES (1);\n';
    const exact = await route(dump, 2, { lctn: 0 });
    expect(statements(exact.lanes[1]!)).toEqual(['CREATE TABLE t2 (x int)', 'INSERT INTO t1 VALUES (1)']);
    const folded = await route(dump, 2, { lctn: 1 });
    expect(statements(folded.lanes[0]!)).toEqual([
      'CREATE TABLE T1 (x int, y int)',
      'INSERT INTO t1 VALUES (1)',
    ]);
    // Beyond ASCII, names share one lane where case is exact, and go serial where it is not.
    const wide = 'CREATE TABLE `é` (x int);\nCREATE TABLE `ü` (x int);\n';
    expect(statements((await route(wide, 2, { lctn: 0 })).lanes[1]!)).toEqual([]);
    expect((await route(wide, 2, { lctn: 1 })).serial).toMatch(/outside ASCII/);
  });

  it('runs views and triggers after the tables, with what was named before them, in dump order', async () => {
    const input = sql(dumps.mysqldumpWithObjects({}));
    const { lanes, serial } = await route(input);
    const final = lanes[2]!;
    const barrier = final.indexOf('|barrier|');
    // The view's placeholder and the trigger wait in the final lane, before the barrier (nothing runs them yet).
    expect(final.indexOf('CREATE VIEW `v` AS SELECT')).toBeLessThan(barrier);
    expect(final.indexOf('TRIGGER `t_stamp`')).toBeLessThan(barrier);
    expect(final.indexOf('CREATE VIEW `v` AS SELECT')).toBeLessThan(final.indexOf('TRIGGER `t_stamp`'));
    // Stored routines may be called by anything after them: from the first one on, the dump goes in order.
    expect(serial).toMatch(/DROP PROCEDURE/);
    expect(final.indexOf('PROCEDURE `p_count`')).toBeGreaterThan(barrier);
    expect(final.indexOf('VIEW `v` AS select')).toBeGreaterThan(barrier);
    expect(lanes[0]).toContain('INSERT INTO `t` VALUES');
    expect(lanes[0]).not.toContain('TRIGGER');
    // A statement for a table named before a view or trigger now waits with them.
    const after = `${input.replace(/--\n-- Dumping routines[^]*$/, '')}\nINSERT INTO \`t\` VALUES (3,'late',NULL);\n`;
    const r = await route(after);
    expect(r.serial).toBeNull();
    expect(r.lanes[2]).toContain("INSERT INTO `t` VALUES (3,'late',NULL);");
    expect(r.lanes[0]).not.toContain("(3,'late',NULL)");
  });

  it.each([
    ['several tables in one DROP', 'DROP TABLE a, b;', /drops several tables/],
    ['a SELECT in an INSERT', 'INSERT INTO a SELECT * FROM b;', /reads other tables/],
    ['a subquery deep in the data', "INSERT INTO a VALUES (1,'x'),((SELECT 2),'y');", /reads other tables/],
    ['CREATE TABLE … LIKE', 'CREATE TABLE a LIKE b;', /reads other tables/],
    ['ALTER TABLE … RENAME TO', 'ALTER TABLE b RENAME TO c;', /reads other tables/],
    ['a user variable set by a statement', 'INSERT INTO a VALUES (@n := 1);', /reads other tables/],
    ['a function in a SET', 'SET @id = RAND();', /reads other tables/],
    ['a DELETE', 'DELETE FROM a;', /DELETE statement/],
    ['a ROLLBACK', 'ROLLBACK;', /ROLLBACK statement/],
    ['a sequence', 'CREATE SEQUENCE s;', /CREATE SEQUENCE/],
    ['a stored function', 'CREATE FUNCTION f() RETURNS int RETURN 1;', /CREATE FUNCTION/],
    ['a foreign key while checks may be on', 'CREATE TABLE a (x int REFERENCES b (y));', /foreign keys/],
    ['ALTER DATABASE', 'ALTER DATABASE CHARACTER SET latin1;', /ALTER DATABASE/],
    [
      'a table and a setting in one client statement',
      'DELIMITER ;;\nINSERT INTO a VALUES (1); SET @x = 1;;',
      /mixes/,
    ],
    ['LOCK TABLES of two tables', 'LOCK TABLES a WRITE, b WRITE;', /locks several tables/],
    ['a temporary table', 'CREATE TEMPORARY TABLE a (x int);', /temporary table/],
    ['a dropped temporary table', 'DROP TEMPORARY TABLE IF EXISTS a;', /temporary table/],
    ['SET INSERT_ID', 'SET INSERT_ID = 500;', /value of one connection/],
    [
      'ALTER TABLE … CONVERT TABLE',
      'ALTER TABLE a CONVERT TABLE b TO PARTITION p1 VALUES LESS THAN (9);',
      /reads/,
    ],
    ['a sequence', 'CREATE TABLE s (x int) SEQUENCE=1;', /reads/],
    ['NEXTVAL in a SET', 'SET @n = NEXTVAL(s);', /reads/],
    ['an INSERT beside a table LOCK TABLES holds', 'LOCK TABLES a WRITE;\nINSERT INTO b VALUES (1);', /LOCK/],
    [
      'two tables in one client statement',
      'DELIMITER ;;\nINSERT INTO a VALUES (1); INSERT INTO b VALUES (1);;',
      /several tables/,
    ],
  ])('goes serial from %s on', async (_what, statement, why) => {
    const dump = `CREATE TABLE a (x int, y text);\nCREATE TABLE b (y int);\n${statement}\nCREATE TABLE z (x int);\n`;
    const { lanes, serial } = await route(dump);
    expect(serial).toMatch(why);
    const final = lanes[2]!;
    expect(final.indexOf('|barrier|')).toBeLessThan(final.indexOf(statement.split('\n').at(-1)!));
    expect(final).toContain('CREATE TABLE z');
    expect(lanes[0]! + lanes[1]!).not.toContain('CREATE TABLE z');
  });

  it.each([
    ['LAST_INSERT_ID() in the data', 'INSERT INTO a VALUES (LAST_INSERT_ID(), NULL);'],
    ['LAST_INSERT_ID() in a SET', 'SET @id = LAST_INSERT_ID();'],
    ['@@last_insert_id in a SET', 'SET @last = @@session.last_insert_id;'],
    ['@@identity in the data', 'INSERT INTO b VALUES (@@IDENTITY);'],
    ['ROW_COUNT()', 'SET @n = ROW_COUNT();'],
    ['FOUND_ROWS() in a SELECT', 'SELECT FOUND_ROWS();'],
    ['@@warning_count', 'SET @w = @@warning_count;'],
    ['@@error_count in a conditional comment', '/*!40101 SET @e = @@ERROR_COUNT */;'],
    [
      'a trigger that reads it',
      'CREATE TRIGGER tr BEFORE INSERT ON a FOR EACH ROW SET NEW.x = LAST_INSERT_ID();',
    ],
  ])('stops for one connection at %s once a table went to a table lane', async (_what, statement) => {
    const dump = `CREATE TABLE a (x int, y text);\nINSERT INTO a VALUES (1, 'r');\n${statement}\nCREATE TABLE z (x int);\n`;
    const error = await route(dump).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OneConnectionNeeded);
    expect((error as OneConnectionNeeded).line).toBe(3);
    // Before any table: everything so far is on the final lane in dump order, as on one connection.
    const first = await route(`${statement.replace(/ ON a /, ' ON z ')}\nCREATE TABLE z (x int);\n`);
    expect(first.serial).not.toBeNull();
    expect(first.lanes[2]).toContain('CREATE TABLE z');
    expect(first.lanes[0]! + first.lanes[1]!).not.toContain('CREATE TABLE z');
  });

  it('keeps mysqldump’s own reads of settings and its user variables parallel', async () => {
    const dump = [
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
      "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
      'CREATE TABLE a (x int);',
      'INSERT INTO a VALUES (1);',
      'SET @saved_cs_client = @@character_set_client;',
      'CREATE TABLE b (x int);',
      'INSERT INTO b VALUES (2);',
      '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
      '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;',
      '',
    ].join('\n');
    const { lanes, serial } = await route(dump);
    expect(serial).toBeNull();
    expect(lanes[0]).toContain('INSERT INTO a');
    expect(lanes[1]).toContain('INSERT INTO b');
  });

  it('takes a LOCK TABLES again on the final lane when the dump goes serial under it', async () => {
    const dump =
      'CREATE TABLE a (x int);\nCREATE TABLE c (x int);\nLOCK TABLES a WRITE;\nINSERT INTO a VALUES (1);\nSET NAMES utf8;\nINSERT INTO c VALUES (2);\nUNLOCK TABLES;\n';
    const { lanes, serial } = await route(dump);
    expect(serial).toMatch(/under LOCK TABLES/);
    expect(statements(lanes[0]!)).toEqual([
      'CREATE TABLE a (x int)',
      'LOCK TABLES a WRITE',
      'INSERT INTO a VALUES (1)',
      'SET NAMES utf8',
    ]);
    // As on one connection, c's INSERT runs where a is locked (and fails there).
    const final = lanes[2]!.slice(lanes[2]!.indexOf('|barrier|') + '|barrier|'.length);
    expect(statements(final)).toEqual(['LOCK TABLES a WRITE', 'INSERT INTO c VALUES (2)', 'UNLOCK TABLES']);
    // Settings under a lock stay parallel.
    const ok = await route(dump.replace('INSERT INTO c VALUES (2);\n', ''));
    expect(ok.serial).toBeNull();
  });

  it('goes serial at a table a view or trigger before it names, and only then', async () => {
    const later = await route(
      'CREATE TABLE a (x int);\nCREATE VIEW v AS SELECT x FROM `later`;\nCREATE TABLE later (x int);\n',
    );
    expect(later.serial).toMatch(/after a view or trigger/);
    expect(later.lanes[2]!.indexOf('CREATE VIEW')).toBeLessThan(
      later.lanes[2]!.indexOf('CREATE TABLE later'),
    );
    // A name is a whole word: `t` is not in `tt`.
    const other = await route('CREATE VIEW v AS SELECT 1 AS tt;\nCREATE TABLE t (x int);\n');
    expect(other.serial).toBeNull();
    expect(other.lanes[0]).toContain('CREATE TABLE t');
  });

  it('with autocommit off, commits every lane where a DDL commits on one connection', async () => {
    const dump = [
      'SET autocommit = 0;',
      'CREATE TABLE a (x int);',
      'CREATE TABLE b (x int);',
      'INSERT INTO a VALUES (1);',
      'INSERT INTO b VALUES (1);',
      'CREATE TABLE c (x int);',
      'INSERT INTO a VALUES (2);',
      '',
    ].join('\n');
    // Three table lanes: c gets a lane of its own.
    const { lanes, serial } = await route(dump, 3);
    expect(serial).toBeNull();
    expect(statements(lanes[2]!)).toEqual(['SET autocommit = 0', 'CREATE TABLE c (x int)']);
    const a = statements(lanes[0]!);
    expect(a.slice(a.indexOf('INSERT INTO a VALUES (1)'))).toEqual([
      'INSERT INTO a VALUES (1)',
      'COMMIT',
      'INSERT INTO a VALUES (2)',
    ]);
    expect(statements(lanes[1]!)).toContain('COMMIT');
    // With autocommit on, nothing is added.
    expect((await route(dump.replace('SET autocommit = 0;\n', ''), 3)).lanes.join('')).not.toContain(
      'COMMIT',
    );
  });

  it('keeps foreign keys parallel while FOREIGN_KEY_CHECKS is off, and goes serial once it may be on', async () => {
    const fk =
      'CREATE TABLE c (x int, FOREIGN KEY (x) REFERENCES p (x));\nCREATE TABLE p (x int PRIMARY KEY);\n';
    const off = await route(`/*!40014 SET FOREIGN_KEY_CHECKS=0 */;\n${fk}INSERT INTO c VALUES (1);\n`);
    expect(off.serial).toBeNull();
    const restored = await route(
      `SET @OLD=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0;\n${fk}SET FOREIGN_KEY_CHECKS=@OLD;\nINSERT INTO c VALUES (1);\n`,
    );
    expect(restored.serial).toMatch(/foreign keys that are checked/);
  });

  it('keeps a statement glued inside a conditional comment with the one that opened it', async () => {
    const dump =
      'CREATE TABLE a (x int);\n/*!40101 SET @a = 1; INSERT INTO a VALUES (1) */;\nCREATE TABLE b (x int);\n';
    const { serial, lanes } = await route(dump);
    expect(serial).toMatch(/mixes session settings/);
    expect(lanes[2]).toContain('/*!40101 SET @a = 1; INSERT INTO a VALUES (1) */;');
  });

  it('streams a statement longer than it holds to the final lane, serially', async () => {
    const big = `INSERT INTO a VALUES ${Array.from({ length: 2000 }, (_, i) => `(${i})`).join(',')};`;
    const { serial, lanes } = await route(`CREATE TABLE a (x int);\n${big}\nCREATE TABLE b (x int);\n`, 2, {
      holdMax: 1000,
      size: 512,
    });
    expect(serial).toMatch(/longer than a database client sends/);
    expect(lanes[2]).toContain(big);
    expect(lanes[2]!.indexOf('|barrier|')).toBeLessThan(lanes[2]!.indexOf('INSERT INTO a'));
  });

  it('commits a lane’s open transaction at its end where a later DDL elsewhere would have', async () => {
    const dump =
      'SET autocommit = 0;\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nCREATE TABLE b (x int);\n';
    const { lanes } = await route(dump);
    expect(lanes[0]).toMatch(/INSERT INTO a VALUES \(1\);\n\nCOMMIT;\n$/);
    expect(lanes[1]).not.toContain('COMMIT');
    // Nothing after a statement the dump leaves open at its end.
    const open = await route('CREATE TABLE a (x int);\nCREATE TABLE b (x int);\nINSERT INTO a VALUES (1)');
    expect(open.lanes[0]).toBe('CREATE TABLE a (x int);\nINSERT INTO a VALUES (1)');
  });

  it('imports nothing but settings from a dump without tables, and nothing from an empty one', async () => {
    expect((await route('')).lanes).toEqual(['', '', '|barrier|']);
    const r = await route('/*!40101 SET NAMES utf8mb4 */;\n-- done\n');
    expect(r.lanes).toEqual([
      '/*!40101 SET NAMES utf8mb4 */;\n-- done\n',
      '/*!40101 SET NAMES utf8mb4 */;\n-- done\n',
      '/*!40101 SET NAMES utf8mb4 */;\n-- done\n|barrier|',
    ]);
  });

  it('maps a line of a lane’s input back to the dump, with what the lane was loading', async () => {
    const dump =
      'SET NAMES utf8;\nCREATE TABLE a (x int);\nCREATE TABLE b (x int);\nINSERT INTO b\nVALUES (1);\n';
    const { router, lanes } = await route(dump);
    // Lane 2: line 1 is the SET (dump line 1), then b from dump line 3 on.
    expect(lanes[1]).toBe('SET NAMES utf8;\nCREATE TABLE b (x int);\nINSERT INTO b\nVALUES (1);\n');
    expect(router.describe(2, 3)).toEqual({ line: 4, what: 'table `b`' });
    expect(router.describe(2, 1)).toEqual({ line: 1, what: 'session settings' });
    // Lifeboat's own first statement on each table lane moves its lines, not the dump's.
    const p = await route(dump, 2, { prelude: 'SET SESSION wait_timeout = 2147483;' });
    expect(p.lanes[1]).toBe(`SET SESSION wait_timeout = 2147483;\n${lanes[1]}`);
    expect(p.lanes[2]!.startsWith('SET NAMES')).toBe(true);
    expect(p.router.describe(2, 4)).toEqual({ line: 4, what: 'table `b`' });
  });
});

describe('a spool queue', () => {
  it('keeps what does not fit in memory on disk, gives everything back in order, and removes nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-spool-test-'));
    try {
      const budget = new SpoolBudget(1000, 1 << 20);
      const q = new SpoolQueue(join(dir, 'q'), budget);
      const signal = new AbortController().signal;
      const pieces = Array.from({ length: 50 }, (_, i) => Buffer.from(`${i}:`.padEnd(97 + (i % 5), '.')));
      const got: Buffer[] = [];
      let reader: Promise<void> | null = null;
      for (const [i, p] of pieces.entries()) {
        await q.append(p, i % 2 === 0, signal);
        // The reader starts late (the first half goes partly to disk), then keeps up (back to memory).
        reader ??=
          i === 25
            ? (async () => {
                for await (const c of q.chunks(signal)) got.push(Buffer.from(c));
              })()
            : null;
        if (i > 25 && i % 5 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      q.close();
      await reader;
      expect(q.backlog).toBe(0);
      expect(Buffer.concat(got).toString()).toBe(Buffer.concat(pieces).toString());
      expect(q.delivered).toBe(pieces.filter((_, i) => i % 2 === 0).reduce((n, p) => n + p.length, 0));
      expect(q.drained).toBe(true);
      expect(await readdir(dir)).toEqual(['q']);
      await q.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes an appender wait for room on disk, and both sides stop when aborted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-spool-test-'));
    try {
      const budget = new SpoolBudget(10, 100);
      const q = new SpoolQueue(join(dir, 'q'), budget);
      const controller = new AbortController();
      await q.append(Buffer.alloc(80, 1), true, controller.signal);
      let appended = false;
      const second = q.append(Buffer.alloc(80, 2), true, controller.signal).then(() => (appended = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(appended).toBe(false);
      const it = q.chunks(controller.signal);
      expect((await it.next()).value).toEqual(Buffer.alloc(80, 1));
      await second;
      expect(appended).toBe(true);
      expect((await it.next()).value).toEqual(Buffer.alloc(80, 2));
      const waiting = it.next();
      controller.abort(new Error('stop'));
      await expect(waiting).rejects.toThrow('stop');
      await expect(q.append(Buffer.alloc(1), true, controller.signal)).rejects.toThrow('stop');
      await q.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
