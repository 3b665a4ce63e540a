import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  dumpGuard,
  versionNumber,
  type DumpGuardOptions,
  type DumpGuardReport,
} from '../../../../electron/services/database/dump-guard';
import * as dumps from '../../../helpers/hostile-dumps';

type Outcome = { out: string; report: DumpGuardReport } | { error: string };

/** Runs `sql` through a guard, in chunks of `size` bytes (0: one chunk). */
async function guard(
  sql: string | Buffer,
  options: Partial<DumpGuardOptions> = {},
  size = 0,
): Promise<Outcome> {
  const g = dumpGuard({ mode: 'confined', ...options });
  const buf = typeof sql === 'string' ? Buffer.from(sql, 'latin1') : sql;
  const parts: Buffer[] = [];
  if (size > 0) for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  else parts.push(buf);
  const out: Buffer[] = [];
  try {
    for await (const c of Readable.from(parts).pipe(g)) out.push(c as Buffer);
    return { out: Buffer.concat(out).toString('latin1'), report: { ...g.report } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function passes(sql: string | Buffer, options: Partial<DumpGuardOptions> = {}): Promise<string> {
  const r = await guard(sql, options);
  if ('error' in r) throw new Error(`refused: ${r.error}`);
  return r.out;
}

async function refuses(sql: string | Buffer, options: Partial<DumpGuardOptions> = {}): Promise<string> {
  const r = await guard(sql, options);
  if (!('error' in r)) throw new Error(`passed: ${JSON.stringify(sql.toString().slice(0, 80))}`);
  return r.error;
}

const sql = (b: Buffer): string => gunzipSync(b).toString('latin1');

describe('the dump guard lets real dumps through', () => {
  it('passes mysqldump output with triggers, views and routines, blanking only DEFINER clauses', async () => {
    const input = sql(dumps.mysqldumpWithObjects({}));
    const r = await guard(input);
    if ('error' in r) throw new Error(r.error);
    expect(r.out.length).toBe(input.length);
    expect(r.out).toBe(input.replace(/DEFINER=`pantheon`@`%`/g, (m) => ' '.repeat(m.length)));
    expect(r.report).toMatchObject({ definersRemoved: 4, statementsRemoved: 0, ownDatabase: null });
  });

  it('turns a `--databases` preamble into the target, keeps MariaDB 11 and MySQL 8 GTID dumps importable', async () => {
    const input = sql(dumps.mysqldumpWithObjects({ database: 'pantheon', sandboxLine: true, gtid: true }));
    const r = await guard(input);
    if ('error' in r) throw new Error(r.error);
    expect(r.report).toMatchObject({
      ownDatabase: 'pantheon',
      sandboxMarkerRemoved: true,
      statementsRemoved: 5,
    });
    expect(r.out).not.toMatch(/CREATE DATABASE|USE `pantheon`|GTID_PURGED|SQL_LOG_BIN=|\\-/);
    // Same length, same lines: server errors still point at the right line of the dump.
    expect(r.out.length).toBe(input.length);
    expect(r.out.split('\n').length).toBe(input.split('\n').length);
  });

  it('passes HeidiSQL style dumps, and follows its IFNULL(@OLD_SQL_MODE, …)', async () => {
    const heidi =
      "/*!40101 SET NAMES utf8 */;\n/*!50503 SET NAMES utf8mb4 */;\n/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n/*!40103 SET TIME_ZONE='+00:00' */;\n" +
      "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\nCREATE DATABASE IF NOT EXISTS `x`;\nUSE `x`;\n" +
      'CREATE TABLE IF NOT EXISTS `t` (`a` int);\n' +
      "/*!40103 SET TIME_ZONE=IFNULL(@OLD_TIME_ZONE, 'system') */;\n/*!40101 SET SQL_MODE=IFNULL(@OLD_SQL_MODE, '') */;\n" +
      '/*!40014 SET FOREIGN_KEY_CHECKS=IFNULL(@OLD_FOREIGN_KEY_CHECKS, 1) */;\n';
    await passes(heidi);
    await passes(heidi, { mode: 'strict' });
    // …but not when the saved value is one it could not follow.
    expect(
      await refuses("SET @OLD_SQL_MODE = CONCAT('AN', 'SI');\nSET SQL_MODE=IFNULL(@OLD_SQL_MODE, '');\n"),
    ).toMatch(/cannot follow/);
  });

  it('passes phpMyAdmin and Adminer style dumps', async () => {
    await passes(
      'SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";\r\nSTART TRANSACTION;\r\nSET time_zone = "+00:00";\r\n' +
        'CREATE TABLE `wp_options` (\r\n  `option_id` bigint(20) UNSIGNED NOT NULL\r\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;\r\n' +
        'INSERT INTO `wp_options` (`option_id`) VALUES\r\n(1),\r\n(2);\r\nALTER TABLE `wp_options`\r\n  ADD PRIMARY KEY (`option_id`);\r\nCOMMIT;\r\n',
    );
    await passes(
      "SET NAMES utf8;\nSET time_zone = '+00:00';\nSET foreign_key_checks = 0;\nSET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n" +
        'DELIMITER ;;\nCREATE TRIGGER `x` BEFORE INSERT ON `t` FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\n  SET NEW.b = 2;\nEND;;\nDELIMITER ;\n',
    );
  });

  it('looks only outside strings and comments, as the client does', async () => {
    await passes(
      [
        "INSERT INTO `t` VALUES ('GRANT ALL; \\\\! rm -rf ~; USE mysql; system ls','x\\'\\n; DROP DATABASE y; -- z');",
        '-- system touch /tmp/x',
        '# tee /tmp/x',
        '/* \\! touch /tmp/x; USE other; GRANT ALL ON *.* TO x */',
        'INSERT INTO `t` (`system`, `connection`, `load_file`) VALUES (\\N, 1, "a \\" OUTFILE");',
        "INSERT INTO `t` VALUES ('multi",
        'line; DROP TABLE x;',
        "string');",
        '',
      ].join('\n'),
    );
  });

  it('follows DELIMITER, including one that is part of a word', async () => {
    await passes(
      'DELIMITER $$\nCREATE PROCEDURE `p`() BEGIN SELECT 1; SELECT 2; END$$\nDELIMITER ;\nSELECT 1;\n',
    );
    expect(await refuses('DELIMITER $$\nSELECT 1$$ system ls$$\n')).toMatch(
      /Line 2 .*client command \(system\)/,
    );
  });

  it('gives the same verdict and output whatever the chunk boundaries', async () => {
    const corpus: string[] = [
      sql(dumps.mysqldumpWithObjects({ database: 'a', sandboxLine: true, gtid: true })),
      sql(dumps.shellEscapeDump('/tmp/x')),
      sql(dumps.noBackslashShellDump('/tmp/x')),
      sql(dumps.noBackslashUseDump('b')),
      sql(dumps.gbkSmuggleDump('b')),
      sql(dumps.delimiterTrickDump('/tmp/x')),
      sql(dumps.twoDatabasesDump('a', 'b')),
      sql(dumps.intoOutfileDump('/tmp/x')),
      sql(dumps.multiStatementDump('precious', 'victim')),
      sql(dumps.crossDatabaseRoutinesDump('b')),
      'DELIMITER //\r\nCREATE PROCEDURE p() lbl: BEGIN IF 1 THEN SELECT 1; END IF; END lbl; INSERT INTO t VALUES (1)//\r\n',
      'SET sql_mode=\'ANSI_QUOTES\';\nSELECT "a\\" \\! x";\n',
      'INSERT INTO `t` VALUES (1);\n/* comment * / still */ INSERT INTO `t` VALUES (2);',
    ];
    for (const input of corpus) {
      const whole = await guard(input);
      for (const size of [1, 2, 3, 7, 64]) expect(await guard(input, {}, size)).toEqual(whole);
    }
  });

  it('finds where long strings with escapes end as the client does, whatever the chunks', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `${'x'.repeat(i % 37)}\\\\\\'\\"${i}`).join('');
    // Ends with an escaped backslash, so the quote after it closes the string and `\!` is outside.
    const outside = `INSERT INTO \`t\` VALUES ('${long}\\\\', 'a''b');\n\\! touch /tmp/x\n`;
    // Ends with an escaped quote, so the string goes on over `\!` to the next quote.
    const inside = `INSERT INTO \`t\` VALUES ('${long}\\');\n\\! touch /tmp/x\n');\n`;
    for (const size of [0, 1, 5, 4096]) {
      const o = await guard(outside, {}, size);
      expect('error' in o && o.error).toMatch(/Line 2 .*client command \(\\!\)/);
      const i = await guard(inside, {}, size);
      expect(i).toMatchObject({ out: inside });
    }
  });

  it('records the client statements for a router without changing a verdict, whatever the chunks', async () => {
    const corpus: string[] = [
      sql(dumps.mysqldumpWithObjects({ database: 'a', sandboxLine: true, gtid: true })),
      sql(dumps.noBackslashShellDump('/tmp/x')),
      sql(dumps.delimiterTrickDump('/tmp/x')),
      sql(dumps.multiStatementDump('precious', 'victim')),
      "DELIMITER ;;\n/*!40101 INSERT INTO a VALUES (1); SET @x = 1 */;;\nDELIMITER ;\nINSERT INTO `a``b` VALUES ('x;\nCREATE TABLE c (y int);');\nINSERT INTO a VALUES (1)",
    ];
    const recorded = async (input: string, size: number): Promise<unknown> => {
      const g = dumpGuard({ mode: 'confined', units: true });
      const buf = Buffer.from(input, 'latin1');
      const parts: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size || buf.length)
        parts.push(buf.subarray(i, i + (size || buf.length)));
      const units: unknown[] = [];
      const out: Buffer[] = [];
      try {
        for await (const c of Readable.from(parts).pipe(g)) {
          out.push(c as Buffer);
          units.push(...g.takeUnits());
        }
        units.push(...g.takeUnits());
        return {
          out: Buffer.concat(out).toString('latin1'),
          units,
          line: g.line,
          delimiter: g.delimiterText,
        };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    for (const input of corpus) {
      const whole = await recorded(input, 0);
      const plain = await guard(input);
      expect('error' in plain ? { error: plain.error } : plain.out).toEqual(
        'error' in (whole as object) ? whole : (whole as { out: string }).out,
      );
      for (const size of [1, 3, 64]) expect(await recorded(input, size)).toEqual(whole);
    }
    const last = (await recorded(corpus.at(-1)!, 0)) as {
      units: { start: number; line: number; delimiter: string; terminated: boolean; statements: unknown[] }[];
    };
    // The statement glued inside the conditional comment belongs to the unit that opened it; the string stays whole.
    expect(last.units.map((u) => [u.line, u.delimiter, u.terminated, u.statements.length])).toEqual([
      [2, ';;', true, 2],
      [4, ';', true, 1],
      [6, ';', false, 1],
    ]);
    expect(last.units[1]!.statements[0]).toMatchObject({ route: { kind: 'table', name: 'a' }, reads: false });
  });
});

describe('the dump guard refuses client commands', () => {
  it.each([
    ['\\! touch /tmp/x', '\\!'],
    ['\\. /etc/passwd', '\\.'],
    ['\\T /tmp/out', '\\T'],
    ['\\C gbk', '\\C'],
    ['\\u other', '\\u'],
    ['system touch /tmp/x', 'system'],
    ['SYSTEM touch /tmp/x', 'SYSTEM'],
    ['source /etc/passwd', 'source'],
    ['tee /tmp/out', 'tee'],
    ['pager less', 'pager'],
    ['connect other', 'connect'],
    ['charset gbk', 'charset'],
    ['exit', 'exit'],
    ['?', '?'],
    ['   system touch /tmp/x;', 'system'],
  ])('%s', async (line, command) => {
    const message = await refuses(`CREATE TABLE t (x int);\n${line}\n`);
    expect(message).toContain(`Line 2 of the database dump holds a client command (${command})`);
  });

  it('refuses a command after another statement on the same line, and a hidden-by-mode one', async () => {
    expect(await refuses('SELECT 1; \\! ls\n')).toMatch(/Line 1 .*\\!/);
    expect(await refuses('SELECT 1; system ls;\n')).toMatch(/Line 1 .*system/);
    expect(await refuses("SET sql_mode='NO_BACKSLASH_ESCAPES';\nSELECT 'a\\' \\! ls\n;")).toMatch(/Line 2 /);
    expect(await refuses('SET sql_mode=\'ANSI_QUOTES\';\nSELECT "a\\" \\! ls\n;')).toMatch(/Line 2 /);
  });

  it('refuses delimiters the client would read differently', async () => {
    expect(await refuses('DELIMITER\n')).toMatch(/delimiter/);
    expect(await refuses('DELIMITER ;; extra\n')).toMatch(/delimiter/);
    expect(await refuses('DELIMITER 0123456789abcdef\n')).toMatch(/delimiter/);
    expect(await refuses('SELECT 1; DELIMITER ;;\n')).toMatch(/client command \(DELIMITER\)/);
  });
});

describe('the dump guard keeps a dump inside its own database', () => {
  it.each([
    ['GRANT ALL ON *.* TO x', /does not contain \(GRANT/],
    ['REVOKE ALL ON *.* FROM x', /does not contain/],
    ["CREATE USER x IDENTIFIED BY 'y'", /does not contain/],
    ['DROP USER root', /does not contain/],
    ["SET PASSWORD FOR root = PASSWORD('x')", /beyond this import/],
    ['SET GLOBAL general_log = 1', /server-wide/],
    ["SET @@global.general_log_file = '/tmp/x'", /server-wide/],
    ['SET SESSION a = 1, GLOBAL b = 2', /server-wide/],
    ['SET STATEMENT max_statement_time=1 FOR SELECT 1', /beyond this import/],
    ["INSTALL SONAME 'ha_blackhole'", /does not contain/],
    ["LOAD DATA INFILE '/etc/passwd' INTO TABLE t", /does not contain \(LOAD/],
    ["INSERT INTO t SELECT 1 FROM DUAL INTO OUTFILE '/tmp/x'", /writes a file/],
    ["SELECT LOAD_FILE('/etc/passwd')", /reads a file on the server/],
    ["SELECT 1 INTO DUMPFILE '/tmp/x'", /writes a file/],
    ["CREATE FUNCTION f RETURNS STRING SONAME 'x.so'", /shared library/],
    [
      "CREATE TABLE t (x int) ENGINE=FEDERATED CONNECTION='mysql://root@127.0.0.1/mysql/user'",
      /another server/,
    ],
    ["CREATE TABLE t (x int) ENGINE=CONNECT TABLE_TYPE=CSV FILE_NAME='/etc/passwd'", /CONNECT/],
    ["CREATE TABLE t (x int) DATA DIRECTORY='/etc'", /outside the data folder/],
    ["PREPARE s FROM 'DROP DATABASE x'", /does not contain/],
    ['EXECUTE s', /does not contain/],
    ['CALL other.p()', /does not contain/],
    ['FLUSH PRIVILEGES', /does not contain/],
    ['KILL 1', /does not contain/],
    ['SHUTDOWN', /does not contain/],
    ['HANDLER t OPEN', /does not contain/],
    ['CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t', /scheduled event/],
    ['DROP TABLE `other`.`t`', /names another database/],
    ['INSERT INTO other.t VALUES (1)', /names another database/],
    ['ALTER TABLE `mysql`.`user` ADD c int', /names another database/],
    ['CREATE TRIGGER other.tr BEFORE INSERT ON t FOR EACH ROW SET @a = 1', /names another database/],
    ['CREATE DATABASE `mysql`', /server's own/],
    ["SET NAMES 'sjis'", /sjis character set/],
    ['SET character_set_client = big5', /can hide statements/],
    ['SET character_set_client = 28', /can hide statements/],
    ["SET @x = 'gbk';\nSET character_set_client = @x", /can hide statements/],
    ['SET sql_mode = 2097152', /cannot follow/],
    ["SET sql_mode = CONCAT('NO_BACKSLASH', '_ESCAPES')", /cannot follow/],
    ["SET @m = 'ANSI_QUOTES';\nSET sql_mode = @m", /cannot follow/],
  ])('%s', async (statement, expected) => {
    expect(await refuses(`CREATE TABLE t (x int);\n${statement};\n`)).toMatch(expected);
  });

  it('allows one database in the preamble, and only that one afterwards', async () => {
    const blank = (t: string): string => t.replace(/[^\n]/g, ' ');
    const out = await passes(
      'DROP DATABASE IF EXISTS `site`;\nCREATE DATABASE `site`;\nUSE `site`;\nCREATE TABLE `site`.`t` (x int);\nUSE `site`;\nALTER DATABASE `site` CHARACTER SET utf8mb4;\n',
    );
    expect(out).toBe(
      `${blank('DROP DATABASE IF EXISTS `site`;')}\n${blank('CREATE DATABASE `site`;')}\n${blank('USE `site`;')}\n` +
        `CREATE TABLE ${blank('`site`.')}\`t\` (x int);\n${blank('USE `site`;')}\nALTER DATABASE ${blank('`site`')} CHARACTER SET utf8mb4;\n`,
    );
    expect(await refuses('CREATE TABLE t (x int);\nUSE `site`;\n')).toMatch(
      /Line 2 .*switches to another database/,
    );
    expect(await refuses('USE a;\nUSE b;\n')).toMatch(/Line 2 .*which this dump named "a"/);
    expect(await refuses('USE a;\nCREATE TABLE t (x int);\nDROP DATABASE b;\n')).toMatch(
      /Line 3 .*drops another database/,
    );
  });

  it('refuses a NUL byte outside strings and a head too long to hold', async () => {
    expect(await refuses('CREATE TABLE t (x int);\x00\n')).toMatch(/NUL/);
    const long = await guard(`SET @a = '${'x'.repeat(1.5 * 1024 * 1024)}';\n`, {}, 64 * 1024);
    expect('error' in long && long.error).toMatch(/longer than any dump/);
  });

  it('does not follow SET in a conditional comment the server skips', async () => {
    const server = { mariadb: true, version: 101119, sqlMode: '' };
    // Skipped: ANSI_QUOTES stays off, so "a\" \! x" is one string.
    await passes('/*!999999 SET sql_mode=\'ANSI_QUOTES\' */;\nSELECT "a\\" \\! x";\n', { server });
    expect(
      await refuses('/*!100000 SET sql_mode=\'ANSI_QUOTES\' */;\nSELECT "a\\" \\! x";\n', { server }),
    ).toMatch(/Line 2/);
    // The session's own starting sql_mode counts too.
    expect(await refuses('SELECT "a\\" \\! x";\n', { server: { ...server, sqlMode: 'ANSI' } })).toMatch(
      /Line 1/,
    );
  });
});

describe('the dump guard without an owner for stored code (storedCode: false)', () => {
  const noOwner = { mode: 'confined' as const, storedCode: false };

  it('refuses views, triggers and routines, in every form a dump writes them', async () => {
    expect(await refuses('CREATE VIEW v AS SELECT 1;\n', noOwner)).toMatch(
      /stored code \(view\).*locked account/,
    );
    expect(
      await refuses(
        'DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`pantheon`@`%`*/ /*!50003 TRIGGER `tr` AFTER INSERT ON `t` FOR EACH ROW INSERT INTO precious.keep VALUES (666) */;;\n',
        noOwner,
      ),
    ).toMatch(/Line 2 .*stored code \(trigger\)/);
    expect(await refuses('DELIMITER ;;\nCREATE DEFINER=`x`@`%` PROCEDURE p() SELECT 1;;\n', noOwner)).toMatch(
      /stored code \(procedure\)/,
    );
    expect(
      await refuses('CREATE OR REPLACE SQL SECURITY INVOKER FUNCTION f() RETURNS int RETURN 1;\n', noOwner),
    ).toMatch(/stored code \(function\)/);
  });

  it('still passes tables, data, and the rest of a confined import', async () => {
    await passes(
      'CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\nUPDATE t SET x = 2;\nCREATE INDEX i ON t (x);\n',
      noOwner,
    );
    // The default, in confined mode, is to let them through (the server and their owner confine them).
    await passes('CREATE VIEW v AS SELECT 1;\n', { mode: 'confined' });
  });
});

describe('the dump guard in strict mode (no restricted user could be made)', () => {
  const strict = { mode: 'strict' as const };
  it('still passes an ordinary dump', async () => {
    await passes(
      'CREATE TABLE `t` (`x` int);\nINSERT INTO `t` VALUES (1),(2.5),(-3);\nDO SETVAL(`s`, 5, 0);\n',
      strict,
    );
  });

  it('refuses stored code, data changes beyond inserts, and every dotted name', async () => {
    expect(await refuses('CREATE VIEW v AS SELECT 1;\n', strict)).toMatch(/stored code \(view\)/);
    expect(await refuses('DELIMITER ;;\nCREATE PROCEDURE p() SELECT 1;;\n', strict)).toMatch(
      /stored code \(procedure\)/,
    );
    expect(await refuses('UPDATE t SET x = 1;\n', strict)).toMatch(/UPDATE/);
    expect(await refuses('INSERT INTO t SELECT * FROM other.t;\n', strict)).toMatch(/another database/);
    expect(await refuses('INSERT INTO t VALUES (other.f());\n', strict)).toMatch(/another database/);
    expect(await refuses('ALTER TABLE t RENAME TO `other`.`t`;\n', strict)).toMatch(/another database/);
    expect(await refuses('SET @a = (SELECT x FROM other.t);\n', strict)).toMatch(/another database/);
  });
});

describe('the dump guard after a DELIMITER change, where the server splits at `;`', () => {
  const strict = { mode: 'strict' as const };
  const tester =
    'CREATE TABLE t (a int);\nDELIMITER //\nINSERT INTO t VALUES (1); USE precious; DROP TABLE victim//\nDELIMITER ;\n';

  it('judges every `;`-separated part of a statement (the outside tester’s dump)', async () => {
    expect(await refuses(tester, strict)).toMatch(/^Line 3 .*switches to another database \(USE precious\)/);
    expect(await refuses(tester)).toMatch(/^Line 3 .*switches to another database \(USE precious\)/);
  });

  it('refuses a SET of sql_mode or the character set with more after it before the delimiter', async () => {
    // The client finds `//` with the settings from before the statement (`\'` escapes, `//` ends it); the server
    // runs the INSERT with NO_BACKSLASH_ESCAPES, so a guard following the SET at its `;` read `//` as a comment.
    const hidden =
      "CREATE TABLE t (a text);\nDELIMITER //\nSET sql_mode='NO_BACKSLASH_ESCAPES';\n" +
      "INSERT INTO t VALUES ('a\\');-- ')// DROP DATABASE bystander;\nDELIMITER ;\n";
    for (const mode of ['strict', 'confined'] as const) {
      expect(await refuses(hidden, { mode })).toMatch(/^Line 3 .*changes sql_mode or the character set/);
      for (const size of [1, 7]) {
        const r = await guard(hidden, { mode }, size);
        expect('error' in r && r.error).toMatch(/^Line 3 .*changes sql_mode or the character set/);
      }
    }
    const d = (body: string): string => `CREATE TABLE t (a int);\nDELIMITER //\n${body}//\nDELIMITER ;\n`;
    for (const set of [
      "SET SESSION sql_mode = 'ANSI_QUOTES'",
      "/*!40101 SET @@session.sql_mode = '' */",
      "SET NAMES 'utf8mb4'",
      'SET character_set_client = latin1',
      "SET @x = 1, sql_mode = ''",
    ])
      expect(await refuses(d(`${set}; INSERT INTO t VALUES (1)`))).toMatch(
        /changes sql_mode or the character set/,
      );
    // As the last statement before the delimiter (the client learns of it as the guard does), or on its own, a
    // SET passes; so does a SET that only reads sql_mode, followed by more.
    await passes(d("INSERT INTO t VALUES (1); SET sql_mode = 'NO_BACKSLASH_ESCAPES';"));
    await passes(d("SET sql_mode = 'NO_BACKSLASH_ESCAPES' /* end */"));
    await passes(d('SET @saved = @@sql_mode; INSERT INTO t VALUES (1)'));
    await passes(
      "SET sql_mode='NO_BACKSLASH_ESCAPES'; INSERT INTO t VALUES ('a\\');\nSET NAMES utf8mb4; SELECT 1;\n",
    );
  });

  it('applies the allow-list, the other-database rules and client commands to each part, at its own line', async () => {
    const d = (body: string): string => `CREATE TABLE t (a int);\nDELIMITER //\n${body}//\nDELIMITER ;\n`;
    expect(await refuses(d('INSERT INTO t VALUES (1); GRANT ALL ON *.* TO x'))).toMatch(
      /^Line 3 .*does not contain \(GRANT/,
    );
    expect(await refuses(d('INSERT INTO t VALUES (1);\nDROP TABLE other.t'))).toMatch(
      /^Line 4 .*names another database/,
    );
    expect(await refuses(d('INSERT INTO t VALUES (1);\n\nDROP DATABASE other'))).toMatch(
      /^Line 5 .*drops another database/,
    );
    expect(await refuses(d("SELECT 1;\nSET GLOBAL general_log = 'ON'"))).toMatch(/^Line 4 .*server-wide/);
    expect(await refuses(d('SELECT 1; system ls'))).toMatch(/^Line 3 .*client command \(system\)/);
    expect(await refuses(d('INSERT INTO t VALUES (1); DELETE FROM t'), strict)).toMatch(/^Line 3 .*DELETE/);
    // …a `;` in a running conditional comment splits too; in a skipped one, or a string or comment, it does not.
    expect(await refuses(d('INSERT INTO t VALUES (1) /*!40000 ; DROP DATABASE other */'))).toMatch(
      /^Line 3 .*drops another database/,
    );
    await passes(
      d("INSERT INTO t VALUES (1) /*!999999 ; DROP DATABASE other */ , (';') /* ; USE x */"),
      strict,
    );
    // A DELIMITER line is the client's only where its statement is empty; after a `;` it is not.
    expect(await refuses('DELIMITER //\nSELECT 1;\nDELIMITER ;\n')).toMatch(
      /^Line 3 .*client command \(DELIMITER\)/,
    );
    // Parts that are fine pass, with the dump's own database blanked out as before.
    const out = await passes(
      'DELIMITER ;;\nUSE `a`; CREATE TABLE `a`.`t` (x int); INSERT INTO t VALUES (1);;\n',
    );
    expect(out).toBe(
      `DELIMITER ;;\n${' '.repeat(8)} CREATE TABLE ${' '.repeat(4)}\`t\` (x int); INSERT INTO t VALUES (1);;\n`,
    );
  });

  it('lets a stored program keep its `;`s up to its last END, and judges what follows', async () => {
    const p = (body: string): string => `CREATE TABLE t (a int);\nDELIMITER //\n${body}//\nDELIMITER ;\n`;
    for (const sneak of [
      'CREATE PROCEDURE p() BEGIN SELECT 1; END; DROP DATABASE x',
      'CREATE PROCEDURE p() BEGIN SELECT 1; END;\nDROP DATABASE x',
      'CREATE DEFINER=`a`@`%` PROCEDURE p() lbl: BEGIN IF 1 THEN SELECT 1; END IF; END lbl; DROP DATABASE x',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1; DROP DATABASE x',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = CASE WHEN 1 THEN 2 END; END; DROP DATABASE x',
      'CREATE FUNCTION f() RETURNS int RETURN 1; DROP DATABASE x',
      // Blocks the server does not open must not hide what follows the real END:
      'CREATE PROCEDURE p() BEGIN DO IF(1, 2, 3); END; DROP DATABASE x; END IF',
      'CREATE PROCEDURE p() BEGIN SELECT begin FROM t; END; DROP DATABASE x; SELECT end FROM t',
      'CREATE PROCEDURE p() BEGIN SELECT (1) begin; END; DROP DATABASE x; END',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = IF(1, 2, 3); DROP DATABASE x; END IF',
      "CREATE PROCEDURE p() BEGIN SET @s = REPEAT('x', 2); END; DROP DATABASE x; END REPEAT",
      'CREATE PROCEDURE p() BEGIN /*!999999 BEGIN */ SELECT 1; END; DROP DATABASE x; END',
      'CREATE PROCEDURE p() BEGIN DECLARE begin CONDITION FOR SQLSTATE "45000"; DECLARE EXIT HANDLER FOR begin SET @a = 1; END; DROP DATABASE x; END',
    ]) {
      expect(await refuses(p(sneak)), sneak).toMatch(
        /^Line [34] .*(drops another database|does not contain|cannot (match|follow))/,
      );
    }
    // An unclosed block is not a definition the server would take either.
    expect(await refuses(p('CREATE PROCEDURE p() BEGIN SELECT 1;'))).toMatch(/cannot follow/);
  });

  it('still passes stored code as dumps write it: nested blocks, labels, handlers, cursors, names like `begin`', async () => {
    await passes(
      [
        'DELIMITER ;;',
        'CREATE DEFINER=`x`@`%` PROCEDURE `p`(IN `begin` int, OUT n INT)',
        "    COMMENT 'counts; carefully'",
        '    MODIFIES SQL DATA',
        'main: BEGIN',
        '  DECLARE done INT DEFAULT 0;',
        '  DECLARE v INT;',
        '  DECLARE c CURSOR FOR SELECT a FROM t WHERE IF(a > 1, 1, 0) = 1;',
        '  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;',
        "  DECLARE EXIT HANDLER FOR SQLSTATE VALUE '45000', SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;",
        '  OPEN c;',
        '  rd: LOOP',
        '    FETCH c INTO v;',
        '    IF done THEN LEAVE rd; END IF;',
        '    IF (v > 2) THEN SET n = n + 1; ELSEIF v = 1 THEN SET n = CASE WHEN v THEN 1 ELSE IF(v, 2, 3) END; ELSE BEGIN END; END IF;',
        "    CASE v WHEN 1 THEN SET n = 0; ELSE SET n = REPEAT('x', 1); END CASE;",
        '  END LOOP rd;',
        '  CLOSE c;',
        '  REPEAT SET v = v - 1; UNTIL v < 0 OR IF(v, 0, 1) END REPEAT;',
        '  WHILE v < 3 DO SET v = v + 1; END WHILE;',
        '  FOR i IN 1..3 DO SET v = v + i; END FOR;',
        '  SELECT begin, end FROM t;',
        'END main ;;',
        'CREATE TRIGGER tr BEFORE INSERT ON `t` FOR EACH ROW IF NEW.a IS NULL THEN SET NEW.a = 1; END IF;;',
        'CREATE FUNCTION f(x INT) RETURNS decimal(10,2) unsigned CHARACTER SET utf8 DETERMINISTIC BEGIN RETURN x; END;;',
        'DELIMITER ;',
        '',
      ].join('\n'),
    );
    // mysqldump's own output (triggers, routines, views), with LF and with CRLF line ends.
    const dump = sql(dumps.mysqldumpWithObjects({ database: 'a', sandboxLine: true, gtid: true }));
    await passes(dump);
    await passes(dump.replace(/\n/g, '\r\n'));
  });

  it('reads `DELIMITER //` at the end of a CRLF line as the client does: the delimiter is `//\\r`', async () => {
    const out = await passes('DELIMITER //\r\nUSE `a`//\r\nCREATE TABLE t (x int)//\r\nDELIMITER ;\r\n');
    expect(out.split('\n')[1]).toBe(' '.repeat('USE `a`//\r'.length));
    // `//` followed by a bare LF ends nothing for the client, so it ends nothing for the guard either.
    expect(await refuses('DELIMITER //\r\nUSE a//\nCREATE TABLE t (x int)//\r\n')).toMatch(
      /^Line 2 .*switches database in an odd way/,
    );
    expect(
      await refuses(
        'CREATE TABLE t (a int);\r\nDELIMITER //\r\nINSERT INTO t VALUES (1); USE precious//\r\n',
      ),
    ).toMatch(/^Line 3 .*switches to another database/);
    // Still refused: white space inside the delimiter, and a delimiter the client would cut at 15 characters.
    expect(await refuses('DELIMITER /\t/\n')).toMatch(/delimiter/);
    expect(await refuses('DELIMITER 0123456789abcde\r\n')).toMatch(/delimiter/);
  });
});

describe('versionNumber', () => {
  it('reads server versions as conditional comments compare them', () => {
    expect(versionNumber('10.11.19-MariaDB-0+deb12u1')).toBe(101119);
    expect(versionNumber('8.0.36')).toBe(80036);
    expect(versionNumber('junk')).toBe(0);
  });
});
