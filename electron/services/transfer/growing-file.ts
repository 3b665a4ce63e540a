import { EventEmitter } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * A `.part` file being written by a download, shared with readers that follow it as it grows. The download
 * only ever appends, so a reader can start before the download ends (extraction while downloading), and
 * after a restart it simply starts from byte 0 of what is already on disk.
 */
/** The file each reader stream follows, so a verifier can ask whether the download checks the bytes itself. */
const readers = new WeakMap<Readable, GrowingFile>();

/** The growing file a stream from {@link GrowingFile.reader} reads, if it is one. */
export const growingFileOf = (stream: Readable): GrowingFile | undefined => readers.get(stream);

/** How the download checks the bytes against the storage's own hash of the object; null: it does not. */
export type StorageCheck = 'crc32c' | 'md5' | null;

export class GrowingFile extends EventEmitter {
  private ended = false;
  private failure: Error | null = null;
  private check: StorageCheck | undefined;
  /** Where the bytes the writer reported end: the file holds at least this many (it only ever appends). */
  private known = 0;
  /** The writer reports every write with its bytes ({@link grew} with chunks), so `known` is the file's size. */
  private reporting = false;

  constructor(readonly path: string) {
    super();
    this.setMaxListeners(50);
  }

  /**
   * Called by the writer after bytes reached the file. Passing the bytes and where they start lets a reader
   * that has caught up take them from memory instead of reading them back from disk.
   */
  grew(chunks?: readonly Buffer[], offset?: number): void {
    if (chunks && offset !== undefined) {
      let end = offset;
      for (const c of chunks) end += c.length;
      if (end > this.known) this.known = end;
      this.reporting = true;
      this.emit('bytes', chunks, offset);
    }
    this.emit('grow');
  }

  /** No more bytes will come: readers end at the current size. */
  finish(): void {
    this.ended = true;
    this.emit('grow');
  }

  /** The download failed for good: readers fail with the same error. */
  fail(error: Error): void {
    this.failure = error;
    this.emit('grow');
  }

  /**
   * Called by the download once it knows whether it compares the bytes with the storage's hash at the end (it
   * learns that from the first response). When it does, its success vouches for the bytes, and its failure on a
   * different hash is an `integrity` error that readers get like any other failure of the download.
   */
  checkedByStorage(check: StorageCheck): void {
    this.check ??= check;
    this.emit('check');
  }

  /** Whether the download checks the storage's hash; null when it does not or ended before it knew. */
  async storageCheck(signal?: AbortSignal): Promise<StorageCheck> {
    while (this.check === undefined && !this.ended && !this.failure && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.off('check', done);
          this.off('grow', done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.once('check', done);
        this.once('grow', done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
    return this.check ?? null;
  }

  /** Resolves when the writer finished, rejects with its failure (or the signal's reason). */
  async settled(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.ended) return;
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Cancelled.');
      await this.waitForGrowth(signal);
    }
  }

  get finished(): boolean {
    return this.ended;
  }

  get error(): Error | null {
    return this.failure;
  }

  /** Waits until more bytes may be there, the writer finished, or it failed. */
  waitForGrowth(signal?: AbortSignal): Promise<void> {
    if (this.ended || this.failure) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.off('grow', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.once('grow', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** A readable stream of the file from byte 0 that follows it until the writer finishes. */
  reader(
    options: {
      signal?: AbortSignal;
      chunkSize?: number;
      onRead?: (bytes: number) => void;
      /** Called once the file is open: from then on, renaming it does not disturb this reader. */
      onOpen?: () => void;
    } = {},
  ): Readable {
    // 256 KiB: as fast as 1 MiB for gunzip, and a quarter of the memory in flight per reader.
    const chunkSize = options.chunkSize ?? 256 << 10;
    let handle: FileHandle | null = null;
    let position = 0;
    // Bytes the writer just wrote, kept briefly so a caught-up reader need not read them back from disk.
    // Bounded: when the reader falls behind, chunks are dropped and it reads from the file instead.
    const queue: { offset: number; buf: Buffer }[] = [];
    let queued = 0;
    // 1 MiB: a reader seldom keeps up with a loopback download anyway (about a tenth of the bytes came from here
    // at 4 MiB), and with many downloads at once the memory counts more than a read from the page cache.
    const memoryLimit = 1 << 20;
    const onBytes = (chunks: readonly Buffer[], offset: number): void => {
      let at = offset;
      for (const buf of chunks) {
        if (queued + buf.length <= memoryLimit && at + buf.length > position) {
          queue.push({ offset: at, buf });
          queued += buf.length;
        }
        at += buf.length;
      }
    };
    this.on('bytes', onBytes);
    const fromMemory = (): Buffer | null => {
      while (queue.length > 0 && queue[0]!.offset + queue[0]!.buf.length <= position)
        queued -= queue.shift()!.buf.length;
      const head = queue[0];
      if (!head || head.offset > position) return null;
      queue.shift();
      queued -= head.buf.length;
      return head.offset === position ? head.buf : head.buf.subarray(position - head.offset);
    };
    const stream: Readable = new Readable({
      highWaterMark: chunkSize,
      read: async () => {
        try {
          for (;;) {
            if (!handle) {
              try {
                const opened = await open(this.path, 'r');
                // Destroyed while the file was opening (a failed or cancelled download): close it here, since
                // destroy() found no handle to close.
                if (stream.destroyed) {
                  await opened.close().catch(() => undefined);
                  return;
                }
                handle = opened;
                options.onOpen?.();
              } catch (e) {
                // The writer has not created the file yet: wait for it, unless it already gave up.
                if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || this.failure || this.ended)
                  throw this.failure ?? e;
                await this.waitForGrowth(options.signal);
                continue;
              }
            }
            if (options.signal?.aborted)
              throw options.signal.reason instanceof Error ? options.signal.reason : new Error('Cancelled.');
            const memory = fromMemory();
            if (memory) {
              position += memory.length;
              options.onRead?.(memory.length);
              stream.push(memory);
              return;
            }
            // Read "ended" before reading: bytes written just before finish() must not be missed.
            const endedBefore = this.ended;
            // Caught up with a writer that reports its writes: nothing to read until it writes again.
            if (this.reporting && !endedBefore && !this.failure && position >= this.known) {
              await this.waitForGrowth(options.signal);
              continue;
            }
            // No bigger a buffer than the bytes known to be there: a reader that keeps up with a download reads
            // a few KiB at a time, and a fresh 1 MiB buffer for each (kept whole by the slice pushed) made
            // several such readers hold over 100 MiB of buffers waiting for the garbage collector.
            const size = this.known > position ? Math.min(chunkSize, this.known - position) : chunkSize;
            const buf = Buffer.allocUnsafe(size);
            const { bytesRead } = await handle.read(buf, 0, size, position);
            if (bytesRead > 0) {
              position += bytesRead;
              options.onRead?.(bytesRead);
              stream.push(bytesRead === size ? buf : buf.subarray(0, bytesRead));
              return;
            }
            if (this.failure) throw this.failure;
            if (endedBefore) {
              stream.push(null);
              return;
            }
            await this.waitForGrowth(options.signal);
          }
        } catch (e) {
          stream.destroy(e as Error);
        }
      },
      destroy: (err, cb) => {
        this.off('bytes', onBytes);
        queue.length = 0;
        const h = handle;
        handle = null;
        if (h)
          void h.close().then(
            () => cb(err),
            () => cb(err),
          );
        else cb(err);
      },
    });
    readers.set(stream, this);
    return stream;
  }
}
