// Settings → Tools as stored (issue 12 §3): a settings file written before there were tool paths loads with none,
// a hand-edited one holding something else reads as none, a path that is not a full one is refused, and a change
// of one tool keeps the other's.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { savedToolPaths, SettingsService } from '../../../../electron/services/settings/settings';
import { MemorySecrets } from '../../../helpers/memory-secrets';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-tool-paths-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tool paths in settings.json', () => {
  it('loads a file from before tool paths as none, and a hand-edited non-path as none', async () => {
    await writeFile(
      join(dir, 'settings.json'),
      JSON.stringify({ defaultRestoreDir: '/srv/sites', parallelDownloads: 2, editorCommand: 'zed' }),
    );
    const settings = new SettingsService(dir, new MemorySecrets());
    expect(await settings.get()).toMatchObject({
      defaultRestoreDir: '/srv/sites',
      editorCommand: 'zed',
      tools: { git: null, mysqlClient: null },
    });
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ tools: { git: 42, mysqlClient: ' ' } }));
    expect((await settings.get()).tools).toEqual({ git: null, mysqlClient: null });
    expect(await savedToolPaths(dir)).toEqual({ git: null, mysqlClient: null });
  });

  it('saves one tool’s path keeping the other’s, clears with null, and refuses a path that is not a full one', async () => {
    const settings = new SettingsService(dir, new MemorySecrets());
    const git = join(dir, 'bin', 'git');
    const client = join(dir, 'bin', 'mariadb');
    await settings.update({ tools: { git } });
    await settings.update({ tools: { mysqlClient: client } });
    expect((await settings.get()).tools).toEqual({ git, mysqlClient: client });
    expect(await savedToolPaths(dir)).toEqual({ git, mysqlClient: client });
    await settings.update({ tools: { git: null } });
    expect((await settings.get()).tools).toEqual({ git: null, mysqlClient: client });
    await expect(settings.update({ tools: { git: 'bin/git' } })).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringMatching(/^The git path must be a full path \(such as .*\), not "bin\/git"\.$/),
    });
    // Nothing of the refused value was written.
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toMatchObject({
      tools: { git: null, mysqlClient: client },
    });
  });
});
