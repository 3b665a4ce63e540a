import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { restoreOnPantheon } from '../../../electron/services/backups/restore-on-pantheon';
import { backupBucket } from '../../../electron/services/pantheon/client';
import type { Element } from '../../../shared/models';
import { clientFor, DANA, FRAN, requestsTo, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

describe.each(SANDBOX_MODES)('restoring on Pantheon against the %s sandbox', (mode) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
  });
  afterAll(() => sandbox.close());

  const workflowPosts = (siteId: string, env: string) =>
    requestsTo(sandbox, `/sites/${siteId}/environments/${env}/workflows`, 'POST').length;

  it('restores code, files and database of one backup, in that order, each waited on', async () => {
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-blog');
    const full = (await client.listBackupSets(site, 'test')).find(
      (s) => s.finished && s.archives.code && s.archives.files && s.archives.database,
    )!;
    const before = sandbox.restores.length;
    const seen: [string, Element][] = [];
    const done = await restoreOnPantheon(
      { client, site },
      {
        env: 'test',
        elements: ['code', 'database', 'files'],
        folder: full.folder,
        pollMs: 10,
        onUpdate: (w, el) => seen.push([w.type, el]),
      },
    );
    expect(done.workflows.map((w) => [w.type, w.result])).toEqual([
      ['restore_code', 'succeeded'],
      ['restore_files', 'succeeded'],
      ['restore_database', 'succeeded'],
    ]);
    expect(done.archives.map((a) => a.folder)).toEqual([full.folder, full.folder, full.folder]);
    expect(sandbox.restores.slice(before)).toEqual([
      expect.objectContaining({
        site: 'acme-blog',
        env: 'test',
        element: 'code',
        folder: full.folder,
        filename: full.archives.code!.filename,
      }),
      expect.objectContaining({ element: 'files', filename: full.archives.files!.filename }),
      expect.objectContaining({ element: 'database', filename: full.archives.database!.filename }),
    ]);
    // Each restore started only after the one before it finished.
    const order = seen.map(([type]) => type).filter((t, i, all) => all.indexOf(t) === i);
    expect(order).toEqual(['restore_code', 'restore_files', 'restore_database']);
  });

  it('restores only the file named, whose element comes from the file', async () => {
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-blog');
    const archives = await client.listArchives(site, 'dev');
    const db = archives.filter((a) => a.element === 'database' && a.finished)[1]!;
    const before = sandbox.restores.length;
    const done = await restoreOnPantheon(
      { client, site },
      { env: 'dev', elements: ['code', 'database', 'files'], file: db.filename, pollMs: 10 },
    );
    expect(done.workflows.map((w) => w.type)).toEqual(['restore_database']);
    expect(sandbox.restores.slice(before)).toEqual([
      expect.objectContaining({ element: 'database', folder: db.folder, filename: db.filename }),
    ]);
    await expect(
      restoreOnPantheon({ client, site }, { env: 'dev', elements: ['code'], file: db.filename, pollMs: 10 }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
      message: `${db.filename} is a database archive, not code.`,
    });
  });

  it('restores the latest finished archive of each element when no backup is named', async () => {
    const client = clientFor(sandbox, FRAN);
    const site = await client.getSite('globex-docs');
    const archives = await client.listArchives(site, 'live');
    const latest = (el: Element) =>
      archives
        .filter((a) => a.element === el && a.finished)
        .sort((a, b) => Number.parseInt(b.id, 10) - Number.parseInt(a.id, 10))[0]!;
    const done = await restoreOnPantheon(
      { client, site },
      { env: 'live', elements: ['database', 'code'], pollMs: 10 },
    );
    expect(done.archives).toEqual([latest('code'), latest('database')]);
  });

  it('starts nothing when any chosen archive is missing', async () => {
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-blog');
    const dbOnly = (await client.listBackupSets(site, 'live')).find(
      (s) => Object.keys(s.archives).join() === 'database',
    )!;
    const posts = workflowPosts(site.id, 'live');
    await expect(
      restoreOnPantheon(
        { client, site },
        { env: 'live', elements: ['code', 'database', 'files'], folder: dbOnly.folder, pollMs: 10 },
      ),
    ).rejects.toMatchObject({
      code: 'not-found',
      message: `Backup ${dbOnly.folder} has no code archive; it has: database.`,
    });
    expect(workflowPosts(site.id, 'live')).toBe(posts);
  });

  it('refuses a frozen site before asking Pantheon', async () => {
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-intranet');
    const posts = workflowPosts(site.id, 'dev');
    await expect(
      restoreOnPantheon({ client, site }, { env: 'dev', elements: ['database'], pollMs: 10 }),
    ).rejects.toMatchObject({ code: 'frozen' });
    expect(workflowPosts(site.id, 'dev')).toBe(posts);
  });

  it('says what was already restored when a later workflow fails', async () => {
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-blog');
    const full = (await client.listBackupSets(site, 'live')).find(
      (s) => s.finished && s.archives.code && s.archives.files && s.archives.database,
    )!;
    // The files restore is refused when it starts: the code restore before it has already happened.
    const path = `sites/${site.id}/environments/live/workflows`;
    const before = sandbox.restores.length;
    let posted = 0;
    const err = await restoreOnPantheon(
      { client, site },
      {
        env: 'live',
        elements: ['code', 'files'],
        folder: full.folder,
        pollMs: 10,
        onUpdate: (w) => {
          if (w.type === 'restore_code' && w.result === 'succeeded' && posted++ === 0)
            sandbox.setFaults({
              api: {
                script: [
                  { method: 'POST', path, status: 409, times: 1, body: '"Another workflow is running."' },
                ],
              },
            });
        },
      },
    ).catch((e: unknown) => e);
    sandbox.setFaults({});
    expect(err).toMatchObject({
      code: 'invalid-request',
      message: expect.stringMatching(
        /Another workflow is running\..* The code of acme-blog\.live was already restored\.$/,
      ),
    });
    expect(sandbox.restores.slice(before).map((r) => r.element)).toEqual(['code']);
  });
});

describe('the backup bucket', () => {
  it("is Pantheon's, or onebox's on Pantheon's test hosts, as Terminus picks it", () => {
    expect(backupBucket('https://terminus.pantheon.io:443/api/')).toBe('pantheon-backups');
    expect(backupBucket('https://onebox.example:443/api/')).toBe('onebox-pantheon-backups');
  });
});
