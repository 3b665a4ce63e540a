import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { rateLimitedUntil } from '../../../electron/services/pantheon/http';
import { clientFor, DANA, FAST_RETRY, FRAN, requestsTo, testSandbox } from '../../helpers/sandbox';
import { until } from '../../helpers/until';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());

/** The sandbox's log entries after `since` (its own clock), for paths containing `part`. */
const after = (since: number, part: string) => requestsTo(sandbox, part).filter((r) => r.at >= since);

describe('a 429 with Retry-After pauses every client of that API base', () => {
  it('another account’s client, asking something else, waits until the Retry-After has passed', async () => {
    const dana = clientFor(sandbox, DANA);
    const fran = clientFor(sandbox, FRAN);
    // Both logged in first, so no login is among the requests compared.
    const site = await dana.getSite('acme-blog');
    await fran.whoAmI();
    const path = `sites/${site.id}/environments`;
    sandbox.setFaults({ api: { script: [{ path, status: 429, times: 1, retryAfterSeconds: 2 }] } });
    const limitedCall = dana.listEnvironments(site);
    const limited = await until(
      'the 429',
      async () => requestsTo(sandbox, path).find((r) => r.status === 429),
      10_000,
      5,
    );
    // Dana's client has read the 429 (its Retry-After is in force) before Fran's asks anything.
    await until('the gate to close', async () => rateLimitedUntil(sandbox.apiUrl), 10_000, 1);
    const franCall = fran.listSites();
    const [envs, list] = await Promise.all([limitedCall, franCall]);
    expect(envs.map((e) => e.id)).toContain('live');
    expect(list.sites.length).toBeGreaterThan(0);
    // Every request of Fran's reached the sandbox no sooner than Pantheon asked (lower bounds on the
    // sandbox's own log, so machine load cannot break them): none slipped through during the pause.
    const franRequests = after(limited.at, '/memberships/');
    expect(franRequests.length).toBeGreaterThan(0);
    for (const r of franRequests) expect(r.at - limited.at).toBeGreaterThanOrEqual(2000 - 50);
    // Dana's own retry too, and it succeeded.
    const retried = after(limited.at, path).filter((r) => r.status === 200);
    expect(retried[0]!.at - limited.at).toBeGreaterThanOrEqual(2000 - 50);
  });

  it('two requests of one client in flight: the one started after the 429 waits too', async () => {
    const dana = clientFor(sandbox, DANA);
    const blog = await dana.getSite('acme-blog');
    const shop = await dana.getSite('acme-shop');
    const path = `sites/${blog.id}/environments/live/backups/catalog`;
    sandbox.setFaults({ api: { script: [{ path, status: 429, times: 1, retryAfterSeconds: 1 }] } });
    const first = dana.listArchives(blog, 'live');
    const limited = await until(
      'the 429',
      async () => requestsTo(sandbox, path).find((r) => r.status === 429),
      10_000,
      5,
    );
    await until('the gate to close', async () => rateLimitedUntil(sandbox.apiUrl), 10_000, 1);
    const second = dana.listArchives(shop, 'dev');
    await Promise.all([first, second]);
    const other = after(limited.at, `sites/${shop.id}/environments/dev/backups/catalog`);
    expect(other).toHaveLength(1);
    expect(other[0]!.at - limited.at).toBeGreaterThanOrEqual(1000 - 50);
  });

  it('a Retry-After longer than the policy waits for is not imposed on the others: that request fails', async () => {
    const dana = clientFor(sandbox, DANA);
    const site = await dana.getSite('acme-blog');
    const path = `sites/${site.id}/environments`;
    const tooLong = FAST_RETRY.maxRetryAfterMs / 1000 + 60;
    sandbox.setFaults({ api: { script: [{ path, status: 429, times: 1, retryAfterSeconds: tooLong }] } });
    await expect(dana.listEnvironments(site)).rejects.toMatchObject({ code: 'rate-limited' });
    expect(rateLimitedUntil(sandbox.apiUrl)).toBeNull();
  });
});
