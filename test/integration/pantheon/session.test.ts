import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { PantheonClient } from '../../../electron/services/pantheon/client';
import type { CachedSession, SessionCache } from '../../../electron/services/pantheon/session';
import { DANA, FAST_RETRY, requestsTo, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

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
