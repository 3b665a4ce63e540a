import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { accountSessionKey } from '../../../electron/services/secrets/session-cache';
import { runMain } from '../../helpers/cli';
import { keychainUnavailable, testService } from '../../helpers/keychain';
import { DANA, FRAN, testSandbox } from '../../helpers/sandbox';

/** Saved accounts in the real Secret Service, one of them broken: the others keep working. */

let sandbox: Sandbox;
let reason: string | null;
let dataDir: string;
const SERVICE = testService('cli-accounts');
const store = new KeytarSecretStore(SERVICE);

const cli = (argv: readonly string[], input?: string) =>
  runMain(argv, {
    env: { LIFEBOAT_DATA_DIR: dataDir, LIFEBOAT_KEYCHAIN_SERVICE: SERVICE, TERMINUS_MACHINE_TOKEN: '' },
    ...(input === undefined ? {} : { input }),
  });

const names = (stdout: string): string[] => (JSON.parse(stdout) as { name: string }[]).map((s) => s.name);

beforeAll(async () => {
  reason = await keychainUnavailable();
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async (ctx) => {
  if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
  dataDir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-accounts-'));
  return async () => {
    // Every entry this test made (tokens and sessions), whatever state a failed test left them in.
    const keytar = createRequire(import.meta.url)('keytar') as {
      findCredentials(service: string): Promise<{ account: string }[]>;
    };
    for (const c of await keytar.findCredentials(SERVICE)) await store.delete(c.account);
    await rm(dataDir, { recursive: true, force: true });
  };
});

/** Saves Dana and Fran (Dana first), then takes Dana's token (and cached session) out of the keychain. */
async function danaBroken(): Promise<{ dana: string; fran: string }> {
  for (const who of [DANA, FRAN]) {
    const token = sandbox.accounts.find((a) => a.email === who)!.machineToken;
    expect(
      (await cli(['--api-url', sandbox.apiUrl, 'auth', 'login', '--machine-token', '-'], `${token}\n`)).code,
    ).toBe(0);
  }
  const saved = JSON.parse((await cli(['auth', 'list', '--json'])).stdout) as { id: string; email: string }[];
  const dana = saved.find((a) => a.email === DANA)!.id;
  const fran = saved.find((a) => a.email === FRAN)!.id;
  await store.delete(dana);
  await store.delete(accountSessionKey(dana)).catch(() => false);
  return { dana, fran };
}

describe('one saved account whose token is missing from the keychain', () => {
  it('sites lists the other accounts’ sites with a warning naming it (exit 0); --account touches only the one named', async () => {
    await danaBroken();
    const all = await cli(['sites', '--json']);
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/^lifeboat: warning: skipped dana@example\.com: .*missing from the keychain/m);
    expect(names(all.stdout)).toEqual(expect.arrayContaining(['fran-bakery', 'globex-www']));
    expect(names(all.stdout)).not.toContain('acme-blog');

    const fran = await cli(['sites', '--account', FRAN, '--json']);
    expect(fran).toMatchObject({ code: 0, stderr: '' });
    expect(names(fran.stdout)).toContain('fran-bakery');

    const dana = await cli(['sites', '--account', DANA]);
    expect(dana.code).toBe(3);
    expect(dana.stderr).toContain('dana@example.com is missing from the keychain');
  });

  it('a site lookup skips it with a warning and fails only when no account can see the site', async () => {
    await danaBroken();
    const bakery = await cli(['backups', 'list', 'fran-bakery.live', '--json']);
    expect(bakery.code).toBe(0);
    expect(bakery.stderr).toContain('warning: skipped dana@example.com');
    expect(JSON.parse(bakery.stdout)).not.toEqual([]);

    const blog = await cli(['envs', 'acme-blog']);
    expect(blog.code).toBe(4);
    expect(blog.stderr).toContain('warning: skipped dana@example.com');
    expect(blog.stderr).toContain("Site 'acme-blog' was not found");
  });

  it('a mistyped site gets the closest name from the app’s last site list of these accounts', async () => {
    const { fran } = await danaBroken();
    await writeFile(
      join(dataDir, 'sites-cache.json'),
      JSON.stringify({
        [fran]: {
          sites: [{ name: 'fran-bakery' }, { name: 'fran-portfolio' }],
          organizations: [],
          fetchedAt: '',
        },
      }),
    );
    const r = await cli(['envs', 'fran-bakry']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("Site 'fran-bakry' was not found");
    expect(r.stderr).toContain("Did you mean 'fran-bakery'?");
  });
});

describe('auth login', () => {
  it('reads the token from standard input even when TERMINUS_MACHINE_TOKEN is set but empty', async () => {
    const token = sandbox.accounts.find((a) => a.email === FRAN)!.machineToken;
    // cli() runs with TERMINUS_MACHINE_TOKEN='' (as `export TERMINUS_MACHINE_TOKEN=` leaves it).
    const r = await cli(['--api-url', sandbox.apiUrl, 'auth', 'login'], `${token}\n`);
    expect(r).toMatchObject({
      code: 0,
      stdout: `Logged in as ${FRAN}. The token is in the system keychain.\n`,
    });
    expect(r.stderr).toBe('');
  });

  it('--machine-token TOKEN still works, with the warning every command gives it', async () => {
    const token = sandbox.accounts.find((a) => a.email === FRAN)!.machineToken;
    const r = await cli(['--api-url', sandbox.apiUrl, 'auth', 'login', '--machine-token', token]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^lifeboat: warning: --machine-token is visible to other users in `ps`/);
    expect(r.stderr).not.toContain(token);
  });
});
