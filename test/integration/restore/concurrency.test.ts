import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import { lifeboat } from '../../helpers/cli';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';

const run = promisify(execFile);
let sandbox: Sandbox;
let dana: PantheonClient;
let dir: string;
const quiet: RestoreContext = { phase: () => undefined, part: () => undefined };

beforeAll(async () => {
  sandbox = await testSandbox();
  dana = clientFor(sandbox, DANA);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-lock-'));
  sandbox.setFaults({});
  return () => rm(dir, { recursive: true, force: true });
});

describe('two restores into the same folder', () => {
  it('in one process: the second gets a conflict naming the first, which completes intact', async () => {
    // Slow storage, lifted only once the second has been refused: the first is surely still running.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 20_000 } });
    const site = await dana.getSite('acme-blog');
    const request = {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest' as const,
      elements: ['code', 'files'] as const,
      targetDir: dir,
      branch: 'one',
    };
    const first = runRestore({ client: dana, site }, request, quiet);
    // Wait until the first holds the lock (its staging folder exists).
    for (let i = 0; i < 200 && !(await readdir(dir)).includes('.acme-blog-live.lifeboat'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const second = await runRestore({ client: dana, site }, { ...request, branch: 'two' }, quiet).catch(
      (e: unknown) => e,
    );
    expect(second).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/A restore of acme-blog\.live is already running there \(process \d+/),
    });
    sandbox.setFaults({});
    const done = await first;
    // The first restore is whole: its branch checked out, no tracked file missing.
    expect((await run('git', ['branch', '--show-current'], { cwd: done.path })).stdout.trim()).toBe('one');
    expect((await run('git', ['status', '--porcelain'], { cwd: done.path })).stdout.trim()).toBe('');
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
  });

  it('across processes: a second `lifeboat pull` exits 7 naming the running one', async () => {
    sandbox.setFaults({ store: { throttleBytesPerSecond: 20_000 } });
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    const args = [
      '--api-url',
      sandbox.apiUrl,
      '--machine-token',
      token,
      'pull',
      'acme-blog.live',
      '--to',
      dir,
    ];
    let firstPid = 0;
    const first = lifeboat([...args, '--branch', 'one'], {}, (c) => (firstPid = c.pid ?? 0));
    for (let i = 0; i < 300 && !(await readdir(dir)).includes('.acme-blog-live.lifeboat'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const second = await lifeboat([...args, '--branch', 'two']);
    expect(second.code).toBe(7);
    expect(second.stderr).toContain(
      `A restore of acme-blog.live is already running there (process ${firstPid}`,
    );
    sandbox.setFaults({});
    const r = await first;
    expect(r.code).toBe(0);
    const root = join(dir, 'acme-blog-live');
    expect((await run('git', ['branch', '--show-current'], { cwd: root })).stdout.trim()).toBe('one');
    expect((await run('git', ['status', '--porcelain'], { cwd: root })).stdout.trim()).toBe('');
  });

  it('a lock left by a killed process is taken over', async () => {
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    const args = [
      '--api-url',
      sandbox.apiUrl,
      '--machine-token',
      token,
      'pull',
      'acme-blog.live',
      '--to',
      dir,
    ];
    sandbox.setFaults({ store: { throttleBytesPerSecond: 200_000 } });
    await lifeboat([...args, '--element', 'files'], {}, (c) => {
      const t = setInterval(() => {
        void readdir(join(dir, '.acme-blog-live.lifeboat')).then(
          (names) => names.includes('lock') && (clearInterval(t), c.kill('SIGKILL')),
          () => undefined,
        );
      }, 20);
    });
    expect(await readdir(join(dir, '.acme-blog-live.lifeboat'))).toContain('lock');
    sandbox.setFaults({});
    const r = await lifeboat([...args, '--element', 'files']);
    expect(r.stderr).not.toContain('already running');
    expect(r.code).toBe(0);
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
  });
});
