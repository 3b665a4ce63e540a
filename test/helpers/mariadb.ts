import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway MariaDB server on loopback (docs/toolchain.md): no systemd, its own data folder. */
export interface TestMariaDb {
  readonly socket: string;
  readonly port: number;
  /** Runs SQL as root and returns the tab-separated output. */
  query(sql: string, database?: string): Promise<string>;
  /** Runs SQL as another account (by password); rejects with the client's error on stderr. */
  queryAs(user: string, password: string, sql: string, database?: string): Promise<string>;
  /**
   * Everything a database holds, as one string to compare before and after: its tables' definitions and
   * CHECKSUM TABLE … EXTENDED of each, and its views, triggers and routines with their definers.
   */
  fingerprint(database: string): Promise<string>;
  stop(): Promise<void>;
}

/** Why MariaDB cannot run here, or null when it can. */
export async function mariadbUnavailable(): Promise<string | null> {
  // startMariaDb drives the Unix server: a socket file, the Unix mariadb-install-db options, `sh` to find it.
  if (process.platform === 'win32')
    return 'the throwaway test server is started the Unix way (a socket file, mariadb-install-db), not on Windows';
  for (const bin of ['mariadbd', 'mariadb-install-db', 'mariadb']) {
    try {
      await run('sh', ['-c', `command -v ${bin}`]);
    } catch {
      return `${bin} is not installed (Debian packages mariadb-server and mariadb-client)`;
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts MariaDB and waits until it answers. */
export async function startMariaDb(): Promise<TestMariaDb> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  // The server's own temporary files (internal temp tables) stay in its folder, not in a /tmp others clean.
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const port = await freePort();
  await run(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--tmpdir=${tmp}`,
    ],
    {
      maxBuffer: 16 << 20,
    },
  );
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--tmpdir=${tmp}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${join(dir, 'err.log')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    try {
      await run('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping']);
      break;
    } catch {
      if (i > 300 || child.exitCode !== null) throw new Error(`MariaDB did not start (see ${dir}/err.log)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const self: TestMariaDb = {
    socket,
    port,
    async query(sql, database) {
      const args = [
        '--no-defaults',
        `--socket=${socket}`,
        '-uroot',
        '--batch',
        '--skip-column-names',
        '-e',
        sql,
      ];
      if (database) args.push(database);
      return (await run('mariadb', args, { maxBuffer: 64 << 20 })).stdout;
    },
    async queryAs(user, password, sql, database) {
      const args = [
        '--no-defaults',
        `--socket=${socket}`,
        `--user=${user}`,
        '--batch',
        '--skip-column-names',
        '-e',
        sql,
      ];
      if (database) args.push(database);
      try {
        return (
          await run('mariadb', args, { maxBuffer: 64 << 20, env: { ...process.env, MYSQL_PWD: password } })
        ).stdout;
      } catch (e) {
        throw new Error((e as { stderr?: string }).stderr?.trim() || (e as Error).message, { cause: e });
      }
    },
    async fingerprint(database) {
      const lit = `'${database.replace(/'/g, "''")}'`;
      const q = (id: string): string => `\`${id.replace(/`/g, '``')}\``;
      const tables = (
        await self.query(
          `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${lit} AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME`,
        )
      )
        .split('\n')
        .filter(Boolean);
      const parts = [
        `SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${lit};`,
        ...tables.map((t) => `SHOW CREATE TABLE ${q(database)}.${q(t)};`),
        ...(tables.length
          ? [`CHECKSUM TABLE ${tables.map((t) => `${q(database)}.${q(t)}`).join(', ')} EXTENDED;`]
          : []),
        `SELECT TABLE_NAME, VIEW_DEFINITION, DEFINER, SECURITY_TYPE FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ${lit} ORDER BY 1;`,
        `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${lit} ORDER BY 1;`,
        `SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, DEFINER, SECURITY_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${lit} ORDER BY 1;`,
      ];
      return self.query(parts.join('\n'));
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}
