import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import { keychainUnavailable, testService } from '../../helpers/keychain';
import { DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';

let reason: string | null;
let sandbox: Sandbox;
let dir: string;
let store: KeytarSecretStore;
let engine: Engine;
const token = (email: string) => sandbox.accounts.find((a) => a.email === email)!.machineToken;

beforeAll(async () => {
  reason = await keychainUnavailable();
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());

beforeEach(async (ctx) => {
  if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-accounts-'));
  store = new KeytarSecretStore(testService(ctx.task.id));
  engine = createEngine({
    dataDir: dir,
    secrets: store,
    defaultApiUrl: sandbox.apiUrl,
    retry: FAST_RETRY,
    minPollMs: 10,
  });
  return async () => {
    engine.jobs.cancelAll();
    await engine.jobs.flush();
    for (const a of await engine.accounts.list()) await store.delete(a.id);
    await rm(dir, { recursive: true, force: true });
  };
});

describe('the keychain store (real Secret Service)', () => {
  it('keeps, returns and deletes a secret', async () => {
    await store.set('someone', 'tok-abcdef-123');
    expect(await store.get('someone')).toBe('tok-abcdef-123');
    expect(await store.delete('someone')).toBe(true);
    expect(await store.get('someone')).toBeNull();
    expect(await store.available()).toBe(true);
  });
});

describe('accounts', () => {
  it('adds an account by token: the token in the keychain, only the email and name on disk', async () => {
    const account = await engine.accounts.add(token(DANA));
    expect(account).toMatchObject({ email: DANA, fullName: 'Dana Developer', apiUrl: sandbox.apiUrl });
    expect(await store.get(account.id)).toBe(token(DANA));
    const onDisk = await readFile(join(dir, 'accounts.json'), 'utf8');
    expect(onDisk).toContain(DANA);
    expect(onDisk).not.toContain(token(DANA));
    expect(await engine.accounts.list()).toHaveLength(1);
  });

  it('replaces the token when the same account is added again', async () => {
    const a = await engine.accounts.add(token(DANA));
    const b = await engine.accounts.add(token(DANA));
    expect(b.id).toBe(a.id);
    expect(b.addedAt).toBe(a.addedAt);
    expect(await engine.accounts.list()).toHaveLength(1);
  });

  it('saves nothing for a rejected token', async () => {
    await expect(engine.accounts.add('lifeboat-wrong-token-000')).rejects.toMatchObject({
      code: 'invalid-token',
    });
    expect(await engine.accounts.list()).toEqual([]);
  });

  it('logs in from the keychain after a restart, and removing forgets the token', async () => {
    const account = await engine.accounts.add(token(FRAN));
    const restarted = createEngine({
      dataDir: dir,
      secrets: store,
      defaultApiUrl: sandbox.apiUrl,
      retry: FAST_RETRY,
    });
    const client = await restarted.accounts.client(account.id);
    expect((await client.whoAmI()).email).toBe(FRAN);
    await restarted.accounts.remove(account.id);
    expect(await store.get(account.id)).toBeNull();
    expect(await restarted.accounts.list()).toEqual([]);
    await expect(restarted.accounts.remove(account.id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('imports Terminus tokens, reporting files it could not use', async () => {
    const tokens = join(dir, 'terminus', 'cache', 'tokens');
    await mkdir(tokens, { recursive: true });
    await writeFile(
      join(tokens, DANA),
      JSON.stringify({ token: token(DANA), email: DANA, date: 1700000000 }),
    );
    await writeFile(
      join(tokens, FRAN),
      JSON.stringify({ token: token(FRAN), email: FRAN, date: 1700000000 }),
    );
    await writeFile(
      join(tokens, 'old@example.com'),
      JSON.stringify({ token: 'revoked-token-1234', email: 'old@example.com' }),
    );
    await writeFile(join(tokens, 'notes.txt'), 'hello');
    const result = await engine.accounts.importTerminus(tokens);
    expect(result.imported.map((a) => a.email).sort()).toEqual([DANA, FRAN]);
    expect(result.skipped).toEqual([
      { file: 'notes.txt', reason: 'not a Terminus token file (not JSON)' },
      { file: 'old@example.com', reason: expect.stringContaining('machine token was rejected') },
    ]);
  });

  it('says where it looked when there are no Terminus tokens', async () => {
    await expect(engine.accounts.importTerminus(join(dir, 'nowhere'))).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('nowhere does not exist'),
    });
  });
});

describe('the api over the engine', () => {
  it('validates requests and never returns a token', async () => {
    const api = createApi(engine);
    expect(await api.accounts.add({ machineToken: 'has spaces in it' })).toEqual({
      ok: false,
      error: {
        code: 'invalid-request',
        message: 'machineToken: A machine token has only letters, digits, dashes and underscores.',
        retryable: false,
      },
    });
    const added = await api.accounts.add({ machineToken: token(DANA) });
    expect(added.ok).toBe(true);
    expect(JSON.stringify(added)).not.toContain(token(DANA));
    const bad = await api.accounts.add({ machineToken: 'wrong-token-12345678' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-token' } });
    expect(JSON.stringify(bad)).not.toContain('wrong-token-12345678');
  });

  it('lists sites across accounts, and the last good list when an account fails', async () => {
    const api = createApi(engine);
    await api.accounts.add({ machineToken: token(DANA) });
    const fran = await api.accounts.add({ machineToken: token(FRAN) });
    const first = await api.sites.list({ refresh: true });
    if (!first.ok) throw new Error(first.error.message);
    // Nine and six sites, the three Globex ones seen by both (listed once).
    expect(first.value.sites.length).toBe(9 + 6 - 3);
    expect(first.value.failedAccounts).toEqual([]);
    const franId = fran.ok ? fran.value.id.split('@')[0]! : '';
    sandbox.setFaults({
      api: { script: [{ path: `users/${franId}/memberships/sites`, status: 503, times: 99 }] },
    });
    try {
      const second = await api.sites.list({ refresh: true });
      if (!second.ok) throw new Error(second.error.message);
      expect(second.value.sites.length).toBe(12);
      expect(second.value.failedAccounts).toEqual([
        { accountId: fran.ok ? fran.value.id : '', message: expect.stringContaining('HTTP 503') },
      ]);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('rewrites the cached site list only when it changed, not at every start', async () => {
    const api = createApi(engine);
    await api.accounts.add({ machineToken: token(DANA) });
    const fran = await api.accounts.add({ machineToken: token(FRAN) });
    if (!fran.ok) throw new Error(fran.error.message);
    await api.sites.list({ refresh: true });
    const file = join(engine.dataDir, 'sites-cache.json');
    const past = new Date(Date.now() - 3_600_000);
    await utimes(file, past, past);
    // As the file system stores it (its precision is not the Date's).
    const stamped = (await stat(file)).mtimeMs;
    const before = await readFile(file, 'utf8');
    // What the app asks at every start: answered from the cache, which stays as it was.
    expect((await api.sites.list({})).ok).toBe(true);
    expect((await stat(file)).mtimeMs).toBe(stamped);
    // An account removed takes its sites out of the cache.
    await api.accounts.remove({ accountId: fran.value.id });
    const listed = await api.sites.list({});
    expect(listed.ok && listed.value.sites.length).toBe(9);
    const after = await readFile(file, 'utf8');
    expect(after).not.toBe(before);
    expect(after).not.toContain(fran.value.id);
  });

  it('creates a backup as a job that follows the workflow to the end', async () => {
    const api = createApi(engine);
    const dana = await api.accounts.add({ machineToken: token(DANA) });
    if (!dana.ok) throw new Error(dana.error.message);
    const job = await api.backups.create({
      accountId: dana.value.id,
      site: 'acme-blog',
      env: 'dev',
      elements: ['database'],
      keepForDays: 30,
    });
    if (!job.ok) throw new Error(job.error.message);
    expect(job.value).toMatchObject({
      kind: 'create-backup',
      title: 'Back up acme-blog.dev (database, 30 days)',
    });
    const done = await engine.jobs.wait(job.value.id);
    expect(done).toMatchObject({
      state: 'succeeded',
      progress: { phase: 'creating-backup', bytesDone: 3, bytesTotal: 3 },
    });
    const sets = await api.backups.list({ accountId: dana.value.id, site: 'acme-blog', env: 'dev' });
    expect(sets.ok && sets.value[0]!.archives.database!.ttl).toBe(30 * 86400);
    await engine.jobs.flush();
  });

  it('refuses a backup of a frozen site before queueing a job', async () => {
    const api = createApi(engine);
    const dana = await api.accounts.add({ machineToken: token(DANA) });
    if (!dana.ok) throw new Error(dana.error.message);
    const r = await api.backups.create({
      accountId: dana.value.id,
      site: 'acme-intranet',
      env: 'dev',
      elements: ['code'],
      keepForDays: 1,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'frozen' } });
    expect(await engine.jobs.list()).toEqual([]);
  });
});
