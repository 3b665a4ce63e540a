// A restore's preview when the local database server cannot be reached says so once, in words a person can act
// on, not wrapped in a second message ("Could not reach the database server: The database server refused ...").
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import type { AppApi } from '../../../shared/api/contract';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { DANA, FAST_RETRY, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let engine: Engine;
let api: AppApi;
let dir: string;

/** A port on 127.0.0.1 that nothing listens on (taken, then given back). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-db-unreachable-'));
  sandbox = await testSandbox();
  engine = createEngine({
    dataDir: join(dir, 'data'),
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
    }),
  });
  api = createApi(engine);
});
afterEach(async () => {
  engine.jobs.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a restore preview with a database server that does not answer', () => {
  it('names the host and port and what to check, once', async () => {
    const added = await api.accounts.startDemo();
    if (!added.ok) throw new Error(added.error.message);
    const port = await freePort();
    await engine.settings.update({ database: { host: '127.0.0.1', port, socket: null, user: 'root' } });
    const preview = await api.restores.preview({
      accountId: added.value[0]!.id,
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['database'],
      targetDir: join(dir, 'sites'),
      importDatabase: {},
    });
    if (!preview.ok) throw new Error(preview.error.message);
    const db = preview.value.conflicts.filter((c) => c.kind === 'database');
    expect(db).toHaveLength(1);
    expect(db[0]!.message).toContain(`No database server answers on 127.0.0.1:${port}`);
    expect(db[0]!.message).not.toMatch(/Could not reach|refused the import|ERROR \d+/);
  });
});
