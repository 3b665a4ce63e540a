/**
 * The extraction of a downloading archive in a worker thread. The thread that downloads only tells this one that
 * the file grew, ended or failed; this one reads the `.part` itself (from the page cache: the bytes were written
 * a moment ago), inflates and unpacks it with the very same {@link extractTarGz}, every check included, and
 * answers with the result or the error. Inflating and parsing then never share a thread with the download (on
 * two cores the two halves of a pull run side by side) nor with whatever else the process answers.
 *
 * This module is only ever imported dynamically (see extract-file.ts), so the bundler gives it a chunk of its
 * own, whose URL is the worker's entry point; it runs the worker when loaded as one.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LifeboatError } from '../errors';
import type { FreeSpaceProbe } from '../transfer/disk';
import { extractTarGz, type ExtractResult, type Feed } from './extract';
import { receiveError, sendError, type SentError } from './thread-error';

/** This module's own URL: the worker's entry point. */
export const threadUrl = import.meta.url;

/** What the extraction in the worker is given. */
export interface ThreadData {
  readonly lifeboatExtractThread: true;
  readonly path: string;
  readonly dest: string;
  readonly label: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Free space is asked of the parent (its probe is a function, which cannot cross threads); else statfs here. */
  readonly probeInParent: boolean;
  readonly reportEntries: boolean;
  /** What the parent knew of the file when the worker started. */
  readonly ended: boolean;
  readonly failed: boolean;
}

/** Messages from the downloading thread. */
export type ToThread =
  | { readonly type: 'grow' }
  | { readonly type: 'end' }
  | { readonly type: 'fail' }
  | { readonly type: 'abort' }
  | { readonly type: 'probed'; readonly id: number; readonly free?: number; readonly error?: SentError };

/** Messages to the downloading thread. */
export type FromThread =
  /** The reader has read all there is and waits for the file to grow (told once, at the next growth). */
  | { readonly type: 'wait'; readonly position: number }
  | { readonly type: 'probe'; readonly id: number; readonly path: string }
  | { readonly type: 'entry'; readonly path: string; readonly size: number }
  | { readonly type: 'done'; readonly result: ExtractResult }
  | { readonly type: 'error'; readonly error: SentError; readonly sourceFailed: boolean };

/** Bytes asked of the file at once: few, large reads keep the thread pool's wake-ups down. */
const READ_SIZE = 2 << 20;

/** Read buffers, reused once gunzip has consumed them: fresh ones would each cost their pages again. */
const BUFFERS = 3;

/**
 * Writes the file from byte 0 into the extraction as the parent reports it growing, like GrowingFile.reader
 * reading from disk, with a few buffers used over and over. Fails with `sourceFailed` when the parent says the
 * download failed; stops when the extraction does (`into` destroyed).
 */
function followFile(path: string, port: MessagePort, data: ThreadData, sourceFailed: Error): Feed {
  let ended = data.ended;
  let failed = data.failed;
  // Counts the parent's messages: a message that came while a read was under way is never slept through.
  let seq = 0;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  port.on('message', (m: ToThread) => {
    if (m.type === 'grow' || m.type === 'end' || m.type === 'fail' || m.type === 'abort') {
      seq++;
      if (m.type === 'end') ended = true;
      if (m.type === 'fail') failed = true;
      poke();
    }
  });
  return async (into) => {
    into.once('close', poke);
    const sleep = (): Promise<void> => new Promise<void>((r) => (wake = r));
    const changed = async (since: number): Promise<void> => {
      if (seq !== since || into.destroyed) return;
      // Growth is only told to a reader that waits for it: one behind (the usual case on a fast link) costs no message.
      port.postMessage({ type: 'wait', position } satisfies FromThread);
      await sleep();
    };
    const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(READ_SIZE));
    const giveBack = (buf: Buffer) => (): void => {
      free.push(buf);
      poke();
    };
    let handle: FileHandle | null = null;
    let position = 0;
    try {
      for (;;) {
        const since = seq;
        if (into.destroyed) return;
        if (failed) throw sourceFailed;
        if (!handle) {
          try {
            handle = await open(path, 'r');
          } catch (e) {
            // The download has not created the file yet: wait for it, unless it already gave up.
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || ended) throw e;
            await changed(since);
            continue;
          }
        }
        const buf = free.pop();
        if (!buf) {
          await sleep();
          continue;
        }
        // Read "ended" before reading: bytes written just before the end must not be missed.
        const endedBefore = ended;
        const { bytesRead } = await handle.read(buf, 0, READ_SIZE, position);
        if (bytesRead > 0) {
          position += bytesRead;
          if (!into.write(buf.subarray(0, bytesRead), giveBack(buf)) && !into.destroyed)
            await new Promise<void>((r) => {
              const done = (): void => {
                into.off('drain', done);
                into.off('close', done);
                r();
              };
              into.on('drain', done);
              into.on('close', done);
            });
          continue;
        }
        free.push(buf);
        if (failed) throw sourceFailed;
        if (endedBefore) return;
        await changed(since);
      }
    } finally {
      into.off('close', poke);
      await handle?.close().catch(() => undefined);
    }
  };
}

/** The worker's side: extracts, answers, and lets the thread end. */
async function runThread(port: MessagePort, data: ThreadData): Promise<void> {
  const abort = new AbortController();
  const probes = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  let nextProbe = 0;
  port.on('message', (m: ToThread) => {
    if (m.type === 'abort') abort.abort();
    else if (m.type === 'probed') {
      const p = probes.get(m.id);
      probes.delete(m.id);
      if (m.error) p?.reject(receiveError(m.error));
      else p?.resolve(m.free ?? 0);
    }
  });
  const post = (m: FromThread): void => port.postMessage(m);
  const probe: FreeSpaceProbe = (path) =>
    new Promise((resolve, reject) => {
      const id = nextProbe++;
      probes.set(id, { resolve, reject });
      post({ type: 'probe', id, path });
    });
  // A marker that extractTarGz passes through as it is (a LifeboatError), so the parent can answer with the
  // download's own failure, exactly as a reader in its thread would have failed with it.
  const sourceFailed = new LifeboatError('internal', 'The download stopped.');
  try {
    const result = await extractTarGz(followFile(data.path, port, data, sourceFailed), data.dest, {
      label: data.label,
      include: data.include,
      exclude: data.exclude,
      signal: abort.signal,
      ...(data.probeInParent ? { freeSpace: probe } : {}),
      ...(data.reportEntries ? { onEntry: (path, size) => post({ type: 'entry', path, size }) } : {}),
    });
    post({ type: 'done', result });
  } catch (e) {
    post({ type: 'error', error: sendError(e), sourceFailed: e === sourceFailed });
  } finally {
    // Nothing more to wait for: the thread ends once its last message is out (the parent also ends it).
    port.unref();
  }
}

if (!isMainThread && parentPort && (workerData as ThreadData | undefined)?.lifeboatExtractThread)
  void runThread(parentPort, workerData as ThreadData);
