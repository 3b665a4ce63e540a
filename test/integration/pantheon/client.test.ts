import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { LifeboatError } from '../../../electron/services/errors';
import { clientFor, DANA, FRAN, requestsTo, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

// Every client test runs against both sandboxes: rich (complete objects) and strict (the lean shapes recorded
// from the real API, with its optional endpoints missing and its awkward catalog entries).
describe.each(SANDBOX_MODES)('against the %s sandbox', (mode) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
  });
  afterAll(() => sandbox.close());

  describe('login and session', () => {
    it('logs in with the machine token, reads the user, and reuses the session', async () => {
      const before = requestsTo(sandbox, 'authorize/machine-token').length;
      const client = clientFor(sandbox, DANA);
      const me = await client.whoAmI();
      expect(me).toMatchObject({ email: DANA, fullName: 'Dana Developer' });
      await client.listSites();
      await client.getSite('acme-blog');
      expect(requestsTo(sandbox, 'authorize/machine-token').length - before).toBe(1);
    });

    it('sends the Bearer session everywhere but the login, with Lifeboat as User-Agent', async () => {
      const client = clientFor(sandbox, FRAN);
      await client.whoAmI();
      const login = requestsTo(sandbox, 'authorize/machine-token').at(-1)!;
      expect(login.authorization).toBeUndefined();
      const user = sandbox.requests.at(-1)!;
      expect(user.path).toMatch(/^\/api\/users\//);
      expect(user.authorization).toMatch(/^Bearer [0-9a-f-]{36}:/);
      expect(user.userAgent).toBe('Lifeboat/test');
    });

    it('logs in again once on a 401 mid-run and replays the request', async () => {
      const client = clientFor(sandbox, DANA);
      await client.whoAmI();
      const logins = requestsTo(sandbox, 'authorize/machine-token').length;
      sandbox.expireSessions();
      const site = await client.getSite('acme-blog');
      expect(site.name).toBe('acme-blog');
      expect(requestsTo(sandbox, 'authorize/machine-token').length - logins).toBe(1);
      const siteNames = requestsTo(sandbox, 'site-names/acme-blog')
        .slice(-2)
        .map((r) => r.status);
      expect(siteNames).toEqual([401, 200]);
    });
  });

  describe('a machine token Pantheon rejects', () => {
    it('is invalid-token whichever request first needs a session, not an unreachable host', async () => {
      const client = clientFor(sandbox, 'revoked-machine-token-0000');
      await expect(client.getSite('acme-blog')).rejects.toMatchObject({ code: 'invalid-token' });
      await expect(client.listSites()).rejects.toMatchObject({ code: 'invalid-token' });
    });
  });

  describe('sites', () => {
    it('merges direct and organization memberships, skipping unprivileged organizations', async () => {
      const { sites, organizations } = await clientFor(sandbox, DANA).listSites();
      const names = sites.map((s) => s.name);
      expect(names).toEqual(
        [
          'acme-blog',
          'acme-events',
          'acme-intranet',
          'acme-landing',
          'acme-shop',
          'dana-sandbox',
          'globex-careers',
          'globex-docs',
          'globex-www',
        ].sort(),
      );
      expect(names).not.toContain('initech-portal');
      expect(organizations.map((o) => o.label).sort()).toEqual(['Acme Agency', 'Globex Corporation']);
      const shop = sites.find((s) => s.name === 'acme-shop')!;
      expect(shop).toMatchObject({
        organizations: ['Acme Agency'],
        tags: ['ecommerce', 'priority'],
        framework: 'drupal8',
      });
      expect(sites.find((s) => s.name === 'acme-intranet')!.frozen).toBe(true);
      expect(sites.find((s) => s.name === 'acme-blog')!.organizations).toEqual([]);
    });

    it('combines the organizations of a site seen both directly and through an organization', async () => {
      const { sites } = await clientFor(sandbox, FRAN).listSites();
      expect(sites.find((s) => s.name === 'globex-docs')).toMatchObject({
        organizations: ['Globex Corporation'],
        tags: ['docs'],
      });
      // Fran sees the Initech site only through her own membership: the org is not hers.
      expect(sites.find((s) => s.name === 'initech-portal')).toMatchObject({ organizations: [], tags: [] });
    });

    it('finds a site by name or UUID, and names it when it is unknown or not accessible', async () => {
      const client = clientFor(sandbox, DANA);
      const byName = await client.getSite('globex-www');
      expect((await client.getSite(byName.id)).name).toBe('globex-www');
      await expect(client.getSite('no-such-site')).rejects.toMatchObject({
        code: 'not-found',
        message: "Site 'no-such-site' was not found or you have no access to it.",
      });
      await expect(clientFor(sandbox, FRAN).getSite('acme-blog')).rejects.toMatchObject({
        code: 'not-found',
        message: expect.stringContaining("'acme-blog'"),
      });
      const notFoundTries = requestsTo(sandbox, 'site-names/no-such-site');
      expect(notFoundTries.map((r) => r.status)).toEqual([404]);
    });
  });

  describe('environments', () => {
    it('lists dev, test, live, multidevs with deploy tags and domains', async () => {
      const client = clientFor(sandbox, DANA);
      const envs = await client.listEnvironments(await client.getSite('acme-blog'));
      expect(envs.map((e) => e.id)).toEqual(['dev', 'test', 'live', 'feature-x']);
      expect(envs.map((e) => e.deployTag)).toEqual([null, 'pantheon_test_14', 'pantheon_live_12', null]);
      expect(envs[2]).toMatchObject({
        domain: 'live-acme-blog.pantheonsite.io',
        initialized: true,
        targetRef: 'refs/tags/pantheon_live_12',
        connectionMode: 'git',
      });
      expect(envs[0]!.connectionMode).toBe('sftp');
      expect(envs[3]).toMatchObject({ multidev: true, targetRef: 'refs/heads/feature-x' });
    });

    it("gives every environment a PHP version, the site's (82 → 8.2) where the entry has none, as Terminus does", async () => {
      const client = clientFor(sandbox, DANA);
      const siteReads = (id: string) =>
        sandbox.requests.filter((r) => r.method === 'GET' && r.path === `/api/sites/${id}`).length;
      // From the site this client looked up, and from the site list: no extra request either way.
      const site = await client.getSite('acme-blog');
      const before = siteReads(site.id);
      expect((await client.listEnvironments(site)).map((e) => e.phpVersion)).toEqual([
        '8.2',
        '8.2',
        '8.2',
        '8.2',
      ]);
      const listed = (await client.listSites()).sites.find((s) => s.name === 'acme-shop')!;
      expect((await client.listEnvironments(listed)).every((e) => e.phpVersion === '8.2')).toBe(true);
      expect(siteReads(site.id)).toBe(before);
      // A client that never saw the site object reads it once (only strict entries lack php_version).
      const fresh = clientFor(sandbox, DANA);
      expect((await fresh.listEnvironments(site)).every((e) => e.phpVersion === '8.2')).toBe(true);
      expect(siteReads(site.id) - before).toBe(mode === 'strict' ? 1 : 0);
    });

    it('shows an uninitialized live', async () => {
      const client = clientFor(sandbox, DANA);
      const live = (await client.listEnvironments(await client.getSite('acme-landing'))).find(
        (e) => e.id === 'live',
      )!;
      // Strict: no is_initialized, no target ref, and the settings endpoint answers 404: unknown, not a failure.
      expect(live).toMatchObject({
        initialized: mode === 'rich' ? false : null,
        deployTag: null,
        targetRef: null,
      });
    });

    it('takes a test or live that runs a deploy tag as initialized, with or without is_initialized', async () => {
      const client = clientFor(sandbox, DANA);
      const envs = await client.listEnvironments(await client.getSite('acme-landing'));
      expect(envs.find((e) => e.id === 'test')).toMatchObject({ initialized: true });
      // Nothing to ask the settings endpoint about an environment that runs a ref.
      const site = await client.getSite('acme-landing');
      expect(requestsTo(sandbox, `/sites/${site.id}/environments/test/settings`)).toEqual([]);
    });

    it('names the environments of a site when one is mistyped, suggesting the closest', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      expect((await client.requireEnvironment(site, 'live')).deployTag).toBe('pantheon_live_12');
      await expect(client.requireEnvironment(site, 'lve')).rejects.toMatchObject({
        code: 'not-found',
        message:
          "Site 'acme-blog' has no environment 'lve'. Its environments: dev, test, live, feature-x. Did you mean 'live'?",
      });
      await expect(client.requireEnvironment(site, 'staging')).rejects.toMatchObject({
        message:
          "Site 'acme-blog' has no environment 'staging'. Its environments: dev, test, live, feature-x.",
      });
      await expect(
        client.requireEnvironment(await client.getSite('acme-intranet'), 'live'),
      ).rejects.toMatchObject({ code: 'frozen' });
    });

    it('words a 404 on an environment path as the environment, not as a missing site', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const err = (await client.listArchives(site, 'lve').catch((e: unknown) => e)) as LifeboatError;
      expect(err).toMatchObject({ code: 'not-found', message: expect.stringContaining('acme-blog.lve') });
      expect(err.message).not.toMatch(/Site 'acme-blog' was not found/);
    });

    it('hides test and live of a frozen site, as Terminus does', async () => {
      const client = clientFor(sandbox, DANA);
      const envs = await client.listEnvironments(await client.getSite('acme-intranet'));
      expect(envs.map((e) => e.id)).toEqual(['dev']);
    });
  });

  describe('backup catalog and downloads', () => {
    it('groups the catalog into manual and automated sets, newest first, without manifests', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const sets = await client.listBackupSets(site, 'live');
      expect(sets.map((s) => s.scheduledFor)).toEqual(
        [...sets.map((s) => s.scheduledFor)].sort((a, b) => b - a),
      );
      // Strict catalogs also hold a backup still being written (newest) and a code archive with no manifest.
      const writing = sets.filter((s) => !s.finished);
      const codeOnly = sets.filter((s) => Object.keys(s.archives).join() === 'code');
      if (mode === 'strict') {
        expect(writing.map((s) => s.folder)).toEqual([sets[0]!.folder]);
        expect(Object.values(writing[0]!.archives).map((a) => [a.element, a.size, a.finished])).toEqual([
          ['code', 0, false],
          ['database', 0, false],
          ['files', 0, false],
        ]);
        expect(codeOnly).toHaveLength(1);
        expect(codeOnly[0]).toMatchObject({ initiator: 'manual', finished: true });
      } else {
        expect(writing).toEqual([]);
        expect(codeOnly).toEqual([]);
      }
      const seeded = sets.filter((s) => !writing.includes(s) && !codeOnly.includes(s));
      expect(seeded.map((s) => s.initiator)).toEqual([
        'automated',
        'automated',
        'automated',
        'manual',
        'manual',
        'manual',
      ]);
      expect(Object.keys(seeded[4]!.archives)).toEqual(['database']);
      expect(new Set(seeded.map((s) => s.archives.code?.ttl).filter(Boolean))).toEqual(
        new Set([691200, 2764800, 2592000, 31556736]),
      );
      const archive = seeded[0]!.archives.files!;
      expect(archive.filename).toMatch(/^acme-blog_live_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d_UTC_files\.tar\.gz$/);
      expect(archive.size).toBe((await sandbox.archive('acme-blog', 'live', 'files')).size);
    });

    it('shows an empty catalog as no sets', async () => {
      const client = clientFor(sandbox, DANA);
      expect(await client.listBackupSets(await client.getSite('dana-sandbox'), 'dev')).toEqual([]);
    });

    it('gets a signed URL that downloads the exact archive, with HEAD and ranges', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const latest = (await client.listBackupSets(site, 'live')).find((s) => s.finished);
      const url = await client.archiveUrl(site, 'live', latest!.folder, 'code');
      expect(url).toContain('Signature=');
      const built = await sandbox.archive('acme-blog', 'live', 'code');
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(createHash('sha256').update(body).digest('hex')).toBe(built.sha256);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get('content-length'))).toBe(built.size);
      const part = await fetch(url, { headers: { Range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${built.size}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(body.subarray(100, 200));
      const past = await fetch(url, { headers: { Range: `bytes=${built.size}-` } });
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${built.size}`);
    });

    it('refuses a forged signature with 403', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const latest = (await client.listBackupSets(site, 'live')).find((s) => s.finished);
      const url = new URL(await client.archiveUrl(site, 'live', latest!.folder, 'files'));
      url.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 3600));
      expect((await fetch(url)).status).toBe(403);
    });

    it('answers not-found for an archive a set does not have', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-blog');
      const dbOnly = (await client.listBackupSets(site, 'live')).find((s) => !s.archives.code)!;
      await expect(client.archiveUrl(site, 'live', dbOnly.folder, 'code')).rejects.toMatchObject({
        code: 'not-found',
      });
    });
  });

  describe('creating backups', () => {
    it('runs do_export through its steps and adds the new set at the top of the catalog', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-events');
      const before = await client.listBackupSets(site, 'test');
      const wf = await client.createBackup(site, 'test', ['code', 'database', 'files'], 30);
      expect(wf).toMatchObject({ type: 'do_export', result: null, numberOfTasks: 3 });
      const seen: number[] = [];
      const done = await client.waitForWorkflow(site.id, wf, {
        intervalMs: 10,
        onUpdate: (w) => seen.push(w.step),
      });
      expect(done.result).toBe('succeeded');
      expect(seen.at(-1)).toBe(3);
      const post = requestsTo(sandbox, `/environments/test/workflows`, 'POST').at(-1)!;
      expect(post.status).toBe(202);
      const after = await client.listBackupSets(site, 'test');
      expect(after).toHaveLength(before.length + 1);
      expect(after[0]).toMatchObject({ initiator: 'manual', finished: true });
      expect(after[0]!.archives.code!.ttl).toBe(30 * 86400);
      expect(Object.keys(after[0]!.archives)).toEqual(['code', 'database', 'files']);
    });

    it('backs up one element only when asked', async () => {
      const client = clientFor(sandbox, FRAN);
      const site = await client.getSite('fran-portfolio');
      const wf = await client.createBackup(site, 'dev', ['database'], 7);
      await client.waitForWorkflow(site.id, wf, { intervalMs: 10 });
      const [top] = await client.listBackupSets(site, 'dev');
      expect(Object.keys(top!.archives)).toEqual(['database']);
      expect(top!.archives.database!.ttl).toBe(7 * 86400);
    });

    it('refuses a frozen site before asking Pantheon', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-intranet');
      const posts = requestsTo(sandbox, `/sites/${site.id}/environments/dev/workflows`, 'POST').length;
      await expect(client.createBackup(site, 'dev', ['code'], 1)).rejects.toMatchObject({
        code: 'frozen',
        message: expect.stringContaining("'acme-intranet' is frozen"),
      });
      expect(requestsTo(sandbox, `/sites/${site.id}/environments/dev/workflows`, 'POST').length).toBe(posts);
    });

    it('reports a failed workflow with its final_task reason', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-events');
      const before = (await client.listBackupSets(site, 'dev')).length;
      sandbox.setFaults({ workflow: { failExportWith: 'The database is too large to export right now.' } });
      try {
        const wf = await client.createBackup(site, 'dev', ['database'], 1);
        const err = await client.waitForWorkflow(site.id, wf, { intervalMs: 10 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LifeboatError);
        expect(err).toMatchObject({
          code: 'workflow-failed',
          message: 'The database is too large to export right now.',
        });
      } finally {
        sandbox.setFaults({});
      }
      expect(await client.listBackupSets(site, 'dev')).toHaveLength(before);
    });

    it('stops waiting when cancelled', async () => {
      const client = clientFor(sandbox, DANA);
      const site = await client.getSite('acme-events');
      const wf = await client.createBackup(site, 'live', ['code'], 1);
      const ac = new AbortController();
      const waiting = client.waitForWorkflow(site.id, wf, { intervalMs: 10, signal: ac.signal });
      ac.abort();
      await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
      await sandbox.idle();
    });
  });

  describe('automatic backup schedule', () => {
    it('reads, enables on a chosen day and disables it', async () => {
      const client = clientFor(sandbox, FRAN);
      const site = await client.getSite('globex-docs');
      expect(await client.getSchedule(site, 'live')).toMatchObject({
        enabled: true,
        weeklyDay: 5,
        dailyHourUtc: 16,
        weeklyRetentionDays: 32,
      });
      await client.disableSchedule(site, 'live');
      expect(
        requestsTo(sandbox, `/sites/${site.id}/environments/live/backups/schedule/`, 'DELETE').map((r) =>
          r.path.at(-1),
        ),
      ).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      expect(await client.getSchedule(site, 'live')).toMatchObject({ enabled: false, weeklyDay: null });
      const wf = await client.enableSchedule(site, 'live', 2, 60);
      await client.waitForWorkflow(site.id, wf, { intervalMs: 10 });
      expect(await client.getSchedule(site, 'live')).toMatchObject({
        enabled: true,
        weeklyDay: 2,
        weeklyRetentionDays: 60,
      });
    });

    it("takes the weekly day by name and keeps daily backups 8 days, as Terminus's --day and --keep-for do", async () => {
      const client = clientFor(sandbox, FRAN);
      const site = await client.getSite('globex-docs');
      const wf = await client.enableSchedule(site, 'test', 'Fri', 40);
      expect(wf).toMatchObject({ type: 'change_backup_schedule', result: null });
      await client.waitForWorkflow(site.id, wf, { intervalMs: 10 });
      const schedule = await client.getSchedule(site, 'test');
      expect(schedule).toMatchObject({ enabled: true, weeklyDay: 5, weeklyRetentionDays: 40 });
      expect(schedule.days.map((d) => d?.ttl)).toEqual([8, 8, 8, 8, 8, 40, 8].map((n) => n * 86400));
      // Pantheon keeps (or picks) the hour: Terminus sends none.
      expect(new Set(schedule.days.map((d) => d?.hour)).size).toBe(1);
      expect(schedule.dailyHourUtc).toEqual(expect.any(Number));
    });

    it('refuses a day or a retention it cannot send, before asking Pantheon', async () => {
      const client = clientFor(sandbox, FRAN);
      const site = await client.getSite('globex-docs');
      const posts = requestsTo(sandbox, `/sites/${site.id}/environments/dev/workflows`, 'POST').length;
      await expect(client.enableSchedule(site, 'dev', 'Someday')).rejects.toMatchObject({
        code: 'invalid-request',
        message: expect.stringContaining("'Someday' is not a day of the week"),
      });
      await expect(client.enableSchedule(site, 'dev', 7)).rejects.toMatchObject({ code: 'invalid-request' });
      await expect(client.enableSchedule(site, 'dev', 1, 0)).rejects.toMatchObject({
        code: 'invalid-request',
      });
      expect(requestsTo(sandbox, `/sites/${site.id}/environments/dev/workflows`, 'POST')).toHaveLength(posts);
    });
  });

  describe('optional details that fail', () => {
    // Whether test/live are initialized comes from a settings request the real API may refuse in any way.
    for (const [status, body] of [
      [403, undefined],
      [500, undefined],
      [200, '"not the settings"'],
    ] as const) {
      it(`lists environments when the settings request answers ${status}${body ? ' with a body that is not settings' : ''}`, async () => {
        const client = clientFor(sandbox, DANA);
        const site = await client.getSite('acme-landing');
        const path = `sites/${site.id}/environments/live/settings`;
        sandbox.setFaults({ api: { script: [{ path, status, times: 99, ...(body ? { body } : {}) }] } });
        try {
          const envs = await client.listEnvironments(site);
          expect(envs.map((e) => [e.id, e.initialized])).toEqual([
            ['dev', true],
            ['test', true],
            ['live', mode === 'rich' ? false : null],
          ]);
        } finally {
          sandbox.setFaults({});
        }
        // Only the strict sandbox leaves is_initialized out, so only there is the settings request made.
        const asked = requestsTo(sandbox, path);
        if (mode === 'strict') expect(asked.at(-1)!.status).toBe(status);
        else expect(asked).toEqual([]);
      });
    }
  });
});
