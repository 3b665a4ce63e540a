// The one request an update makes (copies/update.ts), from a copy on real files in a temp folder.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  accountForUpdate,
  updateOptionsOf,
  updateRequestOf,
  type UpdatableCopy,
} from '../../../../electron/services/copies/update';
import type { DbConnection } from '../../../../electron/services/database/mysql';
import { LifeboatError } from '../../../../electron/services/errors';
import { conflictError } from '../../../../electron/services/restore/plan';

let dir: string;
let copy: UpdatableCopy;
const server: DbConnection = { socket: '/run/mysqld/mysqld.sock', user: 'root' };
const settings = { connection: async () => server };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-update-unit-'));
  const path = join(dir, 'sites', 'acme-blog-live');
  await mkdir(path, { recursive: true });
  await writeFile(
    join(path, 'lifeboat.json'),
    JSON.stringify({
      site: { id: 'site-1', name: 'acme-blog', framework: 'wordpress' },
      env: 'live',
      backup: { folder: '1700000000_backup' },
      files: { path: 'wp-content/uploads', include: ['files_live/2024/'], exclude: ['*.log'] },
      restoredAt: '2026-01-01T00:00:00.000Z',
    }),
  );
  copy = {
    path,
    site: { id: 'site-1', name: 'acme-blog', framework: 'wordpress' },
    env: 'live',
    elements: ['code', 'database', 'files'],
    database: 'acme_blog_live_20260101',
    accountId: 'user-1',
  };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('updateRequestOf', () => {
  it('takes everything from the copy: its folder, elements, patterns, its database into a new one, the newest backup', async () => {
    expect(await updateRequestOf(copy, {}, settings)).toEqual({
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['code', 'database', 'files'],
      targetDir: join(dir, 'sites'),
      folderName: 'acme-blog-live',
      database: { connection: server, replace: false },
      include: ['files_live/2024/'],
      exclude: ['*.log'],
      updateInPlace: true,
    });
  });

  it('replaces the copy’s own database when asked, and imports nothing with database null', async () => {
    const replace = await updateRequestOf(
      copy,
      updateOptionsOf({ copyId: 'x', database: { replace: true } }),
      settings,
    );
    expect(replace.database).toEqual({ connection: server, name: 'acme_blog_live_20260101', replace: true });
    const none = await updateRequestOf(copy, updateOptionsOf({ copyId: 'x', database: null }), settings);
    expect(none.database).toBeUndefined();
    expect(none.elements).toContain('database');
    // A copy whose dump was never imported keeps only the archive, and never asks for a server.
    const archiveOnly = await updateRequestOf(
      { ...copy, database: null },
      {},
      { connection: () => Promise.reject(new Error('not asked')) },
    );
    expect(archiveOnly.database).toBeUndefined();
  });

  it('carries a backup folder, a branch and replaceLocalEdits from the contract request', async () => {
    const r = await updateRequestOf(
      copy,
      updateOptionsOf({ copyId: 'x', backup: '1700000100_backup', branch: 'mine', replaceLocalEdits: true }),
      settings,
    );
    expect(r).toMatchObject({
      backup: { folder: '1700000100_backup' },
      branch: 'mine',
      replaceLocalEdits: true,
    });
  });

  it('refuses a missing copy and a replaced one, saying what to do', async () => {
    await expect(updateRequestOf({ ...copy, path: join(dir, 'gone') }, {}, settings)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('Forget the copy'),
    });
    await expect(updateRequestOf({ ...copy, env: 'dev' }, {}, settings)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('no longer holds this restore'),
    });
  });
});

describe('accountForUpdate', () => {
  /** An account that sees only the sites given, answering as a client's getSite does. */
  const seeing = (label: string, id: string, sites: string[], asked: string[] = []) => ({
    label,
    idIfSees: async (siteId: string) => {
      asked.push(label);
      if (!sites.includes(siteId))
        throw new LifeboatError('not-found', `Site '${siteId}' was not found or you have no access to it.`);
      return id;
    },
  });

  it('is the copy’s own account when it names one, asking no other', async () => {
    const asked: string[] = [];
    expect(await accountForUpdate(copy, [seeing('fran@example.com', 'user-2', ['site-1'], asked)])).toBe(
      'user-1',
    );
    expect(asked).toEqual([]);
  });

  it('for a copy that names none, is the first account that sees its site; one that cannot log in is passed over', async () => {
    const none = { ...copy, accountId: null };
    const asked: string[] = [];
    const refused = {
      label: 'old@example.com',
      idIfSees: async () => {
        asked.push('old@example.com');
        throw new LifeboatError('invalid-token', 'The machine token was refused.');
      },
    };
    expect(
      await accountForUpdate(none, [
        seeing('fran@example.com', 'user-2', ['site-9'], asked),
        refused,
        seeing('dana@example.com', 'user-1', ['site-1'], asked),
        seeing('sam@example.com', 'user-3', ['site-1'], asked),
      ]),
    ).toBe('user-1');
    expect(asked).toEqual(['fran@example.com', 'old@example.com', 'dana@example.com']);
  });

  it('passes over an account Pantheon answers 403 for the site (tolerant of 403 as well as 404)', async () => {
    const forbidden = {
      label: 'fran@example.com',
      idIfSees: async () => {
        throw new LifeboatError('forbidden', "Pantheon refused reading site 'site-1': access denied.");
      },
    };
    expect(
      await accountForUpdate({ ...copy, accountId: null }, [
        forbidden,
        seeing('dana@example.com', 'user-1', ['site-1']),
      ]),
    ).toBe('user-1');
  });

  it('refuses when no account sees the site, naming them and what to do; a failure to ask is told as itself', async () => {
    const none = { ...copy, accountId: null };
    await expect(accountForUpdate(none, [seeing('fran@example.com', 'user-2', [])])).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(
        /no account here \(fran@example\.com\) sees acme-blog.*lifeboat auth login/,
      ),
    });
    const down = {
      label: 'dana@example.com',
      idIfSees: async () => {
        throw new LifeboatError('network', 'Pantheon cannot be reached.');
      },
    };
    await expect(
      accountForUpdate(none, [seeing('fran@example.com', 'user-2', []), down]),
    ).rejects.toMatchObject({ code: 'network' });
  });
});

describe('conflictError', () => {
  it('retries a backup still being written, never a copy already at its backup', () => {
    const still = conflictError({
      kind: 'backup',
      code: 'conflict',
      message: 'x_files.tar.gz is still being written; try again when the backup finishes.',
    });
    expect(still.retryable).toBe(true);
    const upToDate = conflictError({
      kind: 'backup',
      code: 'conflict',
      message: '/s is already at the backup of Nov 29: there is nothing newer to update it from.',
    });
    expect(upToDate.retryable).toBe(false);
  });
});
