// The browser host in its own process, with handlers that fail the way bugs do: it keeps answering, and what it
// logs has the secrets taken out.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, closed, openSocket, redeem } from './host-client';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'faulty-host.ts');
const LEAKY_TOKEN = 'machine-token-that-must-never-be-logged-0123';

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly cookie: string;
  stderr(): string;
}

let running: Running | null = null;
afterEach(() => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  running = null;
});

async function startFaultyHost(): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const first = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { url: string; port: number });
    });
    child.once('exit', (code) => reject(new Error(`the host exited ${code} before it started: ${err}`)));
  });
  const { cookie } = await redeem(first.url);
  running = { child, port: first.port, cookie: cookie!, stderr: () => err };
  return running;
}

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the browser host process under failing handlers', () => {
  it('survives a handler that throws, a throw from its timer and an unawaited rejection, and logs them redacted', async () => {
    const host = await startFaultyHost();
    const ws = await openSocket(host.port, host.cookie);
    // A throwing handler becomes an error answer.
    expect(await call(ws, 1, 'accounts.list')).toMatchObject({ ok: false, error: { code: 'internal' } });
    // Failures outside any request reach the process guard.
    expect(await call(ws, 2, 'jobs.list')).toEqual({ ok: true, value: 'scheduled' });
    expect(await call(ws, 3, 'settings.get')).toEqual({ ok: true, value: 'floating' });
    await until(() => /uncaught exception/.test(host.stderr()) && /unhandled rejection/.test(host.stderr()));
    // Still alive, still answering, the same socket and a new one.
    expect(host.child.exitCode).toBeNull();
    expect(await call(ws, 4, 'system.info')).toEqual({ ok: true, value: 'system.info' });
    const again = await openSocket(host.port, host.cookie);
    expect(await call(again, 1, 'jobs.retry', { id: 'x' })).toEqual({ ok: true, value: 'jobs.retry' });
    again.close();
    ws.close();
    const log = host.stderr();
    expect(log).toContain('handler failed with [redacted]');
    expect(log).toContain('timer failed with Bearer [redacted]');
    expect(log).toContain('nobody awaited [redacted]');
    expect(log).not.toContain(LEAKY_TOKEN);
  });

  it('stops when errors keep coming (a loop that throws means broken state)', async () => {
    const host = await startFaultyHost();
    const ws = await openSocket(host.port, host.cookie);
    const gone = closed(ws);
    const exit = new Promise<number | null>((r) => host.child.once('exit', (code) => r(code)));
    ws.send(JSON.stringify({ id: 1, method: 'system.pickFolder' }));
    expect(await exit).toBe(70);
    await gone;
    expect(host.stderr()).toMatch(/uncaught exceptions within 10000 ms: stopping/);
  });
});
