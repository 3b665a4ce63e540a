// A restore's job imports its database into the server it was started with, on every retry: two real MariaDB
// servers, A (the one a job names) and B (the one in the app's Settings), and the app's engine over the
// sandbox. Nothing here is mocked; each job runs the real download and import.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { writeRecord } from '../../../electron/services/jobs/journal';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { testService } from '../../helpers/keychain';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../../helpers/mariadb';
import { DANA, FAST_RETRY, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let a: TestMariaDb | null = null;
let b: TestMariaDb | null = null;
let skip: string | null = null;
let dir: string;
let folder: string;
let engines = 0;

beforeAll(async () => {
  sandbox = await testSandbox();
  skip = await mariadbUnavailable();
  if (skip) return;
  [a, b] = await Promise.all([startMariaDb(), startMariaDb()]);
  // An account with a password, the same on both servers: which server gets which password shows.
  for (const db of [a, b])
    await db.query(
      "CREATE USER 'lb'@'localhost' IDENTIFIED BY 'pw-shared'; GRANT ALL PRIVILEGES ON *.* TO 'lb'@'localhost' WITH GRANT OPTION;",
    );
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await sandbox.close();
});
beforeEach(async (ctx) => {
  if (!a || !b) return ctx.skip(`MariaDB unavailable: ${skip}`);
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-job-db-'));
  return () => rm(dir, { recursive: true, force: true });
});

/** The app's engine (as main and the browser host build it) on its own data folder, with Settings → B. */
async function appWith(
  env: NodeJS.ProcessEnv,
  settingsUser: 'root' | 'lb',
): Promise<{ engine: Engine; accountId: string; close(): Promise<void> }> {
  const engine = createEngine({
    dataDir: join(dir, `data-${++engines}`),
    secrets: new KeytarSecretStore(testService(`jobs-db-${engines}`)),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    env,
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((x) => x.email === DANA)!.machineToken },
    }),
  });
  const api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  await engine.settings.update({
    database: { host: '127.0.0.1', port: b!.port, socket: b!.socket, user: settingsUser },
  });
  if (settingsUser === 'lb') await engine.settings.setDatabasePassword('pw-shared');
  if (!folder) {
    const sets = await api.backups.list({ accountId: added.value[0]!.id, site: 'acme-blog', env: 'live' });
    if (!sets.ok) throw new Error(sets.error.message);
    folder = sets.value.find((s) => s.finished && s.archives.database)!.folder;
  }
  return {
    engine,
    accountId: added.value[0]!.id,
    async close() {
      if (settingsUser === 'lb') await engine.settings.setDatabasePassword('');
      engine.jobs.cancelAll();
      await engine.jobs.flush();
      engine.jobs.close();
    },
  };
}

/**
 * An interrupted restore of acme-blog.live's database, as a job file holds it, retried by `engine` until it
 * ends. `importDatabase` is the plan's (with or without the server); `extra` adds fields of the plan.
 */
async function retried(
  app: { engine: Engine; accountId: string },
  importDatabase: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<Job> {
  const id = randomUUID();
  const now = new Date().toISOString();
  await writeRecord(join(app.engine.dataDir, 'jobs'), {
    version: 2,
    job: {
      id,
      kind: 'restore',
      title: `Restore acme-blog.live into ${join(dir, id)}`,
      state: 'failed',
      progress: {
        phase: 'downloading',
        bytesDone: 0,
        bytesTotal: null,
        bytesPerSecond: null,
        etaSeconds: null,
        parts: [],
      },
      createdAt: now,
      finishedAt: now,
      error: { code: 'cancelled', message: 'Interrupted.', retryable: true },
    },
    plan: {
      accountId: app.accountId,
      site: 'acme-blog',
      env: 'live',
      backup: folder,
      elements: ['database'],
      targetDir: dir,
      folderName: id,
      importDatabase,
      include: [],
      exclude: [],
      ...extra,
    },
    owner: null,
    heartbeatAt: now,
  });
  await app.engine.jobs.retry(id);
  return app.engine.jobs.wait(id);
}

const databases = async (db: TestMariaDb): Promise<string[]> =>
  (await db.query('SHOW DATABASES')).split('\n').filter((n) => /^(acmedb|lbdb|olddb)/.test(n));

describe('a retried restore imports into the server its plan names (two real MariaDB servers)', () => {
  it("imports into the plan's server, never the one in Settings, whose database of that name stays as it was", async () => {
    await b!.query(
      'CREATE DATABASE acmedb3; CREATE TABLE acmedb3.mine (x int); INSERT INTO acmedb3.mine VALUES (42);',
    );
    const before = await b!.fingerprint('acmedb3');
    const app = await appWith({}, 'root');
    try {
      const done = await retried(app, {
        name: 'acmedb3',
        replace: true,
        connection: { socket: a!.socket, user: 'root' },
      });
      expect(done).toMatchObject({ state: 'succeeded' });
      expect(
        (await a!.query("SELECT value FROM wp_options WHERE name='lifeboat_env'", 'acmedb3')).trim(),
      ).toBe('live');
      expect(await b!.fingerprint('acmedb3')).toBe(before);
    } finally {
      await app.close();
    }
  });

  it('gives the Settings password only to the Settings server; another gets LIFEBOAT_DB_PASSWORD, else none', async () => {
    const noEnv = await appWith({}, 'lb');
    const withEnv = await appWith({ LIFEBOAT_DB_PASSWORD: 'pw-shared' }, 'lb');
    try {
      // Server A as lb: the Settings password (which A would accept) is not sent to it, and there is no other.
      const refused = await retried(noEnv, { name: 'lbdb1', connection: { socket: a!.socket, user: 'lb' } });
      expect(refused).toMatchObject({
        state: 'failed',
        // Said once, in words (the client's "(using password: NO)"): no password went to that server.
        error: {
          code: 'database',
          message: expect.stringContaining('refused the user lb with no password.'),
        },
      });
      expect(await databases(a!)).not.toContain('lbdb1');
      expect(await databases(b!)).not.toContain('lbdb1');
      // With the password in this process's environment, A gets it.
      const viaEnv = await retried(withEnv, { name: 'lbdb2', connection: { socket: a!.socket, user: 'lb' } });
      expect(viaEnv).toMatchObject({ state: 'succeeded' });
      expect(await databases(a!)).toContain('lbdb2');
      // The Settings server itself gets the Settings password.
      const settings = await retried(noEnv, { name: 'lbdb3', connection: { socket: b!.socket, user: 'lb' } });
      expect(settings).toMatchObject({ state: 'succeeded' });
      expect(await databases(b!)).toContain('lbdb3');
      expect(await databases(a!)).not.toContain('lbdb3');
    } finally {
      await noEnv.close();
      await withEnv.close();
    }
  });

  it('runs an old plan without a server into Settings when the app wrote it, and refuses one lifeboat pull wrote', async () => {
    const app = await appWith({}, 'root');
    try {
      const fromApp = await retried(app, { name: 'olddb1', replace: false });
      expect(fromApp).toMatchObject({ state: 'succeeded' });
      expect(await databases(b!)).toContain('olddb1');
      // lifeboat pull wrote updateInPlace and keepForDays, and kept its --db-import server out of the plan.
      const fromPull = await retried(
        app,
        { name: 'olddb2', replace: false },
        { updateInPlace: false, keepForDays: 30 },
      );
      expect(fromPull).toMatchObject({
        state: 'failed',
        error: { code: 'invalid-request', message: expect.stringContaining('lifeboat pull') },
      });
      expect([...(await databases(a!)), ...(await databases(b!))]).not.toContain('olddb2');
    } finally {
      await app.close();
    }
  });

  it('records the Settings server (never its password) in the plan of a restore the app starts', async () => {
    const app = await appWith({}, 'lb');
    try {
      const started = await app.engine.startRestore({
        accountId: app.accountId,
        site: 'acme-blog',
        env: 'live',
        backup: folder,
        elements: ['database'],
        targetDir: dir,
        importDatabase: { name: 'lbdb4' },
      });
      expect(await app.engine.jobs.wait(started.id)).toMatchObject({ state: 'succeeded' });
      const file = await readFile(join(app.engine.dataDir, 'jobs', `${started.id}.json`), 'utf8');
      expect((JSON.parse(file) as { plan: unknown }).plan).toMatchObject({
        apiUrl: sandbox.apiUrl,
        importDatabase: { name: 'lbdb4', connection: { socket: b!.socket, user: 'lb' } },
      });
      expect(file).not.toContain('pw-shared');
      expect(await databases(b!)).toContain('lbdb4');
    } finally {
      await app.close();
    }
  });
});
