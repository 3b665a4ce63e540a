// Outside attack (issue 9): NO_BACKSLASH_ESCAPES changed inside one client statement. Under `DELIMITER //` the
// client sends `SET sql_mode = 'NO_BACKSLASH_ESCAPES'; INSERT …` as one packet, and it looks for the `//` that
// ends it with the escaping rules the server reported *before* that packet (backslashes still escape). The
// server runs the SET first and reads the INSERT without them, and so does the dump guard, which applies the
// SET at its `;`. In the guard's reading a `//` then sits in a `-- ` comment; in the client's it ends the
// packet, and the rest of the line becomes a new client statement the guard never judged. With a configured
// user that cannot make a restricted import user (strict mode: ALL ON *.* without GRANT OPTION), the guard is
// all that stands between the dump and the server: here it drops another database. Over 1 and 4 connections.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importDatabase, type DbConnection } from '../../../electron/services/database/mysql';
import { useMariaDb } from '../../helpers/mariadb-suite';

const server = useMariaDb('lifeboat-attack9-guard-', {
  setup: async (db) => {
    await db.query(
      "CREATE USER IF NOT EXISTS 'dev9'@'localhost' IDENTIFIED BY 'Dev9-Pa55word'; " +
        "GRANT ALL PRIVILEGES ON *.* TO 'dev9'@'localhost';",
    );
  },
  each: async (db) => {
    await db.query(
      'DROP DATABASE IF EXISTS bystander9; CREATE DATABASE bystander9; ' +
        'CREATE TABLE bystander9.keep (x int); INSERT INTO bystander9.keep VALUES (1),(2),(3);',
    );
  },
});
/** A developer's account with every right on the server but GRANT: the import runs with the guard alone. */
const dev = (): DbConnection => ({ socket: server.db.socket, user: 'dev9', password: 'Dev9-Pa55word' });

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
      const before = await server.db.fingerprint('bystander9');
      const archive = join(server.dir, 'hidden.sql.gz');
      await writeFile(archive, gzipSync(Buffer.from(DUMP, 'latin1')));
      const name = `hidden9_${connections}`;
      const outcome = await importDatabase({ archive, connection: dev(), database: name, connections }).then(
        (r) => `imported (${r.confinement})`,
        (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
      );
      const after = await server.db.fingerprint('bystander9');
      await server.db.query(`DROP DATABASE IF EXISTS ${name};`);
      expect(after, `the dump dropped another database (import: ${outcome})`).toBe(before);
    });
  }
});
