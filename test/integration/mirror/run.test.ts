import { channel } from 'node:diagnostics_channel';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MirrorReport, MirrorSiteReport } from '@shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { runMirror } from '../../../electron/services/mirror/run';
import { selectSites, type SiteCriteria } from '../../../electron/services/mirror/select';
import type {
  MirrorRunOptions,
  MirrorSiteEvent,
  MirrorTarget,
} from '../../../electron/services/mirror/types';
import { MIRROR_MANIFEST } from '../../../electron/services/mirror/layout';
import { sha256Of, tempMirrorRoot, urlRequests } from '../../helpers/mirror';
import { clientFor, DANA, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ root, cleanup } = await tempMirrorRoot());
  return () => cleanup();
});

/** The targets the CLI would make: both demo accounts' lists, each site once through the first that sees it. */
async function targets(criteria: SiteCriteria = { all: true }): Promise<MirrorTarget[]> {
  const accounts = [DANA, FRAN];
  const clients = accounts.map((a) => clientFor(sandbox, a));
  const lists = await Promise.all(
    clients.map(async (c, i) => ({ email: accounts[i]!, ...(await c.listSites()) })),
  );
  return selectSites(lists, criteria, { requireNarrowing: true }).map((s) => ({
    site: s.site,
    client: clients[s.accountIndex]!,
    account: s.account,
  }));
}

const run = (t: MirrorTarget[], opts: Partial<MirrorRunOptions> = {}): Promise<MirrorReport> =>
  runMirror(t, {
    root,
    envs: ['live'],
    elements: ['database'],
    transfer: fastTransfer(),
    pollMs: 10,
    ...opts,
  });

const byName = (r: MirrorReport): Record<string, MirrorSiteReport> =>
  Object.fromEntries(r.sites.map((s) => [s.site, s]));

/** Every archive in a mirror (relative path and sha256), and every set folder that has a complete manifest. */
async function contents(dir: string): Promise<{ archives: string[]; complete: string[] }> {
  const archives: string[] = [];
  const complete: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.gz')) archives.push(`${relative(dir, p)} ${await sha256Of(p)}`);
      else if (e.name === MIRROR_MANIFEST) {
        const m = JSON.parse(await readFile(p, 'utf8')) as { complete: boolean };
        if (m.complete) complete.push(relative(dir, d));
      }
    }
  };
  await walk(dir);
  return { archives: archives.sort(), complete: complete.sort() };
}

describe('runMirror over the demo sandbox', () => {
  it('a failing site never stops the others: its row has the code, and a rerun completes it with the rest up to date', async () => {
    const all = await targets();
    const docs = all.find((t) => t.site.name === 'globex-docs')!;
    // Every request about globex-docs fails, whatever the retries.
    sandbox.setFaults({ api: { script: [{ path: `sites/${docs.site.id}/`, status: 500, times: 1000 }] } });
    const events: MirrorSiteEvent[] = [];
    const first = await run(all, { onSite: (e) => events.push(e) });
    expect(first.sites.map((s) => s.site)).toEqual(all.map((t) => t.site.name).sort());
    const rows = byName(first);
    expect(rows['globex-docs']).toMatchObject({ status: 'failed', error: { code: 'server' } });
    expect(rows['acme-blog']).toMatchObject({ status: 'downloaded', account: DANA });
    expect(rows['acme-blog']!.bytes).toBeGreaterThan(0);
    expect(rows['fran-bakery']).toMatchObject({ status: 'downloaded', account: FRAN });
    // Seen by both accounts: through the first.
    expect(rows['globex-www']).toMatchObject({ status: 'downloaded', account: DANA });
    // A frozen site is skipped with a note and asks Pantheon nothing.
    const intranet = rows['acme-intranet']!;
    expect(intranet.status).toBe('skipped');
    expect(intranet.envs[0]!.note).toMatch(/frozen/);
    const intranetId = all.find((t) => t.site.name === 'acme-intranet')!.site.id;
    expect(sandbox.requests.filter((r) => r.path.includes(intranetId))).toEqual([]);
    expect(first.totals).toMatchObject({ sites: all.length, failed: 1 });
    expect(first.totals.downloaded).toBeGreaterThanOrEqual(8);
    expect(first.totals.bytes).toBe(first.sites.reduce((n, s) => n + s.bytes, 0));
    // Every site started and ended once.
    expect(events.filter((e) => e.type === 'start')).toHaveLength(all.length);
    expect(events.filter((e) => e.type === 'end')).toHaveLength(all.length);
    expect(events.some((e) => e.type === 'progress')).toBe(true);

    sandbox.setFaults({});
    const second = await run(all);
    const again = byName(second);
    expect(again['globex-docs']).toMatchObject({ status: 'downloaded' });
    expect(again['globex-docs']!.error).toBeUndefined();
    for (const s of second.sites.filter((x) => x.site !== 'globex-docs'))
      expect({ site: s.site, status: s.status, bytes: s.bytes }).toEqual({
        site: s.site,
        status: rows[s.site]!.status === 'downloaded' ? 'up-to-date' : rows[s.site]!.status,
        bytes: 0,
      });
    expect(second.totals.failed).toBe(0);

    // A third run with nothing new: up to date everywhere, not a byte, not a signed URL.
    const urls = urlRequests(sandbox).length;
    const third = await run(all);
    expect(third.totals).toMatchObject({ failed: 0, downloaded: 0, bytes: 0 });
    expect(third.totals.upToDate).toBe(second.totals.downloaded + second.totals.upToDate);
    expect(urlRequests(sandbox).length).toBe(urls);
  });

  it('a site whose archive arrives damaged fails as integrity; the others complete', async () => {
    const all = await targets({ queries: ['acme-blog', 'globex'] });
    sandbox.setFaults({ store: { corrupt: true, match: 'globex-www_live' } });
    const report = await run(all, { concurrency: 2 });
    const rows = byName(report);
    expect(Object.keys(rows).sort()).toEqual(['acme-blog', 'globex-careers', 'globex-docs', 'globex-www']);
    expect(rows['globex-www']).toMatchObject({ status: 'failed', error: { code: 'integrity' } });
    expect(rows['globex-www']!.envs[0]).toMatchObject({
      env: 'live',
      status: 'failed',
      error: { code: 'integrity' },
    });
    for (const name of ['acme-blog', 'globex-careers', 'globex-docs'])
      expect(rows[name]!.status).toBe('downloaded');
    sandbox.setFaults({});
    const rerun = await run(all, { concurrency: 2 });
    expect(byName(rerun)['globex-www']!.status).toBe('downloaded');
    expect(rerun.totals.upToDate).toBe(3);
  });

  it('asks Pantheon a bounded number of things per site: one environments listing, one catalog per environment, one link per archive', async () => {
    const all = await targets({ queries: ['acme-blog', 'fran-bakery', 'globex-www'] });
    const before = sandbox.requests.length;
    const report = await run(all, {
      envs: ['live', 'test', 'nope'],
      elements: ['code', 'database', 'files'],
    });
    const seen = sandbox.requests.slice(before);
    for (const t of all) {
      const mine = seen.filter((r) => r.path.startsWith(`/api/sites/${t.site.id}`));
      const exact = (p: string) => mine.filter((r) => r.path === `/api/sites/${t.site.id}${p}`).length;
      const row = byName(report)[t.site.name]!;
      const mirrored = row.envs.filter((e) => e.status === 'downloaded');
      expect({ site: t.site.name, mirrored: mirrored.map((e) => e.env) }).toEqual({
        site: t.site.name,
        mirrored: ['live', 'test'],
      });
      expect(row.envs.find((e) => e.env === 'nope')).toMatchObject({
        status: 'skipped',
        note: expect.stringMatching(/no environment 'nope'/),
      });
      // The environments are listed once for the site, though mirrorEnvironment reads them for each.
      expect({ site: t.site.name, listings: exact('/environments') }).toEqual({
        site: t.site.name,
        listings: 1,
      });
      expect(exact('/environments/live/backups/catalog')).toBe(1);
      expect(exact('/environments/test/backups/catalog')).toBe(1);
      expect(mine.filter((r) => r.path.endsWith('/s3token'))).toHaveLength(2 * 3);
      // The bound said in run.ts: the listing (with at most a site read and two settings reads of its own), a
      // catalog per environment and a link per archive.
      expect(mine.length).toBeLessThanOrEqual(1 + 1 + 2 + 2 * (1 + 3));
    }
  });

  it('two shards into one folder are the single run: every site once, the same archives', async () => {
    const all = await targets();
    const [one, two] = await Promise.all([
      run(all, { shard: { index: 1, count: 2 } }),
      run(all, { shard: { index: 2, count: 2 } }),
    ]);
    expect(one.shard).toEqual({ index: 1, count: 2 });
    const shardSites = [...one.sites, ...two.sites].map((s) => s.site);
    expect(new Set(shardSites).size).toBe(shardSites.length);
    expect(shardSites.sort()).toEqual(all.map((t) => t.site.name).sort());
    expect(one.sites.length).toBeGreaterThan(0);
    expect(two.sites.length).toBeGreaterThan(0);
    const sharded = await contents(root);

    const single = await tempMirrorRoot();
    try {
      const whole = await run(all, { root: single.root });
      expect(whole.shard).toBeNull();
      expect(whole.sites.map((s) => s.site)).toEqual([...shardSites].sort());
      expect(await contents(single.root)).toEqual(sharded);
      expect(sharded.complete.length).toBeGreaterThanOrEqual(8);
    } finally {
      await single.cleanup();
    }
  });

  it('cancelled: the sites not yet started are not started, and their rows say cancelled', async () => {
    const all = await targets();
    const before = sandbox.requests.length;
    const ac = new AbortController();
    let first: string | null = null;
    const report = await run(all, {
      concurrency: 1,
      signal: ac.signal,
      onSite: (e) => {
        if (e.type !== 'end' || first !== null) return;
        first = e.report.site;
        ac.abort();
      },
    });
    expect(report.sites.map((s) => s.site)).toEqual(all.map((t) => t.site.name).sort());
    const rows = byName(report);
    expect(rows[first!]!.error).toBeUndefined();
    // With one download at once, two sites are worked on: the other one under way stops and says cancelled
    // (or had finished in the meantime).
    const underWay = report.sites.filter((r) => r.site !== first && r.envs.length > 0);
    expect(underWay.length).toBeLessThanOrEqual(1);
    for (const r of underWay)
      expect(r.status === 'failed' ? r.error?.code : r.status).toMatch(/^(cancelled|downloaded|skipped)$/);
    const rest = report.sites.filter((r) => r.site !== first && r.envs.length === 0);
    expect(rest.length).toBeGreaterThanOrEqual(all.length - 2);
    for (const r of rest) expect(r).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
    // Not started: nothing was asked about them (a frozen site asks nothing anyway).
    for (const r of rest)
      expect(sandbox.requests.slice(before).filter((q) => q.path.includes(r.siteId))).toEqual([]);
    expect(report.totals.failed).toBe(rest.length + underWay.filter((r) => r.status === 'failed').length);
  });

  it('concurrency bounds the downloads at once, while more sites are worked on: their API calls overlap the downloads', async () => {
    const all = await targets({ queries: ['acme-blog', 'globex'] });
    const nameOf = new Map(all.map((t) => [t.site.id, t.site.name]));
    // Slow downloads, so each is long beside the API calls around it.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 256 * 1024 } });
    let downloading = new Map<object, string>();
    let most = 0;
    /** API requests about one site that began while another site's archive was downloading. */
    const overlapping: string[] = [];
    const seen = (message: unknown): void => {
      const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
      const path = new URL(request.url ?? '/', 'http://sandbox').pathname;
      if (path.startsWith('/store/')) {
        const site = all.find((t) => path.includes(`/${t.site.name}_`))?.site.name ?? path;
        downloading.set(response, site);
        most = Math.max(most, downloading.size);
        response.once('close', () => downloading.delete(response));
        return;
      }
      const site = nameOf.get(/^\/api\/sites\/([^/]+)\//.exec(path)?.[1] ?? '');
      if (site && [...downloading.values()].some((other) => other !== site)) overlapping.push(site);
    };
    channel('http.server.request.start').subscribe(seen);
    let report: MirrorReport;
    try {
      report = await run(all, { concurrency: 1 });
    } finally {
      channel('http.server.request.start').unsubscribe(seen);
      downloading = new Map();
    }
    expect(report.totals).toMatchObject({ failed: 0, downloaded: 4 });
    expect(report.sites.map((s) => s.site)).toEqual(all.map((t) => t.site.name).sort());
    expect(most).toBe(1);
    expect(overlapping.length).toBeGreaterThan(0);
  });
});
