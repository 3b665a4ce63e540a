// The strict sandbox answers in the lean shapes recorded from Pantheon (docs/pantheon-api.md §1–§9), checked over
// plain HTTP: the Lifeboat client must cope with these, so the sandbox must really send them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { DANA, testSandbox, wireLogin, type WireSession } from '../../helpers/sandbox';

type Entry = Record<string, unknown> & { folder: string; size: number; filename?: string };

let sandbox: Sandbox;
let dana: WireSession;
beforeAll(async () => {
  sandbox = await testSandbox({ mode: 'strict' });
  dana = await wireLogin(sandbox, DANA);
});
afterAll(() => sandbox.close());

const catalogOf = async (site: string, env: string) =>
  dana.get<Record<string, Entry>>(`sites/${await dana.siteId(site)}/environments/${env}/backups/catalog`);

describe('strict sandbox: environments', () => {
  it('sends test and live without is_initialized, an uninitialized one without target, and settings 404', async () => {
    expect(sandbox.mode).toBe('strict');
    const landing = await dana.siteId('acme-landing');
    const envs = await dana.get<Record<string, Record<string, unknown>>>(`sites/${landing}/environments`);
    expect(Object.keys(envs)).toEqual(['dev', 'test', 'live']);
    for (const env of ['test', 'live']) {
      expect(envs[env]).not.toHaveProperty('is_initialized');
      expect(envs[env]).not.toHaveProperty('on_server_development');
    }
    // acme-landing's live was never deployed: no ref, no commit, and nothing else says so.
    expect(envs.live).not.toHaveProperty('target_ref');
    expect(envs.live).not.toHaveProperty('target_commit');
    expect(envs.test).toMatchObject({ target_ref: 'refs/tags/pantheon_test_1' });
    expect(envs.dev).toMatchObject({ on_server_development: true, target_ref: 'refs/heads/master' });
    for (const env of ['dev', 'test', 'live']) {
      const res = await dana.api(`sites/${landing}/environments/${env}/settings`);
      expect(res.status).toBe(404);
      expect(await res.json()).toBe('Not found.');
    }
  });
});

describe('strict sandbox: sites', () => {
  it('lists membership sites with only attributes.label, and frozen only on a frozen site', async () => {
    const mine = await dana.get<{ site: Record<string, unknown> }[]>(
      `users/${dana.userId}/memberships/sites`,
    );
    expect(mine.length).toBeGreaterThan(0);
    for (const { site } of mine) {
      expect(site).not.toHaveProperty('label');
      expect((site.attributes as { label: string }).label).toEqual(expect.any(String));
      expect(site).not.toHaveProperty('frozen');
    }
    const orgs = await dana.get<{ id: string; role: string }[]>(
      `users/${dana.userId}/memberships/organizations`,
    );
    const acme = orgs.find((o) => o.role === 'admin')!;
    const viaOrg = await dana.get<{ site: Record<string, unknown> }[]>(
      `organizations/${acme.id}/memberships/sites`,
    );
    const intranet = viaOrg.find((m) => m.site.name === 'acme-intranet')!.site;
    expect(intranet).toMatchObject({ frozen: true, attributes: { label: 'Acme Intranet' } });
    expect(intranet).not.toHaveProperty('label');
    const detail = await dana.get<Record<string, unknown>>(`sites/${await dana.siteId('acme-blog')}`);
    expect(detail).toMatchObject({ label: 'Acme Blog', name: 'acme-blog' });
    expect(detail).not.toHaveProperty('preferred_zone_label');
    expect(detail).not.toHaveProperty('frozen');
  });
});

describe('strict sandbox: backup catalog', () => {
  it('lists newest first, with a manifest-less code folder and a backup still being written', async () => {
    const catalog = await catalogOf('acme-blog', 'live');
    const keys = Object.keys(catalog);
    expect(keys).toEqual([...keys].sort().reverse());
    const byFolder = new Map<string, string[]>();
    for (const [k, v] of Object.entries(catalog))
      byFolder.set(v.folder, [...(byFolder.get(v.folder) ?? []), k]);

    const codeOnly = [...byFolder.entries()].find(([, ks]) => ks.length === 1 && ks[0]!.endsWith('_code'));
    expect(codeOnly).toBeDefined();
    expect(catalog[codeOnly![1][0]!]!.size).toBeGreaterThan(0);

    // The newest folder is being written: its archives are named but empty, without finish times.
    const newest = catalog[keys[0]!]!;
    const writing = byFolder.get(newest.folder)!.map((k) => catalog[k]!);
    expect(writing.length).toBeGreaterThan(0);
    for (const e of writing) {
      expect(e.filename).toMatch(/^acme-blog_live_.*_UTC_(code|files|database)\.(tar|sql)\.gz$/);
      expect(e.size).toBe(0);
      expect(e.finish_time).toBeNull();
    }
    expect(writing.some((e) => e.timestamp === null)).toBe(true);

    for (const [k, v] of Object.entries(catalog)) {
      if (k.endsWith('_manifest')) {
        expect(v).not.toHaveProperty('filename');
        expect(v).not.toHaveProperty('finish_time');
        expect(v.size).toBe(0);
      } else if (v.size > 0) {
        // Times are floats as the API sends them (microseconds), not whole seconds.
        expect(Number.isInteger(v.finish_time)).toBe(false);
        expect(Number.isInteger(v.start_time)).toBe(false);
        expect(Object.keys(v)).toEqual([
          'task_id',
          'finish_time',
          'endpoint_uuid',
          'BUILD_URL',
          'filename',
          'BUILD_TAG',
          'ttl',
          'folder',
          'start_time',
          'size',
          'timestamp',
        ]);
      }
    }
  });

  it('serves the code-only archive at its announced size and refuses one still being written', async () => {
    const id = await dana.siteId('acme-blog');
    const catalog = await catalogOf('acme-blog', 'live');
    const keys = Object.keys(catalog);
    const folders = new Set(Object.values(catalog).map((e) => e.folder));
    const codeOnly = [...folders].find((f) => keys.filter((k) => k.startsWith(`${f}_`)).length === 1)!;
    const s3token = (folder: string, type: string) =>
      dana.api(`sites/${id}/environments/live/backups/catalog/${folder}/${type}/s3token`, {
        method: 'POST',
        body: JSON.stringify({ method: 'get' }),
      });
    const ok = await s3token(codeOnly, 'code');
    expect(ok.status).toBe(200);
    const head = await fetch(((await ok.json()) as { url: string }).url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(catalog[`${codeOnly}_code`]!.size);
    expect((await s3token(catalog[keys[0]!]!.folder, 'database')).status).toBe(404);
  });

  it('fails a restore of an archive still being written, with the reason', async () => {
    const id = await dana.siteId('acme-blog');
    const catalog = await catalogOf('acme-blog', 'live');
    const writing = Object.entries(catalog).find(([k, e]) => k.endsWith('_database') && e.size === 0)![1];
    const post = await dana.api(`sites/${id}/environments/live/workflows`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'restore_database',
        params: { key: `${id}/live/${writing.folder}/${writing.filename!}`, bucket: 'pantheon-backups' },
      }),
    });
    expect(post.status).toBe(202);
    await sandbox.idle();
    const wf = await dana.get<{ result: string; final_task: { reason: string } }>(
      `sites/${id}/workflows/${((await post.json()) as { id: string }).id}`,
    );
    expect(wf.result).toBe('failed');
    expect(wf.final_task.reason).toBe(`Backup archive ${writing.filename!} is not finished yet.`);
    expect(sandbox.restores).toEqual([]);
  });
});

describe('strict sandbox: recorded wire details', () => {
  it('sends the recorded content types, JSON-string errors and workflow field set', async () => {
    expect(dana.login.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const id = await dana.siteId('dana-sandbox');
    expect((await dana.api(`sites/${id}/environments/dev/backups/catalog`)).headers.get('content-type')).toBe(
      'application/json',
    );
    const missing = await dana.api('site-names/no-such-site');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await missing.json()).toBe('A site named no-such-site was not found.');

    const post = await dana.api(`sites/${id}/environments/dev/workflows`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'do_export',
        params: { code: false, database: true, files: false, entry_type: 'backup', ttl: 86400 },
      }),
    });
    expect(post.status).toBe(202);
    expect(post.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const wf = (await post.json()) as Record<string, unknown>;
    expect(wf).toMatchObject({ phase: 'created', result: null, type: 'do_export', environment: 'dev' });
    for (const k of ['waiting_for_task_id', 'trace_log_url', 'user', 'task_ids', 'user_email'])
      expect(wf).toHaveProperty(k);
    expect(wf).not.toHaveProperty('started_at');
    expect(wf).not.toHaveProperty('finished_at');
    await sandbox.idle();
    const done = await dana.get<Record<string, unknown>>(`sites/${id}/workflows/${wf.id as string}`);
    expect(done).toMatchObject({ phase: 'finished', result: 'succeeded' });
    expect(done.started_at).toEqual(expect.any(Number));
    expect(done.finished_at).toEqual(expect.any(Number));
  });
});

describe('scripted fault after a workflow', () => {
  it('fails the catalog read that follows a finished backup once, whatever read it before', async () => {
    const id = await dana.siteId('acme-events');
    const catalogPath = `sites/${id}/environments/dev/backups/catalog`;
    sandbox.setFaults({
      api: {
        script: [
          { method: 'GET', path: 'backups/catalog', status: 404, times: 1, afterWorkflow: 'do_export' },
        ],
      },
    });
    try {
      expect((await dana.api(catalogPath)).status).toBe(200);
      const wf = (await (
        await dana.api(`sites/${id}/environments/dev/workflows`, {
          method: 'POST',
          body: JSON.stringify({ type: 'do_export', params: { code: true, database: true, files: true } }),
        })
      ).json()) as { id: string };
      await sandbox.idle();
      expect(await dana.get(`sites/${id}/workflows/${wf.id}`)).toMatchObject({ result: 'succeeded' });
      const first = await dana.api(catalogPath);
      expect(first.status).toBe(404);
      expect(await first.json()).toBe('Injected failure 404.');
      const again = await dana.api(catalogPath);
      expect(again.status).toBe(200);
    } finally {
      sandbox.setFaults({});
    }
  });
});

describe('clock skew', () => {
  it("dates the session by the server's clock: expires_at may be past by ours while the session works", async () => {
    const lifetime = 86_400;
    const skewed = await testSandbox({
      mode: 'strict',
      clockSkewSeconds: -3 * 86_400,
      sessionLifetimeSeconds: lifetime,
    });
    try {
      const before = Date.now() / 1000;
      const s = await wireLogin(skewed, DANA);
      // Past by this machine's clock...
      expect(s.expiresAt).toBeLessThan(before);
      // ...but a full lifetime after the server's own Date header, which carries the server's clock.
      const serverDate = Date.parse(s.login.headers.get('date')!) / 1000;
      expect(Math.abs(s.expiresAt - lifetime - serverDate)).toBeLessThanOrEqual(2);
      expect((await s.api(`users/${s.userId}`)).status).toBe(200);

      // Signed URLs expire by the server's clock too: already past by ours, and still served.
      const id = await s.siteId('acme-blog');
      const catalog = await s.get<Record<string, Entry>>(`sites/${id}/environments/live/backups/catalog`);
      const done = Object.values(catalog).find((e) => e.filename?.endsWith('_files.tar.gz') && e.size > 0)!;
      const token = await s.api(
        `sites/${id}/environments/live/backups/catalog/${done.folder}/files/s3token`,
        {
          method: 'POST',
          body: JSON.stringify({ method: 'get' }),
        },
      );
      const url = new URL(((await token.json()) as { url: string }).url);
      expect(Number(url.searchParams.get('Expires'))).toBeLessThan(Date.now() / 1000);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(Math.abs(Date.parse(head.headers.get('date')!) / 1000 - serverDate)).toBeLessThan(86_400);
    } finally {
      await skewed.close();
    }
  });
});
