import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../errors';
import { redact } from '../log/redact';
import {
  clientEnvironment,
  clientProgram,
  clientSafetyArgs,
  connectionArgs,
  type DbConnection,
} from '../database/mysql';

/**
 * One long-lived database client session (the `mariadb` or `mysql` program, as every database step of Lifeboat
 * uses), for work that must happen in one transaction: statements go to its standard input one after another, and
 * each answer is read up to a marker line. Every value Lifeboat reads through it is asked for as HEX(), and every
 * value it writes is a hexadecimal literal, so no byte of a database value is ever parsed as SQL or lost to the
 * client's escaping.
 */

/** A backtick-quoted identifier (any name the server gave, a backtick doubled). */
export const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** A binary string literal of `bytes`: hexadecimal digits only, whatever the bytes are. */
export const hexLiteral = (bytes: Buffer): string =>
  bytes.length === 0 ? "''" : `X'${bytes.toString('hex')}'`;

/** A string literal in `charset` (a name the server gave, checked) of `bytes`. */
export function textLiteral(bytes: Buffer, charset = 'utf8mb4', collation?: string): string {
  if (!/^[a-z0-9_]+$/i.test(charset) || (collation !== undefined && !/^[a-z0-9_]+$/i.test(collation)))
    throw new LifeboatError(
      'database',
      `The server named a character set Lifeboat does not know: ${charset}.`,
    );
  const body = bytes.length === 0 ? "''" : `X'${bytes.toString('hex')}'`;
  return `_${charset} ${body}${collation ? ` COLLATE ${collation}` : ''}`;
}

/** Decodes a HEX() column of the client's output (NULL stays null). */
export const unhex = (cell: string): Buffer | null => (cell === 'NULL' ? null : Buffer.from(cell, 'hex'));

/** A session of the client on one database (or none). */
export class SqlSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly marker = `lifeboat-${randomBytes(8).toString('hex')}`;
  private buffered: Buffer[] = [];
  private rows: string[][] = [];
  private waiting: { resolve: (rows: string[][]) => void; reject: (e: unknown) => void } | null = null;
  private stderr = '';
  private failure: LifeboatError | null = null;
  private readonly exited: Promise<number | null>;

  private constructor(
    child: ChildProcessWithoutNullStreams,
    private readonly secrets: readonly string[],
  ) {
    this.child = child;
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (d: Buffer) => this.onData(d));
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => {
      child.once('error', (e) => {
        this.fail(
          new LifeboatError('database', `Could not run the database client: ${this.scrub(e.message)}`),
        );
        resolve(null);
      });
      child.once('close', (code) => {
        if (code !== 0 || this.waiting)
          this.fail(
            new LifeboatError(
              'database',
              `The database server refused a statement: ${this.scrub(this.firstError())}`,
              this.scrub(this.stderr),
            ),
          );
        resolve(code);
      });
    });
  }

  /** Opens a session as `conn` (its password in the client's environment, never in its arguments). */
  static async open(
    conn: DbConnection,
    database?: string,
    options: { readonly signal?: AbortSignal; readonly secrets?: readonly string[] } = {},
  ): Promise<SqlSession> {
    const signal = options.signal;
    const prog = await clientProgram(conn);
    const args = [
      `--user=${conn.user}`,
      '--default-character-set=utf8mb4',
      '--batch',
      '--skip-column-names',
      '--unbuffered',
      '--quick',
      ...(await clientSafetyArgs(prog)),
    ];
    args.push(...connectionArgs(conn));
    if (database) args.push(`--database=${database}`);
    const env = { ...clientEnvironment(process.env), ...(conn.password ? { MYSQL_PWD: conn.password } : {}) };
    const child = spawn(prog, args, { env, stdio: ['pipe', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
    return new SqlSession(child, [...(conn.password ? [conn.password] : []), ...(options.secrets ?? [])]);
  }

  /** Runs `sql` (one or more statements) and resolves with the rows they printed, split at tabs. */
  query(sql: string): Promise<string[][]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('One statement at a time in a SqlSession.'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.stdin.write(`${sql}\nSELECT '${this.marker}';\n`);
    });
  }

  /** Ends the session: its input closes, so a transaction not committed is rolled back by the server. */
  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  /** Ends the client at once (a transaction in progress is rolled back by the server). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private onData(d: Buffer): void {
    let start = 0;
    for (let nl = d.indexOf(0x0a); nl >= 0; nl = d.indexOf(0x0a, start)) {
      this.buffered.push(d.subarray(start, nl));
      this.line(Buffer.concat(this.buffered).toString('utf8'));
      this.buffered = [];
      start = nl + 1;
    }
    if (start < d.length) this.buffered.push(d.subarray(start));
  }

  private line(text: string): void {
    if (text === this.marker) {
      const w = this.waiting;
      const rows = this.rows;
      this.waiting = null;
      this.rows = [];
      w?.resolve(rows);
      return;
    }
    this.rows.push(text.split('\t'));
  }

  private fail(e: LifeboatError): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failure);
  }

  private firstError(): string {
    const lines = this.stderr.trim().split('\n');
    return lines.find((l) => /ERROR/.test(l)) ?? lines[0] ?? 'the client stopped';
  }

  private scrub(text: string): string {
    let out = redact(text);
    for (const s of this.secrets) if (s.length >= 3) out = out.split(s).join('[redacted]');
    return out;
  }
}

/** Runs `sql` in a session of its own and returns its rows. */
export async function queryOnce(
  conn: DbConnection,
  sql: string,
  options: { readonly database?: string; readonly secrets?: readonly string[] } = {},
): Promise<string[][]> {
  const s = await SqlSession.open(conn, options.database, {
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  try {
    return await s.query(sql);
  } finally {
    await s.close();
  }
}
