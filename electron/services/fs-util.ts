import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, rm, stat } from 'node:fs/promises';

/** True if something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True if `path` is a directory. */
export async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Removes a folder Lifeboat staged, retrying while a stopped extractor's last writes land (ENOTEMPTY), and
 * never failing the caller: cleanup must not hide the error that made it necessary.
 */
export async function removeStaged(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
}

/**
 * A small regular file's text, or null when it is not one: missing, a symlink (never followed), a FIFO (which
 * would block the reader until a writer comes), a device, a folder, over `limit` bytes, or growing while read. The
 * checks are made on the opened file, so swapping the file after a look cannot get around them. `failed` decides
 * about an error that says nothing of what the file is (return null to skip it, or throw); by default null.
 */
export async function readSmallFile(
  path: string,
  limit: number,
  failed: (e: unknown) => null = () => null,
): Promise<string | null> {
  let fh;
  // Windows has no O_NOFOLLOW (opening a link opens its target): there the path is looked at first (lstat), and
  // the file opened must be the one looked at, so a link swapped in between is refused too.
  let looked: BigIntStats | null = null;
  if (constants.O_NOFOLLOW === undefined) {
    try {
      looked = await lstat(path, { bigint: true });
    } catch (e) {
      return failed(e);
    }
    if (!looked.isFile()) return null;
  }
  try {
    // O_NOFOLLOW fails on a symlink; O_NONBLOCK lets a FIFO without a writer open at once (then refused).
    fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return failed(e);
  }
  try {
    const st = await fh.stat({ bigint: true });
    if (looked && (st.ino !== looked.ino || st.dev !== looked.dev)) return null;
    if (!st.isFile() || Number(st.size) > limit) return null;
    // One byte more than its size: a file that grows while it is read is not read whole, and is refused.
    const buf = Buffer.alloc(Number(st.size) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > Number(st.size)) return null;
    }
    return buf.subarray(0, got).toString('utf8');
  } catch (e) {
    return failed(e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
