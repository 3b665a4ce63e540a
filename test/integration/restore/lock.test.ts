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

describe.skipIf(process.platform !== 'linux')(
  'a lock whose pid was handed to another process (Linux: /proc)',
  () => {
    /** This process's boot id and start (clock ticks since boot), as a lock taken now records them. */
    const me = async (): Promise<{ boot: string; start: number }> => {
      const stat = await readFile('/proc/self/stat', 'utf8');
      const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      return { boot: (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(), start };
    };
    const host = async (): Promise<string> => (await import('node:os')).hostname();

    it("records its holder's boot and start, and refuses a lock whose running holder they name", async () => {
      const path = join(dir, 'lock');
      const lock = await acquireLock(path, 'A mirror of x.live');
      expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, ...(await me()) });
      await lock.release();
      // A lock written by this very process (same boot, same start): its holder runs, so it is busy.
      await writeFile(
        path,
        JSON.stringify({
          pid: process.pid,
          host: await host(),
          what: 'mine',
          since: new Date().toISOString(),
          ...(await me()),
        }),
      );
      await expect(acquireLock(path, 'another')).rejects.toMatchObject({ code: 'conflict' });
    });

    it('takes over a lock naming a live pid with another start or boot: the process it names ended (a reboot)', async () => {
      const path = join(dir, 'lock');
      const { boot, start } = await me();
      for (const other of [
        { boot, start: start + 1 },
        { boot: `${boot.slice(0, -1)}x`, start },
      ]) {
        await writeFile(
          path,
          JSON.stringify({
            pid: process.pid,
            host: await host(),
            what: 'before',
            since: new Date().toISOString(),
            ...other,
          }),
        );
        const lock = await acquireLock(path, 'A mirror of x.live');
        expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ what: 'A mirror of x.live' });
        await lock.release();
      }
    });
  },
);
