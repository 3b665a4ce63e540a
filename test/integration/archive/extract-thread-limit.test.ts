/**
 * How many big archives are extracted in threads at once (archive/extract-file.ts): one per core by default, and
 * as many as setExtractionThreadLimit allows, which the engine's own process raises so that no pull extracts in
 * the thread that answers the UI.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractArchive, setExtractionThreadLimit } from '../../../electron/services/archive/extract-file';
import { GrowingFile } from '../../../electron/services/transfer/growing-file';
import { rawTarGz } from '../../helpers/tarball';
import { until } from '../../helpers/until';

let root: string;
let limitBefore: number | null = null;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-extract-limit-'));
});
afterEach(async () => {
  if (limitBefore !== null) setExtractionThreadLimit(limitBefore);
  limitBefore = null;
  await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
});

const archive = rawTarGz([
  { path: 'files_live/', type: 'Directory' },
  { path: 'files_live/a.txt', body: 'alpha' },
]);

/**
 * Starts `n` extractions of downloads that have not begun, and waits until `inThreads` of them have handed their
 * file to a thread (a thread reads the file itself and closes the stream it was given); then the downloads end.
 */
async function extractAtOnce(n: number, inThreads: number) {
  const files: GrowingFile[] = [];
  const sources: Readable[] = [];
  const results: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const file = new GrowingFile(join(root, `${i}.part`));
    await writeFile(file.path, '');
    const dest = join(root, `out-${i}`);
    await mkdir(dest);
    const source = file.reader();
    files.push(file);
    sources.push(source);
    results.push(
      extractArchive(source, dest, { label: `archive ${i}`, size: archive.length, threadFrom: 0 }).catch(
        (e: unknown) => e,
      ),
    );
  }
  try {
    await until(
      `${inThreads} extractions in threads`,
      async () => sources.filter((s) => s.destroyed).length >= inThreads,
      20_000,
    );
  } finally {
    // Every download ends either way: the extractions still waiting for bytes finish too.
    for (const file of files) {
      await writeFile(file.path, archive);
      file.grew();
      file.finish();
    }
  }
  return Promise.all(results);
}

describe('extraction threads at once', () => {
  it('runs as many big archives in threads as the limit allows, the rest in this thread', async () => {
    const limit = availableParallelism() + 1;
    limitBefore = setExtractionThreadLimit(limit);
    const results = await extractAtOnce(limit + 1, limit);
    expect(results.filter((r) => (r as { inThread?: true }).inThread === true)).toHaveLength(limit);
    // The one over the limit extracted here, with the same result.
    const here = results.filter((r) => !(r as { inThread?: true }).inThread);
    expect(here).toEqual([{ entries: 2, bytes: 5 }]);
    for (let i = 0; i <= limit; i++)
      expect(await readFile(join(root, `out-${i}`, 'files_live', 'a.txt'), 'utf8')).toBe('alpha');
  });

  it('is one per core unless raised', async () => {
    limitBefore = setExtractionThreadLimit(1);
    expect(limitBefore).toBe(availableParallelism());
    expect(setExtractionThreadLimit(0)).toBe(1);
    // Never below one: a bad value does not move every extraction into the downloading thread.
    expect(setExtractionThreadLimit(1)).toBe(1);
  });
});
