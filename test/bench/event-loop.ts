/**
 * Issue 9 §1: the event-loop delay of the process that answers the UI while three pulls of `MB` MiB archives run
 * through the AppApi: once with the engine in that process (composeApp, as the app ran before) and once with the
 * engine in its own process (engine-client.ts, as the app and the browser host run it now). Target: p99 under
 * 20 ms with the engine in its own process. Besides, for why a UI call's answer is late: the round trip of a
 * call, the engine process's own event-loop delay, and how long the engine's main thread ran and waited for a
 * core (Linux). BENCH_CALL_EVERY_MS sets how often the call is made (100 by default; 20 gives a steadier p99),
 * BENCH_ENGINE_PROF=DIR has the engine process write CPU profiles (`--cpu-prof`) into DIR.
 *
 * Adding an account needs the keychain (a real Secret Service). Alone, this file starts a throwaway one when there
 * is no D-Bus session:
 *
 *   BENCH_MB=128 BENCH_RUNS=1 npx tsx test/bench/event-loop.ts
 *
 * From pull.bench.ts: `await eventLoopBench(s)` with the `bench:<MB>` sandbox; it adds its rows to `rows`.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { AppApi } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';
import type { Job } from '@shared/models';
import { composeApp } from '../../electron/host/compose';
import { forkEngine } from '../../electron/host/engine-channel';
import { startEngineClient } from '../../electron/host/engine-client';
import { keychainUnavailable } from '../helpers/keychain';
import { MB, rerunInThrowawayKeyring, ROOT, rows, sandbox, signedUrl, type Sbx } from './lib';

const ENGINE_ENTRY = join(ROOT, 'electron', 'host', 'engine-process.ts');
/** The target for the UI process's event-loop delay at the 99th percentile. */
const TARGET_P99_MS = 20;
/** How finely the delay is sampled (the issue asks for 1 to 5 ms). */
const RESOLUTION_MS = 2;
/**
 * How often a UI call is made while the pulls run (as a page polling its job list would). BENCH_CALL_EVERY_MS
 * changes it: more calls give a steadier p99 when comparing changes (a 256 MiB run makes only ~40 at 100 ms).
 */
const CALL_EVERY_MS = Number(process.env.BENCH_CALL_EVERY_MS ?? 100);

/** The time a thread ran and the time it was ready to run but waited for a core, in ms. */
interface CoreTime {
  readonly ran: number;
  readonly waited: number;
}

/** What one run saw. */
interface LoopDelay {
  readonly p99: number;
  readonly max: number;
  readonly seconds: number;
  /** Round trips of `settings.get` made meanwhile: how long the UI waited for an answer. */
  readonly callP99: number;
  readonly callMedian: number;
  /** Events the shell received from the engine meanwhile. */
  readonly events: number;
  /** The engine's main thread meanwhile (Linux; in its own process or this one's). */
  readonly mainThread?: CoreTime;
  /** The engine process's own event-loop delay meanwhile (engine in its own process only). */
  readonly engine?: { readonly p99: number; readonly max: number };
}

/** This thread's run and wait times so far (Linux's schedstat, in ns), or undefined elsewhere. */
function coreTime(): CoreTime | undefined {
  try {
    const [ran, waited] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { ran: ran! / 1e6, waited: waited! / 1e6 };
  } catch {
    return undefined;
  }
}

const coreTimeSince = (from: CoreTime | undefined): CoreTime | undefined => {
  const now = coreTime();
  return from && now ? { ran: now.ran - from.ran, waited: now.waited - from.waited } : undefined;
};

/**
 * Loaded into the engine process (`--import`): from the first SIGUSR2 (the pulls start) to the second (they
 * ended), its own event-loop delay and its main thread's run and wait times, written as JSON to the file named by
 * LIFEBOAT_BENCH_LOOP_OUT. A signal, not a message: the engine's channel and its protocol stay as the app has them.
 */
const ENGINE_MONITOR = `
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
const h = monitorEventLoopDelay({ resolution: ${RESOLUTION_MS} });
const coreTime = () => {
  try {
    const [ran, waited] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { ran: ran / 1e6, waited: waited / 1e6 };
  } catch {
    return undefined;
  }
};
let from = null;
process.on('SIGUSR2', () => {
  if (!from) {
    from = coreTime() ?? {};
    h.reset();
    h.enable();
    return;
  }
  h.disable();
  const now = coreTime();
  const mainThread = now && from.ran !== undefined ? { ran: now.ran - from.ran, waited: now.waited - from.waited } : undefined;
  writeFileSync(
    process.env.LIFEBOAT_BENCH_LOOP_OUT,
    JSON.stringify({ p99: h.percentile(99) / 1e6, max: h.max / 1e6, mainThread }),
  );
});
`;

/**
 * BENCH_ENGINE_PROF=DIR: the engine process writes a CPU profile (`--cpu-prof`) of each run into DIR, to see
 * what its event loop spends the pulls on.
 */
const PROFILE_DIR = process.env.BENCH_ENGINE_PROF;

/** The AppApi either way, its events, and how to end it. */
interface Shell {
  readonly api: AppApi;
  stop(): Promise<void>;
}

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/**
 * Three restores of the MiB-size files archive at once (download and extraction, the heaviest work per byte),
 * each into its own folder, measured from the first call until the last job ends.
 */
async function threePulls(s: Sbx, engineInOwnProcess: boolean): Promise<LoopDelay> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-loop-'));
  const finished = new Map<string, Job>();
  let wake: (() => void) | null = null;
  let events = 0;
  // The events are serialised as the browser host does for its sockets: that work stays in this process.
  const emit = <K extends AppEventName>(name: K, payload: AppEvents[K]): void => {
    events++;
    JSON.stringify({ event: name, payload });
    if (name === 'jobs.updated') {
      const { job } = payload as AppEvents['jobs.updated'];
      if (job.state !== 'running' && job.state !== 'queued') {
        finished.set(job.id, job);
        wake?.();
      }
    }
  };
  const dataDir = join(dir, 'data');
  const monitor = join(dir, 'engine-monitor.mjs');
  const loopOut = join(dir, 'engine-loop.json');
  let shell: Shell;
  let signalEngine = (): void => undefined;
  if (engineInOwnProcess) {
    await writeFile(monitor, ENGINE_MONITOR);
    const execArgv = [
      '--import',
      'tsx',
      '--import',
      pathToFileURL(monitor).href,
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
    ];
    const client = startEngineClient({
      dataDir,
      start: (args) =>
        forkEngine(ENGINE_ENTRY, args, {
          execArgv,
          env: { ...process.env, LIFEBOAT_BENCH_LOOP_OUT: loopOut },
        }),
      emit,
    });
    signalEngine = () => {
      const pid = client.pid();
      if (pid !== undefined) process.kill(pid, 'SIGUSR2');
    };
    shell = { api: client.api, stop: () => client.stop() };
  } else {
    const app = composeApp({ dataDir, emit });
    shell = { api: app.api, stop: () => app.stop() };
  }
  const { api } = shell;
  let accountId: string | null = null;
  try {
    const added = await api.accounts.add({ machineToken: s.token, apiUrl: s.api });
    if (!added.ok) throw new Error(`Could not add the bench account: ${added.error.message}`);
    accountId = added.value.id;
    // Warm: the site list and the backup catalog are read before anything is timed.
    await api.sites.list();
    await api.backups.list({ accountId, site: 'bench-files', env: 'live' });

    const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    const calls: number[] = [];
    let calling = true;
    const caller = (async () => {
      while (calling) {
        const t = performance.now();
        await api.settings.get();
        calls.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, CALL_EVERY_MS));
      }
    })();
    const started = performance.now();
    const eventsBefore = events;
    const here = coreTime();
    h.enable();
    signalEngine();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const target = join(dir, `pull-${i}`);
      await mkdir(target);
      const job = await api.restores.start({
        accountId,
        site: 'bench-files',
        env: 'live',
        backup: 'latest',
        elements: ['files'],
        targetDir: target,
      });
      if (!job.ok) throw new Error(`Could not start a pull: ${job.error.message}`);
      ids.push(job.value.id);
    }
    while (!ids.every((id) => finished.has(id)))
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    h.disable();
    signalEngine();
    const hereSince = coreTimeSince(here);
    const eventCount = events - eventsBefore;
    const seconds = (performance.now() - started) / 1000;
    calling = false;
    await caller;
    let engine: (LoopDelay['engine'] & { readonly mainThread?: CoreTime }) | undefined;
    if (engineInOwnProcess) {
      // The engine writes it on the signal; give it a moment if it is busy.
      for (let i = 0; i < 50 && !engine; i++) {
        engine = await readFile(loopOut, 'utf8').then(
          (t) => JSON.parse(t) as NonNullable<typeof engine>,
          () => undefined,
        );
        if (!engine) await new Promise((r) => setTimeout(r, 20));
      }
    }
    const mainThread = engineInOwnProcess ? engine?.mainThread : hereSince;
    const failed = ids.map((id) => finished.get(id)!).filter((j) => j.state !== 'succeeded');
    if (failed.length > 0)
      throw new Error(`A pull did not succeed: ${failed.map((j) => j.error?.message ?? j.state).join('; ')}`);
    return {
      p99: h.percentile(99) / 1e6,
      max: h.max / 1e6,
      seconds,
      callP99: percentile(calls, 99),
      callMedian: percentile(calls, 50),
      events: eventCount,
      ...(mainThread ? { mainThread } : {}),
      ...(engine ? { engine: { p99: engine.p99, max: engine.max } } : {}),
    };
  } finally {
    if (accountId) await api.accounts.remove({ accountId });
    await shell.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Issue 9 §1: adds the event-loop rows (engine in the UI's process, and in its own) to `rows`. */
export async function eventLoopBench(s: Sbx): Promise<void> {
  const what = `UI process event-loop delay p99, 3 pulls of ${MB} MiB`;
  const why = await keychainUnavailable();
  if (why) {
    rows.push({
      what,
      lifeboat: 'skipped',
      baseline: `needs the keychain: ${why}`,
      ratio: '-',
      target: `< ${TARGET_P99_MS} ms`,
      ok: false,
    });
    return;
  }
  const before = await threePulls(s, false);
  const after = await threePulls(s, true);
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  rows.push({
    what: `${what} (engine in its own process)`,
    lifeboat: `${ms(after.p99)} (max ${ms(after.max)}, ${after.seconds.toFixed(2)} s)`,
    baseline: `engine in the UI's process ${ms(before.p99)} (max ${ms(before.max)}, ${before.seconds.toFixed(2)} s)`,
    ratio: after.p99.toFixed(1),
    target: `< ${TARGET_P99_MS} ms`,
    ok: after.p99 < TARGET_P99_MS,
  });
  if (after.engine)
    rows.push({
      what: `Engine process event-loop delay p99 during those pulls`,
      lifeboat: `${ms(after.engine.p99)} (max ${ms(after.engine.max)})`,
      baseline: `engine in the UI's process ${ms(before.p99)}`,
      ratio: (after.engine.p99 / before.p99).toFixed(2),
      target: 'reference',
      ok: true,
    });
  rows.push({
    what: `UI call round trip p99 during those pulls (settings.get every ${CALL_EVERY_MS} ms)`,
    lifeboat: `${ms(after.callP99)} (median ${ms(after.callMedian)})`,
    baseline: `engine in the UI's process ${ms(before.callP99)} (median ${ms(before.callMedian)})`,
    ratio: (after.callP99 / before.callP99).toFixed(2),
    target: 'reference',
    ok: true,
  });
  // Why an answer is late: a main thread that is ready but waits for a core cannot read the call.
  const core = (r: LoopDelay): string =>
    r.mainThread
      ? `ran ${(r.mainThread.ran / 1000).toFixed(2)} s, waited for a core ${(r.mainThread.waited / 1000).toFixed(2)} s`
      : 'not measured here';
  const waitShare = (r: LoopDelay): number =>
    r.mainThread ? r.mainThread.waited / (r.mainThread.ran + r.mainThread.waited) : NaN;
  rows.push({
    what: 'Engine main thread during those pulls (the one that answers calls)',
    lifeboat: `${core(after)}; ${after.events} events sent to the UI`,
    baseline: `engine in the UI's process ${core(before)}; ${before.events} events`,
    ratio: `${(100 * waitShare(after)).toFixed(0)}% vs ${(100 * waitShare(before)).toFixed(0)}% waiting`,
    target: 'reference',
    ok: true,
  });
}

/** Alone: the bench sandbox, this section, its rows, in a throwaway Secret Service. */
async function main(): Promise<void> {
  rerunInThrowawayKeyring();
  process.stdout.write(`Event-loop delay of the UI's process, 3 pulls of ${MB} MiB archives.\n`);
  const s = await sandbox(`bench:${MB}`);
  try {
    // Build (or load) the archive before anything is timed.
    await signedUrl(s, 'bench-files', 'files');
    await eventLoopBench(s);
  } finally {
    await s.stop();
  }
  console.table(rows);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
