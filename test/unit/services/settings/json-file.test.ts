import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonFile } from '../../../../electron/services/settings/json-file';
import { noPermissionBits } from '../../../helpers/platform';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-json-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('JsonFile', () => {
  it('returns the fallback until written, then the written value', async () => {
    const f = new JsonFile(join(dir, 'sub', 'a.json'), () => ({ n: 0 }));
    expect(await f.read()).toEqual({ n: 0 });
    await f.write({ n: 1 });
    expect(await f.read()).toEqual({ n: 1 });
    // Private to the user (not checked on Windows, which has no POSIX permission bits).
    if (noPermissionBits === null) expect((await stat(f.path)).mode & 0o777).toBe(0o600);
  });

  it('serializes concurrent updates without losing any', async () => {
    const f = new JsonFile(join(dir, 'c.json'), () => ({ n: 0 }));
    await Promise.all(Array.from({ length: 20 }, () => f.update((v) => ({ n: v.n + 1 }))));
    expect(await f.read()).toEqual({ n: 20 });
    expect(await readdir(dir)).toEqual(['c.json']);
  });

  it('reports a corrupt file by name instead of overwriting it', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, '{not json');
    const f = new JsonFile(path, () => ({}));
    await expect(f.read()).rejects.toMatchObject({
      code: 'io',
      message: expect.stringContaining('bad.json is not valid JSON'),
    });
    expect(await readFile(path, 'utf8')).toBe('{not json');
  });
});
