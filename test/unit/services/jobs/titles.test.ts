// Job titles name a backup by its date in one wording; the app's own jobs are checked in
// test/integration/jobs/titles.test.ts.
import { describe, expect, it } from 'vitest';
import { backupNameOfFolder } from '../../../../shared/dates';
import { describeJob, titleFitsPlan } from '../../../../electron/services/jobs/plans';
import { downloadTitle, restoreTitle, updateTitle } from '../../../../electron/services/jobs/titles';

const folder = '1795910400_automated';

describe('job titles', () => {
  it('name the backup by its date, or by what latest and new will pick, never by its folder id', () => {
    const named = backupNameOfFolder(folder);
    expect(named).toMatch(/^backup of [A-Z][a-z]{2} \d{1,2}( \d{4})?, \d\d:\d\d$/);
    expect(restoreTitle('acme-blog.live', folder, '/s/acme')).toBe(
      `Restore acme-blog.live from the ${named} into /s/acme`,
    );
    expect(restoreTitle('acme-blog.live', 'new', '/s/acme')).toBe(
      'Restore acme-blog.live from a new backup into /s/acme',
    );
    expect(restoreTitle('acme-blog.live', 'latest', '/s/acme')).toBe(
      'Restore acme-blog.live from the latest backup into /s/acme',
    );
    expect(updateTitle('acme-blog.live', '/s/acme', folder)).toBe(
      `Update acme-blog.live in /s/acme from the ${named}`,
    );
    expect(downloadTitle('files', 'acme-blog.live', folder)).toBe(
      `Download the files archive of acme-blog.live from the ${named}`,
    );
    for (const t of [restoreTitle('a.live', folder, '/x'), downloadTitle('code', 'a.live', folder)])
      expect(t).not.toContain(folder);
  });

  it('describe an update as an update of the copy, and a restore as a new folder', () => {
    const plan = {
      accountId: 'a',
      site: 'acme-blog',
      env: 'live',
      backup: folder,
      elements: ['code', 'files'],
      targetDir: '/s',
      folderName: 'acme',
    };
    expect(describeJob('restore', plan)).toMatch(
      /^Restore the code and files of acme-blog\.live .* into \/s\/acme$/,
    );
    const update = describeJob('restore', { ...plan, updateInPlace: true });
    expect(update).toMatch(
      /^Update the copy at \/s\/acme with the code and files of acme-blog\.live from the /,
    );
    expect(update).not.toContain(' into ');
  });

  it('still fit their plans as lifeboat jobs checks them', () => {
    const restorePlan = {
      accountId: 'a',
      site: 'acme-blog',
      env: 'live',
      backup: folder,
      elements: ['code'],
      targetDir: '/s',
    };
    expect(titleFitsPlan('restore', restorePlan, restoreTitle('acme-blog.live', folder, '/s/acme'))).toBe(
      true,
    );
    const downloadPlan = {
      accountId: 'a',
      site: 'acme-blog',
      env: 'live',
      folder,
      element: 'files',
      targetDir: '/s',
    };
    expect(titleFitsPlan('download', downloadPlan, downloadTitle('files', 'acme-blog.live', folder))).toBe(
      true,
    );
  });
});
