import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { runMain } from '../../helpers/cli';
import { keychainUnavailable, testService } from '../../helpers/keychain';
import { DANA, FRAN, testSandbox } from '../../helpers/sandbox';

/** `lifeboat auth rename`: the name and colour the app shows for an account, over the same accounts.json. */

let sandbox: Sandbox;
let reason: string | null;
let dataDir: string;
const SERVICE = testService('cli-auth-rename');
const store = new KeytarSecretStore(SERVICE);

const cli = (argv: readonly string[], input?: string) =>
  runMain(argv, {
    env: { LIFEBOAT_DATA_DIR: dataDir, LIFEBOAT_KEYCHAIN_SERVICE: SERVICE, TERMINUS_MACHINE_TOKEN: '' },
    ...(input === undefined ? {} : { input }),
  });
const doc = (name: string) => COMMANDS.find((c) => c.name === name)!.json![0]!;

beforeAll(async () => {
  reason = await keychainUnavailable();
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async (ctx) => {
  if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
  dataDir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-auth-rename-'));
  for (const who of [DANA, FRAN]) {
    const token = sandbox.accounts.find((a) => a.email === who)!.machineToken;
    expect(
      (await cli(['--api-url', sandbox.apiUrl, 'auth', 'login', '--machine-token', '-'], `${token}\n`)).code,
    ).toBe(0);
  }
  return async () => {
    const keytar = createRequire(import.meta.url)('keytar') as {
      findCredentials(service: string): Promise<{ account: string }[]>;
    };
    for (const c of await keytar.findCredentials(SERVICE)) await store.delete(c.account);
    await rm(dataDir, { recursive: true, force: true });
  };
});

describe('lifeboat auth rename', () => {
  it('names an account and gives it a colour; auth list shows both', async () => {
    const before = await cli(['auth', 'list']);
    expect(before.stdout).toMatch(/^EMAIL +NAME +COLOUR +API$/m);
    expect(before.stdout).toMatch(/^dana@example\.com +Dana Developer +blue +http/m);
    expect(before.stdout).toMatch(/^fran@example\.com +Fran Freelancer +green +http/m);

    const renamed = await cli(['auth', 'rename', DANA, 'Acme (agency)', '--colour', 'Teal']);
    expect(renamed).toMatchObject({
      code: 0,
      stdout: 'dana@example.com is now named “Acme (agency)”, in teal.\n',
      stderr: '',
    });
    // By id too, with a colour alone, as JSON.
    const list = JSON.parse((await cli(['auth', 'list', '--json'])).stdout) as {
      id: string;
      email: string;
    }[];
    expect(jsonProblems(list, doc('auth list'))).toEqual([]);
    const fran = list.find((a) => a.email === FRAN)!;
    const json = await cli(['auth', 'rename', fran.id, '--colour', 'orange', '--json']);
    expect(json.code).toBe(0);
    expect(jsonProblems(JSON.parse(json.stdout), doc('auth rename'))).toEqual([]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: fran.id,
      label: 'Fran Freelancer',
      colour: 'orange',
    });

    expect(JSON.parse((await cli(['auth', 'list', '--json'])).stdout)).toEqual([
      expect.objectContaining({ email: DANA, label: 'Acme (agency)', colour: 'teal' }),
      expect.objectContaining({ email: FRAN, label: 'Fran Freelancer', colour: 'orange' }),
    ]);
    expect((await cli(['auth', 'list'])).stdout).toMatch(/^dana@example\.com +Acme \(agency\) +teal /m);
  });

  it('refuses a missing name and colour, a colour outside the palette, an empty name and an unknown account', async () => {
    const saved = await readFile(join(dataDir, 'accounts.json'), 'utf8');
    expect(await cli(['auth', 'rename', DANA])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('auth rename needs a NAME, a --colour, or both.'),
    });
    expect(await cli(['auth', 'rename', DANA, '--colour', 'chartreuse'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('colour: A colour is one of blue, green, purple, orange'),
    });
    expect(await cli(['auth', 'rename', DANA, '  '])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('NAME: An account name cannot be empty.'),
    });
    expect(await cli(['auth', 'rename', 'nobody@example.com', 'X'])).toMatchObject({
      code: 4,
      stderr: expect.stringContaining(
        'No saved account nobody@example.com; the accounts are: dana@example.com, fran@example.com.',
      ),
    });
    expect(await readFile(join(dataDir, 'accounts.json'), 'utf8')).toBe(saved);
  });
});
