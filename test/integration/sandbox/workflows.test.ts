// Restore workflows, the SFTP diffstat and the automatic backup schedule, over plain HTTP in both sandbox modes
// (docs/pantheon-api.md §3, §6, §7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedByName, type Sandbox } from '../../../electron/sandbox';
import { DANA, FRAN, SANDBOX_MODES, testSandbox, wireLogin, type WireSession } from '../../helpers/sandbox';

type Entry = {
  folder: string;
  filename?: string;
  size: number;
  finish_time: number | null;
  timestamp: number | null;
};
type Workflow = Record<string, unknown> & {
  id: string;
  phase: string;
  result: string | null;
  final_task?: { reason: string };
};

describe.each(SANDBOX_MODES)('%s sandbox', (mode) => {
  let sandbox: Sandbox;
  let dana: WireSession;
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
    dana = await wireLogin(sandbox, DANA);
  });
  afterAll(() => sandbox.close());

  /** Starts an environment workflow; answers the POST response. */
  const start = async (siteId: string, env: string, type: string, params: unknown) => {
    const res = await dana.api(`sites/${siteId}/environments/${env}/workflows`, {
      method: 'POST',
      body: JSON.stringify({ type, params }),
    });
    return { status: res.status, body: (await res.json()) as Workflow };
  };
  /** Starts a workflow that must be accepted and answers it once finished. */
  const run = async (siteId: string, env: string, type: string, params: unknown): Promise<Workflow> => {
    const { status, body } = await start(siteId, env, type, params);
    expect(status).toBe(202);
    expect(body).toMatchObject({ type, phase: 'created', result: null });
    await sandbox.idle();
    return dana.get<Workflow>(`sites/${siteId}/workflows/${body.id}`);
  };
  /** The newest finished archive of an element, as Terminus picks it. */
  const latest = async (siteId: string, env: string, element: string) => {
    const catalog = await dana.get<Record<string, Entry>>(
      `sites/${siteId}/environments/${env}/backups/catalog`,
    );
    const [key, entry] = Object.entries(catalog)
      .filter(([k, e]) => k.endsWith(`_${element}`) && e.size > 0 && (e.finish_time ?? e.timestamp) !== null)
      .sort(([a], [b]) => (a < b ? 1 : -1))[0]!;
    return { key, ...entry, filename: entry.filename! };
  };

  describe('restore workflows', () => {
    it('restores the database from a finished archive and records what the environment was restored from', async () => {
      const id = await dana.siteId('acme-blog');
      const db = await latest(id, 'dev', 'database');
      const before = sandbox.restores.length;
      const wf = await run(id, 'dev', 'restore_database', {
        key: `${id}/dev/${db.folder}/${db.filename}`,
        bucket: 'pantheon-backups',
      });
      expect(wf).toMatchObject({ phase: 'finished', result: 'succeeded', environment: 'dev' });
      expect(sandbox.restores.slice(before)).toEqual([
        expect.objectContaining({
          site: 'acme-blog',
          env: 'dev',
          element: 'database',
          folder: db.folder,
          filename: db.filename,
          workflowId: wf.id,
        }),
      ]);
      const admin = await fetch(`${sandbox.url}/__sandbox/restores`, {
        headers: { 'x-sandbox-admin': sandbox.adminToken },
      });
      expect(await admin.json()).toContainEqual(
        expect.objectContaining({ workflowId: wf.id, element: 'database' }),
      );
    });

    it('restores code and files, also from a key without the folder (as 2016 Terminus sent it)', async () => {
      const id = await dana.siteId('globex-careers');
      const code = await latest(id, 'test', 'code');
      const files = await latest(id, 'test', 'files');
      expect(
        await run(id, 'test', 'restore_code', {
          key: `${id}/test/${code.folder}/${code.filename}`,
          bucket: 'pantheon-backups',
        }),
      ).toMatchObject({ result: 'succeeded', description: 'Restore code to "test"' });
      expect(
        await run(id, 'test', 'restore_files', {
          key: `${id}/test/${files.filename}`,
          bucket: 'pantheon-backups',
        }),
      ).toMatchObject({ result: 'succeeded' });
      expect(sandbox.restores.slice(-2).map((r) => [r.site, r.env, r.element, r.folder])).toEqual([
        ['globex-careers', 'test', 'code', code.folder],
        ['globex-careers', 'test', 'files', files.folder],
      ]);
    });

    it('fails a restore whose key names no archive of this environment or the wrong element, with the reason', async () => {
      const id = await dana.siteId('acme-blog');
      const db = await latest(id, 'live', 'database');
      const before = sandbox.restores.length;
      const cases: [string, unknown, RegExp][] = [
        [
          'restore_database',
          {
            key: `${id}/live/${db.folder}/acme-blog_live_2001-01-01T00-00-00_UTC_database.sql.gz`,
            bucket: 'pantheon-backups',
          },
          /was not found/,
        ],
        // The live archive is not one of dev's.
        [
          'restore_database',
          { key: `${id}/live/${db.folder}/${db.filename}`, bucket: 'pantheon-backups' },
          /not found/,
        ],
        [
          'restore_files',
          { key: `${id}/dev/${db.folder}/${db.filename}`, bucket: 'pantheon-backups' },
          /not found/,
        ],
      ];
      for (const [type, params, reason] of cases) {
        const wf = await run(id, 'dev', type, params);
        expect(wf).toMatchObject({ phase: 'finished', result: 'failed' });
        expect(wf.final_task!.reason).toMatch(reason);
      }
      const wrong = await run(id, 'live', 'restore_files', {
        key: `${id}/live/${db.folder}/${db.filename}`,
        bucket: 'pantheon-backups',
      });
      expect(wrong.final_task!.reason).toBe(`Backup archive ${db.filename} is not a files archive.`);
      expect(sandbox.restores.length).toBe(before);
    });

    it('refuses a restore on a frozen site with 403 and one without a key with 400', async () => {
      const frozen = await dana.siteId('acme-intranet');
      const refused = await start(frozen, 'dev', 'restore_database', {
        key: `${frozen}/dev/1_backup/x_database.sql.gz`,
        bucket: 'pantheon-backups',
      });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatch(/frozen/);
      const id = await dana.siteId('acme-blog');
      const bad = await start(id, 'dev', 'restore_code', { bucket: 'pantheon-backups' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatch(/key/);
    });
  });

  describe('SFTP diffstat', () => {
    it('reports the seeded uncommitted changes of an SFTP-mode dev, with counts as strings', async () => {
      const id = await dana.siteId('globex-careers');
      const env = await dana.get<{ on_server_development: boolean }>(`sites/${id}/environments/dev`);
      expect(env.on_server_development).toBe(true);
      const diff = await dana.get<Record<string, { status: string; additions: string; deletions: string }>>(
        `sites/${id}/environments/dev/on-server-development/diffstat`,
      );
      expect(Object.keys(diff)).toHaveLength(3);
      for (const f of Object.values(diff)) {
        expect(f.status).toMatch(/^[AMD]$/);
        expect(f.additions).toMatch(/^\d+$/);
        expect(f.deletions).toMatch(/^\d+$/);
      }
      expect(Object.values(diff)).toContainEqual({ status: 'D', additions: '0', deletions: '385' });
      expect(
        await dana.get(
          `sites/${await dana.siteId('acme-blog')}/environments/dev/on-server-development/diffstat`,
        ),
      ).toEqual({});
    });

    it('lets a test set the changes of a multidev, which is then in SFTP mode', async () => {
      const id = await dana.siteId('globex-careers');
      const path = `sites/${id}/environments/pr-84/on-server-development/diffstat`;
      expect(await dana.get(path)).toEqual({});
      const files = { 'index.php': { status: 'M', additions: '2', deletions: '1' } };
      sandbox.setDiffstat('globex-careers', 'pr-84', files);
      expect(await dana.get(path)).toEqual(files);
      expect(await dana.get(`sites/${id}/environments/pr-84`)).toMatchObject({ on_server_development: true });
      expect(() => sandbox.setDiffstat('globex-careers', 'live', files)).toThrow(/SFTP/);
      expect(() =>
        sandbox.setDiffstat('globex-careers', 'dev', {
          x: { status: 'M', additions: 2, deletions: '1' } as never,
        }),
      ).toThrow(/digit strings/);
    });
  });

  describe('automatic backup schedule', () => {
    it('reads, enables with hour null keeping the hour, disables day by day, and enables again', async () => {
      const fran = await wireLogin(sandbox, FRAN);
      const id = await fran.siteId('globex-docs');
      const path = `sites/${id}/environments/live/backups/schedule`;
      const initial = await fran.get<Record<string, { hour: number; ttl: number } | null>>(path);
      expect(Object.keys(initial)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      expect(initial['5']).toEqual({ hour: 16, ttl: 2764800 });
      expect(initial['1']).toEqual({ hour: 16, ttl: 691200 });

      // Terminus sends hour null; the environment keeps backing up at the hour it had.
      const enable = async (weeklyDay: number, weeklyTtl: number) => {
        const schedule = Object.fromEntries(
          Array.from({ length: 7 }, (_, d) => [
            String(d),
            { hour: null, ttl: d === weeklyDay ? weeklyTtl : 691200 },
          ]),
        );
        const post = await fran.api(`sites/${id}/environments/live/workflows`, {
          method: 'POST',
          body: JSON.stringify({ type: 'change_backup_schedule', params: { backup_schedule: schedule } }),
        });
        expect(post.status).toBe(202);
        await sandbox.idle();
        return fran.get<Record<string, { hour: number; ttl: number }>>(path);
      };
      const moved = await enable(3, 40 * 86400);
      expect(moved['3']).toEqual({ hour: 16, ttl: 40 * 86400 });
      expect(moved['5']).toEqual({ hour: 16, ttl: 691200 });

      for (let d = 0; d < 7; d++) {
        const res = await fran.api(`${path}/${d}`, { method: 'DELETE' });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html');
        expect(await res.text()).toBe('Backup unscheduled.\n');
      }
      expect(Object.values(await fran.get<Record<string, unknown>>(path))).toEqual(Array(7).fill(null));

      // With no hour left to keep, Pantheon picks one: the same for every day.
      const enabled = await enable(2, 60 * 86400);
      expect(enabled['2']!.ttl).toBe(60 * 86400);
      expect(enabled['4']!.ttl).toBe(691200);
      const hours = new Set(Object.values(enabled).map((d) => d.hour));
      expect(hours.size).toBe(1);
      expect([...hours][0]).toEqual(expect.any(Number));

      const bad = await fran.api(`sites/${id}/environments/live/workflows`, {
        method: 'POST',
        body: JSON.stringify({
          type: 'change_backup_schedule',
          params: { backup_schedule: { 7: { hour: 1, ttl: 1 } } },
        }),
      });
      expect(bad.status).toBe(400);
    });
  });
});

describe('seed names', () => {
  it('are the names seedByName takes, so a banner can print them and they round-trip', () => {
    for (const name of ['demo', 'big', 'big:50', 'big:50:64', 'bench:4'])
      expect(seedByName(name)!.name).toBe(name);
  });
});
