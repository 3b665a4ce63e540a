import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** What one pass over an archive's bytes found. */
export interface ArchiveDigest {
  /** Hex, over every byte read. */
  readonly sha256: string;
  readonly size: number;
  /** What gunzip found wrong (a flipped bit, a cut stream, a bad CRC or length); null when it inflated whole. */
  readonly gzipError: Error | null;
}

/**
 * Reads an archive once: its sha256 over every byte, and its gzip stream inflated to the end (which checks
 * each member's CRC32 and length) with the output thrown away. Memory stays bounded: the inflater's backpressure
 * holds the reader. A gzip error does not stop the hashing, so a damaged archive still gets its true sha256 (which
 * tells bit rot from an archive that was damaged when it was made). A failing reader (the download's own error,
 * a cancellation) rejects as it is.
 */
export async function digestArchive(source: Readable): Promise<ArchiveDigest> {
  const sha = createHash('sha256');
  let size = 0;
  let gzipError: Error | null = null;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  gunzip.on('error', (e: Error) => {
    gzipError ??= e;
  });
  gunzip.resume();
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      sha.update(chunk);
      size += chunk.length;
      if (gzipError || gunzip.destroyed) continue;
      if (!gunzip.write(chunk)) {
        // `once` rejects when the inflater fails while it is waited on: the error is already kept.
        await once(gunzip, 'drain').catch(() => undefined);
      }
    }
    if (!gzipError && !gunzip.destroyed) {
      gunzip.end();
      await finished(gunzip).catch((e: Error) => {
        gzipError ??= e;
      });
    }
  } finally {
    gunzip.destroy();
  }
  return { sha256: sha.digest('hex'), size, gzipError };
}
