import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { uncommittedChanges } from '../../../electron/services/backups/uncommitted';
import { clientFor, FRAN, requestsTo, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

describe.each(SANDBOX_MODES)('uncommitted SFTP changes against the %s sandbox', (mode) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
  });
  afterAll(() => sandbox.close());

  it('counts the changed files of an SFTP-mode environment', async () => {
    const client = clientFor(sandbox, FRAN);
    const site = await client.getSite('globex-careers');
    expect(await uncommittedChanges({ client, site }, 'dev')).toEqual({
      files: 3,
      paths: [
        'wp-content/plugins/job-board/legacy.php',
        'wp-content/themes/careers/style.css',
        'wp-content/uploads/.htaccess',
      ],
    });
    const diff = await client.getDiffstat(site, 'dev');
    expect(diff.find((d) => d.path.endsWith('legacy.php'))).toEqual({
      path: 'wp-content/plugins/job-board/legacy.php',
      status: 'D',
      additions: 0,
      deletions: 385,
    });
  });

  it('reports a clean SFTP environment as zero files, and a git-mode one as nothing to warn about', async () => {
    const client = clientFor(sandbox, FRAN);
    const site = await client.getSite('fran-portfolio');
    expect(await uncommittedChanges({ client, site }, 'dev')).toEqual({ files: 0, paths: [] });
    const before = requestsTo(
      sandbox,
      `/sites/${site.id}/environments/live/on-server-development/diffstat`,
    ).length;
    expect(await uncommittedChanges({ client, site }, 'live')).toBeNull();
    // Git mode has no uncommitted changes: the diffstat is not even asked for.
    expect(
      requestsTo(sandbox, `/sites/${site.id}/environments/live/on-server-development/diffstat`),
    ).toHaveLength(before);
  });

  it('is unknown (null), not an error, when the diffstat cannot be read', async () => {
    const client = clientFor(sandbox, FRAN);
    const site = await client.getSite('globex-careers');
    for (const [status, body] of [
      [404, undefined],
      [403, undefined],
      [200, '"not a diffstat"'],
    ] as const) {
      sandbox.setFaults({
        api: {
          script: [{ path: 'on-server-development/diffstat', status, times: 99, ...(body ? { body } : {}) }],
        },
      });
      try {
        expect(await uncommittedChanges({ client, site }, 'dev')).toBeNull();
      } finally {
        sandbox.setFaults({});
      }
    }
  });

  it('names a mistyped environment', async () => {
    const client = clientFor(sandbox, FRAN);
    const site = await client.getSite('globex-careers');
    await expect(uncommittedChanges({ client, site }, 'pr-48')).rejects.toMatchObject({
      code: 'not-found',
      message:
        "Site 'globex-careers' has no environment 'pr-48'. Its environments: dev, test, live, pr-84, redesign. Did you mean 'pr-84'?",
    });
  });
});
