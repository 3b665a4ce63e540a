/**
 * What every section of `npm run bench` shares: the sandbox in its own process, signed URLs for curl, wall time
 * and peak RSS of shell commands, interleaved medians, and the one results table each section adds rows to.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'out', 'main', 'cli.js');
export const MB = Number(process.env.BENCH_MB ?? 1024);
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const LARGE_MB = Number(process.env.BENCH_LARGE_MB ?? 4096);

/**
 * Every Lifeboat the bench starts keeps its job journal in a folder of this run, not in the user's own data folder:
 * a run adds dozens of jobs there, and a long history is read by every command (it made each pull ~0.13 s slower).
 */
if (!process.env.LIFEBOAT_DATA_DIR) {
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-bench-data-'));
  process.env.LIFEBOAT_DATA_DIR = dataDir;
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}

/** The sandbox's admin token for this run (its admin API refuses requests without it). */
const ADMIN = randomBytes(24).toString('base64url');
export const ADMIN_HEADERS = { 'x-sandbox-admin': ADMIN };

export interface Sbx {
  url: string;
  api: string;
  token: string;
  /** The sandbox's process, to read its CPU time. */
  pid?: number;
  stop(): Promise<void>;
}

/** The sandbox in its own process, so it never shares an event loop with what is measured. */
export async function sandbox(seed: string, email = 'bench@example.com'): Promise<Sbx> {
  const account = new RegExp(`${email.replace(/[.@]/g, '\\$&')}\\s+(\\S+)`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'electron/sandbox/cli.ts'), '--seed', seed, '--port', '0'],
    // The admin token by environment, never in argv.
    { cwd: ROOT, env: { ...process.env, LIFEBOAT_SANDBOX_ADMIN_TOKEN: ADMIN } },
  );
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (account.test(text)) resolve(text);
    });
    child.once('exit', (c) => reject(new Error(`sandbox exited ${c}: ${text}`)));
  });
  const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
  return {
    url,
    api: `${url}/api/`,
    token: account.exec(out)![1]!,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Sets the sandbox's faults over its admin API (an empty object clears them). */
export async function setFaults(s: Sbx, faults: object): Promise<void> {
  await fetch(`${s.url}/__sandbox/faults`, {
    headers: ADMIN_HEADERS,
    method: 'POST',
    body: JSON.stringify(faults),
  });
}

/** A fresh signed URL and size for one archive, straight from the API (what curl is given). */
export async function signedUrl(
  s: Sbx,
  site: string,
  element: string,
): Promise<{ url: string; size: number }> {
  const post = async (path: string, body: unknown, session?: string) =>
    (
      await fetch(`${s.api}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(session ? { authorization: `Bearer ${session}` } : {}),
        },
        body: JSON.stringify(body),
      })
    ).json() as Promise<Record<string, unknown>>;
  const { session } = (await post('authorize/machine-token', {
    machine_token: s.token,
    client: 'terminus',
  })) as { session: string };
  const get = async (path: string) =>
    (await fetch(`${s.api}${path}`, { headers: { authorization: `Bearer ${session}` } })).json() as Promise<
      Record<string, unknown>
    >;
  const { id } = (await get(`site-names/${site}`)) as { id: string };
  const catalog = (await get(`sites/${id}/environments/live/backups/catalog`)) as Record<
    string,
    { folder: string; size: number; filename?: string }
  >;
  const entry = Object.entries(catalog).find(([k, v]) => k.endsWith(`_${element}`) && v.filename)![1];
  const { url } = (await post(
    `sites/${id}/environments/live/backups/catalog/${entry.folder}/${element}/s3token`,
    { method: 'get' },
    session,
  )) as { url: string };
  return { url, size: entry.size };
}

/** What one measured command took: wall time, peak RSS, and CPU time (user + system, all its processes). */
export interface Measured {
  seconds: number;
  peakMiB: number;
  cpu: number;
}

/** Wall time, peak RSS and CPU time of a shell command, via GNU time. */
export async function measure(cmd: string): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-t-'));
  const out = join(dir, 'time');
  const started = performance.now();
  await run('/usr/bin/time', ['-f', '%M %U %S', '-o', out, 'sh', '-c', cmd], { maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  const [kb, user, sys] = (await readFile(out, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
  await rm(dir, { recursive: true, force: true });
  return { seconds, peakMiB: kb! / 1024, cpu: user! + sys! };
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where there is no /proc. */
export function cpuOf(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs each named command RUNS times, interleaved so machine noise hits them alike; returns medians. */
export async function compare(
  cases: Record<string, (dir: string) => Promise<string> | string>,
  /** The sandbox serving the bytes: its CPU time during each command is reported as `serverCpu`. */
  server?: Sbx,
): Promise<Record<string, Measured & { serverCpu: number }>> {
  const runs: Record<string, (Measured & { serverCpu: number })[]> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [name, make] of Object.entries(cases)) {
      const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-'));
      try {
        const cmd = await make(dir);
        const before = cpuOf(server?.pid);
        const r = await measure(cmd);
        (runs[name] ??= []).push({ ...r, serverCpu: cpuOf(server?.pid) - before });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([k, rs]) => [
      k,
      {
        seconds: median(rs.map((r) => r.seconds)),
        peakMiB: Math.max(...rs.map((r) => r.peakMiB)),
        cpu: median(rs.map((r) => r.cpu)),
        serverCpu: median(rs.map((r) => r.serverCpu)),
      },
    ]),
  );
}

/**
 * The least wall time any tool could take for work made of these parts on this machine: no part can go faster than
 * it does alone, and all of them together cannot use more than the machine's cores (the sandbox serving the bytes
 * shares them). The bench's yardstick for "the floor of the work itself".
 */
export function floorOf(parts: readonly { seconds: number; cpu: number }[]): number {
  const cores = availableParallelism();
  return Math.max(...parts.map((p) => p.seconds), parts.reduce((n, p) => n + p.cpu, 0) / cores);
}

export const rows: {
  what: string;
  lifeboat: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: boolean;
}[] = [];
export function row(
  what: string,
  ours: number,
  theirs: number,
  baseline: string,
  /** null: printed for comparison, no target. */
  target: number | null,
  higherIsBetter = false,
): void {
  const ratio = ours / theirs;
  rows.push({
    what,
    lifeboat: `${ours.toFixed(2)} s`,
    baseline: `${baseline} ${theirs.toFixed(2)} s`,
    ratio: ratio.toFixed(2),
    target: target === null ? 'reference' : `${higherIsBetter ? '≥' : '≤'} ${target}`,
    ok: target === null || (higherIsBetter ? ratio >= target : ratio <= target),
  });
}

/**
 * Prints the results table (columns as wide as their longest cell, so every row reads across) and saves it with
 * `results` to `.cache/bench/<name>.json`.
 */
export async function printAndSave(name: string, results: Record<string, unknown>): Promise<void> {
  const head = ['measurement', 'lifeboat', 'baseline', 'ratio', 'target'];
  const cells = rows.map((r) => [r.what, r.lifeboat, r.baseline, r.ratio, r.target]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(w[i]!)).join('  ');
  process.stdout.write(`\n${line(head)}  ok\n`);
  for (const [i, r] of rows.entries()) process.stdout.write(`${line(cells[i]!)}  ${r.ok ? 'yes' : 'NO'}\n`);
  await mkdir(join(ROOT, '.cache', 'bench'), { recursive: true });
  await writeFile(
    join(ROOT, '.cache', 'bench', `${name}.json`),
    JSON.stringify({ ...results, rows }, null, 2),
  );
}

export const lb = (s: Sbx, args: string): string =>
  `node ${q(CLI)} --api-url ${s.api} --machine-token ${s.token} ${args} 2>/dev/null >/dev/null`;

const IN_KEYRING = 'LIFEBOAT_BENCH_KEYRING';

/**
 * Adding the bench account needs a keychain. Runs this script again inside `dbus-run-session` with a GNOME Keyring unlocked in a temporary HOME (a real
 * Secret Service that lives as long as the run), unless it already is there or the tools are missing.
 */
export function rerunInThrowawayKeyring(): void {
  if (process.env[IN_KEYRING] || process.platform !== 'linux') return;
  const has = (cmd: string): boolean =>
    spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) {
    process.stderr.write(
      'No dbus-run-session/gnome-keyring-daemon: using the session’s own Secret Service, if any.\n',
    );
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'lifeboat-bench-keyring-'));
  const script =
    'echo -n lifeboat | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"';
  try {
    const r = spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', script, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      { stdio: 'inherit', env: { ...process.env, HOME: home, [IN_KEYRING]: '1' } },
    );
    process.exitCode = r.status ?? 1;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  process.exit();
}

/**
 * Bundles a measured child script as the app's build does (dependencies external, chunks split, so the extraction
 * worker is a file of its own and big archives are extracted in it): measuring it under tsx would add its loader's
 * ~35 MiB and compile time. Replaces `outdir`; the entry is `<outdir>/<name>.js`.
 */
export async function bundleChild(entry: string, outdir: string): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await run('npx', [
    'esbuild',
    join(ROOT, entry),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--packages=external',
    '--splitting',
    `--outdir=${outdir}`,
    '--log-level=warning',
  ]);
}
