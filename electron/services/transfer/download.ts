import { once } from 'node:events';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import got, { type Got } from 'got';
import { LifeboatError } from '../errors';
import { redact } from '../log/redact';
import { saneTime } from '../pantheon/sane';
import { USER_AGENT } from '../version';
import { GrowingFile, type StorageCheck } from './growing-file';
import { checkableHash, parseGoogHash, RunningHash, type ObjectHashes } from './storage-hash';

/** Where an archive comes from: a fresh signed URL on demand (they expire within minutes), its catalog size. */
export interface ArchiveSource {
  /** A person's name for it, for messages: "the files archive". */
  readonly label: string;
  /** Folder and file name: a `.part` left by another archive is never resumed into this one. */
  readonly identity: string;
  readonly size: number;
  url(signal?: AbortSignal): Promise<string>;
}

/** How a download behaves when the network does not. */
export interface TransferPolicy {
  /** Failed attempts in a row, with no byte gained in between, before giving up. */
  readonly maxFailures: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Fresh URLs in a row, with no byte gained in between, before giving up on an archive that keeps refusing. */
  readonly maxUrlRefreshes: number;
  /** A URL expiring sooner than this is replaced before it is used. */
  readonly refreshBeforeExpiryMs: number;
  /** No byte for this long means a stalled connection, which is dropped and resumed. */
  readonly idleTimeoutMs: number;
}

/** Default policy: 8 tries with backoff from 0.5 s to 15 s; URLs refreshed a minute before they expire. */
export const DEFAULT_TRANSFER: TransferPolicy = {
  maxFailures: 8,
  backoffMs: 500,
  maxBackoffMs: 15_000,
  maxUrlRefreshes: 4,
  refreshBeforeExpiryMs: 60_000,
  idleTimeoutMs: 60_000,
};

/** Downloads running in this process now. */
let downloading = 0;

/**
 * What may wait for the disk per download: 2 MiB while at most three run (a full set), as at 512 KiB one 1 GiB
 * download paused and resumed its socket so often that it took up to twice the CPU; 512 KiB with more (eight at
 * once, the mirror's case, held 16 MiB more at 2 MiB each, while sharing the cores anyway).
 */
const sinkSize = (): number => (downloading > 3 ? 512 << 10 : 2 << 20);

/** One got instance for archive storage: no API headers or session, no automatic retries (resume does that). */
export const storageHttp: Got = got.extend({
  headers: { 'user-agent': USER_AGENT },
  retry: { limit: 0 },
  throwHttpErrors: false,
  decompress: false,
  followRedirect: true,
});

/**
 * The `.part.json` beside a `.part`: which archive its bytes belong to, and the ETag and object hashes
 * (`x-goog-hash`) they came with.
 */
interface PartMeta {
  readonly identity: string;
  readonly size: number;
  etag?: string;
  hashes?: ObjectHashes;
}

/** What the `.part.json` says: nothing (absent), nothing usable (empty, cut short, another shape), or its fields. */
type MetaRead =
  | { readonly state: 'missing' }
  | { readonly state: 'unreadable' }
  | { readonly state: 'ok'; readonly meta: PartMeta };

async function readMeta(partPath: string): Promise<MetaRead> {
  let text: string;
  try {
    text = await readFile(`${partPath}.json`, 'utf8');
  } catch (e) {
    return { state: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable' };
  }
  try {
    const v = JSON.parse(text) as Partial<Record<keyof PartMeta, unknown>> | null;
    if (
      v &&
      typeof v === 'object' &&
      typeof v.identity === 'string' &&
      typeof v.size === 'number' &&
      (v.etag === undefined || typeof v.etag === 'string')
    ) {
      // Hashes that do not read as hashes are left out (the download then uses the storage's), not fatal.
      const hashes = parseGoogHash(
        v.hashes && typeof v.hashes === 'object'
          ? Object.entries(v.hashes).map(([k, h]) => `${k}=${typeof h === 'string' ? h : ''}`)
          : undefined,
      );
      return {
        state: 'ok',
        meta: {
          identity: v.identity,
          size: v.size,
          ...(v.etag ? { etag: v.etag } : {}),
          ...(Object.keys(hashes).length > 0 ? { hashes } : {}),
        },
      };
    }
  } catch {
    // an empty or half-written file, left by an older version that wrote it in place
  }
  return { state: 'unreadable' };
}

let metaWrites = 0;

/**
 * Replaces the `.part.json` whole: the new content goes to a temporary file, reaches the disk, and is renamed over
 * the old one. A crash, a kill or a full disk at any moment leaves the old file or the new one, never an empty or
 * half-written one (which would cost the `.part` it describes).
 */
async function writeMeta(partPath: string, meta: PartMeta): Promise<void> {
  const path = `${partPath}.json`;
  const tmp = `${path}.${process.pid}-${++metaWrites}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(meta));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * What a `.part` file already holds for this source, after discarding one that belongs to something else. A `.part`
 * whose metadata is missing or unreadable is kept: its file name is the archive's, and the size and gzip checks
 * after the download catch anything else, while discarding it would throw away what was already downloaded.
 */
export async function partProgress(
  partPath: string,
  source: Pick<ArchiveSource, 'identity' | 'size'>,
  options: { readonly discard?: boolean } = {},
): Promise<number> {
  const read = await readMeta(partPath);
  let size: number;
  try {
    size = (await stat(partPath)).size;
  } catch {
    size = 0;
  }
  const foreign =
    read.state === 'ok' && (read.meta.identity !== source.identity || read.meta.size !== source.size);
  if (foreign || size > source.size) {
    // Only the download itself clears a stale .part; estimates (previews, disk checks) must not write.
    if (options.discard ?? true) await discardPart(partPath);
    return 0;
  }
  return size;
}

/** Removes a `.part` and its metadata. */
export async function discardPart(partPath: string): Promise<void> {
  await rm(partPath, { force: true });
  await rm(`${partPath}.json`, { force: true });
}

class UrlExpired extends Error {}
class Retryable extends Error {}

/**
 * Epoch ms at which a signed URL stops working, from its Expires (S3/GCS v2) or X-Goog-Date + X-Goog-Expires;
 * null when it does not say, or says something absurd (Expires=99999999999999999999 is no date anyone can show).
 */
export function urlExpiry(url: string): number | null {
  try {
    const q = new URL(url).searchParams;
    const expires = q.get('Expires');
    if (expires && /^\d+$/.test(expires)) return saneMs(Number(expires));
    const date = q.get('X-Goog-Date') ?? q.get('X-Amz-Date');
    const ttl = q.get('X-Goog-Expires') ?? q.get('X-Amz-Expires');
    if (date && ttl && /^\d+$/.test(ttl)) {
      const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(date);
      if (m) {
        const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
        return saneTime(signedAt) === null ? null : saneMs(signedAt + Number(ttl));
      }
    }
  } catch {
    // not a URL we can read: treat as unknown
  }
  return null;
}

/** Seconds as epoch ms when they are a sane point in time, else null. */
const saneMs = (seconds: number): number | null => {
  const s = saneTime(seconds);
  return s === null ? null : s * 1000;
};

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Drops the first `n` bytes of a stream: used when a server ignores Range and sends the whole file again. */
function skipBytes(n: number): Transform {
  let left = n;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return cb();
      }
      const rest = left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
      cb(null, rest);
    },
  });
}

/** The object hashes two responses name differ: the object was replaced between them. */
const differ = (a: ObjectHashes, b: ObjectHashes): boolean =>
  (!!a.crc32c && !!b.crc32c && a.crc32c !== b.crc32c) || (!!a.md5 && !!b.md5 && a.md5 !== b.md5);

/**
 * Downloads an archive into `partPath`, appending only, resuming with Range after a dropped connection or a
 * restart, and fetching a fresh signed URL when one expires. Resolves when the `.part` holds exactly
 * `source.size` bytes. When the storage names the object's hash (`x-goog-hash`: CRC32C, else MD5), the bytes are
 * hashed as they are written and compared at the end: equal means verified (`verifiedBy`), different is an
 * `integrity` error and the `.part` is discarded. Without a usable hash the caller verifies the content
 * (`verifiedBy` null). The caller renames the `.part`. Cancelling leaves the `.part` to resume.
 */
export async function downloadToPart(options: {
  source: ArchiveSource;
  partPath: string;
  file?: GrowingFile;
  signal?: AbortSignal;
  policy?: TransferPolicy;
  onProgress?: (bytesDone: number) => void;
  http?: Got;
}): Promise<{ resumedFrom: number; attempts: number; verifiedBy: StorageCheck; hashes: ObjectHashes }> {
  const { source, partPath, signal } = options;
  const policy = options.policy ?? DEFAULT_TRANSFER;
  const http = options.http ?? storageHttp;
  const file = options.file ?? new GrowingFile(partPath);
  const cancelled = (): LifeboatError =>
    new LifeboatError(
      'cancelled',
      `Download of ${source.label} cancelled; it will resume from where it stopped.`,
    );
  let offset = await partProgress(partPath, source);
  const resumedFrom = offset;
  const meta: PartMeta = { identity: source.identity, size: source.size };
  if (offset > 0) {
    const old = await readMeta(partPath);
    if (old.state === 'ok' && old.meta.etag) meta.etag = old.meta.etag;
    if (old.state === 'ok' && old.meta.hashes) meta.hashes = old.meta.hashes;
  }
  await writeMeta(partPath, meta);
  // The object hash the bytes are checked against: the one of the first response that named one (kept in the
  // meta, so a resumed download keeps checking against the object it started with), fixed at the first
  // response of this run. `hash` is null when nothing can be checked; undefined until that is known.
  let hash: RunningHash | null | undefined;
  let expected: string | null = null;
  /**
   * Decides, once, what the download checks, and starts the running hash with the bytes already in the `.part`.
   * Those are read back from disk once rather than resuming a hash state saved beside the `.part`: an MD5 state
   * cannot be saved, and a saved state may not match the bytes on disk after a crash (the `.part` can hold more
   * or fewer bytes than the state covered), while the prefix on disk is exactly what the final file will hold.
   */
  const decide = async (announced: ObjectHashes): Promise<void> => {
    if (hash !== undefined) return;
    const usable = checkableHash(meta.hashes ?? announced);
    if (!usable) {
      hash = null;
      file.checkedByStorage(null);
      return;
    }
    const running = new RunningHash(usable.algorithm);
    await running.updateFromFile(partPath, offset);
    hash = running;
    expected = usable.expected;
    file.checkedByStorage(usable.algorithm);
  };
  const handle = await open(partPath, 'a');
  options.onProgress?.(offset);
  file.grew();
  let url: string | null = null;
  let failures = 0;
  let refreshes = 0;
  let attempts = 0;
  downloading++;
  try {
    while (offset < source.size) {
      if (signal?.aborted) throw cancelled();
      const expiry = url ? urlExpiry(url) : null;
      if (!url || (expiry !== null && expiry - Date.now() < policy.refreshBeforeExpiryMs))
        url = await source.url(signal);
      const before = offset;
      attempts++;
      try {
        await attempt(url);
      } catch (e) {
        if (signal?.aborted) throw cancelled();
        if (e instanceof LifeboatError) throw e;
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
          throw new LifeboatError(
            'disk-full',
            `The disk filled up while downloading ${source.label}. Free some space; the download will resume from where it stopped.`,
          );
        }
        if (offset > before) {
          failures = 0;
          refreshes = 0;
        }
        if (e instanceof UrlExpired) {
          url = null;
          if (++refreshes > policy.maxUrlRefreshes) {
            throw new LifeboatError(
              'forbidden',
              `The storage keeps refusing ${source.label}, even with fresh download links. Try again later.`,
              redact(e.message),
            );
          }
          continue;
        }
        if (++failures >= policy.maxFailures) {
          throw new LifeboatError(
            'network',
            `Downloading ${source.label} failed ${failures} times in a row (${redact(e instanceof Error ? e.message : String(e))}). Check your connection; the download will resume from ${Math.floor((offset / source.size) * 100)}% next time.`,
          );
        }
        await sleep(Math.min(policy.backoffMs * 2 ** (failures - 1), policy.maxBackoffMs), signal);
        continue;
      }
      if (offset > before) {
        failures = 0;
        refreshes = 0;
      }
    }
    // A `.part` already complete from an earlier run: checked against the hash its meta kept, if any.
    if (hash === undefined) await decide({});
    if (hash && hash.digest() !== expected) {
      await discardPart(partPath);
      throw new LifeboatError(
        'integrity',
        `${source.label} is damaged: its ${hash.algorithm.toUpperCase()} does not match the one Pantheon's storage gives for it. Try again or pick another backup.`,
      );
    }
    // The object hashes the storage named (those the bytes were checked against): a mirror records the MD5.
    return { resumedFrom, attempts, verifiedBy: hash ? hash.algorithm : null, hashes: meta.hashes ?? {} };
  } finally {
    downloading--;
    await handle.close();
  }

  async function attempt(currentUrl: string): Promise<void> {
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const req = http.stream(currentUrl, { headers, signal, timeout: { connect: 15_000, response: 30_000 } });
    // got emits 'error' whenever the connection breaks, also after 'response' while this function awaits something
    // else (the meta write below). An 'error' with no listener crashes the process, and Node prints got's options
    // with the signed URL. So one listener from the first moment to the last keeps the first error; `once` and
    // `pipeline` add their own, and after each await the kept error is checked.
    let broken: Error | null = null;
    req.on('error', (e: Error) => {
      broken ??= e;
    });
    const check = (): void => {
      if (broken) throw broken;
    };
    // One timer checks for a stalled connection; bytes only move a timestamp (cheaper than re-arming a timer per chunk).
    let lastActivity = Date.now();
    const arm = (): void => {
      lastActivity = Date.now();
    };
    const idle = setInterval(
      () => {
        if (Date.now() - lastActivity > policy.idleTimeoutMs) {
          req.destroy(new Retryable(`no data for ${policy.idleTimeoutMs / 1000} s`));
        }
      },
      Math.min(1000, policy.idleTimeoutMs),
    );
    try {
      arm();
      const [res] = (await once(req, 'response')) as [
        { statusCode: number; headers: Record<string, string | undefined> },
      ];
      const status = res.statusCode;
      let skip = 0;
      if (status === 403 || status === 401 || status === 400) {
        req.destroy();
        throw new UrlExpired(`HTTP ${status}`);
      }
      if (status === 404 || status === 410) {
        req.destroy();
        throw new LifeboatError(
          'not-found',
          `${source.label} is no longer in Pantheon's storage (HTTP ${status}). It may have expired; pick another backup.`,
        );
      }
      if (status === 416) {
        req.destroy();
        throw new LifeboatError(
          'integrity',
          `${source.label} on the server is smaller than the ${source.size} bytes the catalog lists: the archive is incomplete.`,
        );
      }
      if (status === 200) {
        const length = Number(res.headers['content-length']);
        if (
          Number.isFinite(length) &&
          res.headers['content-length'] !== undefined &&
          length !== source.size
        ) {
          req.destroy();
          throw new LifeboatError(
            'integrity',
            `${source.label} is ${length} bytes on the server but ${source.size} bytes in the catalog: the archive is incomplete or was replaced. Create a new backup and try again.`,
          );
        }
        skip = offset;
      } else if (status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
        if (!m || Number(m[1]) !== offset) {
          req.destroy();
          throw new Retryable(`unexpected Content-Range "${res.headers['content-range'] ?? ''}"`);
        }
        if (m[3] !== '*' && Number(m[3]) !== source.size) {
          req.destroy();
          throw new LifeboatError(
            'integrity',
            `${source.label} is ${m[3]} bytes on the server but ${source.size} bytes in the catalog: the archive is incomplete.`,
          );
        }
      } else {
        req.destroy();
        throw new Retryable(`HTTP ${status}`);
      }
      const etag = res.headers.etag;
      const announced = parseGoogHash(res.headers['x-goog-hash']);
      // Another ETag or another object hash than the first response named: the object was replaced.
      if ((etag && meta.etag && meta.etag !== etag) || (meta.hashes && differ(meta.hashes, announced))) {
        req.destroy();
        await discardPart(partPath);
        throw new LifeboatError(
          'integrity',
          `${source.label} changed on the server while it was being downloaded. Start the download again.`,
        );
      }
      let learned = false;
      if (etag && !meta.etag) {
        meta.etag = etag;
        learned = true;
      }
      if (!meta.hashes && hash === undefined && Object.keys(announced).length > 0) {
        meta.hashes = announced;
        learned = true;
      }
      if (learned) {
        await writeMeta(partPath, meta);
        check();
      }
      if (hash === undefined) {
        await decide(announced);
        check();
        arm();
      }
      const sink = new Writable({
        highWaterMark: sinkSize(),
        writev(chunks, cb) {
          const bufs = chunks.map((c) => c.chunk as Buffer);
          const remaining = source.size - offset;
          let total = bufs.reduce((n, b) => n + b.length, 0);
          // Never write past the catalog size, whatever the server sends.
          if (total > remaining) {
            let keep = remaining;
            for (let i = 0; i < bufs.length; i++) {
              const b = bufs[i]!;
              bufs[i] = b.subarray(0, Math.max(0, Math.min(b.length, keep)));
              keep -= bufs[i]!.length;
            }
            total = remaining;
          }
          handle.writev(bufs).then(
            () => {
              // Hashed once written, so the hash covers exactly the bytes on disk.
              if (hash) for (const b of bufs) hash.update(b);
              const at = offset;
              offset += total;
              arm();
              file.grew(bufs, at);
              options.onProgress?.(offset);
              cb();
            },
            (e: Error) => cb(e),
          );
        },
      });
      const feed = skip > 0 ? skipBytes(skip) : req;
      const piped = skip > 0 ? pipeline(req, feed, sink) : pipeline(req, sink);
      // What one turn of the event loop brings (up to 32 reads of 64 KiB from the socket) goes out as one write:
      // far fewer writes, progress reports and wake-ups of the readers, and no byte waits past its turn. Runs
      // before the pipe's own listener writes the chunk; the buffer stays bounded by the sink's high-water mark.
      let corked = false;
      feed.prependListener('data', () => {
        if (corked) return;
        corked = true;
        sink.cork();
        setImmediate(() => {
          corked = false;
          sink.uncork();
        });
      });
      await piped;
    } catch (e) {
      // Whatever stopped this attempt (a failed meta write too), its connection goes with it.
      req.destroy();
      throw e;
    } finally {
      clearInterval(idle);
    }
  }
}
