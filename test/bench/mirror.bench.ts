/**
 * `npm run bench:mirror`: the mirror at scale (issue 11 §3), side by side in one run with curl fetching the same
 * archives, on the sandbox's big seed (2,000 sites, small archives) and a second seed with larger ones:
 * - a whole mirror with --concurrency 8: its time against curl downloading the same archives 8 at a time (the sum
 *   of the downloads alone), the API calls it made per site, and its peak RSS with 200 and with 2,000 sites (flat);
 * - a rerun with nothing new: its time and the archive bytes it downloaded (zero);
 * - 5% of the sites failing (API 5xx, cut connections, corrupt archives): every other site complete, the failures
 *   reported with their codes, and a rerun completing them;
 * - two shards on one machine: their union is the single run's sites, none twice.
 * Sizes: BENCH_MIRROR_SITES (2000), BENCH_MIRROR_LARGE_SITES (100) × BENCH_MIRROR_LARGE_KIB (2048 KiB per archive).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MirrorReport } from '../../shared/models';
import { PantheonClient } from '../../electron/services/pantheon/client';
import {
  ADMIN_HEADERS,
  CLI,
  measure,
  printAndSave,
  q,
  row,
  rows,
  sandbox,
  type Measured,
  type Sbx,
} from './lib';

const SITES = Number(process.env.BENCH_MIRROR_SITES ?? 2000);
const LARGE_SITES = Number(process.env.BENCH_MIRROR_LARGE_SITES ?? 100);
const LARGE_KIB = Number(process.env.BENCH_MIRROR_LARGE_KIB ?? 2048);
const CONCURRENCY = 8;
/** Bytes per second per download in the larger run's comparison over a slower link. */
const THROTTLE = Number(process.env.BENCH_MIRROR_THROTTLE ?? 8_000_000);
const EMAIL = 'agency@example.com';
const exec = promisify(execFile);

interface Archive {
  readonly site: string;
  readonly siteId: string;
  readonly url: string;
  readonly size: number;
}

/** Every archive of the newest finished live backup of every unfrozen site, with a fresh signed URL (for curl). */
async function archivesOf(s: Sbx): Promise<{ archives: Archive[]; frozen: number; sites: number }> {
  const client = new PantheonClient({ apiUrl: s.api, machineToken: async () => s.token, userAgent: 'bench' });
  const { sites } = await client.listSites();
  const live = sites.filter((x) => !x.frozen);
  const archives: Archive[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < live.length) {
      const site = live[next++]!;
      const set = (await client.listBackupSets(site, 'live')).find((b) => b.finished);
      for (const a of Object.values(set?.archives ?? {}))
        archives.push({
          site: site.name,
          siteId: site.id,
          url: await client.archiveUrl(site, 'live', a.folder, a.element),
          size: a.size,
        });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { archives, frozen: sites.length - live.length, sites: sites.length };
}

/** curl fetching every archive, CONCURRENCY at a time (xargs -P): the downloads alone. */
async function curlAll(archives: readonly Archive[]): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-curl-'));
  try {
    const list = join(dir, 'urls');
    await writeFile(list, archives.map((a, i) => `${i} ${a.url}`).join('\n') + '\n');
    const m = await measure(
      `xargs -P ${CONCURRENCY} -L 1 sh -c 'curl -sf -o ${q(dir)}/"$0" "$1"' < ${q(list)}`,
    );
    // A refused URL (expired) would make curl look fast: every byte must have arrived.
    const got = Number((await exec('du', ['-sb', '--exclude=urls', dir])).stdout.split('\t')[0]);
    const want = archives.reduce((n, a) => n + a.size, 0);
    if (got < want) throw new Error(`curl fetched ${got} of ${want} bytes: a signed URL was refused.`);
    return m;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `lifeboat mirror ARGS --json` measured; its report and exit code (1 when a site failed, by design). */
async function mirror(
  s: Sbx,
  args: string,
): Promise<Measured & { report: MirrorReport; code: number; retainedMiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-m-'));
  try {
    const out = join(dir, 'report.json');
    const code = join(dir, 'code');
    const m = await measure(
      // --trace-gc: the heap each full collection leaves (what the run holds on to), beside the JSON line.
      `node --trace-gc ${q(CLI)} --api-url ${s.api} --machine-token ${s.token} mirror ${args} ` +
        `--concurrency ${CONCURRENCY} --json > ${q(out)} 2>/dev/null; echo $? > ${q(code)}`,
    );
    const lines = (await readFile(out, 'utf8')).split('\n');
    const retained = lines
      .filter((l) => l.includes('Mark-Compact'))
      .map((l) => Number(/-> ([\d.]+) \(/.exec(l)?.[1] ?? 0));
    return {
      ...m,
      report: JSON.parse(lines.find((l) => l.startsWith('{'))!) as MirrorReport,
      code: Number((await readFile(code, 'utf8')).trim()),
      retainedMiB: Math.max(0, ...retained),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The sandbox's request log so far (append-only: a phase is the slice between two lengths). */
async function requests(s: Sbx): Promise<{ method: string; path: string; bytesSent?: number }[]> {
  return (await (await fetch(`${s.url}/__sandbox/requests`, { headers: ADMIN_HEADERS })).json()) as {
    method: string;
    path: string;
    bytesSent?: number;
  }[];
}

async function setFaults(s: Sbx, faults: object): Promise<void> {
  await fetch(`${s.url}/__sandbox/faults`, {
    headers: ADMIN_HEADERS,
    method: 'POST',
    body: JSON.stringify(faults),
  });
}

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const results: Record<string, unknown> = {};

/** A whole mirror of a seed against curl; returns its peak RSS and the most heap a full collection left. */
async function wholeMirror(
  seed: string,
  label: string,
  withRest: boolean,
): Promise<{ peakMiB: number; retainedMiB: number }> {
  const s = await sandbox(seed, EMAIL);
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-bench-mirror-'));
  try {
    const { archives, frozen, sites } = await archivesOf(s);
    const bytes = archives.reduce((n, a) => n + a.size, 0);
    process.stderr.write(
      `${label}: ${sites} sites (${frozen} frozen), ${archives.length} archives, ${mib(bytes)}\n`,
    );
    await curlAll(archives); // warms the sandbox's archive cache, so neither side pays for building them
    const curl = await curlAll(archives);
    const before = (await requests(s)).length;
    const first = await mirror(s, `--to ${q(root)} --all`);
    const log = (await requests(s)).slice(before);
    const api = log.filter((r) => r.path.startsWith('/api/'));
    const perSite = new Map<string, number>();
    for (const r of api) {
      const id = /\/sites\/([0-9a-f-]{36})\//.exec(r.path)?.[1];
      if (id) perSite.set(id, (perSite.get(id) ?? 0) + 1);
    }
    const maxPerSite = Math.max(...perSite.values());
    const t = first.report.totals;
    results[label] = {
      sites,
      frozen,
      archives: archives.length,
      bytes,
      curl,
      first: { ...first, report: t },
    };
    row(
      `${label}: mirror all (${sites} sites, ${mib(bytes)}), vs curl of the same archives`,
      first.seconds,
      curl.seconds,
      'curl -P8',
      null,
    );
    rows.push({
      what: `${label}: complete / skipped (frozen) / failed; API calls per site (mean, max)`,
      lifeboat: `${t.downloaded} / ${t.skipped} / ${t.failed}; ${(api.length / sites).toFixed(1)}, ${maxPerSite}`,
      baseline: '',
      ratio: '—',
      target: `failed 0, skipped = frozen, max ≤ 6`,
      ok: t.failed === 0 && t.skipped === frozen && t.downloaded === sites - frozen && maxPerSite <= 6,
    });
    const memory = { peakMiB: first.peakMiB, retainedMiB: first.retainedMiB };
    if (label.startsWith('larger')) {
      // On loopback the sandbox serving the bytes shares the two cores, and Node's receive path costs several
      // times curl's CPU per byte (see the pull bench): over a link that is the bottleneck, the work hides.
      await setFaults(s, { store: { throttleBytesPerSecond: THROTTLE } });
      try {
        const slowCurl = await curlAll(archives);
        const slowRoot = await mkdtemp(join(tmpdir(), 'lifeboat-bench-mirror-t-'));
        try {
          const slow = await mirror(s, `--to ${q(slowRoot)} --all`);
          row(
            `${label}: the same at ${THROTTLE / 1e6} MB/s per download`,
            slow.seconds,
            slowCurl.seconds,
            'curl -P8',
            1.1,
          );
        } finally {
          await rm(slowRoot, { recursive: true, force: true });
        }
      } finally {
        await setFaults(s, {});
      }
    }
    if (!withRest) return memory;

    // A rerun with nothing new.
    const b2 = (await requests(s)).length;
    const again = await mirror(s, `--to ${q(root)} --all`);
    const storeBytes = (await requests(s))
      .slice(b2)
      .filter((r) => r.path.startsWith('/store/'))
      .reduce((n, r) => n + (r.bytesSent ?? 0), 0);
    row(
      `${label}: rerun with nothing new, vs the first run`,
      again.seconds,
      first.seconds,
      'first run',
      null,
    );
    rows.push({
      what: `${label}: rerun: archive bytes downloaded (report / as the store saw them), sites up to date`,
      lifeboat: `${again.report.totals.bytes} / ${storeBytes}, ${again.report.totals.upToDate}`,
      baseline: '',
      ratio: '—',
      target: '0 / 0, all',
      ok:
        again.report.totals.bytes === 0 &&
        storeBytes === 0 &&
        again.report.totals.upToDate === sites - frozen,
    });

    // 5% of the sites failing: a third through API 5xx, a third through cut connections, a third corrupt.
    const liveSites = [...new Set(archives.map((a) => `${a.site} ${a.siteId}`))].map((x) => x.split(' '));
    const failing = liveSites.filter((_, i) => i % 20 === 7);
    const third = (k: number): string[][] => failing.filter((_, i) => i % 3 === k);
    const [api5xx, cut, corrupt] = [third(0), third(1), third(2)];
    const faultRoot = await mkdtemp(join(tmpdir(), 'lifeboat-bench-mirror-f-'));
    try {
      await setFaults(s, {
        api: {
          script: [
            ...api5xx.map(([, id]) => ({ path: `sites/${id}/`, status: 502, times: 1000 })),
            ...cut.map(([, id]) => ({ path: `sites/${id}/`, status: 0, hangUp: true, times: 1000 })),
          ],
        },
        store: { match: corrupt.map(([name]) => `${name}_live_`), corrupt: true },
      });
      const faulty = await mirror(s, `--to ${q(faultRoot)} --all`);
      await setFaults(s, {});
      const codes = new Map<string, number>();
      for (const r of faulty.report.sites)
        if (r.status === 'failed')
          codes.set(r.error?.code ?? '?', (codes.get(r.error?.code ?? '?') ?? 0) + 1);
      const failedNames = new Set(
        faulty.report.sites.filter((r) => r.status === 'failed').map((r) => r.site),
      );
      const expected = new Set(failing.map(([name]) => name!));
      const rerun = await mirror(s, `--to ${q(faultRoot)} --all`);
      const tf = faulty.report.totals;
      rows.push({
        what: `${label}: ${failing.length} sites failing (5%): complete / failed (codes), exit; rerun: downloaded / failed`,
        lifeboat:
          `${tf.downloaded} / ${tf.failed} (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), exit ${faulty.code}; ` +
          `${rerun.report.totals.downloaded} / ${rerun.report.totals.failed}`,
        baseline: '',
        ratio: '—',
        target: 'others all complete, the failing ones exactly, exit ≠ 0; rerun completes them',
        ok:
          tf.downloaded === sites - frozen - failing.length &&
          failedNames.size === expected.size &&
          [...expected].every((n) => failedNames.has(n)) &&
          faulty.code !== 0 &&
          rerun.report.totals.downloaded === failing.length &&
          rerun.report.totals.failed === 0,
      });
      row(
        `${label}: the run with 5% failing, vs the clean first run`,
        faulty.seconds,
        first.seconds,
        'first run',
        null,
      );
    } finally {
      await setFaults(s, {});
      await rm(faultRoot, { recursive: true, force: true });
    }

    // Two shards on one machine, at once, into one folder.
    const shardRoot = await mkdtemp(join(tmpdir(), 'lifeboat-bench-mirror-s-'));
    try {
      const started = performance.now();
      const [a, b] = await Promise.all([
        mirror(s, `--to ${q(shardRoot)} --all --shard 1/2`),
        mirror(s, `--to ${q(shardRoot)} --all --shard 2/2`),
      ]);
      const both = (performance.now() - started) / 1000;
      const names = (r: MirrorReport): string[] => r.sites.map((x) => x.site);
      const union = [...names(a.report), ...names(b.report)];
      const single = new Set(names(first.report));
      rows.push({
        what: `${label}: two shards at once: sites in 1/2 + 2/2, twice, missing vs the single run`,
        lifeboat: `${a.report.sites.length} + ${b.report.sites.length}, ${union.length - new Set(union).size}, ${[...single].filter((n) => !union.includes(n)).length}`,
        baseline: `single ${single.size}`,
        ratio: '—',
        target: 'sum = single, 0, 0',
        ok:
          union.length === single.size &&
          new Set(union).size === union.length &&
          union.every((n) => single.has(n)),
      });
      row(`${label}: two shards at once, vs the single run`, both, first.seconds, 'single run', null);
    } finally {
      await rm(shardRoot, { recursive: true, force: true });
    }
    return memory;
  } finally {
    await rm(root, { recursive: true, force: true });
    await s.stop();
  }
}

async function main(): Promise<void> {
  await exec('sh', ['-c', 'command -v curl xargs']);
  const small = await wholeMirror(
    `big:${Math.max(1, Math.round(SITES / 10))}`,
    `${Math.round(SITES / 10)} sites`,
    false,
  );
  const big = await wholeMirror(SITES === 2000 ? 'big' : `big:${SITES}`, `${SITES} sites`, true);
  rows.push({
    what: `peak RSS of the mirroring process (${Math.round(SITES / 10)} / ${SITES} sites)`,
    lifeboat: `${small.peakMiB.toFixed(0)} MiB / ${big.peakMiB.toFixed(0)} MiB`,
    baseline: '',
    ratio: (big.peakMiB / small.peakMiB).toFixed(2),
    target: '< 250 MiB',
    ok: small.peakMiB < 250 && big.peakMiB < 250,
  });
  // What grows with the number of sites is what the run keeps: the heap a full collection leaves. (Peak RSS also
  // carries the heap's slack and the allocator's arenas, which grow with the length of a run, not with its sites.)
  rows.push({
    what: `heap kept after a full GC, most in the run (${Math.round(SITES / 10)} / ${SITES} sites)`,
    lifeboat: `${small.retainedMiB.toFixed(1)} MiB / ${big.retainedMiB.toFixed(1)} MiB`,
    baseline: '',
    ratio: (big.retainedMiB / small.retainedMiB).toFixed(2),
    target: 'flat (within 25 %)',
    ok: Math.abs(big.retainedMiB / small.retainedMiB - 1) <= 0.25,
  });
  if (LARGE_SITES > 0 && LARGE_KIB > 0) {
    const large = await wholeMirror(
      `big:${LARGE_SITES}:${LARGE_KIB}`,
      `larger archives (${LARGE_KIB} KiB each)`,
      false,
    );
    rows.push({
      what: `peak RSS with ${LARGE_KIB} KiB archives`,
      lifeboat: `${large.peakMiB.toFixed(0)} MiB`,
      baseline: '',
      ratio: '—',
      target: '< 250 MiB',
      ok: large.peakMiB < 250,
    });
  }
  await printAndSave('mirror', results);
}

await main();
