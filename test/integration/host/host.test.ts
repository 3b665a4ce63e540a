import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api';
import { startHost, type Host } from '../../../electron/host/server';
import { createEngine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { call, get as rawGet, openSocket, redeem } from './host-client';

let dir: string;
let host: Host;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-host-'));
  const renderer = join(dir, 'renderer');
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Lifeboat</title>');
  await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
  const engine = createEngine({ dataDir: join(dir, 'data'), secrets: new KeytarSecretStore() });
  host = await startHost({ api: createApi(engine), rendererDir: renderer });
});
afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

let cookie: string;
beforeAll(async () => {
  cookie = (await redeem(host.signInUrl())).cookie!;
});

describe('the browser host', () => {
  const get = (path: string, hostHeader = `127.0.0.1:${host.port}`, withCookie = true) =>
    rawGet(host.port, path, { host: hostHeader, ...(withCookie ? { cookie } : {}) });

  it('serves the renderer to the signed-in browser only', async () => {
    expect(await get('/')).toMatchObject({
      status: 200,
      body: expect.stringContaining('<title>Lifeboat</title>'),
      type: 'text/html; charset=utf-8',
    });
    expect((await get('/assets/app.js')).status).toBe(200);
    expect((await get('/', undefined, false)).status).toBe(403);
    expect((await get('/index.html', undefined, false)).status).toBe(403);
    expect((await get('/assets/app.js', undefined, false)).status).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding) and paths out of the renderer', async () => {
    expect((await get('/', `evil.example:${host.port}`)).status).toBe(403);
    expect((await get('/..%2Fsecret.txt')).status).toBe(403);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  it('answers contract calls over the WebSocket from its own origin, and refuses other origins', async () => {
    const ws = await openSocket(host.port, cookie);
    expect(await call(ws, 7, 'accounts.list')).toEqual({ ok: true, value: [] });
    expect(await call(ws, 8, 'fs.readFile', {})).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
    ws.close();
    await expect(openSocket(host.port, cookie, 'http://evil.example')).rejects.toThrow('403');
  });
});
