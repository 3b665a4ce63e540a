import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors';

/** Reads a gzip stream to its end, checking its CRC and length; a damaged stream is an `integrity` error naming it. */
export async function verifyGzip(source: Readable, label: string, signal?: AbortSignal): Promise<void> {
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
