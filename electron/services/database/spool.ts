import { open, type FileHandle } from 'node:fs/promises';

/**
 * What a set of spool queues may hold together: each keeps up to `memory` bytes in memory, and the overflow of
 * all of them on disk up to `disk` bytes (beyond that an append waits for readers to catch up).
 */
export class SpoolBudget {
  /** Bytes written to disk and not read back yet, all queues together. */
  private onDisk = 0;
  private waiters: (() => void)[] = [];

  constructor(
    readonly memory: number,
    readonly disk: number,
  ) {}

  /** Waits until `n` more bytes fit on disk (at once when nothing is on disk, so one large piece always can). */
  async reserve(n: number, signal: AbortSignal): Promise<void> {
    while (this.onDisk > 0 && this.onDisk + n > this.disk) {
      signal.throwIfAborted();
      await waitFor(signal, (wake) => this.waiters.push(wake));
    }
    this.onDisk += n;
  }

  release(n: number): void {
    this.onDisk -= n;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Resolves when `arm`'s callback is called, rejects when `signal` aborts. */
function waitFor(signal: AbortSignal, arm: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const abort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    arm(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}

/**
 * A first-in first-out byte queue between the router, which reads the dump as fast as it arrives, and one
 * database client, which takes it at the speed of its connection. What does not fit in memory goes to a file
 * (created 0600 at `path` when first needed) and is read back in order; once the reader has caught up with the
 * file, the queue is back in memory and the file is reused from its start. One writer, one reader.
 */
export class SpoolQueue {
  private mem: Buffer[] = [];
  private memBytes = 0;
  /** Appends go to the file until the reader has caught up with it. */
  private spilling = false;
  private file: FileHandle | null = null;
  /** The file's data: [readPos, written). */
  private written = 0;
  private readPos = 0;
  private writing = false;
  private closed = false;
  private wake: (() => void) | null = null;
  /** Appended bytes in order, runs of the dump's own bytes and of others (repeated or added), for `delivered`. */
  private runs: { len: number; own: boolean }[] = [];
  private appended = 0;
  private ownAppended = 0;
  private taken = 0;
  private ownTaken = 0;
  /** Bytes at the head of the file written before `limit()`, for which no room was reserved. */
  private unreserved = 0;

  constructor(
    private readonly path: string,
    private readonly budget: SpoolBudget,
    /** Whether appends wait for room on disk (false for a queue nobody reads until later; see `limit`). */
    private capped = true,
  ) {}

  /** Bytes appended and not yet taken by the reader. */
  get backlog(): number {
    return this.appended - this.taken;
  }

  /** Bytes of the dump's own (appended with `own`). */
  get queued(): number {
    return this.ownAppended;
  }

  /** Bytes of the dump's own the reader has taken. */
  get delivered(): number {
    return this.ownTaken;
  }

  /** Appends `buf` (not copied: it must not change afterwards). Resolves once it is queued. */
  async append(buf: Buffer, own: boolean, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (buf.length === 0) return;
    if (this.closed) throw new Error('append to a closed spool queue');
    const last = this.runs.at(-1);
    if (last && last.own === own) last.len += buf.length;
    else this.runs.push({ len: buf.length, own });
    this.appended += buf.length;
    if (own) this.ownAppended += buf.length;
    if (!this.spilling && this.memBytes + buf.length <= this.budget.memory) {
      this.mem.push(buf);
      this.memBytes += buf.length;
    } else {
      this.spilling = true;
      // Marked before the wait for room, so the reader does not take the file for caught up meanwhile.
      this.writing = true;
      try {
        if (this.capped) await this.budget.reserve(buf.length, signal);
        else this.unreserved += buf.length;
        this.file ??= await open(this.path, 'w+', 0o600);
        for (let off = 0; off < buf.length;) {
          const { bytesWritten } = await this.file.write(buf, off, buf.length - off, this.written + off);
          off += bytesWritten;
        }
        this.written += buf.length;
      } finally {
        this.writing = false;
      }
    }
    this.notify();
  }

  /** From now on appends wait for room on disk like the others' (once someone reads this queue). */
  limit(): void {
    this.capped = true;
  }

  /** No more appends: the reader ends once it has taken everything. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** Whether everything appended was taken and the queue is closed. */
  get drained(): boolean {
    return this.closed && this.backlog === 0;
  }

  /** The queued bytes in order; ends after `close()` once all were taken, throws when `signal` aborts. */
  async *chunks(signal: AbortSignal): AsyncGenerator<Buffer> {
    for (;;) {
      signal.throwIfAborted();
      let out: Buffer | null = null;
      if (this.mem.length > 0) {
        out = this.mem.shift()!;
        this.memBytes -= out.length;
      } else if (this.readPos < this.written) {
        const n = Math.min(1 << 20, this.written - this.readPos);
        const buf = Buffer.allocUnsafe(n);
        const { bytesRead } = await this.file!.read(buf, 0, n, this.readPos);
        if (bytesRead === 0) throw new Error('the spool file ended early');
        this.readPos += bytesRead;
        const free = Math.min(bytesRead, this.unreserved);
        this.unreserved -= free;
        if (bytesRead > free) this.budget.release(bytesRead - free);
        out = buf.subarray(0, bytesRead);
      } else if (this.spilling && !this.writing) {
        // Caught up with the file: back to memory, and the file is reused from its start.
        this.spilling = false;
        this.readPos = 0;
        this.written = 0;
        continue;
      } else if (this.closed && !this.writing) return;
      if (out) {
        this.take(out.length);
        yield out;
        continue;
      }
      await waitFor(signal, (wake) => (this.wake = wake));
    }
  }

  async dispose(): Promise<void> {
    this.closed = true;
    await this.file?.close().catch(() => undefined);
    this.file = null;
  }

  private take(n: number): void {
    this.taken += n;
    while (n > 0) {
      const run = this.runs[0]!;
      const k = Math.min(n, run.len);
      if (run.own) this.ownTaken += k;
      run.len -= k;
      n -= k;
      if (run.len === 0) this.runs.shift();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
