import { LifeboatError } from '../errors';

const damaged = (e: unknown): boolean =>
  e instanceof LifeboatError && (e.code === 'integrity' || e.code === 'hostile-archive');

/**
 * Waits for a download and the reader that verifies or extracts it as it grows. A damaged or hostile archive is
 * reported before any transfer error (it is the real cause) and its bytes are discarded, so the next attempt
 * starts over instead of resuming into them; otherwise the download's own error wins.
 */
export async function settleDownload(
  download: Promise<unknown>,
  reader: Promise<unknown>,
  discard: () => Promise<unknown>,
): Promise<void> {
  const [d, r] = await Promise.allSettled([download, reader]);
  if (r.status === 'rejected') {
    if (damaged(r.reason)) {
      await discard();
      throw r.reason;
    }
    if (d.status === 'fulfilled') throw r.reason;
  }
  if (d.status === 'rejected') throw d.reason;
}
