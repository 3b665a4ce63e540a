// The engine process's priority rule (host/thread-priority.ts), on Linux, which keeps a nice value per thread:
// the main thread, which answers the UI, keeps the process's priority, and every other thread Node starts (the
// pool that inflates and writes, V8's helpers, worker threads that extract) runs lower, so a busy core goes to the
// answer first. Read from /proc as the kernel applies it, in real processes.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { forkEngine } from '../../../electron/host/engine-channel';
import { startEngineClient, type EngineClient } from '../../../electron/host/engine-client';
import { BULK_NICE_STEP } from '../../../electron/host/thread-priority';
import { until } from '../../helpers/until';
import { describeUnless, noProc } from '../../helpers/platform';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ENTRY = join(ROOT, 'electron', 'host', 'engine-process.ts');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'bulk-threads.ts');

interface Thread {
  readonly tid: string;
  readonly name: string;
  readonly nice: number;
}

/** A process's threads as the kernel shows them: id, name and nice value. */
async function threadsOf(pid: number): Promise<Thread[]> {
  const out: Thread[] = [];
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = (await readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8')).trimEnd();
      out.push({ tid, name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

const lowered = (base: number): number => Math.min(19, base + BULK_NICE_STEP);

let dir: string;
const clients: EngineClient[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-engine-priority-'));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await rm(dir, { recursive: true, force: true });
});

describeUnless(noProc && "thread priorities are read from Linux's /proc")(
  'the engine process’s thread priorities',
  () => {
    it('keeps the main thread’s priority and lowers every other thread Node started', async () => {
      const client = startEngineClient({
        dataDir: join(dir, 'data'),
        start: (args) => forkEngine(ENTRY, args, { execArgv: ['--import', 'tsx'] }),
        emit: () => undefined,
        log: () => undefined,
      });
      clients.push(client);
      // Answered: the engine is up, its pool and V8's helpers are running.
      expect(await client.api.system.info()).toMatchObject({ ok: true });
      const pid = client.pid()!;
      const threads = await until(
        'the engine to lower its threads',
        async () => {
          const all = await threadsOf(pid);
          const main = all.find((t) => t.tid === String(pid))!;
          const others = all.filter((t) => t.tid !== main.tid && t.name === main.name);
          return others.length > 0 && others.every((t) => t.nice === lowered(main.nice)) ? all : null;
        },
        20_000,
      );
      const main = threads.find((t) => t.tid === String(pid))!;
      // The one that answers the UI keeps the priority the engine was started with (this process's).
      expect(main.nice).toBe((await threadsOf(process.pid)).find((t) => t.tid === String(process.pid))!.nice);
      // The pool (4 threads) and V8's helpers at least.
      expect(
        threads.filter((t) => t.name === main.name && t.nice === lowered(main.nice)).length,
      ).toBeGreaterThan(4);
    });

    it('lowers a worker thread as it starts, and leaves threads of other names (Electron’s, libraries’) alone', async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', FIXTURE], {
        cwd: ROOT,
      });
      const seen = JSON.parse(stdout.trim().split('\n').pop()!) as {
        main: string;
        foreign: string;
        started: string[];
        threads: Thread[];
      };
      const byTid = new Map(seen.threads.map((t) => [t.tid, t]));
      const main = byTid.get(seen.main)!;
      expect(seen.started).toHaveLength(1);
      expect(byTid.get(seen.started[0]!)).toMatchObject({ nice: lowered(main.nice) });
      expect(byTid.get(seen.foreign)).toMatchObject({ name: 'other-library', nice: main.nice });
      // Everything else Node runs is lowered.
      for (const t of seen.threads)
        if (t.tid !== seen.main && t.tid !== seen.foreign)
          expect(t).toMatchObject({ nice: lowered(main.nice) });
    });
  },
);
