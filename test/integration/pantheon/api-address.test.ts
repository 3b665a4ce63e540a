import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { PantheonClient } from '../../../electron/services/pantheon/client';
import { DANA, FAST_RETRY, testSandbox } from '../../helpers/sandbox';

/** A web server that is not Pantheon's API: it answers every request with `status` and `body`. */
async function otherServer(status: number, type: string, body: (path: string) => string) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    const text = body(req.url ?? '/');
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const client = (apiUrl: string, token = 'some-machine-token-1234') =>
  new PantheonClient({
    apiUrl,
    machineToken: async () => token,
    userAgent: 'Lifeboat/test',
    retry: FAST_RETRY,
  });

describe('an API address that is not Pantheon', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox();
  });
  afterAll(() => sandbox.close());

  const cases = [
    // An Express app names the path in its 404 page, "authorize" included.
    ['a 404 page that names the login path', 404, 'text/html', (p: string) => `<pre>Cannot POST ${p}</pre>`],
    ['405 Method Not Allowed', 405, 'text/plain', () => 'Method Not Allowed'],
    ['a web page with status 200', 200, 'text/html', () => '<!doctype html><title>Welcome</title>'],
  ] as const;
  for (const [what, status, type, body] of cases) {
    it(`says the address looks wrong, not that the token was rejected, for ${what}`, async () => {
      const other = await otherServer(status, type, body);
      try {
        const err = await client(`${other.url}/api/`)
          .whoAmI()
          .catch((e: unknown) => e);
        expect(err).toMatchObject({
          code: 'invalid-request',
          message: expect.stringContaining(
            `The API address ${other.url}/api/ does not look like Pantheon's API`,
          ),
        });
        expect((err as Error).message).not.toMatch(/token/i);
        // Not retried: the address will not become right by asking again.
        expect(other.seen).toEqual(['POST /api/authorize/machine-token']);
      } finally {
        await other.close();
      }
    });
  }

  it('says so for the sandbox behind a wrong path, and still rejects a bad token at the right one', async () => {
    const wrongBase = `${sandbox.url}/v1/api/`;
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    await expect(client(wrongBase, token).whoAmI()).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('does not look like'),
    });
    await expect(client(sandbox.apiUrl, 'not-a-real-token').whoAmI()).rejects.toMatchObject({
      code: 'invalid-token',
    });
    expect((await client(sandbox.apiUrl, token).whoAmI()).email).toBe(DANA);
  });
});
