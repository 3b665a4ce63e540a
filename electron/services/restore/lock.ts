import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { LifeboatError } from '../errors';

/** Who holds a lock, as written into the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** What the holder is doing, for the message the second comer gets: "Restore acme-blog.live". */
  readonly what: string;
  readonly since: string;
  /**
   * Linux: the holder's boot (`/proc/sys/kernel/random/boot_id`) and its start in clock ticks since that boot, so
   * a later comer tells the holder from another process that got its pid (after a reboot) exactly, without clocks.
   */
  readonly boot?: string;
  readonly start?: number;
}

/** A held lock; `release` is idempotent. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** When a process started, as Linux's /proc tells it; null where there is no /proc (macOS, Windows) or no such pid. */
interface ProcessStart {
  readonly boot: string;
  /** Clock ticks since boot (field 22 of /proc/<pid>/stat). */
  readonly ticks: number;
  /** The same as epoch ms, by the boot time /proc/stat gives (whole seconds, by the wall clock). */
  readonly at: number;
}

/** Linux reports process times in USER_HZ, 100 on every architecture Node runs on (not the kernel's HZ). */
const USER_HZ = 100;

async function processStart(pid: number): Promise<ProcessStart | null> {
  try {
    const [stat, sys, boot] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile('/proc/stat', 'utf8'),
      readFile('/proc/sys/kernel/random/boot_id', 'utf8'),
    ]);
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    const btime = Number(/^btime (\d+)$/m.exec(sys)?.[1]);
    if (!Number.isSafeInteger(ticks) || !Number.isSafeInteger(btime)) return null;
    return { boot: boot.trim(), ticks, at: btime * 1000 + (ticks * 1000) / USER_HZ };
  } catch {
    return null;
  }
}

/** This process's own start, read once. */
let myStart: Promise<ProcessStart | null> | undefined;

/**
 * A lock taken before the wall clock's `since` cannot belong to a process that started well after it: its
 * holder's run ended (a reboot, a kill) and the pid now belongs to another program. The margin covers the boot
 * time's whole seconds and small clock adjustments.
 */
const START_MARGIN_MS = 5_000;

/** Whether the live process with the holder's pid is another process than the one that took the lock. */
async function pidReused(h: LockHolder): Promise<boolean> {
  const p = await processStart(h.pid);
  // Nothing to tell them apart by (not Linux): the pid is taken as the holder's, as before.
  if (!p) return false;
  // Written by a Lifeboat that recorded its start: exact, whatever the clocks did.
  if (h.boot !== undefined && h.start !== undefined) return h.boot !== p.boot || h.start !== p.ticks;
  const since = Date.parse(h.since);
  return Number.isFinite(since) && p.at > since + START_MARGIN_MS;
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return {
      pid: h.pid,
      host: h.host,
      what: String(h.what ?? 'another Lifeboat job'),
      since: String(h.since ?? ''),
      ...(typeof h.boot === 'string' && typeof h.start === 'number' ? { boot: h.boot, start: h.start } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * The holder of a lock that is still in force, or null (no lock, or one left by a process that died, or whose
 * pid now belongs to another process: after a reboot, pids are handed out again).
 */
export async function lockHolder(path: string): Promise<LockHolder | null> {
  const h = await readHolder(path);
  if (!h) return null;
  // A lock from another machine (a shared folder) cannot be checked, so it is respected.
  if (h.host !== hostname()) return h;
  if (h.pid !== process.pid && !alive(h.pid)) return null;
  return (await pidReused(h)) ? null : h;
}

/**
 * Takes an exclusive lock across processes by creating `path` with O_EXCL, recording who holds it. A lock
 * left by a process that no longer runs on this machine is taken over (on Linux also one whose pid now belongs
 * to another process, see {@link lockHolder}). Written here rather than with a
 * lock library because the second comer must be told which job holds the folder, and a dead holder is
 * recognised by its pid at once instead of after a staleness timeout.
 */
export async function acquireLock(path: string, what: string): Promise<HeldLock> {
  const mine = await (myStart ??= processStart(process.pid));
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    what,
    since: new Date().toISOString(),
    ...(mine ? { boot: mine.boot, start: mine.ticks } : {}),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          const h = await readHolder(path);
          if (h && h.pid === me.pid && h.since === me.since) await rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await lockHolder(path);
      if (holder) throw busy(holder);
      let raw = await readHolder(path);
      if (raw === null) {
        // A holder may be writing its record this very moment: give it that moment.
        await new Promise((r) => setTimeout(r, 100));
        const now = await lockHolder(path);
        if (now) throw busy(now);
        raw = await readHolder(path);
      }
      // Only a lock Lifeboat wrote, whose process is gone, is taken over (an empty one too: a process killed
      // between creating the file and writing its record leaves that); any other file of that name is not ours.
      const empty = (await stat(path).catch(() => null))?.size === 0;
      if (raw === null && !empty)
        throw new LifeboatError(
          'conflict',
          `${path} is in the way of Lifeboat's lock file and is not one of its own; move it away.`,
        );
      await rm(path, { force: true });
    }
  }
  throw new LifeboatError(
    'conflict',
    `Could not take the lock ${path}; another Lifeboat job keeps taking it.`,
  );
}

/** The conflict a second job gets, naming the one that runs. */
export function busy(holder: LockHolder): LifeboatError {
  const since = holder.since ? ` since ${holder.since.replace('T', ' ').slice(0, 19)} UTC` : '';
  return new LifeboatError(
    'conflict',
    `${holder.what} is already running there (process ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}${since}). Wait for it to finish or cancel it.`,
  );
}
