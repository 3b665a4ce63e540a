import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvents } from '../../../shared/api/events';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { keychainUnavailable, testService } from '../../helpers/keychain';
import { DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';

/**
 * Accounts named and coloured, and a site two accounts see listed once (issue 10 §3): against the real sandbox,
 * whose demo seed has Dana and Fran both in the Globex organization: its three sites are seen by both.
 */

let reason: string | null;
let sandbox: Sandbox;
let dir: string;
let store: KeytarSecretStore;
let engine: Engine;
let events: AppEvents['accounts.changed'][];
const token = (email: string) => sandbox.accounts.find((a) => a.email === email)!.machineToken;
const SHARED = ['globex-careers', 'globex-docs', 'globex-www'];

const start = (): Engine =>
  createEngine({
    dataDir: dir,
    secrets: store,
    defaultApiUrl: sandbox.apiUrl,
    retry: FAST_RETRY,
    minPollMs: 10,
    emit: (name, payload) => {
      if (name === 'accounts.changed') events.push(payload as AppEvents['accounts.changed']);
    },
  });

beforeAll(async () => {
  reason = await keychainUnavailable();
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());

beforeEach(async (ctx) => {
  if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-account-names-'));
  store = new KeytarSecretStore(testService(ctx.task.id));
  events = [];
  engine = start();
  return async () => {
    for (const a of await engine.accounts.list()) await store.delete(a.id);
    await rm(dir, { recursive: true, force: true });
  };
});

describe('account names and colours', () => {
  it('names a new account by its user and gives it the first colour no other account has', async () => {
    const dana = await engine.accounts.add(token(DANA));
    const fran = await engine.accounts.add(token(FRAN));
    expect(dana).toMatchObject({ label: 'Dana Developer', colour: 'blue' });
    expect(fran).toMatchObject({ label: 'Fran Freelancer', colour: 'green' });
    // Dana's blue, once free again, is the first one a new account takes.
    await engine.accounts.update(fran.id, { colour: 'blue' });
    await engine.accounts.remove(dana.id);
    expect((await engine.accounts.add(token(DANA))).colour).toBe('green');
  });

  it('renames and recolours an account, kept after a restart and when its token is added again', async () => {
    const dana = await engine.accounts.add(token(DANA));
    const renamed = await engine.accounts.update(dana.id, { label: '  Acme (agency)  ', colour: 'teal' });
    expect(renamed).toMatchObject({ id: dana.id, email: DANA, label: 'Acme (agency)', colour: 'teal' });
    expect(events.at(-1)?.accounts).toEqual([renamed]);
    // A colour alone keeps the name.
    expect(await engine.accounts.update(dana.id, { colour: 'pink' })).toMatchObject({
      label: 'Acme (agency)',
      colour: 'pink',
    });
    const restarted = start();
    expect(await restarted.accounts.list()).toEqual([
      expect.objectContaining({ label: 'Acme (agency)', colour: 'pink' }),
    ]);
    expect(await restarted.accounts.add(token(DANA))).toMatchObject({
      label: 'Acme (agency)',
      colour: 'pink',
    });
  });

  it('loads accounts saved before names and colours with the defaults, each its own colour', async () => {
    const old = (id: string, email: string, fullName: string, extra: object = {}) => ({
      id,
      email,
      fullName,
      addedAt: '2026-01-01T00:00:00.000Z',
      ...extra,
    });
    await writeFile(
      join(dir, 'accounts.json'),
      JSON.stringify({
        version: 1,
        accounts: [
          old('u1', 'one@example.com', 'One Person'),
          old('u2', 'two@example.com', ''),
          // Edited by hand: a colour that is not in the palette, and one that is (taken, so not given to others).
          old('u3', 'three@example.com', 'Three', { colour: 'chartreuse', label: '   ' }),
          old('u4', 'four@example.com', 'Four', { colour: 'blue', label: 'Client Four' }),
        ],
      }),
    );
    expect((await engine.accounts.list()).map((a) => [a.id, a.label, a.colour, a.email, a.fullName])).toEqual(
      [
        ['u1', 'One Person', 'green', 'one@example.com', 'One Person'],
        ['u2', 'two@example.com', 'purple', 'two@example.com', ''],
        ['u3', 'Three', 'orange', 'three@example.com', 'Three'],
        ['u4', 'Client Four', 'blue', 'four@example.com', 'Four'],
      ],
    );
    // Renaming one saves its name; the others keep their defaults.
    await engine.accounts.update('u2', { label: 'Two' });
    expect((await engine.accounts.list()).map((a) => a.label)).toEqual([
      'One Person',
      'Two',
      'Three',
      'Client Four',
    ]);
  });

  it('the api refuses an empty name, a colour outside the palette and an unknown account, saving nothing', async () => {
    const api = createApi(engine);
    const added = await api.accounts.add({ machineToken: token(DANA) });
    if (!added.ok) throw new Error(added.error.message);
    const id = added.value.id;
    const before = await readFile(join(dir, 'accounts.json'), 'utf8');
    expect(await api.accounts.update({ accountId: id, label: '   ' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: 'label: An account name cannot be empty.' },
    });
    expect(await api.accounts.update({ accountId: id, label: 'two\nlines' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringContaining('one line of text') },
    });
    expect(await api.accounts.update({ accountId: id, colour: 'chartreuse' as never })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringContaining('blue, green, purple') },
    });
    expect(await api.accounts.update({ accountId: id })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: 'Give a new name or a colour.' },
    });
    expect(await api.accounts.update({ accountId: 'nobody', label: 'X' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(await readFile(join(dir, 'accounts.json'), 'utf8')).toBe(before);
    expect(await api.accounts.update({ accountId: id, label: 'Dana at Acme' })).toMatchObject({
      ok: true,
      value: { label: 'Dana at Acme', colour: 'blue' },
    });
  });
});

describe('a site several accounts see', () => {
  it('is listed once with every account that sees it, used with the first account until another is chosen', async () => {
    const api = createApi(engine);
    const dana = await engine.accounts.add(token(DANA));
    const fran = await engine.accounts.add(token(FRAN));
    const list = await api.sites.list({ refresh: true });
    if (!list.ok) throw new Error(list.error.message);
    const ids = list.value.sites.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(list.value.sites).toHaveLength(9 + 6 - SHARED.length);
    const byName = new Map(list.value.sites.map((s) => [s.name, s]));
    for (const name of SHARED)
      expect(byName.get(name)).toMatchObject({ accountId: dana.id, accountIds: [dana.id, fran.id] });
    expect(byName.get('acme-blog')).toMatchObject({ accountId: dana.id, accountIds: [dana.id] });
    expect(byName.get('fran-bakery')).toMatchObject({ accountId: fran.id, accountIds: [fran.id] });

    // Chosen for one site: that site only, remembered across a restart, and used by the site's calls.
    const www = byName.get('globex-www')!;
    expect(await api.sites.chooseAccount({ siteId: www.id, accountId: fran.id })).toEqual({
      ok: true,
      value: { ...www, accountId: fran.id },
    });
    const restarted = createApi(start());
    const again = await restarted.sites.list({});
    if (!again.ok) throw new Error(again.error.message);
    const chosen = new Map(again.value.sites.map((s) => [s.name, s.accountId]));
    expect(chosen.get('globex-www')).toBe(fran.id);
    expect(chosen.get('globex-docs')).toBe(dana.id);
    expect(await restarted.sites.environments({ accountId: fran.id, site: www.id })).toMatchObject({
      ok: true,
    });

    // The account chosen is removed: the site is used with the one left.
    await engine.accounts.remove(fran.id);
    const after = await api.sites.list({});
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value.sites.find((s) => s.id === www.id)).toMatchObject({
      accountId: dana.id,
      accountIds: [dana.id],
    });
  });

  it('refuses an account that does not see the site, and a site no account sees', async () => {
    const api = createApi(engine);
    await engine.accounts.add(token(DANA));
    const fran = await engine.accounts.add(token(FRAN));
    const list = await api.sites.list({ refresh: true });
    if (!list.ok) throw new Error(list.error.message);
    const blog = list.value.sites.find((s) => s.name === 'acme-blog')!;
    expect(await api.sites.chooseAccount({ siteId: blog.id, accountId: fran.id })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'Fran Freelancer (fran@example.com) does not see acme-blog.' },
    });
    expect(await api.sites.chooseAccount({ siteId: 'no-such-site', accountId: fran.id })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    const unchanged = await api.sites.list({});
    expect(unchanged.ok && unchanged.value.sites.find((s) => s.id === blog.id)?.accountId).toBe(
      blog.accountId,
    );
  });
});
