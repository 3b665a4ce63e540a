import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../electron/sandbox';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 'demo' });
});
afterAll(() => sandbox.close());

/** A raw request with exactly the headers given (fetch adds and forbids some). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(sandbox.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The status of a machine-token login: 503 while an `errorRate: 1` fault is installed. */
async function loginStatus(): Promise<number> {
  const res = await fetch(`${sandbox.apiUrl}authorize/machine-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ machine_token: sandbox.accounts[0]!.machineToken, client: 'terminus' }),
  });
  return res.status;
}

const EVERY_CALL_FAILS = JSON.stringify({ api: { errorRate: 1 } });

describe('the sandbox admin API', () => {
  it('refuses a cross-origin text/plain POST without the token, and the faults stay as they were', async () => {
    // What any web page can send with fetch(..., { mode: 'no-cors' }) while the demo sandbox runs.
    const attack = await raw(
      'POST',
      '/__sandbox/faults',
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      EVERY_CALL_FAILS,
    );
    expect(attack.status).toBe(403);
    expect(attack.headers['access-control-allow-origin']).toBeUndefined();
    // Logging in still works: the fault was not installed.
    expect(await loginStatus()).toBe(200);
  });

  it('refuses every admin endpoint without the token, with a wrong one, or from a foreign Origin', async () => {
    for (const [method, path] of [
      ['POST', '/__sandbox/faults'],
      ['POST', '/__sandbox/expire-sessions'],
      ['GET', '/__sandbox/requests'],
      ['GET', '/__sandbox/info'],
    ] as const) {
      expect((await raw(method, path, {}, method === 'POST' ? '{}' : undefined)).status, path).toBe(403);
      expect((await raw(method, path, { 'x-sandbox-admin': 'not-the-token-at-all' })).status, path).toBe(403);
      expect(
        (await raw(method, path, { 'x-sandbox-admin': sandbox.adminToken, origin: 'http://evil.example' }))
          .status,
        path,
      ).toBe(403);
    }
    // The CORS preflight a page would need to send the header is never approved.
    const preflight = await raw('OPTIONS', '/__sandbox/faults', {
      origin: 'https://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-sandbox-admin',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('works with the token (and from its own origin)', async () => {
    const admin = { 'x-sandbox-admin': sandbox.adminToken };
    const set = await raw(
      'POST',
      '/__sandbox/faults',
      { ...admin, 'content-type': 'application/json' },
      EVERY_CALL_FAILS,
    );
    expect(set.status).toBe(200);
    expect(await loginStatus()).toBe(503);
    expect((await raw('POST', '/__sandbox/faults', { ...admin, origin: sandbox.url }, '{}')).status).toBe(
      200,
    );
    expect(await loginStatus()).toBe(200);
    const info = JSON.parse((await raw('GET', '/__sandbox/info', admin)).body) as { accounts: unknown[] };
    expect(info.accounts.length).toBeGreaterThan(0);
    expect((await raw('GET', '/__sandbox/requests', admin)).status).toBe(200);
    expect((await raw('POST', '/__sandbox/expire-sessions', admin)).status).toBe(200);
  });

  it('has a fresh token per start', async () => {
    const other = await startSandbox({ seed: 'demo' });
    try {
      expect(other.adminToken).not.toBe(sandbox.adminToken);
      expect(other.adminToken.length).toBeGreaterThanOrEqual(24);
    } finally {
      await other.close();
    }
  });
});
