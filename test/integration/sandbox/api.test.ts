// The sandbox's endpoints that Lifeboat's client does not call itself, checked over raw HTTP against the
// shapes in docs/pantheon-api.md.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { DANA, FRAN, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let session: string;
let userId: string;
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${sandbox.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json', ...init.headers },
  });

beforeAll(async () => {
  sandbox = await testSandbox();
  const dana = sandbox.accounts.find((a) => a.email === DANA)!;
  const res = await fetch(`${sandbox.apiUrl}authorize/machine-token`, {
    method: 'POST',
    body: JSON.stringify({ machine_token: dana.machineToken, client: 'terminus' }),
  });
  const body = (await res.json()) as { session: string; expires_at: number; user_id: string };
  session = body.session;
  userId = body.user_id;
  expect(body.expires_at - Date.now() / 1000).toBeGreaterThan(27 * 86400);
});
afterAll(() => sandbox.close());

const siteId = async (name: string) =>
  ((await (await api(`site-names/${name}`)).json()) as { id: string }).id;

describe('sandbox endpoints', () => {
  it('refuses requests without a session', async () => {
    const res = await fetch(`${sandbox.apiUrl}users/${userId}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toBe('Invalid or expired session header: X-Pantheon-Session');
  });

  it('serves one environment and its settings', async () => {
    const id = await siteId('acme-landing');
    const live = (await (await api(`sites/${id}/environments/live`)).json()) as Record<string, unknown>;
    expect(live).toMatchObject({ is_initialized: false, dns_zone: 'pantheonsite.io' });
    expect(live.target_ref).toBeUndefined();
    expect(await (await api(`sites/${id}/environments/live/settings`)).json()).toMatchObject({
      is_initialized: false,
    });
    expect((await api(`sites/${id}/environments/nope`)).status).toBe(404);
  });

  it('keys environments by id with no id field, multidevs included', async () => {
    const envs = (await (await api(`sites/${await siteId('globex-careers')}/environments`)).json()) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(envs)).toEqual(['dev', 'test', 'live', 'pr-84', 'redesign']);
    expect(envs['pr-84']).toMatchObject({ target_ref: 'refs/heads/pr-84', on_server_development: false });
    expect(envs.dev!.id).toBeUndefined();
  });

  it('lists workflows of a site and answers an unknown one with plain-text 404', async () => {
    const id = await siteId('dana-sandbox');
    const post = await api(`sites/${id}/environments/dev/workflows`, {
      method: 'POST',
      body: JSON.stringify({
        type: 'do_export',
        params: { code: false, database: true, files: false, entry_type: 'backup', ttl: 86400 },
      }),
    });
    expect(post.status).toBe(202);
    const wf = (await post.json()) as { id: string; phase: string; result: null };
    expect(wf).toMatchObject({ phase: 'created', result: null });
    const list = (await (await api(`sites/${id}/workflows`)).json()) as { id: string }[];
    expect(list.map((w) => w.id)).toContain(wf.id);
    const missing = await api(`sites/${id}/workflows/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('Not found.\n');
    await sandbox.idle();
  });

  it('rejects unknown workflow types and empty exports', async () => {
    const id = await siteId('dana-sandbox');
    expect(
      (
        await api(`sites/${id}/environments/dev/workflows`, {
          method: 'POST',
          body: JSON.stringify({ type: 'clone_database', params: {} }),
        })
      ).status,
    ).toBe(400);
    const empty = await api(`sites/${id}/environments/dev/workflows`, {
      method: 'POST',
      body: JSON.stringify({ type: 'do_export', params: { code: false } }),
    });
    expect(empty.status).toBe(400);
  });

  it('refuses a backup of a frozen site with 403', async () => {
    const res = await api(`sites/${await siteId('acme-intranet')}/environments/dev/workflows`, {
      method: 'POST',
      body: JSON.stringify({ type: 'do_export', params: { code: true } }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatch(/frozen/);
  });

  it('answers DELETE schedule with text/html "Backup unscheduled."', async () => {
    const res = await api(`sites/${await siteId('acme-blog')}/environments/test/backups/schedule/3`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toBe('Backup unscheduled.\n');
    expect(
      (
        await api(`sites/${await siteId('acme-blog')}/environments/test/backups/schedule/9`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
  });

  it('accepts POST track', async () => {
    const res = await fetch(`${sandbox.apiUrl}track`, {
      method: 'POST',
      body: JSON.stringify({ exit_code: 0, duration: '00:00:03' }),
    });
    expect(res.status).toBe(200);
  });

  it('keeps users to their own data and unprivileged members out of organization listings', async () => {
    const fran = sandbox.accounts.find((a) => a.email === FRAN)!;
    expect((await api(`users/${fran.userId}`)).status).toBe(403);
    const orgs = (await (await api(`users/${userId}/memberships/organizations`)).json()) as {
      id: string;
      role: string;
    }[];
    const unprivileged = orgs.find((o) => o.role === 'unprivileged')!;
    expect((await api(`organizations/${unprivileged.id}/memberships/sites`)).status).toBe(403);
    expect((await api(`sites/${await siteId('fran-portfolio')}`)).status).toBe(403);
  });

  it('marks frozen sites and sends both label forms', async () => {
    const site = (await (
      await api(`sites/${await siteId('acme-intranet')}?site_state=true`)
    ).json()) as Record<string, unknown>;
    expect(site).toMatchObject({
      frozen: true,
      label: 'Acme Intranet',
      attributes: { label: 'Acme Intranet' },
    });
    expect(typeof site.last_frozen_at).toBe('number');
  });

  it('rejects an s3token request without method get', async () => {
    const id = await siteId('acme-blog');
    const catalog = (await (await api(`sites/${id}/environments/live/backups/catalog`)).json()) as Record<
      string,
      { folder: string }
    >;
    const folder = Object.values(catalog)[0]!.folder;
    expect(
      (
        await api(`sites/${id}/environments/live/backups/catalog/${folder}/code/s3token`, {
          method: 'POST',
          body: '{}',
        })
      ).status,
    ).toBe(400);
  });
});

describe('npm run sandbox', () => {
  it('starts standalone and prints its URL and the demo tokens', async () => {
    const root = join(import.meta.dirname, '../../..');
    // The parent picks the admin token of the sandbox it starts (not in argv: other accounts can read that).
    const adminToken = 'cli-test-admin-token-0123456789';
    const child = spawn(process.execPath, ['--import', 'tsx', 'electron/sandbox/cli.ts', '--port', '0'], {
      cwd: root,
      env: { ...process.env, LIFEBOAT_SANDBOX_ADMIN_TOKEN: adminToken },
    });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('fran@example.com')) resolve(text);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
      });
      const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      expect(out).toMatch(/dana@example\.com\s+lifeboat-demo-dana-/);
      expect((await fetch(`${url}/__sandbox/info`)).status).toBe(403);
      const info = (await (
        await fetch(`${url}/__sandbox/info`, { headers: { 'x-sandbox-admin': adminToken } })
      ).json()) as { sites: number };
      expect(info.sites).toBe(12);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses an unknown seed with a clear message', async () => {
    const root = join(import.meta.dirname, '../../..');
    const err = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'electron/sandbox/cli.ts', '--seed', 'huge'],
        { cwd: root },
        (e, _o, stderr) => resolve({ code: (e as { code?: number } | null)?.code ?? 0, stderr }),
      ),
    );
    expect(err.code).toBe(2);
    expect(err.stderr).toBe('Unknown seed "huge": use demo, big[:SITES[:KiB]] or bench[:MiB].\n');
  });

  it('refuses an unknown mode with a clear message', async () => {
    const root = join(import.meta.dirname, '../../..');
    const err = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'electron/sandbox/cli.ts', '--mode', 'lenient'],
        { cwd: root },
        (e, _o, stderr) => resolve({ code: (e as { code?: number } | null)?.code ?? 0, stderr }),
      ),
    );
    expect(err.code).toBe(2);
    expect(err.stderr).toBe('Unknown mode "lenient": use rich or strict.\n');
  });
});
