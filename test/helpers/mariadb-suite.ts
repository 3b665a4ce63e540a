// The hooks every database test file shares (kept apart from mariadb.ts, which the benchmarks use outside Vitest).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { DbConnection } from '../../electron/services/database/mysql';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from './mariadb';

/** What {@link useMariaDb} gives a test file: the server, root on its socket, and a fresh folder per test. */
export interface MariaDbSuite {
  readonly db: TestMariaDb;
  /** The server, or null when MariaDB cannot run here (for a describe's own hooks, which are not skipped). */
  readonly running: TestMariaDb | null;
  readonly conn: DbConnection;
  readonly dir: string;
}

/**
 * Registers the hooks every database test file needs: one throwaway server for the file (started once, stopped
 * after), each test skipped with the reason when MariaDB cannot run here, and a fresh temporary folder per test
 * (named with `prefix`, removed after). `setup` runs once on the started server; `each` before every test.
 */
export function useMariaDb(
  prefix: string,
  hooks: { setup?: (db: TestMariaDb) => Promise<void>; each?: (db: TestMariaDb) => Promise<void> } = {},
): MariaDbSuite {
  let db: TestMariaDb | null = null;
  let skip: string | null = null;
  let dir = '';
  beforeAll(async () => {
    skip = await mariadbUnavailable();
    if (skip) return;
    db = await startMariaDb();
    await hooks.setup?.(db);
  });
  afterAll(async () => {
    await db?.stop();
  });
  beforeEach(async (ctx) => {
    if (!db) return ctx.skip(`MariaDB unavailable: ${skip}`);
    dir = await mkdtemp(join(tmpdir(), prefix));
    await hooks.each?.(db);
    return () => rm(dir, { recursive: true, force: true });
  });
  const started = (): TestMariaDb => {
    if (!db) throw new Error('MariaDB is not running (the test should have been skipped).');
    return db;
  };
  return {
    get db() {
      return started();
    },
    get running() {
      return db;
    },
    get conn() {
      return { socket: started().socket, user: 'root' };
    },
    get dir() {
      return dir;
    },
  };
}

/**
 * A client of the test's own holding the server's user lock `name` (GET_LOCK) until released: a dump's
 * `GET_LOCK(name, …)` then waits there, which holds an import in the middle of its work.
 */
export function holdLock(
  db: TestMariaDb,
  name: string,
): { held: Promise<void>; release: () => Promise<void> } {
  const c = spawn(
    'mariadb',
    ['--no-defaults', `--socket=${db.socket}`, '-uroot', '-N', '-B', '--unbuffered'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  const held = new Promise<void>((resolve, reject) => {
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.trim() === '1') resolve();
    });
    void closed.then(() => reject(new Error(`the test could not take the lock ${name}`)));
  });
  held.catch(() => undefined);
  c.stdin.write(`SELECT GET_LOCK('${name}', 0);\n`);
  return {
    held,
    release: async () => {
      c.stdin.end();
      await closed;
    },
  };
}
