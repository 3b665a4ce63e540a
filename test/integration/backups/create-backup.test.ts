import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createBackupAndWait } from '../../../electron/services/backups/create-backup';
import { clientFor, DANA, requestsTo, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

describe.each(SANDBOX_MODES)('creating a backup against the %s sandbox', (mode) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
  });
  afterAll(() => sandbox.close());

  it('reports the backup made, with a warning, when the catalog read that follows answers 404', async () => {
    const client = clientFor(sandbox, DANA);
    const site = await client.getSite('acme-events');
    const catalog = `sites/${site.id}/environments/dev/backups/catalog`;
    // The workflow itself never reads the catalog: the one read this fault meets is the follow-up.
    sandbox.setFaults({ api: { script: [{ method: 'GET', path: catalog, status: 404, times: 1 }] } });
    try {
      const made = await createBackupAndWait(
        { client, site },
        { env: 'dev', elements: ['database'], keepForDays: 7, pollMs: 10 },
      );
      expect(made.workflow).toMatchObject({ type: 'do_export', result: 'succeeded' });
      expect(made.backup).toBeNull();
      expect(made.warning).toMatch(/^The backup was made, but the catalog could not be read: /);
      // The site exists: the warning must not say it was not found.
      expect(made.warning).not.toMatch(/Site 'acme-events' was not found/);
      expect(made.warning).toContain('acme-events.dev');
    } finally {
      sandbox.setFaults({});
    }
    expect(requestsTo(sandbox, catalog, 'GET').map((r) => r.status)).toEqual([404]);
    // And the backup is there for the next read.
    const [newest] = (await client.listBackupSets(site, 'dev')).filter((s) => s.finished);
    expect(newest).toMatchObject({ initiator: 'manual' });
    expect(Object.keys(newest!.archives)).toEqual(['database']);
    expect(newest!.archives.database!.ttl).toBe(7 * 86400);
  });
});
