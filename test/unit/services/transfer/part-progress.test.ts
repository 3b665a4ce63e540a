import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { partProgress } from '../../../../electron/services/transfer/download';

const source = { identity: '1700000000_backup/site_live_files.tar.gz', size: 1000 };
let dir: string;
let part: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-part-progress-'));
  part = join(dir, 'site_live_files.tar.gz.part');
  return () => rm(dir, { recursive: true, force: true });
});

const files = async () => (await readdir(dir)).sort();

describe('partProgress', () => {
  it('counts the bytes of a .part whose metadata names this archive', async () => {
    await writeFile(part, Buffer.alloc(300));
    await writeFile(`${part}.json`, JSON.stringify({ ...source, etag: '"abc"' }));
    expect(await partProgress(part, source)).toBe(300);
  });

  it.each([
    ['empty', ''],
    ['cut mid-write', '{"identity":"1700000000_ba'],
    ['not an object', 'null'],
    ['the wrong shape', '{"identity":7,"size":"1000"}'],
  ])('keeps the .part when its metadata is %s', async (_what, text) => {
    await writeFile(part, Buffer.alloc(300));
    await writeFile(`${part}.json`, text);
    expect(await partProgress(part, source)).toBe(300);
    expect(await files()).toEqual(['site_live_files.tar.gz.part', 'site_live_files.tar.gz.part.json']);
  });

  it('discards a .part whose metadata names another archive or size, or that is larger than the archive', async () => {
    for (const meta of [
      { identity: 'other/x.tar.gz', size: 1000 },
      { identity: source.identity, size: 999 },
    ]) {
      await writeFile(part, Buffer.alloc(300));
      await writeFile(`${part}.json`, JSON.stringify(meta));
      expect(await partProgress(part, source)).toBe(0);
      expect(await files()).toEqual([]);
    }
    await writeFile(part, Buffer.alloc(1001));
    await writeFile(`${part}.json`, '');
    expect(await partProgress(part, source)).toBe(0);
    expect(await files()).toEqual([]);
  });

  it('only estimates when asked not to discard: nothing on disk changes', async () => {
    await writeFile(part, Buffer.alloc(300));
    await writeFile(`${part}.json`, JSON.stringify({ identity: 'other/x.tar.gz', size: 1000 }));
    expect(await partProgress(part, source, { discard: false })).toBe(0);
    expect(await files()).toEqual(['site_live_files.tar.gz.part', 'site_live_files.tar.gz.part.json']);
  });

  it('is 0 when there is no .part at all', async () => {
    expect(await partProgress(part, source)).toBe(0);
  });
});
