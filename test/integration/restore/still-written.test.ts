/**
 * An archive still being written (the strict sandbox lists one, as the real catalog does) gets the same answer
 * wherever it is named: picking it, downloading it, planning or running a restore from it, restoring it on
 * Pantheon. A `conflict` that is retryable, with the words "still being written; try again when the backup
 * finishes". A missing archive stays `not-found`.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { restoreOnPantheon } from '../../../electron/services/backups/restore-on-pantheon';
import { selectArchive } from '../../../electron/services/backups/select-archive';
import { toAppError } from '../../../electron/services/errors';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { downloadArchive } from '../../../electron/services/restore/download-archive';
import { conflictError, planRestore } from '../../../electron/services/restore/plan';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import type { BackupSet, Site } from '../../../shared/models';
import { clientFor, DANA, requestsTo, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let client: PantheonClient;
let site: Site;
let writing: BackupSet;
let dir: string;
const ctx: RestoreContext = { phase: () => undefined, part: () => undefined };

beforeAll(async () => {
  sandbox = await testSandbox({ mode: 'strict' });
  client = clientFor(sandbox, DANA);
  site = await client.getSite('acme-blog');
  writing = (await client.listBackupSets(site, 'live')).find((s) => !s.finished)!;
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-still-written-'));
  return () => rm(dir, { recursive: true, force: true });
});

/** The error a call fails with, as the contract carries it. */
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return toAppError(e);
  }
  throw new Error('expected a failure');
};

const stillWritten = (filename: string) => ({
  code: 'conflict',
  retryable: true,
  message: `${filename} is still being written; try again when the backup finishes.`,
});

describe('an archive still being written', () => {
  it('is in the strict catalog, with every element named and none finished', () => {
    expect(writing).toBeDefined();
    expect(Object.keys(writing.archives).sort()).toEqual(['code', 'database', 'files']);
  });

  it('is a retryable conflict when picked by file or folder', () => {
    const archive = writing.archives.database!;
    for (const choice of [{ file: archive.filename }, { folder: writing.folder }])
      expect(
        toAppError(
          (() => {
            try {
              return selectArchive(Object.values(writing.archives), { element: 'database', ...choice });
            } catch (e) {
              return e;
            }
          })(),
        ),
      ).toEqual(stillWritten(archive.filename));
  });

  it('is the same retryable conflict from a download of its folder, before anything is downloaded', async () => {
    const before = requestsTo(sandbox, '/store/').length;
    for (const element of ['files', 'database'] as const) {
      expect(
        await failure(
          downloadArchive(
            { client, site },
            { site: site.name, env: 'live', folder: writing.folder, element, targetDir: dir },
            ctx,
          ),
        ),
      ).toEqual(stillWritten(writing.archives[element]!.filename));
    }
    expect(requestsTo(sandbox, '/store/').length).toBe(before);
    expect(requestsTo(sandbox, 's3token', 'POST').filter((r) => r.path.includes(writing.folder))).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('is a missing archive (not-found) when the folder has no such element', async () => {
    const codeOnly = (await client.listBackupSets(site, 'live')).find(
      (s) => s.finished && Object.keys(s.archives).join() === 'code',
    )!;
    expect(
      await failure(
        downloadArchive(
          { client, site },
          { site: site.name, env: 'live', folder: codeOnly.folder, element: 'files', targetDir: dir },
          ctx,
        ),
      ),
    ).toMatchObject({ code: 'not-found', retryable: false });
  });

  it('is the same retryable conflict in the restore plan (the dry run) and when the restore runs', async () => {
    const request = {
      site: site.name,
      env: 'live',
      backup: { folder: writing.folder },
      elements: ['database', 'files'] as const,
      targetDir: dir,
    };
    const plan = await planRestore({ client, site }, { ...request, elements: [...request.elements] });
    const expected = stillWritten(writing.archives.database!.filename);
    expect(plan.conflicts[0]).toEqual({ kind: 'backup', code: expected.code, message: expected.message });
    expect(conflictError(plan.conflicts[0]!).toAppError()).toEqual(expected);
    expect(
      await failure(runRestore({ client, site }, { ...request, elements: [...request.elements] }, ctx)),
    ).toEqual(expected);
    expect(await readdir(dir)).toEqual([]);
  });

  it('is the same retryable conflict from a restore on Pantheon, which starts nothing', async () => {
    const posts = () => requestsTo(sandbox, `/sites/${site.id}/environments/live/workflows`, 'POST').length;
    const before = posts();
    expect(
      await failure(
        restoreOnPantheon(
          { client, site },
          { env: 'live', elements: ['code', 'database', 'files'], folder: writing.folder, pollMs: 10 },
        ),
      ),
    ).toEqual(stillWritten(writing.archives.code!.filename));
    expect(await failure(client.restoreBackup(site, 'live', writing.archives.files!))).toEqual(
      stillWritten(writing.archives.files!.filename),
    );
    expect(posts()).toBe(before);
  });
});
