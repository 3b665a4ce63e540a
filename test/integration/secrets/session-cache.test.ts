import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as KeytarModule from 'keytar';
import type { Sandbox } from '../../../electron/sandbox';
import { createEngine } from '../../../electron/services/engine';
import { PantheonClient } from '../../../electron/services/pantheon/client';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import {
  accountSessionKey,
  keychainSessionCache,
  sessionCacheForToken,
} from '../../../electron/services/secrets/session-cache';
import type { SessionCache } from '../../../electron/services/pantheon/session';
import { keychainUnavailable, testService } from '../../helpers/keychain';
import { DANA, FAST_RETRY, requestsTo, testSandbox } from '../../helpers/sandbox';

const run = promisify(execFile);
/** keytar itself, to list what a test left in its own keychain service. */
const keytar = () => createRequire(import.meta.url)('keytar') as typeof KeytarModule;

let reason: string | null;
let sandbox: Sandbox;
let store: KeytarSecretStore;
let service: string;
const token = (email = DANA) => sandbox.accounts.find((a) => a.email === email)!.machineToken;
const logins = () => requestsTo(sandbox, 'authorize/machine-token', 'POST').length;

/** A client as one CLI process builds it: nothing shared with the others but the keychain. */
const processClient = (cache: SessionCache, machineToken = token()) =>
  new PantheonClient({
    apiUrl: sandbox.apiUrl,
    machineToken: async () => machineToken,
    userAgent: 'Lifeboat/test',
    retry: FAST_RETRY,
    sessionCache: cache,
  });

beforeAll(async () => {
  reason = await keychainUnavailable();
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());

describe('sessions cached in the keychain (real Secret Service)', () => {
  beforeEach(async (ctx) => {
    if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
    service = testService(ctx.task.id);
    store = new KeytarSecretStore(service);
    return async () => {
      for (const c of await keytar().findCredentials(service))
        await keytar().deletePassword(service, c.account);
    };
  });

  it('lets a second process use the first one’s session, and log in once more after it expired', async () => {
    const key = accountSessionKey('dana-account');
    const before = logins();
    expect((await processClient(keychainSessionCache(store, key)).whoAmI()).email).toBe(DANA);
    const second = processClient(keychainSessionCache(store, key));
    expect((await second.getSite('acme-blog')).name).toBe('acme-blog');
    expect(logins() - before).toBe(1);
    // What is kept is the session and its expiry, never the machine token.
    const kept = await store.get(key);
    expect(kept).not.toContain(token());
    expect(JSON.parse(kept!)).toMatchObject({ apiUrl: sandbox.apiUrl, expiresAt: expect.any(Number) });

    sandbox.expireSessions();
    expect((await second.getSite('acme-shop')).name).toBe('acme-shop');
    expect(logins() - before).toBe(2);
    await processClient(keychainSessionCache(store, key)).getSite('acme-events');
    expect(logins() - before).toBe(2);
  });

  it('clears the cached session when Pantheon refuses it', async () => {
    const key = accountSessionKey('refused');
    await processClient(keychainSessionCache(store, key)).whoAmI();
    expect(await store.get(key)).not.toBeNull();
    // This process uses the cached session; once refused, its token cannot log in again, so nothing is saved.
    const revoked = processClient(keychainSessionCache(store, key), 'revoked-machine-token-0000');
    expect((await revoked.getSite('acme-blog')).name).toBe('acme-blog');
    sandbox.expireSessions();
    await expect(revoked.getSite('acme-shop')).rejects.toMatchObject({ code: 'invalid-token' });
    expect(await store.get(key)).toBeNull();
  });

  it('keys the session of a command-line token by a digest of the API and the token, never the token', async () => {
    const before = logins();
    await processClient(sessionCacheForToken(store, sandbox.apiUrl, token())).whoAmI();
    await processClient(sessionCacheForToken(store, sandbox.apiUrl, token())).whoAmI();
    expect(logins() - before).toBe(1);
    const entries = await keytar().findCredentials(service);
    expect(entries.map((e) => e.account)).toEqual([expect.stringMatching(/^token-session#[0-9a-f]{64}$/)]);
    expect(JSON.stringify(entries)).not.toContain(token());
    // Another API (or token) is another entry.
    await processClient(sessionCacheForToken(store, `${sandbox.url}/api`, token())).whoAmI();
    expect((await keytar().findCredentials(service)).length).toBe(2);
  });

  it('caches the session of a saved account across engines, and forgets it with the account', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-session-cache-'));
    try {
      const engine = () =>
        createEngine({ dataDir: dir, secrets: store, defaultApiUrl: sandbox.apiUrl, retry: FAST_RETRY });
      const account = await engine().accounts.add(token());
      const before = logins();
      for (let i = 0; i < 3; i++) await (await engine().accounts.client(account.id)).getSite('acme-blog');
      expect(logins() - before).toBe(1);
      expect(await store.get(accountSessionKey(account.id))).not.toBeNull();
      await engine().accounts.remove(account.id);
      expect(await store.get(accountSessionKey(account.id))).toBeNull();
      expect(await store.get(account.id)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a keychain that cannot be used', () => {
  it('means no cache: every process logs in, and none fails', async () => {
    const before = logins();
    const env = {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
      DISPLAY: '',
      PROBE_API_URL: sandbox.apiUrl,
      PROBE_TOKEN: token(),
    };
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'session-cache-probe.ts')],
      { env, cwd: join(import.meta.dirname, '../../..') },
    );
    expect(JSON.parse(stdout)).toEqual({ ok: true, emails: [DANA, DANA] });
    expect(logins() - before).toBe(2);
  });
});
