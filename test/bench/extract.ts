/**
 * Issue 9 §3, extraction at the speed of the disk: a files pull (download and extraction) against extracting the
 * same archive from a local file with the same code, so the download must hide completely (target ≤ 1.15), and
 * against `curl | tar xz` (target ≤ 0.4). The local extraction is a process of its own running Lifeboat's
 * `extractTarGz` on a file stream (the extraction alone, its fastest form for a file already there); the same
 * archive through `extractArchive` in its worker thread, as a pull runs a big archive, is printed beside it.
 *
 * Part of `npm run bench` (`extractBench`, after the CLI is built); alone: `tsx test/bench/extract.ts`
 * (BENCH_MB, BENCH_RUNS; build first with `npx electron-vite build`).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { extractTarGz } from '../../electron/services/archive/extract';
import { extractArchive } from '../../electron/services/archive/extract-file';
import { GrowingFile } from '../../electron/services/transfer/growing-file';
import {
  bundleChild,
  compare,
  floorOf,
  lb,
  MB,
  q,
  ROOT,
  row,
  rows,
  run,
  sandbox,
  signedUrl,
  type Sbx,
} from './lib';

/** This file bundled (split, so the extraction's worker module is a file of its own), as the app is built. */
const CHILD_DIR = join(ROOT, '.cache', 'bench', 'extract-child');
const child = (args: string): string => `node ${q(join(CHILD_DIR, 'extract.js'))} ${args} >/dev/null`;

/** The measured local extraction: `extract.js thread|inline ARCHIVE DIR`. */
async function childMain(mode: string, archive: string, dir: string): Promise<void> {
  if (mode === 'thread') {
    const file = new GrowingFile(archive);
    file.finish();
    const { size } = await stat(archive);
    const r = await extractArchive(file.reader(), dir, { label: 'the files archive', size });
    if (!r.inThread) throw new Error('The extraction did not run in its thread.');
  } else {
    await extractTarGz(createReadStream(archive, { highWaterMark: 1 << 20 }), dir, {
      label: 'the files archive',
    });
  }
}

/**
 * Adds the extraction rows to the results table. Uses the given sandbox (with `bench:<MB>` archives) or starts
 * its own.
 */
export async function extractBench(given?: Sbx): Promise<Record<string, unknown>> {
  process.stdout.write(`Extraction: a ${MB} MiB files pull against the local extraction and curl | tar…\n`);
  await bundleChild('test/bench/extract.ts', CHILD_DIR);
  const s = given ?? (await sandbox(`bench:${MB}`));
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-bench-extract-'));
  try {
    const archive = join(work, 'files.tgz');
    await run('curl', ['-s', '-o', archive, (await signedUrl(s, 'bench-files', 'files')).url]);
    const r = await compare(
      {
        lifeboat: (dir) => lb(s, `pull bench-files.live --element files --to ${q(dir)}`),
        local: (dir) => child(`inline ${q(archive)} ${q(dir)}`),
        'local, worker thread': (dir) => child(`thread ${q(archive)} ${q(dir)}`),
        'curl | tar xz': async (dir) =>
          `curl -s ${q((await signedUrl(s, 'bench-files', 'files')).url)} | tar xz -C ${q(dir)}`,
        'curl -o': async (dir) =>
          `curl -s -o ${q(join(dir, 'f.tgz'))} ${q((await signedUrl(s, 'bench-files', 'files')).url)}`,
      },
      s,
    );
    const ours = r.lifeboat!.seconds;
    const curl = r['curl -o']!;
    row(`files ${MB} MiB: pull vs local extraction`, ours, r.local!.seconds, 'local file', 1.15);
    row(`files ${MB} MiB: pull vs curl | tar xz`, ours, r['curl | tar xz']!.seconds, 'curl|tar', 0.4);
    // A pull keeps the archive on disk (to resume and verify it), so its floor is a download to a file (with what
    // the sandbox spends serving it, on the same cores) plus the local extraction, run in parallel at best.
    const floor = floorOf([{ seconds: curl.seconds, cpu: curl.cpu + curl.serverCpu }, r.local!]);
    row(`files ${MB} MiB: pull vs the machine's floor`, ours, floor, 'floor', null);
    row(
      `files ${MB} MiB: pull's CPU vs curl -o + local's`,
      r.lifeboat!.cpu,
      curl.cpu + r.local!.cpu,
      'CPU',
      null,
    );
    row(
      `files ${MB} MiB: local, worker thread vs not`,
      r['local, worker thread']!.seconds,
      r.local!.seconds,
      'local file',
      null,
    );
    return r;
  } finally {
    await rm(work, { recursive: true, force: true });
    if (!given) await s.stop();
  }
}

const [, script, mode, archive, dir] = process.argv;
const self = script ? pathToFileURL(script).href : '';
if (self === import.meta.url && (mode === 'thread' || mode === 'inline') && archive && dir) {
  await childMain(mode, archive, dir);
} else if (self === import.meta.url) {
  await extractBench();
  for (const r of rows)
    process.stdout.write(
      `${r.what.padEnd(46)} ${r.lifeboat.padEnd(10)} ${r.baseline.padEnd(26)} ${r.ratio.padEnd(6)} ${r.target.padEnd(10)} ${r.ok ? 'yes' : 'NO'}\n`,
    );
}
