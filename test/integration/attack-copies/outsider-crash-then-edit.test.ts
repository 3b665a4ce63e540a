// An outsider's attack on "never stops half way": the update's process is killed (SIGKILL) in the middle of the
// apply, after it brought some new files in; the person, seeing the copy, goes on working and edits one of those
// files; later Lifeboat plans the copy again (a dry run, or the app's preview) and undoes the interrupted update.
// The undo moves every file it had brought in back to the staging folder, without looking whether it is still
// what it brought: the person's edit goes with it, and the next run clears the staging folder. Promised: nothing
// of the person's is lost (their changed files are kept aside, whatever else happens).
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as tar from 'tar';
import type { Sandbox } from '../../../electron/sandbox';
import { lifeboat } from '../../helpers/cli';
import { cliAuth, clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { newBackup } from '../restore/newer-backup';
import { writeBulkUploads } from '../../helpers/bulk-files';

let sandbox: Sandbox;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  sandbox = await testSandbox();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-outsider-crash-'));
  env = { LIFEBOAT_DATA_DIR: join(dir, 'data') };
});
afterEach(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: readonly string[], onStart?: Parameters<typeof lifeboat>[2]) =>
  lifeboat([...cliAuth(sandbox), ...args], env, onStart);

/** The files under `root` (recursively) whose text contains `needle`, relative to `root`. */
async function holding(root: string, needle: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    if ((await readFile(p, 'utf8').catch(() => '')).includes(needle)) out.push(p.slice(root.length + 1));
  }
  return out;
}

describe('an edit made after a killed update, before the next plan undoes it', () => {
  it('is never moved out of the copy and lost', async () => {
    // Two thousand uploads, each one changed in the newer backup: the apply moves them aside, then in.
    const DIRS = 20;
    const served = join(dir, 'served');
    const files = join(served, 'files_live');
    await writeBulkUploads(files, DIRS);
    const pack = async (name: string): Promise<void> => {
      const file = join(dir, name);
      await tar.c({ gzip: { level: 1 }, file, cwd: served, portable: true }, ['files_live']);
      sandbox.serveArchive('acme-blog', 'live', 'files', file);
    };
    await pack('files-1.tar.gz');
    const listed = await cli(['backups', 'list', 'acme-blog.live', '--json']);
    const older = (JSON.parse(listed.stdout) as { folder: string }[])[1]!.folder;
    const sites = join(dir, 'sites');
    const pulled = await cli([
      'pull',
      'acme-blog.live',
      '--to',
      sites,
      '--element',
      'code,files',
      '--backup',
      older,
    ]);
    expect({ code: pulled.code, stderr: pulled.stderr }).toMatchObject({ code: 0 });
    const copy = join(sites, 'acme-blog-live');
    const later = new Date('2025-06-01T00:00:00Z');
    for (let d = 0; d < DIRS; d++)
      for (let f = 0; f < 100; f++) await utimes(join(files, 'bulk', String(d), `f${f}.txt`), later, later);
    await pack('files-2.tar.gz');
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');

    const wp = join(copy, 'wp-content');
    const first = join(wp, 'uploads', 'bulk', '0', 'f0.txt');
    const killed = await cli(['copies', 'update', copy], (child) => {
      const look = (): void => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const aside = existsSync(wp) && readdirSync(wp).find((n) => n.startsWith('uploads.before-'));
        // Killed once the first upload is both kept aside and brought in anew: the moves in have begun.
        if (aside && existsSync(join(wp, aside, 'bulk', '0', 'f0.txt')) && existsSync(first)) {
          child.kill('SIGKILL');
          return;
        }
        setImmediate(look);
      };
      look();
    });
    expect(killed.signal).toBe('SIGKILL');

    // The person works on in the copy: the upload in front of them gets their edit.
    await writeFile(first, 'MY EDIT, made after the crash\n');

    // The next plan undoes the interrupted update first.
    const dry = await cli(['copies', 'update', copy, '--dry-run']);
    expect({ code: dry.code, stderr: dry.stderr }).toMatchObject({ code: 0 });
    expect(await holding(copy, 'MY EDIT')).not.toEqual([]);

    // And the update itself, asked to replace local edits, keeps them aside.
    const run = await cli(['copies', 'update', copy, '--replace-local-edits']);
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(await holding(copy, 'MY EDIT')).not.toEqual([]);
  }, 240_000);
});
