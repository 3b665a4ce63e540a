import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors';
import { growingFileOf } from './growing-file';

/**
 * Verifies an archive that is kept as downloaded. When the source follows a download that checks the storage's
 * own hash of the object (CRC32C or MD5 from `x-goog-hash`), the download's success is the verification and the
 * archive is not inflated: the storage vouches for the bytes, so a gzip damaged before it was stored (which
 * only its inflate would show) passes here, and is found where the archive is consumed anyway (extraction,
 * database import, which inflate it and check its CRC). Otherwise it reads the gzip stream to its end, checking
 * its CRC and length; a damaged stream is an `integrity` error naming it.
 */
export async function verifyGzip(source: Readable, label: string, signal?: AbortSignal): Promise<void> {
  const file = growingFileOf(source);
  if (file && (await file.storageCheck(signal))) {
    // Nothing to read: the download's failure (a different hash included) is this verification's failure.
    // Any other failure (a full disk, a lost connection) is rethrown as it is and keeps the `.part` to resume.
    source.destroy();
    await file.settled(signal);
    return;
  }
  try {
    await pipeline(
      source,
      createGunzip({ chunkSize: 1 << 20 }),
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
  } catch (e) {
    if (signal?.aborted) throw e;
    // The download's own failure (a dropped connection) reaches here through the reader: it says nothing about
    // the archive, which stays resumable. Only what gunzip finds wrong is damage.
    if (e instanceof LifeboatError) throw e;
    throw new LifeboatError(
      'integrity',
      `${label} is damaged (${(e as Error).message}). Try again or pick another backup.`,
    );
  }
}
