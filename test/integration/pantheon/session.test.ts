import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { PantheonClient } from '../../../electron/services/pantheon/client';
import type { CachedSession, SessionCache } from '../../../electron/services/pantheon/session';
import {
  DANA,
  FAST_RETRY,
  FRAN,
  requestsTo,
  SANDBOX_MODES,
  testSandbox,
  wireLogin,
} from '../../helpers/sandbox';

/** A session cache in memory: what the keychain cache is, without a keychain (that one has its own tests). */
class MemoryCache implements SessionCache {
  stored: CachedSession | null = null;
  async load() {
    return this.stored;
  }
  async save(s: CachedSession) {
    this.stored = s;
  }
  async clear() {
    this.stored = null;
  }
}

const tokenOf = (sbx: Sandbox, email: string) => sbx.accounts.find((a) => a.email === email)!.machineToken;

/** A client as a separate CLI process would build it: its own memory, maybe a shared cache. */
const newClient = (sbx: Sandbox, cache?: SessionCache, apiUrl = sbx.apiUrl) =>
  new PantheonClient({
    apiUrl,
    machineToken: async () => tokenOf(sbx, DANA),
    userAgent: 'Lifeboat/test',
    retry: FAST_RETRY,
    minPollMs: 10,
    ...(cache ? { sessionCache: cache } : {}),
  });

const logins = (sbx: Sandbox) => requestsTo(sbx, 'authorize/machine-token', 'POST').length;

describe.each(SANDBOX_MODES)('sessions against the %s sandbox', (mode) => {
  describe('clock skew', () => {
    for (const skew of [-7200, 7200]) {
      it(`logs in once for three requests when the server's clock is two hours ${skew < 0 ? 'behind' : 'ahead'}`, async () => {
        // One-hour sessions: with the server two hours behind, expires_at is already an hour past by our clock.
        const sbx = await testSandbox({ mode, clockSkewSeconds: skew, sessionLifetimeSeconds: 3600 });
        try {
          const client = newClient(sbx);
          const site = await client.getSite('acme-blog');
          await client.listEnvironments(site);
          await client.listArchives(site, 'live');
          expect(logins(sbx)).toBe(1);
          expect(sbx.requests.filter((r) => r.status === 401)).toEqual([]);
          expect(requestsTo(sbx, '/backups/catalog').map((r) => r.status)).toEqual([200]);
        } finally {
          await sbx.close();
        }
      });
    }
  });

  describe('a session cache shared by separate clients', () => {
    let sbx: Sandbox;
    beforeAll(async () => {
      sbx = await testSandbox({ mode });
    });
    afterAll(() => sbx.close());

    it('logs in once for two clients, and once more after Pantheon expired the session', async () => {
      const cache = new MemoryCache();
      const before = logins(sbx);
      expect((await newClient(sbx, cache).getSite('acme-blog')).name).toBe('acme-blog');
      expect(cache.stored).toMatchObject({ apiUrl: sbx.apiUrl, userId: expect.any(String) });
      expect((await newClient(sbx, cache).whoAmI()).email).toBe(DANA);
      expect(logins(sbx) - before).toBe(1);

      sbx.expireSessions();
      const expired = cache.stored!.session;
      const third = newClient(sbx, cache);
      expect((await third.getSite('acme-shop')).name).toBe('acme-shop');
      expect(logins(sbx) - before).toBe(2);
      // The refused session was replaced in the cache, so the next process does not try it again.
      expect(cache.stored!.session).not.toBe(expired);
      await newClient(sbx, cache).getSite('acme-events');
      expect(logins(sbx) - before).toBe(2);
    });

    it('never offers a session to another API, nor one that has expired', async () => {
      const cache = new MemoryCache();
      const client = newClient(sbx, cache);
      await client.whoAmI();
      const good = cache.stored!;
      const before = logins(sbx);
      cache.stored = { ...good, apiUrl: 'https://terminus.pantheon.io:443/api/' };
      await newClient(sbx, cache).whoAmI();
      expect(logins(sbx) - before).toBe(1);
      cache.stored = { ...cache.stored!, expiresAt: Date.now() / 1000 - 10 };
      await newClient(sbx, cache).whoAmI();
      expect(logins(sbx) - before).toBe(2);
      expect(cache.stored!.expiresAt).toBeGreaterThan(Date.now() / 1000);
    });

    it("clears a cached session that is another user's (403 on the user's own paths) and logs in once", async () => {
      const cache = new MemoryCache();
      await newClient(sbx, cache).whoAmI();
      const danaId = cache.stored!.userId;
      // Fran's session filed under Dana's user id: Pantheon refuses users/{dana}/… with 403, never 401.
      const fran = await wireLogin(sbx, FRAN);
      for (const call of [(c: PantheonClient) => c.listSites(), (c: PantheonClient) => c.whoAmI()]) {
        cache.stored = { ...cache.stored!, session: fran.session, userId: danaId };
        const before = logins(sbx);
        const forbidden = sbx.requests.filter((r) => r.status === 403).length;
        const result = await call(newClient(sbx, cache));
        if ('email' in result) expect(result.email).toBe(DANA);
        else expect(result.sites.map((x) => x.name)).toContain('acme-blog');
        expect(logins(sbx) - before).toBe(1);
        expect(sbx.requests.filter((r) => r.status === 403).length).toBeGreaterThan(forbidden);
        // The next process gets Dana's own session from the cache, not Fran's again.
        expect(cache.stored).toMatchObject({ userId: danaId });
        expect(cache.stored!.session).not.toBe(fran.session);
        const again = logins(sbx);
        await newClient(sbx, cache).listSites();
        expect(logins(sbx)).toBe(again);
      }
    });

    it("does not log in again over a 403 of a session it just logged in for (the account's own refusal)", async () => {
      const client = newClient(sbx);
      await client.whoAmI();
      const before = logins(sbx);
      sbx.setFaults({
        api: { script: [{ method: 'GET', path: 'memberships/sites', status: 403, times: 1 }] },
      });
      try {
        await expect(client.listSites()).rejects.toMatchObject({ code: 'forbidden' });
      } finally {
        sbx.setFaults({});
      }
      expect(logins(sbx)).toBe(before);
    });

    it('works without a cache when the cache fails', async () => {
      const broken: SessionCache = {
        load: () => Promise.reject(new Error('keychain locked')),
        save: () => Promise.reject(new Error('keychain locked')),
        clear: () => Promise.reject(new Error('keychain locked')),
      };
      const before = logins(sbx);
      expect((await newClient(sbx, broken).whoAmI()).email).toBe(DANA);
      expect((await newClient(sbx, broken).whoAmI()).email).toBe(DANA);
      expect(logins(sbx) - before).toBe(2);
    });
  });
});

describe('a session Lifeboat cannot send', () => {
  for (const [what, session] of [
    ['control characters', 'u:1:ab\u001b]52;c;eA==\u0007cd'],
    ['non-ASCII characters', 'u:1:caf\u00e9'],
    ['a line break', 'u:1:ab\r\nX-Injected: 1'],
  ] as const)
    it(`with ${what} is refused at login as Pantheon's fault, not a network problem`, async () => {
      // Pantheon's sandbox never sends one; a stand-in login server does, and nothing else.
      let requests = 0;
      const server = createServer((req, res) => {
        requests++;
        res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() });
        res.end(JSON.stringify({ session, expires_at: Math.floor(Date.now() / 1000) + 3600, user_id: 'u' }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const { port } = server.address() as AddressInfo;
        const cache = new MemoryCache();
        const client = new PantheonClient({
          apiUrl: `http://127.0.0.1:${port}/api/`,
          machineToken: async () => 'token',
          userAgent: 'Lifeboat/test',
          retry: FAST_RETRY,
          sessionCache: cache,
        });
        const e = await client.whoAmI().catch((err: unknown) => err);
        expect(e).toMatchObject({
          code: 'server',
          message: expect.stringContaining('Pantheon sent a session Lifeboat cannot use'),
        });
        expect(String((e as Error).message)).not.toContain(session);
        // Only the login was sent (no retries of a "network" failure), and the session was not kept.
        expect(requests).toBe(1);
        expect(cache.stored).toBeNull();
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
});
