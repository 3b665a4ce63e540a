/**
 * Issue 9 §6, many jobs at once (the mirror's case): eight pulls of 256 MiB files archives in one engine process,
 * against the same bytes fetched by eight curls at once plus the floor of extracting them (eight extractions of a
 * local copy at once, with the same extractor). Target: peak RSS under 250 MiB, time within 1.2× of that sum.
 * Part of `npm run bench`; alone: `tsx test/bench/many-jobs.ts` (BENCH_JOBS_MB, BENCH_JOBS, BENCH_RUNS).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleChild, compare, q, ROOT, rows, run, sandbox, signedUrl, type Sbx } from './lib';

const JOBS_MB = Number(process.env.BENCH_JOBS_MB ?? 256);
const JOBS = Number(process.env.BENCH_JOBS ?? 8);

/**
 * The measured process, bundled like the app's own build (under tsx it would carry ~35 MiB of loader), with
 * chunks split as the build splits them, so big archives are extracted in worker threads as in the app.
 */
const OUT = join(ROOT, '.cache', 'bench', 'many-jobs');
const CHILD = join(OUT, 'many-jobs-child.js');
const child = (args: string): string => `cd ${q(ROOT)} && node ${q(CHILD)} ${args} >/dev/null`;

/** Adds the many-jobs rows to the results table; starts its own sandbox with JOBS_MB archives. */
export async function manyJobsBench(): Promise<Record<string, unknown>> {
  process.stdout.write(`Many jobs: ${JOBS} pulls of a ${JOBS_MB} MiB files archive at once…\n`);
  await bundleChild('test/bench/many-jobs-child.ts', OUT);
  const s: Sbx = await sandbox(`bench:${JOBS_MB}`);
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-bench-jobs-'));
  try {
    const archive = join(work, 'files.tgz');
    await run('curl', ['-s', '-o', archive, (await signedUrl(s, 'bench-files', 'files')).url]);
    const curls = async (dir: string): Promise<string> => {
      const { url } = await signedUrl(s, 'bench-files', 'files');
      return Array.from({ length: JOBS }, (_, i) => `curl -s -o ${q(join(dir, `f${i}`))} ${q(url)} &`)
        .concat('wait')
        .join('\n');
    };
    const r = await compare({
      lifeboat: (dir) =>
        `export BENCH_TOKEN=${q(s.token)}; ` + child(`pull ${q(s.api)} bench-files ${q(dir)} ${JOBS}`),
      curls,
      floor: (dir) => child(`extract ${q(archive)} ${q(dir)} ${JOBS}`),
    });
    const ours = r.lifeboat!;
    const theirs = r.curls!.seconds + r.floor!.seconds;
    const ratio = ours.seconds / theirs;
    rows.push({
      what: `${JOBS} pulls of ${JOBS_MB} MiB at once: time`,
      lifeboat: `${ours.seconds.toFixed(2)} s`,
      baseline: `${JOBS} curls ${r.curls!.seconds.toFixed(2)} s + extract ${r.floor!.seconds.toFixed(2)} s`,
      ratio: ratio.toFixed(2),
      target: '≤ 1.2',
      ok: ratio <= 1.2,
    });
    rows.push({
      what: `${JOBS} pulls of ${JOBS_MB} MiB at once: peak RSS`,
      lifeboat: `${ours.peakMiB.toFixed(0)} MiB`,
      baseline: `extraction alone ${r.floor!.peakMiB.toFixed(0)} MiB`,
      ratio: '—',
      target: '< 250 MiB',
      ok: ours.peakMiB < 250,
    });
    return r;
  } finally {
    await s.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await manyJobsBench();
  for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
}
