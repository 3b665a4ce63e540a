// "Uncommitted changes in the code tree (Lifeboat's own excluded paths do not count)": Lifeboat's own paths are
// matched whole, so a file of the person's whose name merely starts like one of them (lifeboat.json.bak, a note
// in database/, a file named like a kept-aside folder) is a change that stops the update, not one of Lifeboat's.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeChanges } from '../../../electron/services/restore/checks';
import { safeGit } from '../../helpers/hostile-git';
import { clientFor, DANA } from '../../helpers/sandbox';
import { newBackup } from '../restore/newer-backup';
import { updateKit, type UpdateKit } from './update-kit';

describe('the changes of a copy’s code tree, without Lifeboat’s own paths', () => {
  let repo: string;
  beforeEach(async () => {
    repo = await mkdtemp(join(tmpdir(), 'lifeboat-own-paths-'));
    await safeGit(repo, 'init', '--quiet');
    await mkdir(join(repo, 'wp-content'));
    await writeFile(join(repo, 'wp-content', 'index.php'), '<?php\n');
    await safeGit(repo, 'add', '.');
    await safeGit(repo, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '--quiet', '-m', 'site');
    // What Lifeboat put there (git shows it all as untracked: this copy's exclude file has none of it).
    const archive = 'acme-blog_live_2025-01-01T00-00-00_UTC_database.sql.gz';
    await writeFile(
      join(repo, 'lifeboat.json'),
      JSON.stringify({ archives: { database: { filename: archive } }, previous: [] }),
    );
    await mkdir(join(repo, 'database'));
    await writeFile(join(repo, 'database', archive), 'gz');
    await mkdir(join(repo, '.lifeboat'));
    await writeFile(join(repo, '.lifeboat', 'files.json'), '{}');
    await mkdir(join(repo, 'wp-content', 'uploads'));
    await writeFile(join(repo, 'wp-content', 'uploads', 'a.png'), 'a');
    await mkdir(join(repo, 'wp-content', 'uploads.before-2025-01-01T00-00-00-000Z'));
    await writeFile(join(repo, 'wp-content', 'uploads.before-2025-01-01T00-00-00-000Z', 'b.png'), 'b');
  });
  afterEach(() => rm(repo, { recursive: true, force: true }));

  it('are none when only Lifeboat’s own files are there', async () => {
    expect(await codeChanges(repo, 'wp-content/uploads')).toEqual([]);
  });

  it('count a lifeboat.json.bak, a note in database/ and files named like Lifeboat’s own', async () => {
    await writeFile(join(repo, 'lifeboat.json.bak'), 'my copy of the record');
    await writeFile(join(repo, 'database', 'notes.sql'), 'SELECT 1;');
    await writeFile(join(repo, 'wp-content', 'uploads.before-notes.txt'), 'mine');
    await writeFile(join(repo, '.lifeboatrc'), 'mine');
    expect((await codeChanges(repo, 'wp-content/uploads'))!.sort()).toEqual([
      '.lifeboatrc',
      'database/notes.sql',
      'lifeboat.json.bak',
      'wp-content/uploads.before-notes.txt',
    ]);
  });
});

describe('the update of a copy with an untracked lifeboat.json.bak', () => {
  let k: UpdateKit;
  beforeEach(async () => void (k = await updateKit()));
  afterEach(() => k.close());

  it('is stopped by it as by any uncommitted change, in the preview', async () => {
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    await writeFile(join(k.copy, 'lifeboat.json.bak'), 'my copy of the record');
    const plan = await k.preview();
    expect(plan.conflicts).toEqual([
      expect.objectContaining({
        kind: 'clone',
        message: expect.stringContaining('1 uncommitted change in its code (lifeboat.json.bak)'),
      }),
    ]);
  });
});
