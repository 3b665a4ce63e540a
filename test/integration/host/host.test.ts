import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApi } from '../../../electron/api';
import { startHost, type Host } from '../../../electron/host/server';
import { createEngine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';

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

/** A raw GET with a chosen Host header (fetch does not allow setting it). */
function get(
  path: string,
  hostHeader = `127.0.0.1:${host.port}`,
): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: host.port, path, headers: { host: hostHeader } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the browser host', () => {
  const secretPath = (): string => new URL(host.url).pathname;

  it('serves the renderer under the secret only', async () => {
    expect(await get(secretPath())).toMatchObject({
      status: 200,
      body: expect.stringContaining('<title>Lifeboat</title>'),
      type: 'text/html; charset=utf-8',
    });
    expect((await get(`${secretPath()}assets/app.js`)).status).toBe(200);
    expect((await get('/')).status).toBe(403);
    expect((await get('/index.html')).status).toBe(403);
    expect((await get('/not-the-secret/index.html')).status).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding) and paths out of the renderer', async () => {
    expect((await get(secretPath(), `evil.example:${host.port}`)).status).toBe(403);
    expect((await get(`${secretPath()}..%2Fsecret.txt`)).status).toBe(403);
    expect((await get(`${secretPath()}%E0%A4%A`)).status).toBe(400);
  });

  it('answers contract calls over the WebSocket from its own origin, and refuses other origins', async () => {
    const wsUrl = `${host.url.replace('http://', 'ws://')}ws`;
    const ws = new WebSocket(wsUrl, { origin: `http://127.0.0.1:${host.port}` });
    await new Promise((r) => ws.once('open', r));
    const reply = await new Promise<{ id: number; result: { ok: boolean; value: unknown } }>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.send(JSON.stringify({ id: 7, method: 'accounts.list' }));
    });
    expect(reply).toEqual({ id: 7, result: { ok: true, value: [] } });
    const bad = await new Promise<{ result: { ok: boolean; error: { code: string } } }>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.send(JSON.stringify({ id: 8, method: 'fs.readFile', req: {} }));
    });
    expect(bad.result).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    ws.close();
    const foreign = new WebSocket(wsUrl, { origin: 'http://evil.example' });
    const outcome = await new Promise<string>((resolve) => {
      foreign.once('open', () => resolve('open'));
      foreign.once('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });
});
