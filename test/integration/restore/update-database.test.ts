// Updating a copy whose dump was imported, on a real MariaDB: into the next free database by default, or replacing
// the copy's own atomically; a database name that is taken is a conflict found before the first byte.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { Engine } from '../../../electron/services/engine';
import type { AppApi } from '../../../shared/api/contract';
import type { Job, LocalCopy } from '../../../shared/models';
import { appUnderTest } from '../../helpers/app-engine';
import { useMariaDb } from '../../helpers/mariadb-suite';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { newBackup } from './newer-backup';

const m = useMariaDb('lifeboat-update-db-');
let sandbox: Sandbox;
let engine: Engine;
let api: AppApi;
let accountId: string;

beforeEach(async () => {
  sandbox = await testSandbox();
  ({ engine, api, accountId } = await appUnderTest(sandbox, join(m.dir, 'data'), {
    // The database password is looked up (there is none): a keychain of the test's own.
    secrets: new MemorySecrets(),
    transfer: fastTransfer(),
  }));
  await engine.settings.update({
    database: { host: '127.0.0.1', port: 3306, socket: m.db.socket, user: 'root' },
  });
});
afterEach(async () => {
  engine.jobs.cancelAll();
  await engine.jobs.flush();
  engine.jobs.close();
  await sandbox.close();
});

const theCopy = async (): Promise<LocalCopy> => {
  const r = await api.copies.list();
  if (!r.ok) throw new Error(r.error.message);
  return r.value[0]!;
};
const update = async (req: Omit<Parameters<AppApi['copies']['update']>[0], 'copyId'> = {}): Promise<Job> => {
  const r = await api.copies.update({ copyId: (await theCopy()).id, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return engine.jobs.wait(r.value.id);
};
const databases = async (): Promise<string[]> =>
  (await m.db.query("SHOW DATABASES LIKE 'acme\\_blog\\_live%'")).split('\n').filter(Boolean).sort();

describe('updating a copy with an imported database', () => {
  it('imports into the next free database, or replaces the copy’s own; a taken name is a conflict', async () => {
    const stamp = new Date().toLocaleDateString('sv-SE').replace(/-/g, '');
    const base = `acme_blog_live_${stamp}`;
    const started = await api.restores.start({
      accountId,
      site: 'acme-blog',
      env: 'live',
      backup: (
        await clientFor(sandbox, DANA).listBackupSets(
          await clientFor(sandbox, DANA).getSite('acme-blog'),
          'live',
        )
      )[1]!.folder,
      elements: ['database', 'files'],
      targetDir: join(m.dir, 'sites'),
      importDatabase: {},
    });
    if (!started.ok) throw new Error(started.error.message);
    expect((await engine.jobs.wait(started.value.id)).state).toBe('succeeded');
    expect((await theCopy()).database).toBe(base);

    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    // By default: a new database, the first name the server does not have.
    const preview = await api.copies.previewUpdate({ copyId: (await theCopy()).id });
    expect(preview.ok && preview.value).toMatchObject({ databaseName: `${base}_2`, conflicts: [] });
    // A name that is taken is found before the first byte.
    const taken = await api.copies.previewUpdate({ copyId: (await theCopy()).id, database: { name: base } });
    expect(taken.ok && taken.value.conflicts).toEqual([
      expect.objectContaining({
        kind: 'database',
        message: expect.stringContaining(`"${base}" already exists`),
      }),
    ]);
    expect(await update()).toMatchObject({ state: 'succeeded' });
    expect(await databases()).toEqual([base, `${base}_2`]);
    const copy = await theCopy();
    expect(copy.database).toBe(`${base}_2`);
    const record = JSON.parse(await readFile(join(copy.path, 'lifeboat.json'), 'utf8'));
    expect(record.database).toMatchObject({ importedInto: `${base}_2` });

    // Replacing: the copy's own database is swapped for the new import; no third one.
    await m.db.query('CREATE TABLE mine (x int); INSERT INTO mine VALUES (7);', `${base}_2`);
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    const replace = await api.copies.previewUpdate({ copyId: copy.id, database: { replace: true } });
    expect(replace.ok && replace.value).toMatchObject({ databaseName: `${base}_2`, conflicts: [] });
    expect(await update({ database: { replace: true } })).toMatchObject({ state: 'succeeded' });
    expect(await databases()).toEqual([base, `${base}_2`]);
    expect(await m.db.query("SHOW TABLES LIKE 'mine'", `${base}_2`)).toBe('');
    expect((await theCopy()).database).toBe(`${base}_2`);

    // Leaving the database alone: the copy keeps the one it had (the archive is saved, nothing imported).
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    expect(await update({ database: null })).toMatchObject({ state: 'succeeded' });
    expect(await databases()).toEqual([base, `${base}_2`]);
    const kept = await theCopy();
    expect(kept.database).toBe(`${base}_2`);
    const last = JSON.parse(await readFile(join(kept.path, 'lifeboat.json'), 'utf8'));
    expect(last.database).toEqual({ archive: expect.stringMatching(/^database\//), kept: `${base}_2` });
  });
});
