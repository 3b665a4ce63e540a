// Outside attack (issue 9): NO_BACKSLASH_ESCAPES changed inside one client statement. Under `DELIMITER //` the
// client sends `SET sql_mode = 'NO_BACKSLASH_ESCAPES'; INSERT …` as one packet, and it looks for the `//` that
// ends it with the escaping rules the server reported *before* that packet (backslashes still escape). The
// server runs the SET first and reads the INSERT without them, and so does the dump guard, which applies the
// SET at its `;`. In the guard's reading a `//` then sits in a `-- ` comment; in the client's it ends the
// packet, and the rest of the line becomes a new client statement the guard never judged. With a configured
// user that cannot make a restricted import user (strict mode: ALL ON *.* without GRANT OPTION), the guard is
// all that stands between the dump and the server: here it drops another database. Over 1 and 4 connections.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importDatabase, type DbConnection } from '../../../electron/services/database/mysql';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../../helpers/mariadb';

let db: TestMariaDb | null = null;
let skip: string | null = null;
let dir: string;
let dev: DbConnection;

beforeAll(async () => {
  skip = await mariadbUnavailable();
  if (!skip) {
    db = await startMariaDb();
    await db.query(
      "CREATE USER IF NOT EXISTS 'dev9'@'localhost' IDENTIFIED BY 'Dev9-Pa55word'; " +
        "GRANT ALL PRIVILEGES ON *.* TO 'dev9'@'localhost';",
    );
    dev = { socket: db.socket, user: 'dev9', password: 'Dev9-Pa55word' };
  }
});
afterAll(async () => {
  await db?.stop();
});
beforeEach(async (ctx) => {
  if (!db) return ctx.skip(`MariaDB unavailable: ${skip}`);
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-attack9-guard-'));
  await db.query(
    'DROP DATABASE IF EXISTS bystander9; CREATE DATABASE bystander9; ' +
      'CREATE TABLE bystander9.keep (x int); INSERT INTO bystander9.keep VALUES (1),(2),(3);',
  );
  return () => rm(dir, { recursive: true, force: true });
});

const DUMP = [
  'CREATE TABLE `t` (`s` varchar(100));',
  'DELIMITER //',
  // Guard and server: 'a\' is the whole string, `;` ends the INSERT, the rest of the line is a comment.
  // Client: \' escapes, the string runs to the quote before `)`, and `//` ends the packet right there.
  "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; INSERT INTO `t` VALUES ('a\\');-- ')// DROP DATABASE bystander9;",
  "INSERT INTO `t` VALUES ('b')//",
  'DELIMITER ;',
  '',
].join('\n');

describe('NO_BACKSLASH_ESCAPES set inside a multi-statement client statement', () => {
  for (const connections of [1, 4]) {
    it(`cannot hide a statement from the guard (strict mode, ${connections} connection(s))`, async () => {
      const before = await db!.fingerprint('bystander9');
      const archive = join(dir, 'hidden.sql.gz');
      await writeFile(archive, gzipSync(Buffer.from(DUMP, 'latin1')));
      const name = `hidden9_${connections}`;
      const outcome = await importDatabase({ archive, connection: dev, database: name, connections }).then(
        (r) => `imported (${r.confinement})`,
        (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
      );
      const after = await db!.fingerprint('bystander9');
      await db!.query(`DROP DATABASE IF EXISTS ${name};`);
      expect(after, `the dump dropped another database (import: ${outcome})`).toBe(before);
    });
  }
});
