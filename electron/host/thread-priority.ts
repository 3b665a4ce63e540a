import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

/**
 * How much lower than the main thread the engine's other threads run: nice +10 weighs about a tenth of nice 0,
 * so a core both want goes to the main thread about ten times in eleven, and to them whenever it has nothing to do.
 */
export const BULK_NICE_STEP = 10;

/** The names newer Node and libuv give their threads: the pool, V8's helpers, worker threads (by default). */
const NODE_THREADS = new Set(['libuv-worker', 'V8Worker', 'WorkerThread']);

/**
 * The engine process's one priority rule (Linux): its main thread answers the UI's calls and moves the downloads,
 * every other thread Node starts is bulk work (libuv's pool inflating and writing, extraction threads unpacking,
 * V8's helpers) and runs {@link BULK_NICE_STEP} lower. With three pulls on two busy cores the main thread was
 * ready but waiting for a core 43% of the time, taking turns with these threads (31% with this rule), and a UI
 * call's round trip p99 was 30-40 ms (15-23 ms with it; test/bench/event-loop.ts). Nice only orders who gets a
 * busy core: an idle core still runs the bulk work at full speed.
 *
 * Linux keeps a nice value per thread (setpriority on a thread id; a new thread inherits its creator's). Threads
 * are matched by name: those Node starts carry the main thread's name, or, in newer versions, one of
 * {@link NODE_THREADS}; Electron's own (Chromium's IO thread, which carries the shell's messages, and its pools)
 * and libraries' (GLib's, for the keychain) have names of their own and keep their priority. Elsewhere, or where
 * it is not allowed, nothing changes.
 *
 * Resolves once the threads running now are lowered; worker threads started later are lowered as they start.
 */
export async function lowerBulkThreads(): Promise<void> {
  if (process.platform !== 'linux') return;
  let self: string;
  try {
    // "<pid>/task/<tid>": this thread, which need not be the process's first one (Electron's utility process).
    self = readlinkSync('/proc/thread-self').split('/').pop()!;
  } catch {
    return;
  }
  const name = nameOf(self);
  if (name === null) return;
  const nice = Math.min(19, getPriority(0) + BULK_NICE_STEP);
  const sweep = (): void => {
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    // Every time, not once per id: a thread id is reused once its thread ended.
    for (const tid of tids) {
      if (tid === self) continue;
      const other = nameOf(tid);
      if (other === null || (other !== name && !NODE_THREADS.has(other))) continue;
      try {
        setPriority(Number(tid), nice);
      } catch {
        // The thread ended meanwhile, or the system does not allow it: it keeps its priority.
      }
    }
  };
  // libuv starts its pool at the first call that needs it: make sure its threads are there to be found.
  await stat(process.execPath).catch(() => undefined);
  sweep();
  process.on('worker', sweep);
}

/** A thread's name (what `ps -L` shows), or null when it is gone. */
function nameOf(tid: string): string | null {
  try {
    return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trimEnd();
  } catch {
    return null;
  }
}
