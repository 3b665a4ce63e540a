/**
 * Issue 9 §5: the database import loaded over 1, 2 and 4 connections, against `gunzip -c | mariadb` from the same
 * local copy of the `MB`-size database archive (site bench-db), interleaved by `compare` on one throwaway MariaDB.
 * Target: the default number of connections (`defaultConnections()`) within 0.7× the shell. It also prints how the
 * dump's bytes spread over its tables: one table per connection at most loads at a time, so a dump that is one
 * giant table cannot go faster than one connection.
 *
 *   BENCH_MB=128 BENCH_RUNS=1 npx tsx test/bench/import-parallel.ts
 *
 * From pull.bench.ts: `await importParallelBench(s)` with the `bench:<MB>` sandbox; it adds its rows to `rows`.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import { defaultConnections } from '../../electron/services/database/mysql';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../helpers/mariadb';
import { compare, lb, MB, q, ROOT, row, rows, run, sandbox, signedUrl, type Sbx } from './lib';

/** The issue's target for the default number of connections against `gunzip -c | mariadb`. */
const TARGET = 0.7;
const CONNECTIONS = [1, 2, 4];

/**
 * Before each run (untimed): drops what earlier runs imported and lets InnoDB write out its dirty pages, so no run
 * pays for the flushing of the one before it (with a 64 MiB buffer pool, an import leaves seconds of it behind).
 */
async function settle(mdb: TestMariaDb): Promise<void> {
  const old = (
    await mdb.query(
      "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'lbp\\_%' OR SCHEMA_NAME LIKE 'gzp\\_%' OR SCHEMA_NAME LIKE 'lbr\\_%'",
    )
  )
    .split('\n')
    .filter(Boolean);
  if (old.length > 0) await mdb.query(old.map((d) => `DROP DATABASE \`${d}\`;`).join('\n'));
  const pct = (await mdb.query('SELECT @@GLOBAL.innodb_max_dirty_pages_pct')).trim();
  await mdb.query('SET GLOBAL innodb_max_dirty_pages_pct = 0;');
  try {
    for (let i = 0; i < 1200; i++) {
      const dirty = await mdb.query(
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'",
      );
      if (Number(dirty.trim()) < 16) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await mdb.query(`SET GLOBAL innodb_max_dirty_pages_pct = ${Number(pct)};`);
  }
}

/** Each table's share of the dump's INSERT bytes, largest first. */
async function tableShares(archive: string): Promise<{ table: string; share: number }[]> {
  const bytes = new Map<string, number>();
  let carry = '';
  let current = '';
  for await (const chunk of createReadStream(archive).pipe(createGunzip())) {
    const text = carry + (chunk as Buffer).toString('latin1');
    const lines = text.split('\n');
    carry = lines.pop()!;
    for (const line of lines) {
      const m = /^INSERT INTO `((?:[^`]|``)+)`/.exec(line);
      if (m) current = m[1]!;
      if (current) bytes.set(current, (bytes.get(current) ?? 0) + line.length + 1);
      if (line.startsWith('UNLOCK TABLES')) current = '';
    }
  }
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  return [...bytes].map(([table, n]) => ({ table, share: n / total })).sort((a, b) => b.share - a.share);
}

export async function importParallelBench(
  given?: Sbx,
): Promise<Record<string, { seconds: number; peakMiB: number }> | null> {
  const why = await mariadbUnavailable();
  if (why) {
    process.stdout.write(`Skipping the parallel import comparison: ${why}.\n`);
    return null;
  }
  const s = given ?? (await sandbox(`bench:${MB}`));
  const mdb = await startMariaDb();
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-bench-import-'));
  try {
    const archive = join(work, 'db.sql.gz');
    await run('curl', ['-s', '-o', archive, (await signedUrl(s, 'bench-db', 'database')).url]);
    const shares = await tableShares(archive);
    process.stdout.write(
      `Database ${MB} MiB dump, share of its rows by table: ${shares
        .map((t) => `${t.table} ${(t.share * 100).toFixed(0)}%`)
        .join(', ')}\n`,
    );
    let n = 0;
    const cases: Record<string, (dir: string) => Promise<string>> = {};
    for (const c of CONNECTIONS) {
      cases[`${c}`] = async () => {
        await settle(mdb);
        return `cd ${q(ROOT)} && node --import tsx test/bench/import-db.ts ${q(archive)} ${q(mdb.socket)} lbp_${++n} ${c}`;
      };
    }
    cases['gunzip -c | mariadb'] = async () => {
      await settle(mdb);
      await mdb.query(`CREATE DATABASE gzp_${++n}`);
      return `gunzip -c ${q(archive)} | mariadb --no-defaults --socket=${q(mdb.socket)} -uroot gzp_${n}`;
    };
    // A whole restore with import (the import starts from the growing download) against its two parts alone.
    cases['curl -o'] = async (dir) =>
      `curl -s -o ${q(join(dir, 'd.sql.gz'))} ${q((await signedUrl(s, 'bench-db', 'database')).url)}`;
    cases['pull with import'] = async (dir) => {
      await settle(mdb);
      return lb(
        s,
        `pull bench-db.live --element database --to ${q(dir)} --db-import ${q(`mysql://root@localhost/lbr_${++n}?socket=${mdb.socket}`)}`,
      );
    };
    const r = await compare(cases);
    const shell = r['gunzip -c | mariadb']!.seconds;
    const def = defaultConnections();
    for (const c of CONNECTIONS) {
      row(
        `database ${MB} MiB import over ${c} connection${c > 1 ? 's' : ''}${c === def ? ' (default)' : ''}`,
        r[`${c}`]!.seconds,
        shell,
        'gunzip|mariadb',
        c === def ? TARGET : null,
      );
    }
    const parts = Math.max(r['curl -o']!.seconds, r[`${def}`]!.seconds);
    row(
      `database ${MB} MiB: pull with import vs max(download, import)`,
      r['pull with import']!.seconds,
      parts,
      'max(curl -o, import)',
      1.1,
    );
    return r;
  } finally {
    await mdb.stop();
    await rm(work, { recursive: true, force: true });
    if (!given) await s.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await importParallelBench();
  for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
}
