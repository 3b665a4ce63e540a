import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
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

/** Formats a byte count for people: 1.5 GB, 340 MB, 12 kB. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

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
