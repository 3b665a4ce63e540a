import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBytes } from '@shared/format';
import { LifeboatError } from '../errors';

/** Free bytes for an unprivileged user on the filesystem holding `path` (or its nearest existing parent). */
export type FreeSpaceProbe = (path: string) => Promise<number>;

/** The real probe: statfs on the path or the first parent that exists. */
export const statfsFreeSpace: FreeSpaceProbe = async (path) => {
  let p = path;
  for (;;) {
    try {
      const s = await statfs(p);
      return s.bavail * s.bsize;
    } catch (e) {
      const parent = dirname(p);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw e;
      p = parent;
    }
  }
};

export { formatBytes } from '@shared/format';

/** Room left on purpose so the system does not run dry. */
export const DISK_MARGIN = 64 * 1024 * 1024;

/** Fails with `disk-full`, with the numbers, when `needed` bytes (plus a margin) do not fit at `path`. */
export async function ensureFreeSpace(
  path: string,
  needed: number,
  probe: FreeSpaceProbe = statfsFreeSpace,
): Promise<void> {
  const free = await probe(path);
  if (needed + DISK_MARGIN > free) {
    throw new LifeboatError(
      'disk-full',
      `Not enough disk space in ${path}: this needs about ${formatBytes(needed)} but only ${formatBytes(free)} is free. Free up ${formatBytes(needed + DISK_MARGIN - free)} or choose another folder.`,
      `needed=${needed} free=${free} margin=${DISK_MARGIN}`,
    );
  }
}
