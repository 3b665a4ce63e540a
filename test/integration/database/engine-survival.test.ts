// Outside attack (issue 9): the engine now runs jobs in a process of its own that "restarts after a crash".
// A hostile dump must not be able to end that process (and every other job in it), and an engine that did end
// mid-import must not leave the import's scratch database, its temporary database user, or the spool files
// (the dump's content, decompressed, in the temporary folder) behind for good.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { holdLock, useMariaDb } from '../../helpers/mariadb-suite';

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

describe('an engine killed while it imports over several connections', () => {
  it('leaves no scratch database, import user or spool file once the next import has run', async () => {
    const tmp = await mkdtemp(join(server.dir, 'tmp-'));
    // One table whose first row sleeps: the router reads the whole dump meanwhile, and what does not fit in
    // memory for that connection goes to its spool file (the dump's rows, in clear, in the temporary folder).
    const row = `('SECRET-ROW-${'s'.repeat(1 << 20)}')`;
    const sql = [
      'CREATE TABLE `slow` (`s` longtext);',
      'INSERT INTO `slow` VALUES (SLEEP(20));',
      ...Array.from({ length: 24 }, () => `INSERT INTO \`slow\` VALUES ${row};`),
      '',
    ].join('\n');
    const archive = await gz('killed.sql.gz', sql);
    const run = child('killed', archive, 4, tmp);
    await run.started;
    // Wait until the spool has spilled to disk, then kill the process as a crash or the OOM killer would.
    let spool: string | null = null;
    for (let i = 0; i < 600 && spool === null; i++) {
      for (const d of await readdir(tmp).catch(() => [] as string[])) {
        if (!d.startsWith('lifeboat-import-')) continue;
        const lane = join(tmp, d, 'lane-1');
        const size = await stat(lane).then(
          (s) => s.size,
          () => 0,
        );
        if (size > 1 << 20) spool = lane;
      }
      if (spool === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(spool, 'the spool never spilled to disk').not.toBeNull();
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    expect((await readFile(spool!)).includes('SECRET-ROW-')).toBe(true);

    // The engine starts again and runs its next import (another database) to its end.
    const next = child('next', await gz('next.sql.gz', 'CREATE TABLE `n` (`x` int);\n'), 4, tmp);
    const r = await next.done;
    expect(r.stdout).toMatch(/"ok":"next"/);

    expect.soft(await leftovers('killed'), 'left on the server').toEqual({ databases: [], users: [] });
    expect.soft(await spools(tmp), 'spool folders left in the temporary folder').toEqual([]);
  }, 120_000);

  it('sweeps what a killed import left, never what an import still running beside it has', async () => {
    const tmp = await mkdtemp(join(server.dir, 'tmp-'));
    // Both imports' first row waits for a lock this test holds: each stays in the middle of its import, over
    // four connections (its scratch database, import user and spool folder in place), until the test lets go.
    const hold = holdLock(server.db, 'lifeboat_test_hold');
    await hold.held;
    try {
      const stalled = (name: string): Promise<string> =>
        gz(
          `${name}.sql.gz`,
          [
            'CREATE TABLE `t` (`x` int);',
            "INSERT INTO `t` VALUES (GET_LOCK('lifeboat_test_hold', 3600));",
            'CREATE TABLE `u` (`x` int);',
            'INSERT INTO `u` VALUES (1);',
            '',
          ].join('\n'),
        );
      const killed = child('killed2', await stalled('killed2'), 4, tmp);
      await waitingOnHold('killed2');
      const killedSpools = await spools(tmp);
      const killedLeft = await leftovers('killed2');
      expect(killedSpools).toHaveLength(1);
      expect(killedLeft.databases).toHaveLength(1);
      expect(killedLeft.users).toHaveLength(1);
      process.kill(killed.pid, 'SIGKILL');
      await killed.done;

      const live = child('live', await stalled('live'), 4, tmp);
      await waitingOnHold('live');
      const liveSpools = (await spools(tmp)).filter((d) => !killedSpools.includes(d));
      const liveLeft = await leftovers('live');
      const liveUsers = liveLeft.users.filter((u) => !killedLeft.users.includes(u));
      expect(liveSpools).toHaveLength(1);
      expect(liveLeft.databases).toHaveLength(1);
      expect(liveUsers).toHaveLength(1);

      // Names close to an import's but not of its exact shape, a scratch database whose import's lock is held
      // (an import on another computer), and folders not quite a spool's: none is anyone's leftover to drop.
      const decoys = [
        'decoy__lb_old_0123456789ab',
        'decoy__lb_0123456789abc',
        'decoy__lb_0123456789AB',
        'lb_0123456789ab',
        'held__lb_abcdef012345',
      ];
      await server.db.query(
        decoys.map((d) => `CREATE DATABASE \`${d}\`;`).join('\n') +
          "\nCREATE USER 'lifeboat_0123456789abc'@'localhost' ACCOUNT LOCK;",
      );
      const elsewhere = holdLock(server.db, 'lifeboat_import_abcdef012345');
      await elsewhere.held;
      await mkdir(join(tmp, 'lifeboat-import-0123456789abc'));
      await mkdir(join(tmp, 'lifeboat-import-abcdef'));
      // Named as a spool folder is, with no mark of its owner: not known to be gone.
      await mkdir(join(tmp, 'lifeboat-import-0123456789ab'));
      try {
        // Another import starts and ends while the live one waits: it sweeps the killed one's leftovers only.
        const next = child('next2', await gz('next2.sql.gz', 'CREATE TABLE `n` (`x` int);\n'), 4, tmp);
        expect((await next.done).stdout).toMatch(/"ok":"next2"/);
        expect
          .soft((await leftovers('killed2')).databases, 'the killed import’s scratch database')
          .toEqual([]);
        expect
          .soft((await leftovers('live')).databases, 'the live import’s scratch database')
          .toEqual(liveLeft.databases);
        expect
          .soft((await leftovers('')).users.sort(), 'import users')
          .toEqual([...liveUsers, 'lifeboat_0123456789abc'].sort());
        expect
          .soft((await spools(tmp)).sort(), 'spool folders')
          .toEqual(
            [
              ...liveSpools,
              'lifeboat-import-0123456789ab',
              'lifeboat-import-0123456789abc',
              'lifeboat-import-abcdef',
            ].sort(),
          );
        const kept = (await server.db.query("SHOW DATABASES LIKE '%lb\\_%'")).split('\n').filter(Boolean);
        expect
          .soft(
            decoys.filter((d) => !kept.includes(d)),
            'other databases dropped',
          )
          .toEqual([]);
      } finally {
        await elsewhere.release();
        await server.db.query(
          decoys.map((d) => `DROP DATABASE \`${d}\`;`).join('\n') +
            "\nDROP USER 'lifeboat_0123456789abc'@'localhost';",
        );
        await rm(join(tmp, 'lifeboat-import-0123456789abc'), { recursive: true });
        await rm(join(tmp, 'lifeboat-import-abcdef'), { recursive: true });
        await rm(join(tmp, 'lifeboat-import-0123456789ab'), { recursive: true });
      }

      // The live import goes on, once let go, to its end, and cleans up after itself.
      await hold.release();
      const r = await live.done;
      expect(r.stdout).toMatch(/"ok":"live"/);
      expect((await server.db.query('SELECT COUNT(*) FROM live.t')).trim()).toBe('1');
      expect(await leftovers('live')).toEqual({ databases: [], users: [] });
      expect(await spools(tmp)).toEqual([]);
    } finally {
      await hold.release();
    }
  }, 120_000);
});

/** Waits until a connection into a scratch database of the import into `database` waits for the test's lock. */
async function waitingOnHold(database: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const n = await server.db.query(
      `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB LIKE '${database}\\_\\_lb\\_%' AND INFO LIKE '%GET_LOCK%'`,
    );
    if (n.trim() !== '0') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the import into ${database} never reached the row that waits`);
}
