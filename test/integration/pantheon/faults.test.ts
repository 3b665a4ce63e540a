import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { clientFor, DANA, FAST_RETRY, requestsTo, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());

const statuses = (part: string) => requestsTo(sandbox, part).map((r) => r.status);

describe('retries against injected API faults', () => {
  it('retries 5xx and succeeds', async () => {
    const client = clientFor(sandbox, DANA);
    await client.whoAmI();
    sandbox.setFaults({ api: { script: [{ path: 'site-names/acme-shop', status: 503, times: 2 }] } });
    expect((await client.getSite('acme-shop')).name).toBe('acme-shop');
    expect(statuses('site-names/acme-shop')).toEqual([503, 503, 200]);
  });

  it('gives up after the retry limit with a server error a person can read', async () => {
    const client = clientFor(sandbox, DANA);
    await client.whoAmI();
    sandbox.setFaults({ api: { script: [{ path: 'site-names/acme-events', status: 502, times: 99 }] } });
    await expect(client.getSite('acme-events')).rejects.toMatchObject({
      code: 'server',
      message: expect.stringContaining('still failed after retrying'),
    });
    expect(statuses('site-names/acme-events')).toEqual(Array(FAST_RETRY.limit + 1).fill(502));
  });

  it('honours Retry-After on 429', async () => {
    const client = clientFor(sandbox, DANA);
    await client.whoAmI();
    sandbox.setFaults({
      api: { script: [{ path: 'site-names/globex-docs', status: 429, times: 1, retryAfterSeconds: 1 }] },
    });
    await client.getSite('globex-docs');
    const [limited, ok] = requestsTo(sandbox, 'site-names/globex-docs');
    expect([limited!.status, ok!.status]).toEqual([429, 200]);
    // The retry came no sooner than the server asked (a lower bound, so machine load cannot break it).
    expect(ok!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 410–499 such as 422, as Terminus does', async () => {
    const client = clientFor(sandbox, DANA);
    await client.whoAmI();
    sandbox.setFaults({ api: { script: [{ path: 'site-names/acme-landing', status: 422, times: 1 }] } });
    await client.getSite('acme-landing');
    expect(statuses('site-names/acme-landing')).toEqual([422, 200]);
  });

  for (const status of [400, 403, 404, 409]) {
    it(`does not retry ${status}`, async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const path = `sites/${site.id}/environments/dev/backups/catalog`;
      const before = requestsTo(sandbox, path).length;
      sandbox.setFaults({ api: { script: [{ path, status, times: 5 }] } });
      await expect(client.listArchives(site, 'dev')).rejects.toMatchObject({ code: expect.any(String) });
      expect(requestsTo(sandbox, path).length - before).toBe(1);
    });
  }

  it('retries a dropped connection', async () => {
    const client = clientFor(sandbox, DANA);
    await client.whoAmI();
    sandbox.setFaults({
      api: { script: [{ path: 'site-names/dana-sandbox', status: 0, times: 1, hangUp: true }] },
    });
    expect((await client.getSite('dana-sandbox')).name).toBe('dana-sandbox');
    // The dropped attempt never got a response, so the sandbox logs only the answered one.
    expect(statuses('site-names/dana-sandbox')).toEqual([200]);
  });

  it('reports an unreachable API as a network error naming the host', async () => {
    const { PantheonClient } = await import('../../../electron/services/pantheon/client');
    const client = new PantheonClient({
      apiUrl: 'http://127.0.0.1:9/api/',
      machineToken: async () => 'x',
      userAgent: 't',
      retry: { ...FAST_RETRY, limit: 1 },
    });
    await expect(client.whoAmI()).rejects.toMatchObject({
      code: 'network',
      message: expect.stringContaining('127.0.0.1:9'),
    });
  });

  it('lists every site through random 5xx and 429 at a seeded rate', async () => {
    const client = clientFor(sandbox, DANA, { ...FAST_RETRY, limit: 6 });
    await client.whoAmI();
    const from = sandbox.requests.length;
    sandbox.setFaults({ api: { errorRate: 0.25, rateLimitRate: 0.15, retryAfterSeconds: 0, seed: 7 } });
    const { sites } = await client.listSites();
    expect(sites).toHaveLength(9);
    const seen = sandbox.requests.slice(from).map((r) => r.status);
    expect(seen).toContain(503);
    expect(seen).toContain(429);
  });

  it('still answers when the API is slow', async () => {
    const client = clientFor(sandbox, DANA);
    sandbox.setFaults({ api: { slowMs: 150 } });
    expect((await client.whoAmI()).email).toBe(DANA);
  });

  it('does not loop when every new session is refused too', async () => {
    const client = clientFor(sandbox, DANA);
    await client.whoAmI();
    sandbox.setFaults({
      api: {
        script: [
          {
            path: 'site-names/acme-blog',
            status: 401,
            times: 5,
            body: '"Invalid or expired session header: X-Pantheon-Session"',
          },
        ],
      },
    });
    await expect(client.getSite('acme-blog')).rejects.toMatchObject({ code: 'session-expired' });
    expect(statuses('site-names/acme-blog').slice(-2)).toEqual([401, 401]);
  });
});

describe('session lifetime', () => {
  it('uses a session shorter than the 60 s margin for half its life: one login, not one per request', async () => {
    // Sessions of 30 s: the margin shrinks to 15 s. (That it is renewed before expires_at, not after a 401, is
    // tested on a clock the test moves: test/unit/services/pantheon/session.test.ts.)
    const sbx = await testSandbox({ sessionLifetimeSeconds: 30 });
    try {
      const client = clientFor(sbx, DANA);
      await client.whoAmI();
      await client.getSite('acme-blog');
      expect(requestsTo(sbx, 'authorize/machine-token')).toHaveLength(1);
      expect(sbx.requests.filter((r) => r.status === 401)).toEqual([]);
    } finally {
      await sbx.close();
    }
  });
});

describe('bad machine tokens', () => {
  for (const badTokenStatus of [401, 500, 400] as const) {
    it(`fail at once as invalid-token when Pantheon answers ${badTokenStatus}`, async () => {
      const sbx = await testSandbox({ badTokenStatus });
      try {
        const client = clientFor(sbx, 'not-a-real-token');
        const err = await client.whoAmI().catch((e: unknown) => e);
        expect(err).toMatchObject({
          code: 'invalid-token',
          message: expect.stringContaining('The machine token was rejected by Pantheon'),
        });
        expect((err as Error).message).not.toContain('not-a-real-token');
        expect(requestsTo(sbx, 'authorize/machine-token')).toHaveLength(1);
      } finally {
        await sbx.close();
      }
    });
  }
});

describe('paging with the big seed', () => {
  for (const pagingStartInclusive of [true, false]) {
    it(`lists all 2000 sites in pages of 100 (start ${pagingStartInclusive ? 'inclusive' : 'exclusive'})`, async () => {
      const sbx = await testSandbox({ seed: 'big', pagingStartInclusive });
      try {
        const client = clientFor(sbx, 'agency@example.com');
        const { sites, organizations } = await client.listSites();
        expect(sites).toHaveLength(2000);
        expect(new Set(sites.map((s) => s.id)).size).toBe(2000);
        expect(organizations).toHaveLength(3);
        const pages = requestsTo(sbx, '/memberships/sites');
        expect(pages.length).toBeGreaterThan(20);
        expect(sites.filter((s) => s.frozen).length).toBe(21);
        expect(sites.find((s) => s.name === 'alpha-alpha-0')!.organizations).toEqual([]);
      } finally {
        await sbx.close();
      }
    });
  }
});
