import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BackupArchive, Site } from '@shared/models';
import { exists } from '../fs-util';
import type { PantheonClient } from '../pantheon/client';
import { discardPart, downloadToPart, type TransferPolicy } from '../transfer/download';
import { GrowingFile } from '../transfer/growing-file';
import { partPathOf } from '../transfer/names';
import type { ObjectHashes } from '../transfer/storage-hash';
import { settleDownload } from '../transfer/settle';
import { LifeboatError } from '../errors';
import { archiveLabel } from './plan';

/** One archive to fetch, from Pantheon or from a file on this disk, and what reads it as it comes. */
export type FetchRequest<T> = FetchCommon<T> & (FromPantheon | FromLocal);

/** Downloaded from Pantheon's storage, through signed URLs the client asks for. */
interface FromPantheon {
  readonly client: PantheonClient;
  readonly site: Site;
  readonly env: string;
  readonly local?: undefined;
}

/** Read from a file already on this disk (a mirror's archive): no network. */
interface FromLocal {
  readonly local: LocalArchive;
  /**
   * Also put a copy of it at `finalPath` (an archive the restore keeps: the database's); otherwise the file is only
   * read, where it is (an archive that is extracted), so a big files archive is not written a second time.
   */
  readonly copy: boolean;
  readonly client?: undefined;
}

/** An archive on this disk that is not Lifeboat's to change: it is read, never written, moved or removed. */
export interface LocalArchive {
  readonly path: string;
  /** What its bytes hash to (hex), as recorded when they were verified; anything else is damage. */
  readonly sha256: string;
  /** What to do about a file that no longer matches (`check the mirror with lifeboat mirror verify DIR`). */
  readonly advice: string;
}

interface FetchCommon<T> {
  readonly archive: BackupArchive;
  /** Where the finished archive goes; the download grows in `<finalPath>.part` (see partPathOf). */
  readonly finalPath: string;
  /** Reads the archive as it grows (from memory when it keeps up); rejects on damage. */
  readonly consume: (reader: Readable, signal: AbortSignal) => Promise<T>;
  /** Also undone when the archive turns out damaged or hostile (a partial extraction). */
  readonly discardAlso?: () => Promise<unknown>;
  readonly transfer?: TransferPolicy;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/** What a fetch produced. */
export interface Fetched<T> {
  readonly result: T;
  /** Bytes that were already on disk from an earlier attempt. */
  readonly resumedFrom: number;
  /** The object hashes the storage named for what was downloaded; null when a kept finished file was read instead. */
  readonly storageHashes: ObjectHashes | null;
}

/**
 * Fetches one archive the way every restore and download does: appended to a resumable `.part`, read by
 * `consume` while it grows, and renamed to `finalPath` only once both the transfer and the reader are done.
 * A finished archive kept from an earlier attempt is read from disk instead. A damaged or hostile archive is
 * discarded whole (the `.part`, a kept copy and whatever `discardAlso` undoes), so no later run reuses it;
 * any other failure keeps the `.part` to resume.
 */
export async function fetchArchive<T>(req: FetchRequest<T>): Promise<Fetched<T>> {
  if (req.local) return fetchLocal(req, req.local, req.copy);
  const { archive } = req;
  const label = archiveLabel(archive.element);
  const partPath = partPathOf(req.finalPath);
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort();
  if (req.signal?.aborted) inner.abort();
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const already = await exists(req.finalPath);
    const file = new GrowingFile(already ? req.finalPath : partPath);
    let resumedFrom = 0;
    let storageHashes: ObjectHashes | null = null;
    if (already) {
      file.finish();
      req.onProgress?.(archive.size, archive.size);
    }
    const download = already
      ? Promise.resolve()
      : downloadToPart({
          source: {
            label,
            identity: `${archive.folder}/${archive.filename}`,
            size: archive.size,
            url: (s) => req.client.archiveUrl(req.site, req.env, archive.folder, archive.element, s),
          },
          partPath,
          file,
          signal: inner.signal,
          ...(req.transfer ? { policy: req.transfer } : {}),
          onProgress: (done) => req.onProgress?.(done, archive.size),
        }).then(
          (r) => {
            resumedFrom = r.resumedFrom;
            storageHashes = r.hashes;
            file.finish();
          },
          (e: unknown) => {
            file.fail(e as Error);
            throw e;
          },
        );
    let result: T | undefined;
    const reader = req.consume(file.reader({ signal: inner.signal }), inner.signal).then(
      (r) => {
        result = r;
      },
      (e: unknown) => {
        // The reader failed (damage, a hostile entry, a full disk): stop the transfer too.
        inner.abort();
        throw e;
      },
    );
    await settleDownload(download, reader, () =>
      Promise.all([
        discardPart(partPath),
        already ? rm(req.finalPath, { force: true }) : undefined,
        req.discardAlso?.(),
      ]),
    );
    if (!already) {
      await rename(partPath, req.finalPath);
      await rm(`${partPath}.json`, { force: true });
    }
    return { result: result as T, resumedFrom, storageHashes };
  } finally {
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Bytes read from a local archive at a time (what a reader that keeps up takes from memory). */
const LOCAL_CHUNK = 256 << 10;

/**
 * Fetches an archive from a file on this disk the way {@link fetchArchive} downloads one, so that `consume` (the
 * same extraction, verification and streaming import) cannot tell the difference: the file is read from its first
 * byte into a growing file that `consume` follows, and its sha256 is computed over those bytes and compared at the
 * end. The reader reaches the end only once that matched; a mismatch fails it as an `integrity` error naming the
 * file. What damage or a hostile archive undoes is only this restore's own (the copy in `.part`, `discardAlso`'s
 * extraction): the local file itself is opened read-only and never removed or renamed, whatever it holds.
 */
async function fetchLocal<T>(req: FetchCommon<T>, local: LocalArchive, copy: boolean): Promise<Fetched<T>> {
  const { archive } = req;
  const label = archiveLabel(archive.element);
  const partPath = partPathOf(req.finalPath);
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort();
  if (req.signal?.aborted) inner.abort();
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const source = await openLocal(local, archive.size, label);
    // Not copied: readers follow the local file itself, bounded by what was hashed so far (the growing file's
    // readers never pass the bytes reported to it). Copied: they follow the copy, as they follow a download.
    const file = new GrowingFile(copy ? partPath : local.path);
    // The sha256 vouches for the bytes only at the end: a kept archive is read through gunzip as it comes, as
    // one downloaded without a storage hash is (only CPU, and the mirror's own check of its gzip once more).
    file.checkedByStorage(null);
    const reading = readLocal(
      source,
      local,
      archive.size,
      label,
      file,
      copy ? partPath : null,
      inner.signal,
      (done) => req.onProgress?.(done, archive.size),
    ).then(
      () => file.finish(),
      (e: unknown) => {
        file.fail(e as Error);
        throw e;
      },
    );
    let result: T | undefined;
    const reader = req.consume(file.reader({ signal: inner.signal }), inner.signal).then(
      (r) => {
        result = r;
      },
      (e: unknown) => {
        // Damage the reader found (a gzip CRC) lets the hashing finish: its verdict says which file changed.
        if (!(e instanceof LifeboatError && e.code === 'integrity')) inner.abort();
        throw e;
      },
    );
    const discard = () => Promise.all([copy ? discardPart(partPath) : undefined, req.discardAlso?.()]);
    const [read] = await Promise.allSettled([reading, reader]);
    // Bytes that are not the mirrored ones: that is the cause, whatever the reader made of them.
    if (
      read.status === 'rejected' &&
      read.reason instanceof LifeboatError &&
      read.reason.code === 'integrity'
    ) {
      await discard();
      throw read.reason;
    }
    await settleDownload(reading, reader, discard);
    if (copy) await rename(partPath, req.finalPath);
    return { result: result as T, resumedFrom: 0, storageHashes: null };
  } finally {
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * Opens a local archive for reading without following a link (the handle then is what was checked: a regular
 * file of the expected size). Where the platform has no O_NOFOLLOW (Windows), the handle's own stat still tells
 * a file from anything else.
 */
async function openLocal(local: LocalArchive, size: number, label: string): Promise<FileHandle> {
  const damaged = (what: string): LifeboatError =>
    new LifeboatError(
      'integrity',
      `${label}, ${local.path}, ${what}. Nothing was restored from it; ${local.advice}`,
    );
  let handle: FileHandle;
  try {
    handle = await open(local.path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw damaged('is a symbolic link, not the archive that was mirrored');
    if (code === 'ENOENT' || code === 'ENOTDIR') throw damaged('is missing');
    throw e;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw damaged('is not a regular file');
    if (st.size !== size) throw damaged(`is ${st.size} bytes, not the ${size} it had when it was mirrored`);
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * Reads the opened local archive to its end into `file` (and into `copyTo` when given), hashing every byte, and
 * closes it; rejects with an `integrity` error when the bytes are not those recorded (their sha256 or their count).
 */
async function readLocal(
  source: FileHandle,
  local: LocalArchive,
  size: number,
  label: string,
  file: GrowingFile,
  copyTo: string | null,
  signal: AbortSignal,
  onProgress: (done: number) => void,
): Promise<void> {
  let out: FileHandle | null = null;
  try {
    out = copyTo ? await open(copyTo, 'w') : null;
    const hash = createHash('sha256');
    let at = 0;
    for (;;) {
      if (signal.aborted) throw new LifeboatError('cancelled', `Reading ${label} was cancelled.`);
      // A fresh buffer each time: readers that keep up hold on to the chunks given to them.
      const buf = Buffer.allocUnsafe(LOCAL_CHUNK);
      const { bytesRead } = await source.read(buf, 0, LOCAL_CHUNK, at);
      if (bytesRead === 0 || at + bytesRead > size) {
        if (bytesRead === 0 && at === size) break;
        throw new LifeboatError(
          'integrity',
          `${label}, ${local.path}, changed while it was read (it is no longer ${size} bytes). Nothing was restored from it; ${local.advice}`,
        );
      }
      const chunk = bytesRead === LOCAL_CHUNK ? buf : buf.subarray(0, bytesRead);
      hash.update(chunk);
      if (out) {
        for (let written = 0; written < bytesRead;) {
          const w = await out.write(chunk, written, bytesRead - written, at + written);
          written += w.bytesWritten;
        }
      }
      file.grew([chunk], at);
      at += bytesRead;
      onProgress(at);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== local.sha256)
      throw new LifeboatError(
        'integrity',
        `${label}, ${local.path}, is damaged: its sha256 is ${sha256}, not the ${local.sha256} it had when it was mirrored. Nothing was restored from it; ${local.advice}`,
      );
  } finally {
    await out?.close();
    await source.close();
  }
}
