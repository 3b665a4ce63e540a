import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { lifeboat } from '../../helpers/cli';
import { keychainUnavailable } from '../../helpers/keychain';
import { DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let dataDir: string;
let reason: string | null;
/** Keychain entries of this test's own, never the real `Lifeboat` ones. */
const SERVICE = `Lifeboat-test-cli-${process.pid}`;

beforeAll(async () => {
  reason = await keychainUnavailable();
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async (ctx) => {
  if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
  dataDir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-auth-'));
  return () => rm(dataDir, { recursive: true, force: true });
});

describe('lifeboat auth (real Secret Service)', () => {
  it('logs in, lists, uses the saved account without a token on the command line, and logs out', async () => {
    const env = {
      LIFEBOAT_DATA_DIR: dataDir,
      TERMINUS_MACHINE_TOKEN: '',
      LIFEBOAT_KEYCHAIN_SERVICE: SERVICE,
    };
    const api = ['--api-url', sandbox.apiUrl];
    const token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
    const login = await lifeboat([...api, 'auth', 'login', '--machine-token', token], env);
    expect(login).toMatchObject({
      code: 0,
      stdout: `Logged in as ${DANA}. The token is in the system keychain.\n`,
    });
    expect(await readFile(join(dataDir, 'accounts.json'), 'utf8')).not.toContain(token);
    const list = await lifeboat(['auth', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ email: DANA, apiUrl: sandbox.apiUrl }),
    ]);
    // No token given: the CLI reads it from the keychain.
    const sites = await lifeboat(['sites', '--json'], env);
    expect(sites.code).toBe(0);
    expect((JSON.parse(sites.stdout) as { name: string }[]).map((s) => s.name)).toContain('acme-blog');
    expect(await lifeboat(['auth', 'logout', DANA], env)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('its token was removed from the keychain'),
    });
    expect(await lifeboat(['sites'], env)).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('Not logged in'),
    });
    expect(await lifeboat(['auth', 'logout', DANA], env)).toMatchObject({
      code: 4,
      stderr: expect.stringContaining(`No saved account ${DANA}`),
    });
  });

  it('refuses a bad token with exit 3 and saves nothing', async () => {
    const r = await lifeboat(
      ['--api-url', sandbox.apiUrl, 'auth', 'login', '--machine-token', 'not-valid-123456'],
      { LIFEBOAT_DATA_DIR: dataDir },
    );
    expect(r.code).toBe(3);
    expect(
      JSON.parse(
        (
          await lifeboat(['auth', 'list', '--json'], {
            LIFEBOAT_DATA_DIR: dataDir,
            LIFEBOAT_KEYCHAIN_SERVICE: SERVICE,
          })
        ).stdout,
      ),
    ).toEqual([]);
  });
});
