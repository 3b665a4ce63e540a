// Outside attack (issue 9): the engine now runs jobs in a process of its own that "restarts after a crash".
// A hostile dump must not be able to end that process (and every other job in it), and an engine that did end
// mid-import must not leave the import's scratch database, its temporary database user, or the spool files
// (the dump's content, decompressed, in the temporary folder) behind for good.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useMariaDb } from '../../helpers/mariadb-suite';

const CHILD = join(import.meta.dirname, 'fixtures', 'import-child.ts');

const server = useMariaDb('lifeboat-attack9-engine-');

interface Run {
  readonly pid: number;
  readonly done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  readonly started: Promise<void>;
}

/** Runs import-child.ts with its own temporary folder. */
function child(database: string, archive: string, connections: number, tmp: string): Run {
  const c = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, server.db.socket, database, archive, String(connections)],
    { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  c.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('importing\n')) started();
  });
  c.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => c.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { pid: c.pid!, done, started: startedP };
}

async function gz(name: string, sql: string): Promise<string> {
  const p = join(server.dir, name);
  await writeFile(p, gzipSync(Buffer.from(sql, 'latin1')));
  return p;
}

/** The import spools in a temporary folder (tsx keeps its own cache there too). */
async function spools(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((d) => d.startsWith('lifeboat-import-'));
}

/** What an import can leave on the server: scratch databases and temporary import users. */
async function leftovers(prefix: string): Promise<{ databases: string[]; users: string[] }> {
  const databases = (await server.db.query(`SHOW DATABASES LIKE '${prefix}\\_\\_lb\\_%'`))
    .split('\n')
    .filter(Boolean);
  const users = (
    await server.db.query(
      "SELECT User FROM mysql.global_priv WHERE User LIKE 'lifeboat\\_%' AND User NOT LIKE 'lifeboat\\_def\\_%'",
    )
  )
    .split('\n')
    .filter(Boolean);
  return { databases, users };
}

describe('a hostile dump against the engine process', () => {
  it('cannot end the engine by making the database client print more than a string can hold', async () => {
    // SELECT passes the guard in confined mode; the client prints each result, and the import keeps all of it
    // in one string. 40 × 15 MB is past V8's longest string: every further chunk throws in the 'data' listener,
    // which the engine's process guard counts until it exits (70) — with every other job of that engine.
    const tmp = await mkdtemp(join(server.dir, 'tmp-'));
    const sql = [
      'CREATE TABLE `t` (`x` int);',
      'INSERT INTO `t` VALUES (1);',
      ...Array.from({ length: 40 }, () => "SELECT REPEAT('x', 15000000);"),
      '',
    ].join('\n');
    const archive = await gz('loud.sql.gz', sql);
    const run = child('loud', archive, 4, tmp);
    const r = await run.done;
    const tail = r.stderr.split('\n').filter(Boolean).slice(-2).join(' / ');
    expect.soft({ code: r.code, signal: r.signal }, `the engine process ended: ${tail}`).toEqual({
      code: 0,
      signal: null,
    });
    expect.soft(r.stderr, 'the engine process hit uncaught exceptions').not.toMatch(/uncaught exception/);
    expect.soft(r.stdout, 'the import never answered').toMatch(/^\{"(ok|error)"/m);
    expect.soft(await leftovers('loud'), 'left on the server').toEqual({ databases: [], users: [] });
    expect.soft(await spools(tmp), 'left in the temporary folder').toEqual([]);
  }, 240_000);
});
