import type { MirrorProfile } from '@shared/models';

/** The clock a timer runs on: the real one, or a test's that it advances by hand. */
export interface TimerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Timers that never keep the process alive (a CLI or a test ends when its work does). */
export const realClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

/** The longest single wait: a laptop that slept, or a clock set back, is noticed within this long. */
const MAX_WAIT_MS = 15 * 60_000;

export interface MirrorTimerDeps {
  /** The saved profile; none, or one without `everyHours`, means no timer. */
  readonly profile: () => Promise<MirrorProfile | null>;
  /** When the timer last started (or skipped) a run, kept across restarts. */
  readonly lastRun: () => Promise<number | null>;
  readonly markRun: (at: number) => Promise<void>;
  /** Whether a mirror runs now (in any Lifeboat process): the tick is skipped then, never a second run. */
  readonly busy: () => Promise<boolean>;
  /** Starts a run of the profile (a mirror job). */
  readonly start: (profile: MirrorProfile) => Promise<unknown>;
  readonly clock?: TimerClock;
  /** A tick that failed (the profile could not be read, the job not queued): reported, the timer goes on. */
  readonly onError?: (e: unknown) => void;
}

/** What one tick did. */
export type TickOutcome = 'off' | 'not-due' | 'started' | 'skipped';

/**
 * Runs the saved mirror profile every `everyHours` while the app runs (issue 11 §2): due `everyHours` after the
 * last run it started (before any, after it was last armed), never while another mirror runs (that tick is
 * skipped and the period starts again), and stopped for good by `stop()`.
 */
export class MirrorTimer {
  private readonly clock: TimerClock;
  private handle: unknown = null;
  private stopped = false;
  private armedAt: number;
  private failed = false;
  private last: Promise<TickOutcome | null> = Promise.resolve(null);

  constructor(private readonly deps: MirrorTimerDeps) {
    this.clock = deps.clock ?? realClock;
    this.armedAt = this.clock.now();
  }

  /**
   * Arms the timer from the saved profile (at start, and again when the profile changed). Before any run, the
   * first is due `everyHours` from now.
   */
  arm(): Promise<void> {
    this.armedAt = this.clock.now();
    return this.schedule();
  }

  private async schedule(): Promise<void> {
    if (this.stopped) return;
    this.disarm();
    const wait = await this.untilDue().catch((e: unknown) => {
      this.deps.onError?.(e);
      return null;
    });
    if (wait === null || this.stopped) return;
    this.disarm();
    // After a tick that failed, a due run is tried again a minute later, not at once in a loop.
    const floor = this.failed ? 60_000 : 0;
    this.handle = this.clock.setTimeout(
      () => {
        this.handle = null;
        this.last = this.tick();
      },
      Math.min(Math.max(wait, floor), MAX_WAIT_MS),
    );
  }

  /** Whether the timer waits for a run (a profile with `everyHours` is saved). */
  get armed(): boolean {
    return this.handle !== null;
  }

  /** The outcome of the tick the clock fired last (tests wait on it). */
  settled(): Promise<TickOutcome | null> {
    return this.last;
  }

  /** Stops the timer; it never fires again. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  /** Milliseconds until the next run is due; null when there is no timer to run. */
  private async untilDue(): Promise<number | null> {
    const profile = await this.deps.profile();
    if (!profile?.everyHours) return null;
    const from = (await this.deps.lastRun()) ?? this.armedAt;
    return from + profile.everyHours * 3_600_000 - this.clock.now();
  }

  /** Starts the run when it is due and nothing mirrors now; then waits for the next. */
  async tick(): Promise<TickOutcome> {
    let outcome: TickOutcome = 'off';
    this.failed = false;
    try {
      const wait = await this.untilDue();
      if (wait === null || this.stopped) outcome = 'off';
      else if (wait > 0) outcome = 'not-due';
      else {
        const now = this.clock.now();
        if (await this.deps.busy()) {
          // The period starts again from now: the run in progress covers this one.
          await this.deps.markRun(now);
          outcome = 'skipped';
        } else {
          await this.deps.markRun(now);
          const profile = await this.deps.profile();
          if (profile && !this.stopped) {
            await this.deps.start(profile);
            outcome = 'started';
          }
        }
      }
    } catch (e) {
      this.failed = true;
      this.deps.onError?.(e);
    }
    await this.schedule();
    return outcome;
  }

  private disarm(): void {
    if (this.handle !== null) this.clock.clearTimeout(this.handle);
    this.handle = null;
  }
}
