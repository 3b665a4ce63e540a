// Whatever arrives on the browser host's WebSocket: a frame that is not a contract call ends that socket only;
// the host and every other page keep working.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { apiOverTransport } from '../../../shared/api/contract';
import { startHost, type Host } from '../../../electron/host/server';
import { call, closed, openSocket, redeem } from './host-client';

let dir: string;
let host: Host;
let cookie: string;
let bystander: WebSocket;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-frames-'));
  await mkdir(join(dir, 'renderer'));
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Lifeboat</title>');
  host = await startHost({
    api: apiOverTransport(async (method, req) => ({ ok: true, value: { method, req } })),
    rendererDir: join(dir, 'renderer'),
  });
  cookie = (await redeem(host.signInUrl())).cookie!;
  // Another page, connected the whole time: it must never notice.
  bystander = await openSocket(host.port, cookie);
});
afterAll(async () => {
  bystander.close();
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

/** The largest frame the host reads, as the server is configured (256 KiB). */
const LIMIT = 256 * 1024;

const BAD_FRAMES: readonly [string, string | Buffer][] = [
  ['null', 'null'],
  ['an empty frame', ''],
  ['an empty JSON string', '""'],
  ['an array', '[]'],
  ['a number', '42'],
  ['true', 'true'],
  ['invalid JSON', '{"id": 1, "method": '],
  ['an object without a method', '{"id":1}'],
  ['a string id', '{"id":"1","method":"accounts.list"}'],
  ['a negative id', '{"id":-1,"method":"accounts.list"}'],
  ['a non-string method', '{"id":1,"method":{"toString":1}}'],
  ['extra fields', '{"id":1,"method":"accounts.list","__proto__":{"polluted":true},"x":1}'],
  ['a binary frame', Buffer.from('{"id":1,"method":"accounts.list"}')],
  [
    'an oversized frame',
    JSON.stringify({ id: 1, method: 'accounts.add', req: { machineToken: 'x'.repeat(LIMIT) } }),
  ],
];

describe('frames on the browser host WebSocket', () => {
  for (const [name, frame] of BAD_FRAMES) {
    it(`closes the socket that sent ${name}, and only that one`, async () => {
      const ws = await openSocket(host.port, cookie);
      const code = closed(ws);
      ws.send(frame, { binary: Buffer.isBuffer(frame) });
      expect([1003, 1008, 1009]).toContain(await code);
      // The host is still up: the other page's calls are answered and a new page connects.
      expect(await call(bystander, 100, 'jobs.list')).toEqual({ ok: true, value: { method: 'jobs.list' } });
      const fresh = await openSocket(host.port, cookie);
      expect(await call(fresh, 1, 'settings.get')).toMatchObject({ ok: true });
      fresh.close();
    });
  }

  it('answers an unknown method with an error and keeps the socket', async () => {
    const ws = await openSocket(host.port, cookie);
    expect(await call(ws, 5, 'constructor')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await call(ws, 6, '__proto__.toString')).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    expect(await call(ws, 7, 'accounts.list')).toEqual({ ok: true, value: { method: 'accounts.list' } });
    ws.close();
  });

  it('still takes a large but legitimate request', async () => {
    const ws = await openSocket(host.port, cookie);
    const req = { machineToken: 'x'.repeat(LIMIT / 2) };
    expect(await call(ws, 9, 'accounts.add', req)).toEqual({
      ok: true,
      value: { method: 'accounts.add', req },
    });
    ws.close();
  });
});
