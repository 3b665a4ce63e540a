// The testers' case, end to end through the CLI: `lifeboat pull --db-import` to server A fails part way, and
// `lifeboat jobs retry` imports into A, not into the server of the app's Settings (B), whose database of the
// same name stays as it was. Two real MariaDB servers and the sandbox; nothing is mocked.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Job } from '../../../shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { createEngine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { runMain } from '../../helpers/cli';
import { testService } from '../../helpers/keychain';
import { mariadbUnavailable, startMariaDb, type TestMariaDb } from '../../helpers/mariadb';
import { DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let a: TestMariaDb | null = null;
let b: TestMariaDb | null = null;
let skip: string | null = null;
let dir: string;

beforeAll(async () => {
  sandbox = await testSandbox();
  skip = await mariadbUnavailable();
  if (!skip) [a, b] = await Promise.all([startMariaDb(), startMariaDb()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await sandbox.close();
});
beforeEach(async (ctx) => {
  if (!a || !b) return ctx.skip(`MariaDB unavailable: ${skip}`);
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-pull-retry-'));
  return () => rm(dir, { recursive: true, force: true });
});

it('jobs retry of an interrupted pull --db-import imports into its server, not the one in Settings', async () => {
  const data = join(dir, 'data');
  // The app's Settings on this data folder name server B.
  const app = createEngine({ dataDir: data, secrets: new KeytarSecretStore(testService('pull-retry')) });
  await app.settings.update({
    database: { host: '127.0.0.1', port: b!.port, socket: b!.socket, user: 'root' },
  });
  await b!.query(
    'CREATE DATABASE acmedb3; CREATE TABLE acmedb3.mine (x int); INSERT INTO acmedb3.mine VALUES (7);',
  );
  const before = await b!.fingerprint('acmedb3');
  const env = {
    LIFEBOAT_DATA_DIR: data,
    TERMINUS_MACHINE_TOKEN: sandbox.accounts.find((x) => x.email === DANA)!.machineToken,
  };
  sandbox.setFaults({ store: { corrupt: true } });
  const pulled = await runMain(
    [
      '--api-url',
      sandbox.apiUrl,
      'pull',
      'acme-blog.live',
      '--to',
      join(dir, 'sites'),
      '--element',
      'db',
      '--db-import',
      `mysql://root@localhost/acmedb3?socket=${a!.socket}`,
      '--replace-db',
    ],
    { env },
  );
  expect(pulled.code).not.toBe(0);
  sandbox.setFaults({});
  const [job] = JSON.parse((await runMain(['jobs', 'list', '--json'], { env })).stdout) as Job[];
  // The plan names server A, without a password.
  const file = JSON.parse(await readFile(join(data, 'jobs', `${job!.id}.json`), 'utf8')) as { plan: unknown };
  expect(file.plan).toMatchObject({
    apiUrl: sandbox.apiUrl,
    importDatabase: { name: 'acmedb3', replace: true, connection: { socket: a!.socket, user: 'root' } },
  });

  const retried = await runMain(['--api-url', sandbox.apiUrl, 'jobs', 'retry', job!.id], { env });
  expect({ code: retried.code, stderr: retried.stderr }).toMatchObject({ code: 0 });
  expect((await a!.query("SELECT value FROM wp_options WHERE name='lifeboat_env'", 'acmedb3')).trim()).toBe(
    'live',
  );
  expect(await b!.fingerprint('acmedb3')).toBe(before);
});
