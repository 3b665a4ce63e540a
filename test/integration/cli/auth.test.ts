import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import { lifeboat } from '../../helpers/cli';
import { keychainUnavailable } from '../../helpers/keychain';
import { DANA, requestsTo, testSandbox } from '../../helpers/sandbox';

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
    const documented = COMMANDS.find((c) => c.name === 'auth list')!.json![0]!;
    expect(jsonProblems(JSON.parse(list.stdout), documented)).toEqual([]);
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

  it('a script of commands with TERMINUS_MACHINE_TOKEN logs in once: the session is kept in the keychain', async () => {
    const env = {
      LIFEBOAT_DATA_DIR: dataDir,
      LIFEBOAT_KEYCHAIN_SERVICE: SERVICE,
      TERMINUS_MACHINE_TOKEN: sandbox.accounts.find((a) => a.email === DANA)!.machineToken,
    };
    const logins = (): number => requestsTo(sandbox, 'authorize/machine-token', 'POST').length;
    const before = logins();
    expect((await lifeboat(['--api-url', sandbox.apiUrl, 'envs', 'acme-blog'], env)).code).toBe(0);
    expect(
      (await lifeboat(['--api-url', sandbox.apiUrl, 'backups', 'list', 'acme-blog.live'], env)).code,
    ).toBe(0);
    expect(logins() - before).toBe(1);
  });
});
