import type { JobPhase, JobProgress, ProgressPart } from '@shared/models';

/**
 * Tracks bytes of several parts (archives) and derives speed and ETA. Speed is a moving average over the
 * last few seconds so a burst or a stall does not make the ETA jump.
 */
export class ProgressTracker {
  private phase: JobPhase = 'queued';
  private message: string | undefined;
  private readonly parts = new Map<
    string,
    { label: string; done: number; total: number | null; phase: JobPhase }
  >();
  private samples: { t: number; bytes: number }[] = [];
  /** Bytes of parts that were dropped when they ended (a mirror's finished sites): the totals keep them. */
  private retired = { done: 0, total: 0 };
  /** Set for a job whose total is learnt as it goes (see {@link growingTotal}). */
  private growing: { final: boolean } | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  setPhase(phase: JobPhase, message?: string): void {
    // A backup's workflow counts steps, not bytes: its part ends with its phase, so the download that
    // follows (`pull --backup new`) is not summed with "3 of 3 steps".
    if (phase !== this.phase && this.phase === 'creating-backup')
      for (const [key, part] of this.parts) if (part.phase === 'creating-backup') this.parts.delete(key);
    this.phase = phase;
    this.message = message;
    this.samples = [];
  }

  setPart(key: string, label: string, done: number, total: number | null): void {
    this.parts.set(key, { label, done, total, phase: this.phase });
    const t = this.now();
    // One speed sample per 100 ms is plenty; parts report on every network chunk.
    const lastSample = this.samples[this.samples.length - 1];
    if (lastSample && t - lastSample.t < 100 && this.samples.length > 1) return;
    this.samples.push({ t, bytes: this.totalDone() });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }

  /**
   * Takes a finished part off the list, its bytes kept in the totals: a mirror of 2,000 sites lists the sites
   * being worked on, not every site it has done.
   */
  dropPart(key: string): void {
    const part = this.parts.get(key);
    if (!part) return;
    this.retired = {
      done: this.retired.done + part.done,
      total: this.retired.total + (part.total ?? part.done),
    };
    this.parts.delete(key);
  }

  /**
   * For a job whose sizes are learnt as it goes (a mirror: a site's size is known once it is reached): the total
   * is then the sizes known so far, a part not sized yet counting what it has done (so: at least that much), and
   * the time left is told only once `final` says no size is still to come.
   */
  growingTotal(final: boolean): void {
    this.growing = { final };
  }

  private totalDone(): number {
    let n = this.retired.done;
    for (const p of this.parts.values()) n += p.done;
    return n;
  }

  snapshot(): JobProgress {
    const parts: ProgressPart[] = [...this.parts.values()].map((p) => ({
      label: p.label,
      bytesDone: p.done,
      bytesTotal: p.total,
    }));
    const done = this.totalDone();
    const totals = parts.map((p) => p.bytesTotal);
    const sized = totals.every((t) => t !== null);
    const total = this.growing
      ? parts.reduce((n, p) => n + (p.bytesTotal ?? p.bytesDone), this.retired.total)
      : totals.length > 0 && sized
        ? totals.reduce<number>((a, b) => a + (b ?? 0), this.retired.total)
        : totals.length === 0 && this.retired.total > 0
          ? this.retired.total
          : null;
    // A growing total is a lower bound until every size is known: a time left from it would be too short.
    const final = !this.growing || (this.growing.final && sized);
    let speed: number | null = null;
    if (this.samples.length >= 2) {
      const first = this.samples[0]!;
      const last = this.samples[this.samples.length - 1]!;
      const dt = (last.t - first.t) / 1000;
      if (dt > 0.2) speed = Math.max(0, (last.bytes - first.bytes) / dt);
    }
    const eta =
      speed && total !== null && speed > 0 && final ? Math.max(0, Math.round((total - done) / speed)) : null;
    return {
      phase: this.phase,
      bytesDone: done,
      bytesTotal: total,
      bytesPerSecond: speed,
      etaSeconds: eta,
      parts,
      ...(this.message ? { message: this.message } : {}),
    };
  }
}

/** Calls `fn` at most every `ms`, always delivering the latest value (and the final one on flush). */
export function throttle<T>(fn: (value: T) => void, ms: number): { push(value: T): void; flush(): void } {
  let last = 0;
  let pending: { value: T } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const fire = (): void => {
    timer = null;
    if (!pending) return;
    last = Date.now();
    const { value } = pending;
    pending = null;
    fn(value);
  };
  return {
    push(value) {
      pending = { value };
      const wait = last + ms - Date.now();
      if (wait <= 0) fire();
      else timer ??= setTimeout(fire, wait);
    },
    flush() {
      if (timer) clearTimeout(timer);
      fire();
    },
  };
}
