// Settings' "Test connection" (`settings.testDatabase`) on the app's contract, against a real MariaDB server: the
// values given (saved or not), the keychain's password unless one is typed, and one clear error per failure.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppApi } from '../../../shared/api/contract';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { DB_PASSWORD_KEY } from '../../../electron/services/settings/settings';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { useMariaDb } from '../../helpers/mariadb-suite';

const suite = useMariaDb('lifeboat-db-test-', {
  setup: async (db) => {
    // A user with a password, reachable over the socket (localhost) and over TCP (127.0.0.1, names not resolved).
    await db.query(
      "CREATE USER 'lb'@'localhost' IDENTIFIED BY 'pw-right'; CREATE USER 'lb'@'127.0.0.1' IDENTIFIED BY 'pw-right';",
    );
  },
});

let engine: Engine;
let api: AppApi;
let secrets: MemorySecrets;
let data: string;
beforeEach(async () => {
  data = await mkdtemp(join(tmpdir(), 'lifeboat-db-test-data-'));
  secrets = new MemorySecrets();
  engine = createEngine({ dataDir: data, secrets });
  api = createApi(engine);
});
afterEach(async () => {
  engine?.jobs.close();
  await rm(data, { recursive: true, force: true });
});

/** An error's message, from a Result that must have failed. */
const failure = async (r: ReturnType<AppApi['settings']['testDatabase']>) => {
  const res = await r;
  if (res.ok) throw new Error(`expected a failure, got ${JSON.stringify(res.value)}`);
  return res.error;
};

describe('settings.testDatabase', () => {
  it("answers the server's version over its socket and over TCP, without saving anything", async () => {
    const { db } = suite;
    const version = (await db.query('SELECT VERSION()')).trim();
    const bySocket = await api.settings.testDatabase({
      host: 'ignored',
      port: 1,
      socket: db.socket,
      user: 'root',
    });
    expect(bySocket).toEqual({ ok: true, value: { version, server: `root@${db.socket}` } });
    const byTcp = await api.settings.testDatabase({
      host: '127.0.0.1',
      port: db.port,
      socket: null,
      user: 'root',
    });
    expect(byTcp).toEqual({ ok: true, value: { version, server: `root@127.0.0.1:${db.port}` } });
    expect(version).toMatch(/MariaDB/);
    // A test is not a save.
    const settings = await api.settings.get();
    expect(settings.ok && settings.value.database).toBeNull();
  });

  it("uses the keychain's password unless one is typed, and says which was refused", async () => {
    const { db } = suite;
    const conn = { host: '127.0.0.1', port: db.port, socket: null, user: 'lb' };
    const none = await failure(api.settings.testDatabase(conn));
    expect(none.code).toBe('database');
    expect(none.message).toBe(
      `The database server on 127.0.0.1:${db.port} refused the user lb with no password (none is saved in the keychain). Check the user and password.`,
    );
    await secrets.set(DB_PASSWORD_KEY, 'pw-right');
    expect(await api.settings.testDatabase(conn)).toMatchObject({
      ok: true,
      value: { version: expect.any(String) },
    });
    // A password typed in the form (not yet saved) is the one tested.
    const typed = await failure(api.settings.testDatabase({ ...conn, password: 'pw-wrong' }));
    expect(typed.message).toContain('refused the user lb with the password given');
    expect(typed.detail).toMatch(/^ERROR 1045 .*Access denied for user 'lb'/);
    expect(
      await api.settings.testDatabase({ ...conn, socket: db.socket, password: 'pw-right' }),
    ).toMatchObject({ ok: true });
  });

  it('says plainly when nothing answers, once, without wrapping the client’s words in more of them', async () => {
    const { db } = suite;
    const closed = await failure(
      api.settings.testDatabase({ host: '127.0.0.1', port: 1, socket: null, user: 'root' }),
    );
    expect(closed).toMatchObject({ code: 'database' });
    expect(closed.message).toBe(
      'No database server answers on 127.0.0.1:1. Check that MySQL or MariaDB is running and that this is its host and port.',
    );
    const socket = join(suite.dir, 'no-server.sock');
    const noSocket = await failure(
      api.settings.testDatabase({ host: '127.0.0.1', port: db.port, socket, user: 'root' }),
    );
    expect(noSocket.message).toBe(
      `No database server answers on the socket ${socket}. Check that MySQL or MariaDB is running and that this is its socket.`,
    );
    const unknown = await failure(
      api.settings.testDatabase({ host: 'no-such-host.invalid', port: 3306, socket: null, user: 'root' }),
    );
    expect(unknown.message).toBe('There is no host named no-such-host.invalid. Check the host.');
    for (const e of [closed, noSocket, unknown]) {
      // One sentence of Lifeboat's, not an import's words around a connection's; the client's line is the detail.
      expect(e.message).not.toMatch(/refused the import|Could not reach|Something went wrong|ERROR \d/);
      expect(e.detail).toMatch(/^ERROR 200[25] /);
    }
  });

  it('refuses values that are not a connection before connecting', async () => {
    const bad = await failure(
      api.settings.testDatabase({ host: '127.0.0.1', port: 0, socket: null, user: 'root' }),
    );
    expect(bad).toMatchObject({ code: 'invalid-request', message: 'port: A port from 1 to 65535.' });
    const noUser = await failure(
      api.settings.testDatabase({ host: '127.0.0.1', port: 3306, socket: null, user: ' ' }),
    );
    expect(noUser.message).toBe('user: Give the user to connect as.');
  });
});
