// Which backup set a restore uses, and what it says when there is none: advice that names the app's own choice,
// not only the command line's flag.
import { describe, expect, it } from 'vitest';
import { pickBackupSet } from '../../../../electron/services/restore/plan';

describe('pickBackupSet', () => {
  it('with no finished backup names the app’s "Create a new backup first" and the CLI’s --backup new', () => {
    let message = '';
    try {
      pickBackupSet([], 'latest', ['files']);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('No finished backup has files.');
    expect(message).toContain('"Create a new backup first"');
    expect(message).toContain('--backup new');
  });
});
