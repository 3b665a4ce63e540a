import { rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BackupArchive, Site } from '@shared/models';
import { exists } from '../fs-util';
import type { PantheonClient } from '../pantheon/client';
import { discardPart, downloadToPart, type TransferPolicy } from '../transfer/download';
import { GrowingFile } from '../transfer/growing-file';
import { partPathOf } from '../transfer/names';
import { settleDownload } from '../transfer/settle';
import { archiveLabel } from './plan';

/** One archive to fetch, and what reads it while it downloads (verify, extract). */
export interface FetchRequest<T> {
  readonly client: PantheonClient;
  readonly site: Site;
  readonly env: string;
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
}

/**
 * Fetches one archive the way every restore and download does: appended to a resumable `.part`, read by
 * `consume` while it grows, and renamed to `finalPath` only once both the transfer and the reader are done.
 * A finished archive kept from an earlier attempt is read from disk instead. A damaged or hostile archive is
 * discarded whole (the `.part`, a kept copy and whatever `discardAlso` undoes), so no later run reuses it;
 * any other failure keeps the `.part` to resume.
 */
export async function fetchArchive<T>(req: FetchRequest<T>): Promise<Fetched<T>> {
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
    return { result: result as T, resumedFrom };
  } finally {
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}
