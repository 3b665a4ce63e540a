import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../../electron/services/restore/lock';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-lock-unit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the target lock', () => {
  it('takes over an empty lock file: a process killed between creating it and writing its record', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, '');
    const lock = await acquireLock(path, 'A restore of x.live');
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({
      pid: process.pid,
      what: 'A restore of x.live',
    });
    await lock.release();
  });

  it('takes over a lock whose process is gone, refuses one that runs, and leaves a file that is not a lock', async () => {
    const path = join(dir, 'lock');
    await writeFile(
      path,
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import('node:os')).hostname(),
        what: 'old',
        since: '',
      }),
    );
    const lock = await acquireLock(path, 'A restore of x.live');
    await expect(acquireLock(path, 'another')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('A restore of x.live is already running there'),
    });
    await lock.release();
    await writeFile(path, 'my own notes');
    await expect(acquireLock(path, 'another')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('is not one of its own'),
    });
    expect(await readFile(path, 'utf8')).toBe('my own notes');
  });
});
