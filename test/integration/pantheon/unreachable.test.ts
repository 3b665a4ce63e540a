// Adding an account when Pantheon cannot be reached: real sockets on loopback (a closed port, a server that never
// answers, plain HTTP where TLS is expected) and a name reserved never to resolve (RFC 6761 `.invalid`).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { LifeboatError } from '../../../electron/services/errors';
import { PantheonClient } from '../../../electron/services/pantheon/client';
import { createHttp, mapHttpError, type HttpTimeouts } from '../../../electron/services/pantheon/http';
import { AccountService } from '../../../electron/services/secrets/accounts';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { FAST_RETRY, testSandbox } from '../../helpers/sandbox';

/** Short enough for a test, long enough that loopback always connects in time. */
const SHORT: HttpTimeouts = { connectMs: 5_000, responseMs: 300 };
const TOKEN = 'a-machine-token-that-never-leaves-1234';
const UNRESOLVABLE = 'lifeboat-unreachable.invalid';

/** A port that was free a moment ago: nothing listens there, so a connection is refused. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A server that accepts connections and never answers; counts the connections it got. */
async function silentServer() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A plain HTTP server, for a client that expects TLS there. */
async function plainServer() {
  const server: Server = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A login through the same got instance the client uses, counting how often it was retried. */
async function loginAttempt(apiUrl: string): Promise<{ error: LifeboatError; retries: number }> {
  let retries = 0;
  const http = createHttp(
    apiUrl,
    'Lifeboat/test',
    FAST_RETRY,
    { beforeRetry: [() => void retries++] },
    SHORT,
  );
  try {
    await http.post('authorize/machine-token', { json: { machine_token: TOKEN, client: 'terminus' } });
  } catch (e) {
    return { error: mapHttpError(e, { what: 'logging in' }), retries };
  }
  throw new Error('the login unexpectedly succeeded');
}

let dataDir: string;
let secrets: MemorySecrets;
const accounts = (apiUrl: string) =>
  new AccountService({
    dataDir,
    secrets,
    defaultApiUrl: apiUrl,
    clientFor: (url, machineToken, sessionCache) =>
      new PantheonClient({
        apiUrl: url,
        machineToken,
        userAgent: 'Lifeboat/test',
        retry: FAST_RETRY,
        timeouts: SHORT,
        minPollMs: 10,
        ...(sessionCache ? { sessionCache } : {}),
      }),
  });

/** What adding an account by token answers, as the app and the CLI get it. */
async function addFails(apiUrl: string): Promise<LifeboatError> {
  const e = await accounts(apiUrl)
    .add(TOKEN)
    .catch((err: unknown) => err);
  expect(e).toBeInstanceOf(LifeboatError);
  return e as LifeboatError;
}

/** The promises every unreachable case keeps: a retryable network fault naming the host, never the token. */
function expectUnreachable(e: LifeboatError, host: string, cause: RegExp, code = 'network'): void {
  expect(e.code).toBe(code);
  expect(e.retryable).toBe(true);
  expect(e.message).toContain(`Lifeboat could not reach ${host} while logging in: `);
  expect(e.message).toMatch(cause);
  expect(e.message).toContain('Check the network connection');
  expect(e.message).not.toMatch(/token/i);
  expect(e.message).not.toContain(TOKEN);
  expect(e.toAppError().code).toBe(code);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lifeboat-unreachable-'));
  secrets = new MemorySecrets();
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('adding an account when Pantheon cannot be reached', { timeout: 30_000 }, () => {
  it('says the connection was refused, at once, for a port nothing listens on', async () => {
    const port = await closedPort();
    const apiUrl = `http://127.0.0.1:${port}/api/`;
    const e = await addFails(apiUrl);
    expectUnreachable(e, `127.0.0.1:${port}`, /: the connection was refused\./);
    const login = await loginAttempt(apiUrl);
    expect(login.error.code).toBe('network');
    expect(login.retries).toBe(0);
    // Nothing was saved for an account that was never added.
    expect(secrets.map.size).toBe(0);
    expect(await accounts(apiUrl).list()).toEqual([]);
  });

  it('says the name does not resolve, at once, for a host name reserved never to resolve', async () => {
    const apiUrl = `http://${UNRESOLVABLE}/api/`;
    const e = await addFails(apiUrl);
    // NXDOMAIN where a resolver answers; EAI_AGAIN on a machine with no resolver at all.
    expectUnreachable(e, UNRESOLVABLE, /: the name (does not resolve|could not be looked up)/);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(e.detail);
    expect((await loginAttempt(apiUrl)).retries).toBe(0);
  });

  it('says it did not answer in time for a server that never answers, retrying the login once', async () => {
    const silent = await silentServer();
    try {
      const apiUrl = `http://${silent.host}/api/`;
      const e = await addFails(apiUrl);
      expectUnreachable(e, silent.host, /: it did not answer in time\./, 'timeout');
      // One login and one retry: not the policy's full four tries, each waiting the whole timeout.
      expect(silent.connections()).toBe(2);
      const login = await loginAttempt(apiUrl);
      expect(login.error.code).toBe('timeout');
      expect(login.retries).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('says a secure connection could not be made, at once, when the server does not speak TLS', async () => {
    const plain = await plainServer();
    try {
      const apiUrl = `https://${plain.host}/api/`;
      const e = await addFails(apiUrl);
      expectUnreachable(e, plain.host, /: a secure \(TLS\) connection could not be made \(/);
      expect((await loginAttempt(apiUrl)).retries).toBe(0);
    } finally {
      await plain.close();
    }
  });
});

describe('a token Pantheon itself rejects', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox();
  });
  afterAll(() => sandbox.close());

  it('keeps saying the token was rejected, not that the network is down', async () => {
    const e = await addFails(sandbox.apiUrl);
    expect(e.code).toBe('invalid-token');
    expect(e.message).toContain('The machine token was rejected by Pantheon');
    expect(e.message).not.toContain('could not reach');
  });
});
