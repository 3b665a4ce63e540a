// The browser host as `npm run start:web` runs it, from source: the page's process serves files and the WebSocket
// and relays to the engine, which runs in a child process of its own with the host's options and environment.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { itUnless, noProc, onWindows } from '../../helpers/platform';
import { until } from '../../helpers/until';
import { call, openSocket, redeem } from './host-client';

const ROOT = join(import.meta.dirname, '..', '..', '..');

let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-host-engine-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the browser host with its engine in a child process', () => {
  // Windows has no SIGTERM: kill() there ends the host at once, so its orderly stop (exit 0, the engine taken
  // along) cannot be asked for.
  const test = itUnless(onWindows ? 'Windows has no SIGTERM to ask the host for its orderly stop' : null);
  test('relays calls and events, and passes its options and environment to the engine', async () => {
    // A stand-in for Pantheon's API at the TERMINUS_* address: only the engine process can reach it.
    const logins: string[] = [];
    const api = createServer((req, res) => {
      logins.push(req.url ?? '');
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Invalid token"}');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const host = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'electron', 'host', 'index.ts'),
        '--json',
        '--data-dir',
        join(dir, 'data'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          TERMINUS_PROTOCOL: 'http',
          TERMINUS_HOST: '127.0.0.1',
          TERMINUS_PORT: String((api.address() as AddressInfo).port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(host);
    try {
      let err = '';
      host.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        host.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve((JSON.parse(line) as { url: string }).url);
        });
        host.once('exit', (code) => reject(new Error(`the host exited ${code}: ${err}`)));
      });
      const { cookie } = await redeem(url);
      const ws = await openSocket(Number(new URL(url).port), cookie);
      const events: string[] = [];
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { event?: string };
        if (m.event) events.push(m.event);
      });

      // --data-dir reached the engine; the engine is a child of the host, not the host itself.
      const info = (await call(ws, 1, 'system.info')) as { ok: true; value: { dataDir: string } };
      expect(info.value.dataDir).toBe(join(dir, 'data'));
      const engines = await enginesOf(host.pid!);
      expect(engines).toHaveLength(1);

      // Updates are the desktop app's: through the real contract, the host says they are unavailable here, why,
      // and refuses a restart to update.
      expect(await call(ws, 11, 'app.updateState')).toMatchObject({
        ok: true,
        value: {
          status: 'unavailable',
          reason: expect.stringMatching(/^Updates are managed by the desktop app/),
        },
      });
      expect(await call(ws, 12, 'app.checkForUpdates')).toMatchObject({
        ok: true,
        value: { status: 'unavailable' },
      });
      expect(await call(ws, 13, 'app.restartToUpdate', { when: 'now' })).toMatchObject({
        ok: false,
        error: { code: 'invalid-request', message: expect.stringMatching(/managed by the desktop app/) },
      });

      // The environment reached the engine: a new account is checked at the TERMINUS_* address.
      expect(await call(ws, 2, 'accounts.add', { machineToken: 'not-a-real-token' })).toMatchObject({
        ok: false,
      });
      expect(logins.some((u) => u.includes('authorize/machine-token'))).toBe(true);
      // The token is never written to the log by either process.
      expect(err).not.toContain('not-a-real-token');

      // Events from the engine reach the page.
      expect(await call(ws, 3, 'accounts.startDemo')).toMatchObject({ ok: true });
      await until('accounts.changed on the socket', async () => events.includes('accounts.changed'), 10_000);
      ws.close();

      // Stopping the host stops its engine.
      const exited = new Promise<number | null>((r) => host.once('exit', (code) => r(code)));
      host.kill('SIGTERM');
      expect(await exited).toBe(0);
      await until('the engine to exit with its host', async () => !alive(engines[0]!), 10_000);
    } finally {
      await new Promise<void>((r) => api.close(() => r()));
    }
  });
});

/** The engine processes whose parent is `pid`: from Linux's /proc, or from `ps` where there is none (macOS). */
async function enginesOf(pid: number): Promise<number[]> {
  if (noProc) {
    const { stdout } = await promisify(execFile)('ps', ['-A', '-o', 'pid=,ppid=,args=']);
    return stdout.split('\n').flatMap((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
      return m && Number(m[2]) === pid && m[3]!.includes('engine-process') ? [Number(m[1])] : [];
    });
  }
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // The fields after the command name (which may hold spaces): state, then ppid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (ppid === pid && cmdline.includes('engine-process')) found.push(Number(name));
  }
  return found;
}
