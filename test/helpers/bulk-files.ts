import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `dirs` × 100 small files under `<files>/bulk/<d>/f<n>.txt`, all dated 2024-01-01: enough uploads that an
 * update's apply (a move aside and a move in for each) takes long enough to be killed in the middle of.
 */
export async function writeBulkUploads(files: string, dirs: number): Promise<void> {
  const old = new Date('2024-01-01T00:00:00Z');
  for (let d = 0; d < dirs; d++) {
    await mkdir(join(files, 'bulk', String(d)), { recursive: true });
    for (let f = 0; f < 100; f++) {
      const p = join(files, 'bulk', String(d), `f${f}.txt`);
      await writeFile(p, `file ${d}/${f}\n`);
      await utimes(p, old, old);
    }
  }
}
