import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../errors';
import { statfsFreeSpace } from '../transfer/disk';
import { growingFileOf, type GrowingFile } from '../transfer/growing-file';
import { extractTarGz, tarError, type ExtractOptions, type ExtractResult } from './extract';
import type { FromThread, ThreadData, ToThread } from './extract-thread';
import { receiveError, sendError } from './thread-error';

/**
 * Archives from this size on are extracted in a worker thread. A thread costs its start (~60 ms), its own copy of
 * the extraction's code and some 15 MiB, which only a big archive pays back.
 */
export const THREAD_FROM = 16 << 20;

/** A thread waiting for the download is told of growth once this much more is there… */
const WAKE_STEP = 1 << 20;
/** …or this long after any growth (a slow link). */
const WAKE_AFTER_MS = 10;

/**
 * Extraction threads at once, one per core by default: a full set's code and files archives each get one, so the
 * code is extracted (and checked out) while the files still arrive. More would only take turns (and cost memory);
 * the rest extract in the downloading thread, as small archives do. See {@link setExtractionThreadLimit}.
 */
let maxThreads = Math.max(1, availableParallelism());
let threads = 0;

/**
 * Sets how many big archives are extracted in threads at once (the rest in the downloading thread); returns the
 * limit it replaces. The engine's own process raises it: there the downloading thread is the one that answers the
 * UI, and an archive extracted in it delays every answer by whole inflate-and-write steps, while a thread more only
 * takes turns with the others (at a lower priority there, see host/thread-priority.ts) and costs its memory.
 */
export function setExtractionThreadLimit(limit: number): number {
  const before = maxThreads;
  maxThreads = Math.max(1, Math.floor(limit) || 1);
  return before;
}

/** How {@link extractArchive} runs, besides what {@link extractTarGz} is told. */
export interface ArchiveExtractOptions extends ExtractOptions {
  /** The archive's size, when known. */
  readonly size?: number;
  /** Extract in a worker thread from this size on (default {@link THREAD_FROM}); Infinity never does. */
  readonly threadFrom?: number;
}

/**
 * Extracts a tar.gz with {@link extractTarGz}. When the source follows a file (a download growing in its `.part`,
 * or a finished one) and the archive is at least `threadFrom` bytes, the same extraction runs in a worker thread
 * that reads the file itself, so inflating and unpacking do not share a thread with the download; the result and
 * every error (a damaged or hostile archive, a full disk, a cancel, the download's own failure) are the ones the
 * extraction gives here. Beyond one thread per core, or for a stream that follows no file, it runs here.
 */
export async function extractArchive(
  source: Readable,
  dest: string,
  options: ArchiveExtractOptions,
): Promise<ExtractResult & { readonly inThread?: true }> {
  const file = growingFileOf(source);
  if (!file || (options.size ?? 0) < (options.threadFrom ?? THREAD_FROM))
    return extractTarGz(source, dest, options);
  const { threadUrl } = await import('./extract-thread');
  // The thread's entry point is that module as a file of its own (the app's build gives it a chunk). A bundle
  // that inlined it into another file has none: starting that file would run the other file's program.
  if (!/\/extract-thread[^/]*\.(?:ts|js|mjs)$/.test(new URL(threadUrl).pathname) || threads >= maxThreads)
    return extractTarGz(source, dest, options);
  // The thread reads the file itself: this stream (and its file handle) is not needed.
  source.destroy();
  threads++;
  try {
    return { ...(await extractInThread(threadUrl, file, dest, options)), inThread: true };
  } finally {
    threads--;
  }
}

/** A worker running extract-thread.ts; under tsx or vitest (TypeScript sources) it is loaded through tsx. */
function startThread(url: string, data: ThreadData): Worker {
  if (!url.endsWith('.ts')) return new Worker(new URL(url), { workerData: data });
  const boot = `import('tsx/esm/api').then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`;
  return new Worker(boot, { eval: true, workerData: data });
}

async function extractInThread(
  threadUrl: string,
  file: GrowingFile,
  dest: string,
  options: ArchiveExtractOptions,
): Promise<ExtractResult> {
  const { signal, label } = options;
  const cancelled = (): LifeboatError => new LifeboatError('cancelled', `Extracting ${label} was cancelled.`);
  if (signal?.aborted) throw cancelled();
  const probe = options.freeSpace ?? statfsFreeSpace;
  const worker = startThread(threadUrl, {
    lifeboatExtractThread: true,
    path: file.path,
    dest,
    label,
    include: options.include ?? [],
    exclude: options.exclude ?? [],
    // The real probe also works in the thread; another (a test's, an app's) is a function and stays here.
    probeInParent: probe !== statfsFreeSpace,
    reportEntries: options.onEntry !== undefined,
    ended: file.finished,
    failed: file.error !== null,
  });
  const send = (m: ToThread): void => worker.postMessage(m);
  // Growth is told only to a thread that waits for it ('wait', with how far it read): once a good read's worth
  // is there ({@link WAKE_STEP}), or a moment after any growth on a slow link. The end and a failure at once.
  let over = file.error !== null || file.finished;
  let grown = false;
  let waitingAt: number | null = null;
  let written = -1;
  let timer: NodeJS.Timeout | null = null;
  const wake = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (waitingAt === null || over) return;
    waitingAt = null;
    grown = false;
    send({ type: 'grow' });
  };
  const consider = (): void => {
    if (waitingAt === null || !grown) return;
    if (written < 0 || written - waitingAt >= WAKE_STEP) wake();
    else timer ??= setTimeout(wake, WAKE_AFTER_MS);
  };
  const onBytes = (chunks: readonly Buffer[], offset: number): void => {
    let end = offset;
    for (const c of chunks) end += c.length;
    written = Math.max(written, end);
  };
  const onGrow = (): void => {
    if (over) return;
    if (file.error || file.finished) {
      over = true;
      if (timer) clearTimeout(timer);
      send({ type: file.error ? 'fail' : 'end' });
      return;
    }
    grown = true;
    consider();
  };
  const onWait = (position: number): void => {
    if (over) return;
    waitingAt = position;
    consider();
  };
  const onAbort = (): void => send({ type: 'abort' });
  file.on('bytes', onBytes);
  file.on('grow', onGrow);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<ExtractResult>((resolvePromise, reject) => {
      worker.on('message', (m: FromThread) => {
        if (m.type === 'wait') onWait(m.position);
        else if (m.type === 'probe') {
          probe(m.path).then(
            (free) => send({ type: 'probed', id: m.id, free }),
            (e: unknown) => send({ type: 'probed', id: m.id, error: sendError(e) }),
          );
        } else if (m.type === 'entry') options.onEntry?.(m.path, m.size);
        else if (m.type === 'done') resolvePromise(m.result);
        else if (m.type === 'error') {
          // As the extraction here decides: a cancel first, then the download's own failure as it came.
          if (signal?.aborted) reject(cancelled());
          else if (m.sourceFailed && file.error)
            reject(
              file.error instanceof LifeboatError ? file.error : tarError(file.error, label, resolve(dest)),
            );
          else reject(receiveError(m.error));
        }
      });
      worker.once('error', (e) =>
        reject(
          new LifeboatError(
            'internal',
            `The extraction of ${label} stopped unexpectedly: ${e.message}`,
            e.stack,
            { cause: e },
          ),
        ),
      );
      worker.once('exit', (code) =>
        reject(
          new LifeboatError('internal', `The extraction of ${label} ended without an answer (exit ${code}).`),
        ),
      );
    });
  } finally {
    file.off('bytes', onBytes);
    file.off('grow', onGrow);
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
