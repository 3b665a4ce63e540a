import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';

/** How far a measure goes before it gives up: a copy's size is a hint, never worth a long wait. */
export interface SizeLimits {
  readonly maxMs: number;
  readonly maxEntries: number;
}

export const SIZE_LIMITS: SizeLimits = { maxMs: 10_000, maxEntries: 1_000_000 };

/** Entries stat'ed at once: enough to keep a disk busy, few enough to leave the event loop to others. */
const LANES = 16;

/**
 * The bytes a folder takes on disk (allocated blocks, each hard-linked file once), walked without following
 * links; null when it cannot be read or the walk goes past `limits` (a copy with a huge node_modules, a
 * network drive), so a caller never waits more than about `maxMs`.
 */
export async function sizeOnDisk(root: string, limits: SizeLimits = SIZE_LIMITS): Promise<number | null> {
  const deadline = Date.now() + limits.maxMs;
  const seen = new Set<string>();
  let entries = 0;
  let total = 0;
  const count = (st: { blocks: number; size: number; nlink: number; dev: number; ino: number }): void => {
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    // Where the OS reports no blocks (Windows), the apparent size is the best there is.
    total += st.blocks > 0 || st.size === 0 ? st.blocks * 512 : st.size;
  };
  try {
    const top = await lstat(root);
    if (!top.isDirectory()) return null;
    count(top);
    const dirs = [root];
    while (dirs.length > 0) {
      const dir = dirs.pop()!;
      const names: string[] = [];
      for await (const d of await opendir(dir)) {
        names.push(d.name);
        if (++entries > limits.maxEntries || Date.now() > deadline) return null;
      }
      for (let i = 0; i < names.length; i += LANES) {
        const batch = names.slice(i, i + LANES).map((n) => join(dir, n));
        const stats = await Promise.all(batch.map((p) => lstat(p).catch(() => null)));
        stats.forEach((st, k) => {
          if (!st) return;
          count(st);
          if (st.isDirectory()) dirs.push(batch[k]!);
        });
        if (Date.now() > deadline) return null;
      }
    }
    return total;
  } catch {
    return null;
  }
}
