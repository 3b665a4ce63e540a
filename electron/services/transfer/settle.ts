import { LifeboatError } from '../errors';

const damaged = (e: unknown): boolean =>
  e instanceof LifeboatError && (e.code === 'integrity' || e.code === 'hostile-archive');

/**
 * Waits for a download and the reader that verifies or extracts it as it grows. A damaged or hostile archive is
 * reported before any transfer error (it is the real cause) and its bytes are discarded, so the next attempt
 * starts over instead of resuming into them. A reader that failed otherwise (a full disk) also wins over the
 * cancellation it caused (not a reader stopped by the caller's cancellation); otherwise the download's own error
 * wins.
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
    // The reader's failure stopped the transfer (a full disk while extracting): it is the cause to report.
    // A reader stopped by the same cancellation (an AbortError) is not: the download's own error says it resumes.
    const stopped =
      d.status === 'rejected' &&
      d.reason instanceof LifeboatError &&
      d.reason.code === 'cancelled' &&
      !(r.reason instanceof Error && r.reason.name === 'AbortError');
    if (d.status === 'fulfilled' || stopped) throw r.reason;
  }
  if (d.status === 'rejected') throw d.reason;
}
