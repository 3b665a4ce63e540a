import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as mysql from '../../../../electron/services/database/mysql';
import {
  clientEnvironment,
  collationRewriter,
  defaultDatabaseName,
  parseDbUrl,
} from '../../../../electron/services/database/mysql';

describe('database helpers', () => {
  it('parses connection URLs', () => {
    expect(parseDbUrl('mysql://root:s3cret@127.0.0.1:3307/site_db')).toEqual({
      connection: { user: 'root', password: 's3cret', host: '127.0.0.1', port: 3307 },
      database: 'site_db',
    });
    expect(parseDbUrl('mariadb://me@localhost/?socket=/run/mysqld/mysqld.sock')).toEqual({
      connection: { user: 'me', socket: '/run/mysqld/mysqld.sock' },
      database: null,
    });
    expect(() => parseDbUrl('postgres://x@y/z')).toThrow(/mysql:\/\//);
    expect(() => parseDbUrl('mysql://x@y/bad-name')).toThrow(/not a database name/);
  });

  it('makes safe default names', () => {
    expect(defaultDatabaseName('acme-blog', 'live', new Date(2026, 2, 4, 12))).toBe(
      'acme_blog_live_20260304',
    );
  });

  it('rewrites collations split across chunks', async () => {
    const chunks = [
      'CREATE TABLE a (x int) COLLATE=utf8mb4_09',
      '00_ai_ci;\nCREATE TABLE b (y int) COLLATE=utf8mb4_0900_as_cs;\n',
    ];
    const out: Buffer[] = [];
    for await (const c of Readable.from(chunks.map((s) => Buffer.from(s))).pipe(collationRewriter()))
      out.push(c as Buffer);
    expect(Buffer.concat(out).toString()).toBe(
      'CREATE TABLE a (x int) COLLATE=utf8mb4_unicode_ci;\nCREATE TABLE b (y int) COLLATE=utf8mb4_bin;\n',
    );
  });

  it('never echoes the password of a URL it cannot parse', () => {
    for (const url of [
      'mysql://root:Hunter2-Secret@[::1/db',
      'mysql://root:pa/ss-Secret@host/db',
      'mysql://root:Sec@ret-Two@[bad/db',
      'root:Hunter2-Secret@localhost/db',
    ]) {
      let message = '';
      try {
        parseDbUrl(url);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/is not a database URL|start with mysql:\/\//);
      expect(message).not.toMatch(/Hunter2|ss-Secret|Sec@ret|ret-Two/);
    }
    expect(mysql.redactDbUrl('mysql://root:p@ss@host:3306/db')).toBe('mysql://***@host:3306/db');
    expect(mysql.redactDbUrl('mysql://host/db')).toBe('mysql://host/db');
  });

  it('takes a missing password from LIFEBOAT_DB_PASSWORD, then MYSQL_PWD', () => {
    const conn = { user: 'root', host: '127.0.0.1', port: 3306 };
    expect(mysql.withPasswordFromEnv(conn, { LIFEBOAT_DB_PASSWORD: 'a', MYSQL_PWD: 'b' })).toEqual({
      ...conn,
      password: 'a',
    });
    expect(mysql.withPasswordFromEnv(conn, { MYSQL_PWD: 'b' })).toEqual({ ...conn, password: 'b' });
    expect(mysql.withPasswordFromEnv(conn, {})).toBe(conn);
    // A password given explicitly wins, even an empty one.
    expect(mysql.withPasswordFromEnv({ ...conn, password: 'url' }, { LIFEBOAT_DB_PASSWORD: 'a' })).toEqual({
      ...conn,
      password: 'url',
    });
    expect(mysql.withPasswordFromEnv({ ...conn, password: '' }, { LIFEBOAT_DB_PASSWORD: 'a' }).password).toBe(
      '',
    );
  });
});

describe('the client environment', () => {
  it('keeps what the client needs and drops every secret of the parent', () => {
    const env = clientEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/me',
      LC_ALL: 'C',
      TERMINUS_MACHINE_TOKEN: 'tok-secret',
      LIFEBOAT_DB_PASSWORD: 'pw',
      MYSQL_PWD: 'pw2',
      AWS_SECRET_ACCESS_KEY: 'k',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/me', LC_ALL: 'C' });
  });
});
