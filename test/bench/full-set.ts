/**
 * Issue 9 §4, the full set overlapped: `pull bench-full.live` (code, files MB/2, database MB/4; no import) against
 * three `curl -o` of the same archives one after another on loopback (target ≤ 2), and, with the store throttled
 * to 100 MB/s, the whole restore against the moment the last byte of the last archive left the store (target
 * ≤ 1.05). That moment is read from the sandbox's request log (`at`: when the store finished a response), on
 * this machine's clock like the start; three parallel curls at the same throttle are printed for reference.
 *
 * Part of `npm run bench` (`fullSetBench`); alone: `tsx test/bench/full-set.ts` (BENCH_MB, BENCH_RUNS).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ADMIN_HEADERS,
  compare,
  lb,
  MB,
  median,
  q,
  row,
  rows,
  run,
  RUNS,
  sandbox,
  setFaults,
  signedUrl,
  type Sbx,
} from './lib';

const ELEMENTS = ['code', 'database', 'files'] as const;
const LINK = 100_000_000;

/** The store's responses logged since `since` (ms since the epoch), for archives of bench-full. */
async function storeLog(s: Sbx, since: number): Promise<{ path: string; at: number; bytesSent?: number }[]> {
  const log = (await (await fetch(`${s.url}/__sandbox/requests`, { headers: ADMIN_HEADERS })).json()) as {
    path: string;
    at: number;
    bytesSent?: number;
  }[];
  return log.filter((r) => r.at >= since && r.path.startsWith('/store/') && r.path.includes('bench-full_'));
}

/** Runs `cmd`; returns its wall time and how long after its start the store sent its last archive byte. */
async function timed(s: Sbx, cmd: string): Promise<{ seconds: number; lastByte: number }> {
  const started = Date.now();
  await run('sh', ['-c', cmd], { maxBuffer: 64 << 20 });
  const seconds = (Date.now() - started) / 1000;
  const log = await storeLog(s, started);
  if (log.length < ELEMENTS.length)
    throw new Error(`Expected ${ELEMENTS.length} archive downloads, saw ${log.length}.`);
  return { seconds, lastByte: (Math.max(...log.map((r) => r.at)) - started) / 1000 };
}

/** Adds the full-set rows to the results table; uses the given sandbox (bench:<MB> archives) or starts its own. */
export async function fullSetBench(given?: Sbx): Promise<Record<string, unknown>> {
  process.stdout.write('Full set: code, files and database pulled at once…\n');
  const s = given ?? (await sandbox(`bench:${MB}`));
  try {
    for (const el of ELEMENTS) await signedUrl(s, 'bench-full', el);
    const urls = async (): Promise<string[]> =>
      (await Promise.all(ELEMENTS.map((el) => signedUrl(s, 'bench-full', el)))).map((u) => u.url);

    // 1. Loopback: the restore against three curls in a row.
    const loop = await compare(
      {
        lifeboat: (dir) => lb(s, `pull bench-full.live --to ${q(dir)}`),
        '3× curl -o': async (dir) =>
          (await urls()).map((u, i) => `curl -s -o ${q(join(dir, `a${i}`))} ${q(u)}`).join(' && '),
      },
      s,
    );
    row(
      'full set: pull vs 3 curls in a row',
      loop.lifeboat!.seconds,
      loop['3× curl -o']!.seconds,
      '3× curl',
      2,
    );
    row('full set: CPU of the pull vs 3 curls', loop.lifeboat!.cpu, loop['3× curl -o']!.cpu, 'CPU', null);

    // 2. A 100 MB/s link: the restore ends right after the last byte arrives.
    await setFaults(s, { store: { throttleBytesPerSecond: LINK } });
    const pulls: { seconds: number; lastByte: number }[] = [];
    const curls: { seconds: number; lastByte: number }[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-full-'));
        try {
          pulls.push(await timed(s, lb(s, `pull bench-full.live --to ${q(join(dir, 'pull'))}`)));
          const parallel = (await urls()).map((u, n) => `curl -s -o ${q(join(dir, `c${n}`))} ${q(u)} &`);
          curls.push(await timed(s, [...parallel, 'wait'].join('\n')));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await setFaults(s, {});
    }
    const seconds = median(pulls.map((p) => p.seconds));
    const lastByte = median(pulls.map((p) => p.lastByte));
    row('full set at 100 MB/s: pull vs its last byte', seconds, lastByte, 'last byte', 1.05);
    const curlSeconds = median(curls.map((c) => c.seconds));
    row('full set at 100 MB/s: pull vs 3 parallel curls', seconds, curlSeconds, '3 curls ∥', null);
    return { loopback: loop, at100MBps: { pulls, curls } };
  } finally {
    if (!given) await s.stop();
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await fullSetBench();
  for (const r of rows)
    process.stdout.write(
      `${r.what.padEnd(46)} ${r.lifeboat.padEnd(10)} ${r.baseline.padEnd(26)} ${r.ratio.padEnd(6)} ${r.target.padEnd(10)} ${r.ok ? 'yes' : 'NO'}\n`,
    );
}
