import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors';
import { namedPipeProblem, pipeName, pipePath } from '@shared/named-pipe';
import { redact } from '../log/redact';
import { pickEnvironment, probeEnvironment, START_VARIABLES } from '../tools/environment';
import { locateTool } from '../tools/tools';
import { dumpGuard, versionNumber, type DumpGuardOptions, type DumpGuardReport } from './dump-guard';
import { OneConnectionNeeded, Router } from './router';
import { SpoolBudget, SpoolQueue } from './spool';
import { promote, replaceBlockersWith, rows } from './swap';

/** How to reach a local MySQL or MariaDB server. The password comes from the keychain, never a file. */
export interface DbConnection {
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  /** Windows: a named pipe (`\\.\pipe\MySQL` or `MySQL`), used instead of the socket, host and port. */
  readonly pipe?: string;
  readonly user: string;
  readonly password?: string;
  /**
   * The client program; when absent, the one tool lookup finds it (Settings → Tools or --mysql-client, PATH, the
   * usual places; `mariadb` before `mysql` in each).
   */
  readonly client?: string;
}

/**
 * Parses `mysql://user:password@host:port/database` (or `mariadb://…`, `?socket=/path` for a Unix socket,
 * `?pipe=MySQL` for a named pipe on Windows) into a connection and an optional database name.
 */
export function parseDbUrl(url: string): { connection: DbConnection; database: string | null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LifeboatError(
      'invalid-request',
      `"${redact(redactDbUrl(url))}" is not a database URL; use mysql://user:password@host:port/database.`,
    );
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new LifeboatError(
      'invalid-request',
      `Database URLs start with mysql:// or mariadb://, not ${u.protocol}//.`,
    );
  }
  const socket = u.searchParams.get('socket') ?? undefined;
  const pipe = u.searchParams.get('pipe') ?? undefined;
  if (pipe !== undefined) {
    const why = namedPipeProblem(pipe);
    if (why) throw new LifeboatError('invalid-request', why);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || null;
  if (database !== null) assertDatabaseName(database);
  return {
    connection: {
      user: decodeURIComponent(u.username) || 'root',
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...serverOf({
        host: u.hostname || '127.0.0.1',
        port: u.port ? Number(u.port) : 3306,
        socket: socket ?? null,
        pipe: pipe ?? null,
      }),
    },
    database,
  };
}

/**
 * A database URL with its user and password hidden (`mysql://***@host/db`), for messages. Everything up to the
 * last `@` goes, so a password holding `/`, `@` or spaces (which breaks URL parsing) is hidden too.
 */
export function redactDbUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = url.indexOf('://');
  const start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  return `${url.slice(0, start)}***${url.slice(at)}`;
}

/** Hides URL credentials (`scheme://user:password@`) and the given secrets in any text bound for a message. */
function scrub(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = redact(text).replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi, '$1***@');
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * The connection with its password taken from the environment when it has none: `LIFEBOAT_DB_PASSWORD`, then
 * `MYSQL_PWD` (what the mysql client itself reads), so a password need not appear in a URL or in `ps`.
 */
export function withPasswordFromEnv(conn: DbConnection, env: NodeJS.ProcessEnv = process.env): DbConnection {
  if (conn.password !== undefined) return conn;
  const password = env.LIFEBOAT_DB_PASSWORD || env.MYSQL_PWD;
  return password ? { ...conn, password } : conn;
}

/**
 * What the database client may see of Lifeboat's environment: enough to start (on Windows SystemRoot, without
 * which Winsock cannot load: error 10106) and to read the user's own option files, never the machine token or
 * another secret of the parent (the client is handed untrusted input). Names as Windows spells them (`Path`,
 * `SystemRoot`, `windir`) count there: the rule is tools/environment.ts's.
 */
export function clientEnvironment(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  return pickEnvironment(
    env,
    [...START_VARIABLES, 'HOME', 'USERPROFILE', 'USER', 'LOGNAME', 'MYSQL_HOME', 'MARIADB_HOME'],
    platform,
  );
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

/** The default database name of a restore (one rule, shared with the app's dialog). */
export { defaultDatabaseName } from '@shared/names';

/**
 * The client program: the connection's own, else the one found where it lives (see tools/); a `missing-tool`
 * error that says how to install one when there is none. Every database step of Lifeboat runs this, so it is
 * also where a connection this system cannot make (a named pipe off Windows) is refused: before any client is
 * looked for, so the message is about the connection, not a missing client.
 */
export async function clientProgram(conn: DbConnection): Promise<string> {
  assertConnectable(conn);
  if (conn.client) return conn.client;
  return (await locateTool('mysql-client')).path;
}

const helpTexts = new Map<string, Promise<string>>();

/** The options a client program lists in its `--help` (read once per program). */
async function clientOptions(program: string): Promise<ReadonlySet<string>> {
  let help = helpTexts.get(program);
  if (!help) {
    help = new Promise<string>((resolve) => {
      let out = '';
      // The environment of the --version probe: the client has not been asked for anything needing more.
      const p = spawn(program, ['--no-defaults', '--help'], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: probeEnvironment(),
        windowsHide: true,
      });
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.once('error', () => resolve(''));
      p.once('close', () => resolve(out));
    });
    helpTexts.set(program, help);
  }
  return new Set([...(await help).matchAll(/^\s+(?:-\S, )?--([a-z][a-z0-9-]*)/gm)].map((m) => m[1]!));
}

/**
 * The flags that keep a dump's client commands from running on this computer, for the given client:
 *  - `--binary-mode` (MySQL 5.6.3+, MariaDB 10.0+): in batch input the client then parses none of its own
 *    commands except `\C` and DELIMITER, so `\!`, `system`, `source`, `tee`, `pager`, `connect`, `use` … are
 *    sent to the server as SQL and fail there;
 *  - `--sandbox` (MariaDB client 10.5.25, 10.6.18, 10.11.8, 11.x): the commands that touch files or run
 *    programs become errors even outside binary mode;
 *  - `--local-infile=0`: `LOAD DATA LOCAL INFILE` cannot read the user's files.
 * MySQL 8.0/8.4's newer `--commands=OFF` switches off the same commands binary mode does, so it is not added.
 * The dump guard refuses all of these before the client sees them; these flags are the second line.
 */
export async function clientSafetyArgs(program: string): Promise<string[]> {
  const options = await clientOptions(program);
  return [
    ...(options.has('binary-mode') ? ['--binary-mode'] : []),
    ...(options.has('sandbox') ? ['--sandbox'] : []),
    ...(options.has('local-infile') ? ['--local-infile=0'] : []),
  ];
}

function clientArgs(conn: DbConnection, safety: readonly string[], database?: string): string[] {
  const args = [
    `--user=${conn.user}`,
    '--default-character-set=utf8mb4',
    '--batch',
    '--skip-column-names',
    ...safety,
  ];
  args.push(...connectionArgs(conn));
  if (database) args.push(`--database=${database}`);
  return args;
}

/**
 * Where a connection as Settings (or a test of its values, or a URL) gives it goes: the named pipe when one is
 * set (Windows), else the socket, else the host and port.
 */
export function serverOf(db: {
  readonly host: string;
  readonly port: number;
  readonly socket: string | null;
  readonly pipe?: string | null;
}): Pick<DbConnection, 'host' | 'port' | 'socket' | 'pipe'> {
  if (db.pipe) return { pipe: db.pipe };
  if (db.socket) return { socket: db.socket };
  return { host: db.host, port: db.port };
}

/**
 * Refuses a connection this system cannot make, before a client is looked for or run: a named pipe anywhere but
 * on Windows, or a pipe that is not one (see @shared/named-pipe).
 */
export function assertConnectable(conn: DbConnection, platform: NodeJS.Platform = process.platform): void {
  if (conn.pipe === undefined) return;
  if (platform !== 'win32')
    throw new LifeboatError(
      'invalid-request',
      `A named pipe (${conn.pipe}) connects to a database server on Windows only; on this system give the server's host and port, or its socket.`,
    );
  const why = namedPipeProblem(conn.pipe);
  if (why) throw new LifeboatError('invalid-request', why);
}

/**
 * The client's options for where it connects, the same for every client Lifeboat runs (imports, checks, a local
 * site's setup). A named pipe is `--protocol=PIPE --host=. --socket=NAME`: both clients (libmysqlclient,
 * MariaDB Connector/C) open `\\<host>\pipe\<socket>`, so `--socket` takes the name alone, and `--host=.` keeps
 * a `host` from the person's option files from sending it to another computer. Only Windows has named pipes:
 * elsewhere one is refused here, with a message, rather than by the client.
 */
export function connectionArgs(conn: DbConnection, platform: NodeJS.Platform = process.platform): string[] {
  assertConnectable(conn, platform);
  if (conn.pipe !== undefined) return ['--protocol=PIPE', '--host=.', `--socket=${pipeName(conn.pipe)}`];
  if (conn.socket) return ['--protocol=SOCKET', `--socket=${conn.socket}`];
  return ['--protocol=TCP', `--host=${conn.host ?? '127.0.0.1'}`, `--port=${conn.port ?? 3306}`];
}

/** How much of the client's output an import keeps (for messages; a dump's output is not otherwise read). */
const STDOUT_KEEP = 64 << 10;

/**
 * Runs the client with `sql` on stdin, or with a stream fed by `feed` into the sink it is given; resolves with
 * stdout. When the feed fails (a refused dump, a damaged archive), the client is killed before its input
 * closes: at the end of its input the client would otherwise run a half-sent last statement.
 */
async function runClient(
  conn: DbConnection,
  options: {
    database?: string;
    sql?: string;
    feed?: (stdin: NodeJS.WritableStream) => Promise<void>;
    signal?: AbortSignal;
    /** Values to hide from messages, besides the connection's password. */
    secrets?: readonly string[];
  },
): Promise<string> {
  const program = await clientProgram(conn);
  const secrets = [conn.password, ...(options.secrets ?? [])];
  // The password travels in the environment, never in argv where `ps` would show it.
  const env = { ...clientEnvironment(process.env), ...(conn.password ? { MYSQL_PWD: conn.password } : {}) };
  const child = spawn(program, clientArgs(conn, await clientSafetyArgs(program), options.database), {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: options.signal,
  });
  // A dump's own SELECTs can make the client print without bound: an import keeps only the start (nobody reads
  // it), and the chunks are kept as bytes, decoded once at the end, so no handler can throw (a string's limit).
  const keep = options.feed ? STDOUT_KEEP : Infinity;
  const out: Buffer[] = [];
  let kept = 0;
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    if (kept >= keep) return;
    const part = kept + d.length > keep ? d.subarray(0, keep - kept) : d;
    out.push(part);
    kept += part.length;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8', Math.max(0, d.length - 4000))).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  // Handled from the start: a cancel (or a failed spawn) rejects it while the feed is still running, and it is
  // only awaited after that. The original promise is still awaited below, so nothing is lost.
  exited.catch(() => undefined);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // Node destroys the child's stdin when the child exits, without an error: a write then waits for a drain, and
  // an end for a finish, that never come. Both end as a quit client does (EPIPE), and its exit code speaks.
  const quit = (): Error =>
    Object.assign(new Error('The database client stopped reading its input.'), { code: 'EPIPE' });
  let ending = false;
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      if (child.stdin.destroyed) return cb(quit());
      if (child.stdin.write(chunk)) cb();
      else child.stdin.once('drain', () => cb());
    },
    final(cb) {
      ending = true;
      if (child.stdin.destroyed) return cb();
      let called = false;
      const done = (): void => {
        if (called) return;
        called = true;
        cb();
      };
      child.stdin.once('close', done);
      child.stdin.end(done);
    },
    destroy(err, cb) {
      if (err) kill();
      child.stdin.destroy();
      cb(err);
    },
  });
  // The client quitting early shows as EPIPE here; its exit code and stderr say why.
  child.stdin.on('error', (e) => sink.destroy(e));
  child.stdin.once('close', () => {
    if (!ending) sink.destroy(quit());
  });
  sink.on('error', () => undefined);
  let feedError: unknown = null;
  try {
    if (options.feed) await options.feed(sink);
    else {
      ending = true;
      child.stdin.end(options.sql ?? '');
    }
  } catch (e) {
    feedError = e;
    kill();
    child.stdin.destroy();
  }
  let code: number | null;
  try {
    code = await exited;
  } catch (e) {
    if (options.signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
    throw new LifeboatError('database', `Could not run ${program}: ${scrub((e as Error).message, secrets)}`);
  }
  if (options.signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
  if (feedError) throw feedError;
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
      `The database server refused the import: ${scrub(first, secrets)}`,
      scrub(stderr, secrets),
    );
  }
  return Buffer.concat(out).toString();
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
  /** Base tables (and sequences) now in the database. */
  readonly tables: number;
  readonly collationsRewritten: boolean;
  /** Views, triggers and stored routines re-created in the database, owned by `owner`. */
  readonly views?: number;
  readonly triggers?: number;
  readonly routines?: number;
  /**
   * The locked account (`user@host`) that owns the database's views, triggers and routines and can reach that
   * database only; absent when the dump had none.
   */
  readonly owner?: string;
  /**
   * How the import was kept inside its database: `user` when it ran as a temporary database user with rights
   * on that database only (the server enforces it), `guard` when the configured user could not create one and
   * only the dump guard's stricter rules stood in the way.
   */
  readonly confinement?: 'user' | 'guard';
  /** The database the dump itself named (`CREATE DATABASE`/`USE` in its preamble), imported under the target name. */
  readonly dumpDatabase?: string;
}

/** The privileges of the temporary import user, on the scratch database only: everything but EVENT and GRANT. */
const IMPORT_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER';

/**
 * The privileges of a database's owner account, on that database only: what the import itself may do there. Not
 * EVENT (an event would run unattended as the owner, and blocks a later replace), never GRANT OPTION.
 */
const OWNER_PRIVILEGES = IMPORT_PRIVILEGES;

interface ImportUser {
  readonly user: string;
  readonly host: string;
  readonly password: string;
}

/**
 * Creates a database user that can reach `database` and nothing else, for the import to run as; null when the
 * configured user may not create users or grant (the import then runs as it, under the guard's strict rules).
 * In GRANT a `_` or `%` in a database name is a wildcard, so they are escaped to name exactly one database.
 */
async function createImportUser(
  query: (sql: string) => Promise<string>,
  database: string,
  host: string,
  id: string,
): Promise<ImportUser | null> {
  const user = `lifeboat_${id}`;
  const password = `Lb-${randomBytes(24).toString('base64url')}-9z`;
  const account = `${literal(user)}@${literal(host)}`;
  try {
    await query(`CREATE USER ${account} IDENTIFIED BY ${literal(password)};`);
  } catch {
    return null;
  }
  try {
    await query(`GRANT ${IMPORT_PRIVILEGES} ON ${ident(database.replace(/[_%]/g, '\\$&'))}.* TO ${account};`);
  } catch {
    await query(`DROP USER IF EXISTS ${account};`).catch(() => undefined);
    return null;
  }
  return { user, host, password };
}

/** A database name as GRANT reads it: `_` and `%` are wildcards there, so they are escaped to name one database. */
const grantScope = (database: string): string => `${ident(database.replace(/[_%]/g, '\\$&'))}.*`;

/**
 * The account that owns a database's views, triggers and routines: one per database name (the same one again when
 * the database is replaced), `lifeboat_def_` and 16 hex digits of the name's SHA-256 (29 characters: MySQL 5.7
 * allows 32).
 */
export function ownerAccount(database: string): { readonly user: string; readonly host: string } {
  return {
    user: `lifeboat_def_${createHash('sha256').update(database).digest('hex').slice(0, 16)}`,
    host: 'localhost',
  };
}

interface Owner {
  readonly user: string;
  readonly host: string;
  /** As a DEFINER clause wants it: `` `user`@`host` ``. */
  readonly definer: string;
}

/** Whether SHOW GRANTS lists USAGE on `*.*` and exactly OWNER_PRIVILEGES on `database`, no GRANT OPTION, nothing else. */
function grantsAreOwn(out: string, database: string): boolean {
  const wanted = new Set(OWNER_PRIVILEGES.split(', '));
  let own = false;
  for (const [line = ''] of rows(out)) {
    const m = /^GRANT (.+?) ON (\S+) TO (.+)$/.exec(line);
    if (!m || /GRANT OPTION/i.test(m[3]!)) return false;
    if (m[2] === '*.*' && m[1] === 'USAGE') continue;
    const privileges = m[1]!.split(/,\s*/);
    if (m[2] !== grantScope(database) || privileges.length !== wanted.size) return false;
    if (!privileges.every((p) => wanted.has(p))) return false;
    own = true;
  }
  return own;
}

/**
 * Makes sure the owner account of `database` exists, is locked (`ACCOUNT LOCK`: no one can log in as it, whatever
 * its password) and has OWNER_PRIVILEGES on `database` and no other right; and that the configured user can make
 * it the DEFINER of objects (SUPER or SET USER on MariaDB, SET_USER_ID or SET_ANY_DEFINER on MySQL), tried on the
 * scratch database. An account left from an earlier import into this name is reused (and locked again); one whose
 * rights someone widened is put back to these. Null when any of it cannot be done (no CREATE USER or GRANT
 * OPTION, no SET USER, a server before MariaDB 10.4 or MySQL 5.7.6): the dump may then hold no stored code.
 *
 * The import user cannot make objects owned by it (it may not set a DEFINER), so nothing the dump makes runs as
 * the owner before the swap.
 */
async function ensureOwner(
  q: (sql: string, db?: string) => Promise<string>,
  database: string,
  scratch: string,
): Promise<Owner | null> {
  const { user, host } = ownerAccount(database);
  const account = `${literal(user)}@${literal(host)}`;
  const owner: Owner = { user, host, definer: `${ident(user)}@${ident(host)}` };
  const grant = `GRANT ${OWNER_PRIVILEGES} ON ${grantScope(database)} TO ${account};`;
  // SHOW GRANTS for another account takes SELECT on the mysql database; without it there is no owner.
  const show = `SHOW GRANTS FOR ${account};`;
  try {
    let shown = await q(
      `CREATE USER IF NOT EXISTS ${account} ACCOUNT LOCK;\nALTER USER ${account} ACCOUNT LOCK;\n${grant}\n${show}`,
    );
    if (!grantsAreOwn(shown, database)) {
      // Someone gave it more: take everything back (global, database, table, column and routine rights).
      shown = await q(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account};\n${grant}\n${show}`);
      // Roles and proxy rights are not taken back by that; an account holding them is not used.
      if (!grantsAreOwn(shown, database)) return await giveUp();
    }
    const probe = ident(`lb_probe_${randomBytes(4).toString('hex')}`);
    await q(
      `CREATE DEFINER=${owner.definer} PROCEDURE ${probe}() BEGIN END;\nDROP PROCEDURE ${probe};`,
      scratch,
    );
    return owner;
  } catch {
    return giveUp();
  }

  async function giveUp(): Promise<null> {
    await releaseOwner(q, owner, database, null).catch(() => undefined);
    return null;
  }
}

/**
 * Takes back the owner's rights on the scratch copy (when `scratch` is given: REVOKE fails on a grant never made),
 * and drops the owner when nothing in `database` is owned by it (a failed import into a new name, a dump without
 * stored code), so an account exists only while it owns something. Lifeboat puts objects owned by it in that
 * database alone, and the account can reach no other.
 */
async function releaseOwner(
  q: (sql: string, db?: string) => Promise<string>,
  owner: Owner,
  database: string,
  scratch: string | null,
): Promise<void> {
  const account = `${literal(owner.user)}@${literal(owner.host)}`;
  const who = literal(`${owner.user}@${owner.host}`);
  const db = literal(database);
  const used = (
    await q(
      (scratch ? `REVOKE ALL PRIVILEGES ON ${grantScope(scratch)} FROM ${account};\n` : '') +
        `SELECT (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${db} AND DEFINER = ${who})` +
        ` + (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ${db} AND DEFINER = ${who})` +
        ` + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${db} AND DEFINER = ${who})` +
        ` + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ${db} AND DEFINER = ${who});`,
    )
  ).trim();
  if (used === '0') await q(`DROP USER IF EXISTS ${account};`);
}

/*
 * Leftovers of an import whose engine ended without cleaning up (killed, crashed, the computer's power cut).
 * Each import has a random id of 12 hex digits, carried by everything it leaves:
 *  - on the database server, its scratch database (`<name>__lb_<id>`) and its import user (`lifeboat_<id>`),
 *    created only while the import holds the server's user lock `lifeboat_import_<id>` (GET_LOCK), on a
 *    connection of its own that ends with the engine's process, whichever way it ends: the lock is free exactly
 *    when no live import owns those names, on whichever computer that import runs, and whatever became of its
 *    process id;
 *  - in the temporary folder, its spool folder (`lifeboat-import-<id>`, the dump's rows in clear), with a socket
 *    (a named pipe on Windows) the import listens on: a connection is refused exactly when no process listens,
 *    which the system knows better than any process id and start time could tell.
 * Only names of exactly these shapes are ever dropped, and only when their owner is known to be gone.
 */
const SCRATCH_NAME = /^[A-Za-z0-9_$]{1,44}__lb_([0-9a-f]{12})$/;
const IMPORT_USER = /^lifeboat_([0-9a-f]{12})$/;
const SPOOL_NAME = /^lifeboat-import-([0-9a-f]{12})$/;
const lockName = (id: string): string => `lifeboat_import_${id}`;

/** What marks an import's spool folder as owned by a live process: a socket in it, or a named pipe. */
const aliveAddress = (dir: string): string =>
  process.platform === 'win32' ? `\\\\.\\pipe\\${basename(dir)}` : join(dir, 'alive.sock');

/**
 * Makes the import's spool folder, listening on its `aliveAddress` before anything of the dump goes in. The
 * socket is bound under another name and renamed: its final name never exists without a listener, so another
 * engine never takes a folder being set up for a leftover. Null marker when the system refuses (a temporary
 * folder whose path is too long for a socket): that folder is then never swept.
 */
async function openSpoolFolder(id: string): Promise<{ dir: string; marker: Server | null }> {
  const dir = join(tmpdir(), `lifeboat-import-${id}`);
  await mkdir(dir, { mode: 0o700 });
  const windows = process.platform === 'win32';
  const address = aliveAddress(dir);
  const bound = windows ? address : join(dir, 'binding.sock');
  // macOS allows 104 bytes in a socket's path, Linux 108.
  if (!windows && Buffer.byteLength(address) > 100) return { dir, marker: null };
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bound, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    server.unref();
    if (windows) await writeFile(join(dir, 'alive'), '', { mode: 0o600 });
    else await rename(bound, address);
    return { dir, marker: server };
  } catch {
    server.close();
    return { dir, marker: null };
  }
}

/** Whether the import that made spool folder `dir` is known to be gone (its marker there, nobody listening). */
async function spoolOwnerGone(dir: string): Promise<boolean> {
  const windows = process.platform === 'win32';
  const address = aliveAddress(dir);
  const marker = await lstat(windows ? join(dir, 'alive') : address).catch(() => null);
  if (!marker || (!windows && !marker.isSocket())) return false;
  return new Promise<boolean>((resolve) => {
    const socket = connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    // Anything but a plain refusal (too many connections waiting, …) leaves the folder alone.
    socket.once('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT'),
    );
  });
}

/**
 * Removes the spool folders of imports that are gone, in this engine's temporary folder: real folders of this
 * user, named exactly as an import names them, whose owner is known to be gone (see `spoolOwnerGone`).
 */
async function sweepSpools(): Promise<void> {
  const base = tmpdir();
  const names = await readdir(base).catch(() => [] as string[]);
  const uid = process.getuid?.();
  for (const name of names) {
    if (!SPOOL_NAME.test(name)) continue;
    const dir = join(base, name);
    const st = await lstat(dir).catch(() => null);
    if (!st?.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
    if (await spoolOwnerGone(dir)) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Drops, on this server, the scratch databases and import users of imports that are gone: named exactly as an
 * import names them, with their import's lock free (see above). `databases`: the server's databases whose name
 * may be a scratch database's. Their clients may still be running (each reads on to the end of its input after
 * the engine is gone, a long statement first): they are ended first, so the drops do not wait on their locks.
 * Best effort: what cannot be dropped now stays for the next import.
 */
async function sweepServer(
  q: (sql: string) => Promise<string>,
  databases: readonly string[],
  host: string,
): Promise<void> {
  const scratchOf = new Map<string, string>();
  for (const name of databases) {
    const m = SCRATCH_NAME.exec(name);
    if (m) scratchOf.set(m[1]!, name);
  }
  if (scratchOf.size === 0) return;
  const ids = [...scratchOf.keys()];
  const free = (await q(`SELECT ${ids.map((id) => `IS_FREE_LOCK(${literal(lockName(id))})`).join(', ')};`))
    .trim()
    .split('\t');
  const gone = ids.filter((_, i) => free[i] === '1');
  if (gone.length === 0) return;
  // Where the import users are (reading the list takes rights a configured user may lack: then the usual host).
  const accounts = await q("SELECT User, Host FROM mysql.user WHERE User LIKE 'lifeboat\\_%';").then(
    (out) => rows(out).filter(([user = '']) => IMPORT_USER.test(user)),
    () => null,
  );
  for (const id of gone) {
    const scratch = scratchOf.get(id)!;
    const user = `lifeboat_${id}`;
    const sessions = await q(
      `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ${literal(user)} OR DB = ${literal(scratch)};`,
    ).catch(() => '');
    for (const [session = ''] of rows(sessions)) {
      if (/^\d+$/.test(session)) await q(`KILL CONNECTION ${session};`).catch(() => undefined);
    }
    const hosts = accounts ? accounts.filter(([u]) => u === user).map(([, h = '']) => h) : [host];
    for (const h of hosts)
      await q(`DROP USER IF EXISTS ${literal(user)}@${literal(h)};`).catch(() => undefined);
    await q(`SET SESSION lock_wait_timeout = 5;\nDROP DATABASE IF EXISTS ${ident(scratch)};`).catch(
      () => undefined,
    );
  }
}

/** The import's hold on its server lock (see above). */
interface ImportLock {
  /** The lock's connection ended before `release`: another import may take this one's names for leftovers. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/**
 * Takes the server's user lock of import `id` on a client connection of its own, kept open (and idle: the longest
 * wait_timeout) until `release`. When the engine's process ends in any way, the client's input ends, it quits,
 * and the server frees the lock.
 */
async function holdImportLock(conn: DbConnection, id: string): Promise<ImportLock> {
  const program = await clientProgram(conn);
  const env = { ...clientEnvironment(process.env), ...(conn.password ? { MYSQL_PWD: conn.password } : {}) };
  // --unbuffered: the client prints the lock's answer at once, not when it exits.
  const child = spawn(program, [...clientArgs(conn, await clientSafetyArgs(program)), '--unbuffered'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let released = false;
  let lost = false;
  let out = '';
  let stderr = '';
  child.stdin.on('error', () => undefined);
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const closed = new Promise<void>((resolve) => {
    child.once('error', () => resolve());
    child.once('close', () => {
      if (!released) lost = true;
      resolve();
    });
  });
  const answer = new Promise<string>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 100) out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    void closed.then(() => resolve(''));
  });
  child.stdin.write(`SET SESSION wait_timeout = 2147483;\nSELECT GET_LOCK(${literal(lockName(id))}, 0);\n`);
  const release = async (): Promise<void> => {
    released = true;
    child.stdin.end();
    await closed;
  };
  if ((await answer) !== '1') {
    await release();
    child.kill('SIGKILL');
    const why = stderr.trim().split('\n')[0] || 'the lock was taken';
    throw new LifeboatError(
      'database',
      `Could not mark the import as running on the database server: ${scrub(why, [conn.password])}`,
    );
  }
  return {
    get lost() {
      return lost;
    },
    release,
  };
}

/**
 * The number of table connections an import loads over by default: two per processor, at most 4. A single
 * stream leaves the server waiting on its log writes about half the time (measured on two cores: 7.3 s of server
 * CPU in a 13 s import), so two connections per core still find idle CPU, and four spread a dump's few large
 * tables more evenly than two (35/25/20/20 % becomes one table each instead of 55/45). Beyond four, a dump rarely
 * has enough large tables, and the clients only compete for the cores (see test/bench/import-parallel.ts).
 */
export function defaultConnections(): number {
  return Math.min(4, 2 * availableParallelism());
}

/** The most connections an import opens (each is a client process and a server connection). */
const MAX_CONNECTIONS = 16;

/** The most an import spools on disk, whatever the free space: the temporary folder is often in memory. */
const SPOOL_MAX = 2 * 2 ** 30;

/** Everything an import's loading step needs, once the scratch database and its users exist. */
interface Load {
  readonly as: DbConnection;
  readonly scratch: string;
  /** The import's id, which its spool folder carries. */
  readonly id: string;
  /** The most bytes the spool keeps on disk (default: a quarter of the free space there, at most SPOOL_MAX). */
  readonly spoolLimit: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly secrets: readonly string[];
  /** Opens the dump's archive, from its start. */
  readonly open: () => Readable;
  /** The stages between the archive and the client: counting, gunzip, collations, the guard (last). */
  readonly stages: NodeJS.ReadWriteStream[];
  readonly guard: ReturnType<typeof dumpGuard>;
  readonly connections: number;
  readonly lowerCaseTableNames: number;
  /** Reports progress given the share of the archive's content handed to clients so far (1 when unknown). */
  readonly progress: (share: number) => void;
}

/**
 * Reads the archive through the stages into `sink`. A damaged archive is an `integrity` error; the client quitting
 * early (EPIPE) is left to its exit code.
 */
async function readDump(load: Load, sink: NodeJS.WritableStream): Promise<void> {
  try {
    await pipeline(load.open(), ...(load.stages as [NodeJS.ReadWriteStream]), sink);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof LifeboatError) throw err;
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
}

/** Today's single stream: the whole dump into one client. */
async function loadSingle(load: Load): Promise<void> {
  await runClient(load.as, {
    database: load.scratch,
    ...(load.signal ? { signal: load.signal } : {}),
    secrets: load.secrets,
    feed: (stdin) => readDump(load, stdin),
  });
}

/**
 * The dump over `connections` table connections and a final one (see router.ts). Each is its own client process,
 * started as the single one is (same safety flags, same import user, the same scratch database), fed from a spool
 * queue so the router can read ahead of the slowest. The first failure anywhere (the archive, the guard, a
 * client, the server, a cancel) kills every client before its input ends, so none runs half a statement; the
 * caller then drops the scratch database as for a single stream.
 */
async function loadParallel(load: Load): Promise<void> {
  const n = load.connections;
  const { dir, marker } = await openSpoolFolder(load.id);
  const stop = new AbortController();
  const signal = load.signal ? AbortSignal.any([stop.signal, load.signal]) : stop.signal;
  let failure: unknown = null;
  const fail = (e: unknown): void => {
    failure ??= e;
    stop.abort(e);
  };
  // A quarter of the free space where the spool lives, at most SPOOL_MAX (the temporary folder is often in
  // memory, and shared with the other jobs): beyond that the router waits for the clients. Waiting never
  // deadlocks on a dump's own locks: what could hold one lane for another (locks across tables, checked foreign
  // keys, views, triggers) is already serial. A client that stalls on purpose (SLEEP, a user lock) holds the
  // import up as it would over one connection, until it goes on or the import is cancelled.
  const free = await statfs(dir).then(
    (f) => f.bavail * f.bsize,
    () => 4 * 2 ** 30,
  );
  const budget = new SpoolBudget(
    8 << 20,
    load.spoolLimit ?? Math.min(SPOOL_MAX, Math.max(64 << 20, free / 4)),
  );
  const tables = Array.from({ length: n }, (_, i) => new SpoolQueue(join(dir, `lane-${i + 1}`), budget));
  // Nobody reads the final lane until the table lanes finish, so it never waits for room (the router caps it).
  const final = new SpoolQueue(join(dir, 'final'), budget, false);
  const queues = [...tables, final];
  const shares = (): void => {
    let queued = 0;
    let delivered = 0;
    for (const q of queues) {
      queued += q.queued;
      delivered += q.delivered;
    }
    load.progress(queued === 0 ? 0 : delivered / queued);
  };
  const router: Router = new Router({
    lanes: tables.map((q) => ({ append: (b, own) => q.append(b, own, signal) })),
    final: { append: (b, own) => final.append(b, own, signal) },
    lowerCaseTableNames: load.lowerCaseTableNames,
    // A table lane may wait idle while others load for longer than the server's default of 8 hours, and a client
    // in batch mode does not reconnect (a new session would not be in the state the guard followed anyway). The
    // largest value every server takes (Windows caps it at 2147483 seconds).
    prelude: 'SET SESSION wait_timeout = 2147483;',
    barrier: async () => {
      for (const q of tables) q.close();
      await Promise.all(running);
      if (failure !== null) throw failure;
      final.limit();
      running.push(lane(final, n + 1));
    },
  });
  /** One client fed from `queue`; never rejects: a failure is recorded and stops everything. */
  const lane = async (queue: SpoolQueue, number: number): Promise<void> => {
    try {
      await runClient(load.as, {
        database: load.scratch,
        signal,
        secrets: load.secrets,
        feed: async (stdin) => {
          const counted = async function* (): AsyncGenerator<Buffer> {
            for await (const chunk of queue.chunks(signal)) {
              yield chunk;
              shares();
            }
          };
          try {
            await pipeline(Readable.from(counted(), { objectMode: false }), stdin);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            // The client quit early (it reports why on stderr); let its exit code speak.
            if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return;
            throw e;
          }
        },
      });
      if (!queue.drained && failure === null) {
        throw new LifeboatError(
          'database',
          'The database client ended before the end of its part of the dump; nothing from it was kept.',
        );
      }
    } catch (e) {
      fail(located(e, number));
    }
  };
  /** A server error's line in the lane's input, as the line of the dump, and what that lane was loading. */
  const located = (e: unknown, number: number): unknown => {
    if (!(e instanceof LifeboatError) || e.code !== 'database') return e;
    const m = / at line (\d+)/.exec(e.message);
    const where = m ? router.describe(number, Number(m[1])) : null;
    if (!m || !where) return e;
    return new LifeboatError(
      'database',
      `${e.message.replace(m[0], ` at line ${where.line}`)} (${where.what}, connection ${number} of ${n + 1})`,
      e.detail,
    );
  };
  const running: Promise<void>[] = tables.map((q, i) => lane(q, i + 1));
  const guard = load.guard;
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _e, cb) {
      router.write(chunk, guard.takeUnits()).then(() => cb(), cb);
    },
    final(cb) {
      router.end(guard.delimiterText, guard.line).then(() => {
        final.close();
        cb();
      }, cb);
    },
  });
  try {
    await readDump(load, sink);
    // Every lane now has its whole input (the barrier started the final one).
    while (running.length > 0) await running.shift();
  } catch (e) {
    fail(e);
  } finally {
    if (failure !== null) stop.abort(failure);
    await Promise.all(running);
    await Promise.all(queues.map((q) => q.dispose()));
    await rm(dir, { recursive: true, force: true });
    marker?.close();
  }
  if (load.signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
  if (failure !== null) throw failure;
}

/**
 * Imports a gzip'd mysqldump by streaming it through gunzip and the dump guard into the `mariadb`/`mysql`
 * client, with progress by compressed bytes. Always into a scratch database first, as a temporary user that
 * can reach that database only (when the configured user may create one), with the client's own commands
 * switched off; then the result is moved into place: into a new database by default, or, with `replace`, into
 * the existing one through a swap that leaves it exactly as it was when anything fails (see swap.ts). Its views,
 * triggers and routines end up owned by the database's locked owner account (`ownerAccount`), so they run with
 * rights on that database only, whoever sets them off; where that account cannot be had, a dump with any of them
 * is refused.
 *
 * The dump loads over `connections` client connections, table by table (see router.ts), and one more for its
 * views and triggers; with 1, as one stream into one client.
 */
export async function importDatabase(options: {
  /** The archive (`.sql.gz`) as a file. */
  readonly archive?: string;
  /**
   * The archive as a stream instead, e.g. a download still being written: called when the import starts reading
   * it (after the target was checked and the scratch database made), and once more, for the archive again from its
   * first byte, when a dump over several connections must start over on one (see `OneConnectionNeeded`). The
   * import destroys the stream when it fails; when the stream fails, the import fails with that error and keeps
   * nothing.
   */
  readonly source?: () => Readable;
  /** With `source`: the archive's size, as the total of progress. */
  readonly total?: number;
  readonly connection: DbConnection;
  readonly database: string;
  readonly replace?: boolean;
  readonly signal?: AbortSignal;
  /** Bytes of the archive read (with several connections: whose content the clients have taken), and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Table connections to load over (1 to 16; default `defaultConnections()`); 1 is one stream into one client. */
  readonly connections?: number;
  /**
   * Runs once the dump is in the scratch database, before it is swapped in: the caller's last fallible step
   * (putting a restore in place). If it throws, the scratch database goes and the target stays as it was.
   */
  readonly beforePromote?: () => Promise<void>;
  /** With several connections: the most bytes spooled on disk (default: a quarter of the free space, at most 2 GiB). */
  readonly spoolLimit?: number;
}): Promise<ImportResult> {
  const { connection: conn, database, signal } = options;
  assertDatabaseName(database);
  if ((options.archive === undefined) === (options.source === undefined)) {
    throw new LifeboatError('invalid-request', 'Give the database archive either as a file or as a stream.');
  }
  const connections = options.connections ?? defaultConnections();
  if (!Number.isInteger(connections) || connections < 1 || connections > MAX_CONNECTIONS) {
    throw new LifeboatError(
      'invalid-request',
      `Import over 1 to ${MAX_CONNECTIONS} connections, not ${String(connections)}.`,
    );
  }
  const query = (sql: string, db?: string): Promise<string> =>
    runClient(conn, { sql, ...(db ? { database: db } : {}), ...(signal ? { signal } : {}) });
  // Clean-up and the swap run to their end even when the import is cancelled.
  const settle = (sql: string, db?: string): Promise<string> =>
    runClient(conn, { sql, ...(db ? { database: db } : {}) });
  // Leftovers of imports whose engine was killed are swept when the next import starts: that is when a new one
  // could add to them, an engine that just started may have been restarted after the crash that left them, and
  // the server is known and reachable only here (an engine has no list of servers, and at its start it may have
  // none to reach). The spool folders are this computer's, whatever server an import goes to: any import sweeps.
  await sweepSpools();
  const [settings = '', ...databases] = (
    await query(
      'SELECT VERSION(), @@SESSION.sql_mode, USER(), @@lower_case_table_names;\n' +
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '%\\_\\_lb\\_%';",
    )
  )
    .split('\n')
    .filter(Boolean);
  const [version = '', sqlMode = '', me = '', lctn = '0'] = settings.split('\t');
  const host = me.includes('@') ? me.slice(me.lastIndexOf('@') + 1) : 'localhost';
  await sweepServer(settle, databases, host).catch(() => undefined);
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
  if (existing) {
    const blockers = await replaceBlockers(conn, database);
    if (blockers.length > 0) {
      throw new LifeboatError(
        'conflict',
        `"${database}" cannot be replaced safely, so it was left as it was. ${blockers.join(' ')}`,
      );
    }
  }
  const suffix = randomBytes(6).toString('hex');
  const scratch = `${database.slice(0, 44)}__lb_${suffix}`;
  const archive = options.archive;
  const total = archive !== undefined ? (await stat(archive)).size : (options.total ?? 0);
  let done = 0;
  let shown = -1;
  let share = 1;
  const show = (): void => {
    const value = Math.floor(done * share);
    if (value <= shown) return;
    shown = value;
    options.onProgress?.(value, total);
  };
  let rewritten = false;
  let report = null as DumpGuardReport | null;
  let importer: ImportUser | null;
  let owner: Owner | null = null;
  let ownerOnScratch = false;
  const createScratch = `CREATE DATABASE ${ident(scratch)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`;
  // Held until everything of this import is gone or in place: its names are not a leftover meanwhile.
  const lock = await holdImportLock(conn, suffix);
  try {
    await query(createScratch);
  } catch (e) {
    await lock.release();
    throw e;
  }
  try {
    importer = await createImportUser(settle, scratch, host, suffix);
    // Without a confined import user the guard refuses stored code anyway (strict mode).
    if (importer) owner = await ensureOwner(settle, database, scratch);
    const as: DbConnection = importer ? { ...conn, user: importer.user, password: importer.password } : conn;
    /** Loads the whole dump into the (empty) scratch database over `n` table connections. */
    const attempt = async (n: number): Promise<void> => {
      const counter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          done += chunk.length;
          show();
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
      const guardOptions: DumpGuardOptions = {
        mode: importer ? 'confined' : 'strict',
        storedCode: owner !== null,
        server: { mariadb, version: versionNumber(version), sqlMode },
        units: n > 1,
      };
      const guard = dumpGuard(guardOptions);
      report = guard.report;
      stages.push(guard);
      const load: Load = {
        as,
        scratch,
        id: suffix,
        spoolLimit: options.spoolLimit,
        signal,
        secrets: importer ? [importer.password, ...(conn.password ? [conn.password] : [])] : [],
        open: () =>
          archive !== undefined ? createReadStream(archive, { highWaterMark: 1 << 20 }) : options.source!(),
        stages,
        guard,
        connections: n,
        lowerCaseTableNames: Number(lctn) || 0,
        progress: (s) => {
          share = s;
          show();
        },
      };
      share = n > 1 ? 0 : 1;
      await (n > 1 ? loadParallel(load) : loadSingle(load));
      share = 1;
      show();
    };
    try {
      try {
        await attempt(connections);
      } catch (e) {
        if (!(e instanceof OneConnectionNeeded)) throw e;
        // The dump reads what one connection did before, after statements ran on others: it loads again from its
        // start over one connection, into a scratch database made anew, so nothing of the first attempt remains.
        // Progress stays where it was until this attempt passes it (it only ever grows).
        if (signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
        await query(`DROP DATABASE IF EXISTS ${ident(scratch)};\n${createScratch}`);
        done = 0;
        rewritten = false;
        await attempt(1);
      }
    } catch (e) {
      // The server stopped the restricted user: say so plainly, without its throwaway name.
      if (importer && e instanceof LifeboatError && e.code === 'database' && /denied/i.test(e.message)) {
        const account = new RegExp(`'?${importer.user}'?@'?[^'\\s]*'?`, 'g');
        throw new LifeboatError(
          'database',
          `The dump tried to reach beyond its own database, which Lifeboat does not allow, so nothing from it was kept. ${e.message
            .replace(/^The database server refused the import: /, '')
            .replace(account, "Lifeboat's import user")}`,
          e.detail?.replace(account, "Lifeboat's import user"),
        );
      }
      throw e;
    } finally {
      if (importer) {
        const account = `${literal(importer.user)}@${literal(importer.host)}`;
        await settle(`DROP USER IF EXISTS ${account};`).catch(() => undefined);
      }
    }
    if (signal?.aborted) throw new LifeboatError('cancelled', 'The database import was cancelled.');
    if (owner) {
      // The owner's objects are proved on the scratch copy before they go into the target (swap.ts, step 1),
      // and CREATE VIEW checks that a view's owner may run the functions it calls: so the owner has the same
      // rights on the copy until it is gone. Only now: the import user, and with it the dump, is gone already.
      ownerOnScratch = true;
      await settle(`GRANT ${OWNER_PRIVILEGES} ON ${grantScope(scratch)} TO ${owner.definer};`);
    }
    await options.beforePromote?.();
    if (lock.lost) {
      throw new LifeboatError(
        'database',
        'The database server closed the connection that marks this import as running (it restarted, or someone ended it), so another import could take its scratch database for a leftover; nothing from it was kept.',
      );
    }
    const moved = await promote(settle, {
      scratch,
      target: database,
      existing,
      suffix,
      owner: owner?.definer ?? null,
    });
    if (owner) await releaseOwner(settle, owner, database, scratch).catch(() => undefined);
    const coded = moved.views + moved.triggers + moved.routines > 0;
    const own = report?.ownDatabase;
    return {
      database,
      replaced: existing,
      tables: moved.tables,
      collationsRewritten: rewritten,
      views: moved.views,
      triggers: moved.triggers,
      routines: moved.routines,
      ...(owner && coded ? { owner: `${owner.user}@${owner.host}` } : {}),
      confinement: importer ? 'user' : 'guard',
      ...(own ? { dumpDatabase: own } : {}),
    };
  } catch (e) {
    await settle(`DROP DATABASE IF EXISTS ${ident(scratch)};`).catch(() => undefined);
    if (owner) {
      await releaseOwner(settle, owner, database, ownerOnScratch ? scratch : null).catch(() => undefined);
    }
    throw e;
  } finally {
    await lock.release();
  }
}

/**
 * Reasons the existing `database` cannot be replaced safely (scheduled events, foreign keys from other
 * databases, objects the configured user could not put back…); empty when a replace can go ahead. The restore
 * preflight calls this before anything is downloaded; `importDatabase` checks again before it starts.
 */
export async function replaceBlockers(connection: DbConnection, database: string): Promise<string[]> {
  assertDatabaseName(database);
  return replaceBlockersWith(
    (sql, db) => runClient(connection, { sql, ...(db ? { database: db } : {}) }),
    database,
  );
}

/** Whether a database exists (for warnings before a restore starts). */
export async function databaseExists(connection: DbConnection, database: string): Promise<boolean> {
  assertDatabaseName(database);
  const out = await runClient(connection, {
    sql: `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${literal(database)};`,
  });
  return out.trim() !== '';
}

/** `root@/run/mysqld/mysqld.sock`, `root@127.0.0.1:3306`, `root@\\.\pipe\MySQL`: where a connection goes, for a person. */
export const connectionName = (conn: DbConnection): string =>
  `${conn.user}@${conn.pipe !== undefined ? pipePath(conn.pipe) : (conn.socket ?? `${conn.host ?? '127.0.0.1'}:${conn.port ?? 3306}`)}`;

/**
 * Connects and asks the server what it is (`SELECT VERSION()`): the Settings' Test. A failure is one error that
 * says what to fix (nothing answers there, the user or password is refused), with the client's own line as its
 * detail, never a message wrapped in another.
 */
export async function serverVersion(conn: DbConnection): Promise<string> {
  let out: string;
  try {
    out = await runClient(conn, { sql: 'SELECT VERSION();' });
  } catch (e) {
    throw connectionError(conn, e);
  }
  const version = out.trim().split('\n')[0]?.trim();
  if (!version)
    throw new LifeboatError(
      'database',
      `The database server at ${connectionName(conn)} did not say its version.`,
    );
  return version;
}

/** A failed connection in words a person can act on; errors that are not the server's pass through. */
export function connectionError(
  conn: DbConnection,
  e: unknown,
  /** How "no password" reads here: Settings' Test knows none is saved; an import's server may not be Settings'. */
  noPassword = 'no password (none is saved in the keychain)',
): unknown {
  if (!(e instanceof LifeboatError) || e.code !== 'database' || !e.detail) return e;
  const line =
    e.detail
      .trim()
      .split('\n')
      .find((l) => /ERROR/.test(l)) ?? e.detail.trim().split('\n')[0]!;
  const code = Number(/ERROR (\d+)/.exec(line)?.[1] ?? NaN);
  const said = line.replace(/^ERROR \d+ \([0-9A-Z]+\)(?: at line \d+)?: /, '');
  const where =
    conn.pipe !== undefined
      ? `the named pipe ${pipePath(conn.pipe)}`
      : conn.socket
        ? `the socket ${conn.socket}`
        : `${conn.host ?? '127.0.0.1'}:${conn.port ?? 3306}`;
  const password = conn.password ? 'the password given' : noPassword;
  // 2016–2018: the client could not open, wait for or set up the named pipe (CR_NAMEDPIPE*_ERROR).
  const message =
    code === 2016 || code === 2017 || code === 2018
      ? `No database server answers on ${where}. Check that MySQL or MariaDB is running with named pipes on (named_pipe=ON in its my.ini) and that this is its pipe's name (its socket setting; MySQL by default).`
      : code === 2002 || code === 2003
        ? `No database server answers on ${where}. Check that MySQL or MariaDB is running and that ${
            conn.socket ? 'this is its socket' : 'this is its host and port'
          }.`
        : code === 2005
          ? `There is no host named ${conn.host ?? '127.0.0.1'}. Check the host.`
          : code === 1045 || code === 1698
            ? `The database server on ${where} refused the user ${conn.user} with ${password}. Check the user and password.`
            : `The database server on ${where} refused the connection: ${said}`;
  return new LifeboatError('database', message, line);
}
