// A newer backup in the sandbox, as a site gets one on Pantheon: a deploy to live since the copy was restored
// (its code archive with one more pantheon_live_N tag) and changed uploads (its files archive), served by the
// sandbox as a real backup made through its backup workflow.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import type { Sandbox } from '../../../electron/sandbox';
import { createBackupAndWait } from '../../../electron/services/backups/create-backup';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { safeGit } from '../../helpers/hostile-git';
import { noPermissionBits } from '../../helpers/platform';

/** The archive of one element as the sandbox built it, extracted into a new folder under `dir`. */
async function extracted(
  sandbox: Sandbox,
  site: string,
  env: string,
  element: 'code' | 'files',
  dir: string,
): Promise<{ root: string; top: string; original: string }> {
  const built = await sandbox.archive(site, env, element);
  const root = await mkdtemp(join(dir, `${element}-`));
  await tar.x({ file: built.path, cwd: root });
  const [top] = await readdir(root);
  return { root, top: top!, original: built.path };
}

/** Packs `root/top` as a Pantheon archive and serves it as the environment's `element` archive from now on. */
async function serve(
  sandbox: Sandbox,
  site: string,
  env: string,
  element: 'code' | 'files',
  root: string,
  top: string,
): Promise<void> {
  const file = `${root}.tar.gz`;
  await tar.c({ gzip: true, file, cwd: root, portable: true }, [top]);
  sandbox.serveArchive(site, env, element, file);
}

/**
 * Serves the environment's code as it was before its newest deploy (its newest `pantheon_<env>_N` tag gone), so a
 * copy restored now is one deploy behind; `restore()` serves the code as it is again. Returns the two tags.
 */
export async function codeOneDeployBehind(
  sandbox: Sandbox,
  site: string,
  env: string,
  dir: string,
): Promise<{ older: string; newest: string; restore(): void }> {
  const { root, top, original } = await extracted(sandbox, site, env, 'code', dir);
  const repo = join(root, top);
  const tags = (await safeGit(repo, 'tag', '--list', `pantheon_${env}_*`))
    .split('\n')
    .sort((a, b) => Number(a.split('_').pop()) - Number(b.split('_').pop()));
  const newest = tags.at(-1)!;
  const older = tags.at(-2)!;
  await safeGit(repo, 'tag', '-d', newest);
  // As the environment ran it then: checked out at the older deploy.
  await safeGit(repo, 'checkout', '--quiet', '--detach', older);
  await serve(sandbox, site, env, 'code', root, top);
  return { older, newest, restore: () => sandbox.serveArchive(site, env, 'code', original) };
}

/**
 * Serves the environment's files archive changed by `edit` (given the extracted `files_<env>` folder); what `edit`
 * leaves alone keeps its size and time, as a real backup's unchanged uploads do.
 */
export async function changedFiles(
  sandbox: Sandbox,
  site: string,
  env: string,
  dir: string,
  edit: (filesDir: string) => Promise<void>,
): Promise<void> {
  const { root, top } = await extracted(sandbox, site, env, 'files', dir);
  await edit(join(root, top));
  await serve(sandbox, site, env, 'files', root, top);
}

/** Makes a backup of the environment through the sandbox's workflow, as `backups create` does; its folder. */
export async function newBackup(client: PantheonClient, siteName: string, env: string): Promise<string> {
  const site = await client.getSite(siteName);
  const made = await createBackupAndWait(
    { client, site },
    { env, elements: ['code', 'database', 'files'], keepForDays: 7, pollMs: 10 },
  );
  if (!made.backup) throw new Error(made.warning ?? 'The new backup is not in the catalog.');
  return made.backup.folder;
}

/** A scratch folder for the archives above. */
export async function scratchDir(under: string): Promise<string> {
  const d = join(under, 'served');
  await mkdir(d, { recursive: true });
  return d;
}

export const removeScratch = (d: string): Promise<void> => rm(d, { recursive: true, force: true });

/**
 * Everything a person has in a copy, to compare before and after: every entry outside `.git` (kind, size, time,
 * content hash, link target) and the repository's HEAD, branches, tags and status. Objects git fetched and keeps
 * unreferenced are not part of it: they change nothing a person sees.
 */
export async function snapshot(copy: string): Promise<Record<string, string>> {
  const { createHash } = await import('node:crypto');
  const { lstat, readFile, readlink, readdir: rd } = await import('node:fs/promises');
  const out: Record<string, string> = {};
  // Times of the files git or Lifeboat rewrite with the same content (a checkout and its undo) say nothing.
  const hasGit = await lstat(join(copy, '.git')).catch(() => null);
  const rewritten = new Set([
    'lifeboat.json',
    '.lifeboat/files.json',
    ...(hasGit ? (await safeGit(copy, 'ls-files')).split('\n') : []),
  ]);
  for (const e of await rd(copy, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name).slice(copy.length + 1);
    if (p === '.git' || p.startsWith('.git/')) continue;
    const st = await lstat(join(copy, p));
    out[p] = e.isSymbolicLink()
      ? `link ${await readlink(join(copy, p))}`
      : e.isFile()
        ? `file ${st.size} ${rewritten.has(p) ? '' : Math.floor(st.mtimeMs / 1000)} ${createHash('sha256')
            .update(await readFile(join(copy, p)))
            .digest('hex')}`
        : e.isDirectory()
          ? 'dir'
          : 'other';
  }
  {
    if (hasGit) {
      out['git:HEAD'] = await safeGit(copy, 'symbolic-ref', '--quiet', 'HEAD').catch(() => 'detached');
      out['git:commit'] = await safeGit(copy, 'rev-parse', 'HEAD');
      out['git:branches'] = await safeGit(
        copy,
        'for-each-ref',
        '--format=%(refname) %(objectname)',
        'refs/heads',
      );
      out['git:tags'] = await safeGit(copy, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/tags');
      out['git:remotes'] = await safeGit(copy, 'for-each-ref', '--format=%(refname)', 'refs/remotes');
      out['git:status'] = await safeGit(copy, 'status', '--porcelain', '--ignored');
    }
  }
  return out;
}

/**
 * Makes a folder one nobody can change (its entries cannot be renamed or removed), as a real failure for an update
 * to meet half way: `chattr +i` as root (whom permissions do not stop), else read-only permissions. Returns how to
 * undo it, or the reason it cannot be done here.
 */
export async function unwritable(folder: string): Promise<{ undo(): Promise<void> } | { skip: string }> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { chmod } = await import('node:fs/promises');
  const run = promisify(execFile);
  // A folder's read-only flag on Windows does not stop renaming or removing what is in it.
  if (noPermissionBits) return { skip: noPermissionBits };
  if (process.getuid?.() !== 0) {
    await chmod(folder, 0o555);
    return { undo: () => chmod(folder, 0o755) };
  }
  try {
    await run('chattr', ['+i', folder]);
  } catch (e) {
    return {
      skip: `root is not stopped by permissions, and chattr +i does not work here: ${(e as Error).message}`,
    };
  }
  return { undo: async () => void (await run('chattr', ['-i', folder])) };
}
