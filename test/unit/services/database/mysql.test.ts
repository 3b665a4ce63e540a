import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
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
    expect(defaultDatabaseName('acme-blog', 'live', new Date('2026-03-04T00:00:00Z'))).toBe(
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
});
