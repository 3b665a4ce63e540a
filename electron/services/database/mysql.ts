import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors';
import { redact } from '../log/redact';

/** How to reach a local MySQL or MariaDB server. The password comes from the keychain, never a file. */
export interface DbConnection {
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly user: string;
  readonly password?: string;
  /** The client program; found on PATH (`mariadb`, then `mysql`) when absent. */
  readonly client?: string;
}

/**
 * Parses `mysql://user:password@host:port/database` (or `mariadb://…`, `?socket=/path` for a Unix socket)
 * into a connection and an optional database name.
 */
export function parseDbUrl(url: string): { connection: DbConnection; database: string | null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LifeboatError(
      'invalid-request',
      `"${redact(url)}" is not a database URL; use mysql://user:password@host:port/database.`,
    );
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new LifeboatError(
      'invalid-request',
      `Database URLs start with mysql:// or mariadb://, not ${u.protocol}//.`,
    );
  }
  const socket = u.searchParams.get('socket') ?? undefined;
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || null;
  if (database !== null) assertDatabaseName(database);
  return {
    connection: {
      user: decodeURIComponent(u.username) || 'root',
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(socket ? { socket } : { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 3306 }),
    },
    database,
  };
}

/** Database names Lifeboat creates or replaces: letters, digits, `_` and `$`, at most 64. */
export function assertDatabaseName(name: string): void {
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) {
    throw new LifeboatError(
      'invalid-request',
      `"${name}" is not a database name Lifeboat will use: letters, digits and _ only, at most 64 characters.`,
    );
  }
}

/** The default database for a restore: `<site>_<env>_<YYYYMMDD>`, made safe. */
export function defaultDatabaseName(site: string, env: string, date = new Date()): string {
  const stamp = date.toISOString().slice(0, 10).replace(/-/g, '');
  const base = `${site}_${env}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${base.slice(0, 64 - stamp.length - 1)}_${stamp}`;
}

let foundClient: string | null = null;

async function clientProgram(conn: DbConnection): Promise<string> {
  if (conn.client) return conn.client;
  if (foundClient) return foundClient;
  for (const name of ['mariadb', 'mysql']) {
    const ok = await new Promise<boolean>((resolve) => {
      const p = spawn(name, ['--version'], { stdio: 'ignore' });
      p.once('error', () => resolve(false));
      p.once('exit', (code) => resolve(code === 0));
    });
    if (ok) return (foundClient = name);
  }
  throw new LifeboatError(
    'not-found',
    'Neither the mariadb nor the mysql command-line client is installed; install one to import databases.',
  );
}

function clientArgs(conn: DbConnection, database?: string): string[] {
  const args = [`--user=${conn.user}`, '--default-character-set=utf8mb4', '--batch', '--skip-column-names'];
  if (conn.socket) args.push('--protocol=SOCKET', `--socket=${conn.socket}`);
  else args.push('--protocol=TCP', `--host=${conn.host ?? '127.0.0.1'}`, `--port=${conn.port ?? 3306}`);
  if (database) args.push(`--database=${database}`);
  return args;
}

/** Runs the client with `input` on stdin (a string, or a stream piped by `feed`); resolves with stdout. */
async function runClient(
  conn: DbConnection,
  options: {
    database?: string;
    sql?: string;
    feed?: (stdin: NodeJS.WritableStream) => Promise<void>;
    signal?: AbortSignal;
  },
): Promise<string> {
  const program = await clientProgram(conn);
  // The password travels in the environment, never in argv where `ps` would show it.
  const env = { ...process.env, ...(conn.password ? { MYSQL_PWD: conn.password } : {}) };
  const child = spawn(program, clientArgs(conn, options.database), {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: options.signal,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  let feedError: unknown = null;
  try {
    if (options.feed) await options.feed(child.stdin);
    else child.stdin.end(options.sql ?? '');
  } catch (e) {
    feedError = e;
    child.stdin.destroy();
    if (!child.killed) child.kill('SIGTERM');
  }
  let code: number | null;
  try {
    code = await exited;
  } catch (e) {
    if (options.signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
    throw new LifeboatError('database', `Could not run ${program}: ${(e as Error).message}`);
  }
  if (options.signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
  if (code !== 0) {
    const first =
      stderr
        .trim()
        .split('\n')
        .find((l) => /ERROR/.test(l)) ??
      stderr.trim().split('\n')[0] ??
      `exit code ${code}`;
    throw new LifeboatError(
      'database',
      `The database server refused the import: ${redact(first)}`,
      redact(stderr),
    );
  }
  if (feedError) throw feedError;
  return stdout;
}

const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const literal = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Rewrites MySQL 8's `utf8mb4_0900_*` collations, which MariaDB does not know, to their nearest MariaDB
 * equivalents. Works line by line so a name split across chunks is still found.
 */
export function collationRewriter(): Transform {
  let carry: Buffer | null = null;
  const rewrite = (buf: Buffer): Buffer => {
    if (!buf.includes('_0900_')) return buf;
    const text = buf
      .toString('latin1')
      .replace(/utf8mb4_0900_as_cs/g, 'utf8mb4_bin')
      .replace(/utf8mb4_0900_\w+/g, 'utf8mb4_unicode_ci');
    return Buffer.from(text, 'latin1');
  };
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const nl = data.lastIndexOf(0x0a);
      if (nl < 0) {
        carry = data;
        return cb();
      }
      carry = nl + 1 < data.length ? data.subarray(nl + 1) : null;
      cb(null, rewrite(data.subarray(0, nl + 1)));
    },
    flush(cb) {
      cb(null, carry ? rewrite(carry) : undefined);
    },
  });
}

/** What an import did. */
export interface ImportResult {
  readonly database: string;
  readonly replaced: boolean;
  readonly tables: number;
  readonly collationsRewritten: boolean;
}

/**
 * Imports a gzip'd mysqldump by streaming it through gunzip into the `mariadb`/`mysql` client, with progress
 * by compressed bytes. By default into a new database; an existing one only with `replace`, and then through
 * a scratch database swapped in with one atomic RENAME TABLE, so a failed import leaves it exactly as it was.
 */
export async function importDatabase(options: {
  readonly archive: string;
  readonly connection: DbConnection;
  readonly database: string;
  readonly replace?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}): Promise<ImportResult> {
  const { connection: conn, database, signal } = options;
  assertDatabaseName(database);
  const query = (sql: string, db?: string): Promise<string> =>
    runClient(conn, { sql, ...(db ? { database: db } : {}), ...(signal ? { signal } : {}) });
  const version = (await query('SELECT VERSION();')).trim();
  const mariadb = /mariadb/i.test(version);
  const existing =
    (
      await query(
        `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${literal(database)};`,
      )
    ).trim() !== '';
  if (existing && !options.replace) {
    throw new LifeboatError(
      'conflict',
      `The database "${database}" already exists. Choose another name, or choose to replace it.`,
    );
  }
  const suffix = randomBytes(3).toString('hex');
  const into = existing ? `${database.slice(0, 50)}__lb_${suffix}` : database;
  const total = (await stat(options.archive)).size;
  let done = 0;
  let rewritten = false;
  await query(`CREATE DATABASE ${ident(into)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`);
  try {
    await runClient(conn, {
      database: into,
      ...(signal ? { signal } : {}),
      feed: async (stdin) => {
        const counter = new Transform({
          transform(chunk: Buffer, _e, cb) {
            done += chunk.length;
            options.onProgress?.(done, total);
            cb(null, chunk);
          },
        });
        const stages: NodeJS.ReadWriteStream[] = [counter, createGunzip({ chunkSize: 1 << 20 })];
        if (mariadb) {
          const rw = collationRewriter();
          const detect = new Transform({
            transform(chunk: Buffer, _e, cb) {
              if (!rewritten && chunk.includes('_0900_')) rewritten = true;
              cb(null, chunk);
            },
          });
          stages.push(detect, rw);
        }
        try {
          await pipeline(
            createReadStream(options.archive, { highWaterMark: 1 << 20 }),
            ...(stages as [NodeJS.ReadWriteStream]),
            stdin,
          );
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          // The client quit early (it reports why on stderr); let its exit code speak.
          if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
          if (err.code?.startsWith('Z_') || /unexpected end|incorrect header/.test(err.message)) {
            throw new LifeboatError(
              'integrity',
              `The database archive is damaged (${err.message}); nothing was kept from the import.`,
            );
          }
          throw e;
        }
      },
    });
  } catch (e) {
    await query(`DROP DATABASE IF EXISTS ${ident(into)};`).catch(() => undefined);
    throw e;
  }
  const tables = (
    await query(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${literal(into)};`)
  )
    .split('\n')
    .filter(Boolean);
  if (existing) {
    const old = (
      await query(
        `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${literal(database)};`,
      )
    )
      .split('\n')
      .filter(Boolean);
    const aside = `${database.slice(0, 50)}__lb_old_${suffix}`.slice(0, 64);
    try {
      await query(`CREATE DATABASE ${ident(aside)};`);
      // One statement: either every table moves or none does.
      const moves = [
        ...old.map((t) => `${ident(database)}.${ident(t)} TO ${ident(aside)}.${ident(t)}`),
        ...tables.map((t) => `${ident(into)}.${ident(t)} TO ${ident(database)}.${ident(t)}`),
      ];
      if (moves.length > 0) await query(`RENAME TABLE ${moves.join(', ')};`);
    } catch (e) {
      await query(`DROP DATABASE IF EXISTS ${ident(into)};`).catch(() => undefined);
      await query(`DROP DATABASE IF EXISTS ${ident(aside)};`).catch(() => undefined);
      throw e instanceof LifeboatError
        ? new LifeboatError(
            'database',
            `The import worked but swapping it in failed, so "${database}" was left as it was: ${e.message}`,
          )
        : e;
    }
    await query(`DROP DATABASE ${ident(aside)};`);
    await query(`DROP DATABASE ${ident(into)};`);
  }
  return { database, replaced: existing, tables: tables.length, collationsRewritten: rewritten };
}

/** Whether a database exists (for warnings before a restore starts). */
export async function databaseExists(connection: DbConnection, database: string): Promise<boolean> {
  assertDatabaseName(database);
  const out = await runClient(connection, {
    sql: `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${literal(database)};`,
  });
  return out.trim() !== '';
}
