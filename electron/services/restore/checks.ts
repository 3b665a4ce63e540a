import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RestoreConflict } from '@shared/models';
import { formatBytes } from '@shared/format';
import { databaseExists, replaceBlockers } from '../database/mysql';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';
import { assertNotFrozen } from '../pantheon/client';
import { branchExists, gitMissingError, uncommittedChanges, validateBranchName } from '../git/git';
import { DISK_MARGIN } from '../transfer/disk';
import { lockHolder, busy } from './lock';
import type { RestorePlan } from './plan';

/** True for a folder with something in it (or a file in the way). */
export const isNonEmptyDir = async (p: string): Promise<boolean> => {
  try {
    return (await readdir(p)).length > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return true;
    throw e;
  }
};

/** What a stopped restore keeps in its staging folder to resume: its downloads, its record and its lock. */
export const KEPT_STAGING: ReadonlySet<string> = new Set(['downloads', 'restore.json', 'lock']);

/** What Lifeboat itself keeps in a staging folder. */
const STAGING_NAMES = new Set([
  ...KEPT_STAGING,
  'final',
  'extract-code',
  'extract-files',
  'extract-database',
  'extract-code-worktree',
]);

/** The site and environment an earlier restore's `lifeboat.json` names, or null when it has none. */
async function readRecord(file: string): Promise<{ site: string; env: string } | null> {
  try {
    const r = JSON.parse(await readFile(file, 'utf8')) as { site?: { name?: unknown }; env?: unknown };
    return { site: String(r.site?.name ?? ''), env: String(r.env ?? '') };
  } catch {
    return null;
  }
}

/** What state a git working tree is in; anything git cannot read is "not a working tree", everywhere. */
export type CloneState =
  | { readonly state: 'clean' }
  | { readonly state: 'dirty'; readonly changes: number }
  | { readonly state: 'not-a-work-tree' };

/** The one answer to "may Lifeboat check out in this clone?", used by the preview and the run alike. */
export async function cloneState(repo: string): Promise<CloneState> {
  if (!(await exists(join(repo, '.git')))) return { state: 'not-a-work-tree' };
  try {
    const changes = await uncommittedChanges(repo);
    return changes.length ? { state: 'dirty', changes: changes.length } : { state: 'clean' };
  } catch {
    return { state: 'not-a-work-tree' };
  }
}

let gitChecked: Promise<string | null> | null = null;
/** Why git cannot run here (not installed, not on PATH), or null. */
export function gitMissing(): Promise<string | null> {
  gitChecked ??= new Promise((resolve) =>
    execFile('git', ['--version'], (e) =>
      resolve(
        e
          ? (e as NodeJS.ErrnoException).code === 'ENOENT'
            ? gitMissingError().message
            : `git does not run: ${e.message}`
          : null,
      ),
    ),
  );
  return gitChecked;
}

/**
 * Every reason a planned restore must not start, found without writing anything. The preview lists them and
 * the run calls this again under the target's lock (the world may have changed since the preview), so the
 * two can never disagree. `holdingLock` says the caller holds the lock, which is then not a conflict.
 */
export async function findConflicts(
  plan: Omit<RestorePlan, 'conflicts'>,
  options: { readonly holdingLock?: boolean } = {},
): Promise<RestoreConflict[]> {
  const out: RestoreConflict[] = [];
  const add = (kind: RestoreConflict['kind'], code: RestoreConflict['code'], message: string): void => {
    out.push({ kind, code, message });
  };
  const { request, path, branch } = plan;
  const hasCode = plan.elements.includes('code');

  if (!options.holdingLock) {
    const holder = await lockHolder(plan.lockPath);
    if (holder) add('busy', 'conflict', busy(holder).message);
  }
  // Lifeboat's own staging folder may hold only what Lifeboat puts there; a folder of the user's that happens
  // to have its name is never cleared.
  const notOurs = (why: string): void =>
    add(
      'folder',
      'conflict',
      `${plan.work} is in the way of Lifeboat's staging folder and is not one of its own (${why}); move it away.`,
    );
  const work = await lstat(plan.work).catch(() => null);
  if (work?.isSymbolicLink()) notOurs('it is a link');
  else if (work && !work.isDirectory()) notOurs('it is a file');
  else if (work) {
    const names = await readdir(plan.work).catch(() => [] as string[]);
    const foreign = names.filter((n) => !STAGING_NAMES.has(n));
    if (foreign.length) notOurs(`it holds ${foreign.slice(0, 3).join(', ')}`);
    else if ((await lstat(plan.lockPath).catch(() => null))?.isSymbolicLink()) notOurs('its lock is a link');
  }
  // The folder restored into may be a link to a folder (~/Sites kept on another disk); the site's own folder and
  // the staging folder in it are checked above without following links.
  const target = await lstat(plan.targetDir).catch(() => null);
  const followed = target?.isSymbolicLink() ? await stat(plan.targetDir).catch(() => null) : target;
  if (target && !followed?.isDirectory())
    add(
      'folder',
      'conflict',
      `${plan.targetDir} is ${target.isSymbolicLink() ? (followed ? 'a link to something that is not a folder' : 'a link that points nowhere') : 'a file'}, not a folder to restore into.`,
    );
  const dest = await lstat(path).catch(() => null);
  if (dest?.isSymbolicLink())
    add(
      'folder',
      'conflict',
      `${path} is a link; Lifeboat restores into a real folder only. Choose another folder name.`,
    );
  else if (dest && !dest.isDirectory())
    add('folder', 'conflict', `${path} is a file. Choose another folder name.`);

  if (hasCode || request.intoRepo) {
    const missing = await gitMissing();
    if (missing) add('tool', 'not-found', missing);
  }
  if (branch) {
    try {
      await validateBranchName(branch);
    } catch (e) {
      add('branch', 'invalid-request', (e as Error).message);
    }
  }

  const nonEmpty = dest?.isDirectory() ? await isNonEmptyDir(path).catch(() => true) : false;
  if (nonEmpty && !request.updateInPlace) {
    add(
      'folder',
      'conflict',
      `${path} already exists and is not empty. Choose another folder name, or update that restore in place.`,
    );
  }
  if (branch && !plan.update && (branch === 'master' || plan.multidevs.includes(branch))) {
    add(
      'branch',
      'conflict',
      `The site's repository already has a branch "${branch}" (the ${branch === 'master' ? 'dev' : branch} environment's); choose another branch name.`,
    );
  }
  if (plan.update) {
    const record = await readRecord(join(path, 'lifeboat.json'));
    if (!record) {
      add(
        'folder',
        'conflict',
        `${path} is not a Lifeboat restore (no lifeboat.json), so it will not be updated in place.`,
      );
    } else if (record.site !== plan.site.name || record.env !== plan.env) {
      add(
        'folder',
        'conflict',
        `${path} is a restore of ${record.site}.${record.env}, not of ${plan.site.name}.${plan.env}; it will not be updated with another site's backup.`,
      );
    }
    if (hasCode && branch) {
      const state = await cloneState(path);
      if (state.state === 'not-a-work-tree')
        add(
          'clone',
          'conflict',
          `${path} is not a git working tree, so the ${plan.env} code cannot be added to it.`,
        );
      else if (await branchExists(path, branch).catch(() => false))
        add(
          'branch',
          'conflict',
          `The branch "${branch}" already exists in ${path}. Choose another branch name.`,
        );
    }
    const db = plan.set?.archives.database;
    if (plan.elements.includes('database') && db && (await exists(join(path, 'database', db.filename)))) {
      add(
        'folder',
        'conflict',
        `${join(path, 'database', db.filename)} is already there (this backup was restored before); Lifeboat will not overwrite it. Pick another backup.`,
      );
    }
  }

  if (request.intoRepo && branch) {
    const state = await cloneState(request.intoRepo);
    if (state.state === 'not-a-work-tree')
      add(
        'clone',
        'invalid-request',
        `${request.intoRepo} is not a git working tree. Point at the folder of your existing clone.`,
      );
    else {
      if (await branchExists(request.intoRepo, branch).catch(() => false))
        add(
          'branch',
          'conflict',
          `The branch "${branch}" already exists in ${request.intoRepo}. Choose another branch name.`,
        );
      if (request.checkoutIntoRepo && state.state === 'dirty')
        add(
          'clone',
          'conflict',
          `${request.intoRepo} has ${state.changes} uncommitted change${state.changes === 1 ? '' : 's'}; commit or stash them first, or restore without checking out.`,
        );
    }
  }

  if (request.database && plan.databaseName) {
    if (!plan.elements.includes('database'))
      add(
        'database',
        'invalid-request',
        'A database import needs the database archive: add the database element.',
      );
    else {
      try {
        if (
          !request.database.replace &&
          (await databaseExists(request.database.connection, plan.databaseName))
        )
          add(
            'database',
            'conflict',
            `The database "${plan.databaseName}" already exists. Choose another name, or choose to replace it.`,
          );
        // A replace that could not be undone if it failed is refused now, not half way.
        if (request.database.replace)
          for (const why of await replaceBlockers(request.database.connection, plan.databaseName))
            add('database', 'conflict', `"${plan.databaseName}" cannot be replaced safely: ${why}`);
      } catch (e) {
        add(
          'database',
          e instanceof LifeboatError && e.code !== 'database' ? e.code : 'database',
          `Could not reach the database server: ${(e as Error).message}`,
        );
      }
    }
  }

  if (request.backup === 'new') {
    try {
      assertNotFrozen(plan.site);
    } catch (e) {
      add('backup', 'frozen', (e as Error).message);
    }
  }

  if (plan.downloadBytes + DISK_MARGIN > plan.freeBytes) {
    add(
      'disk',
      'disk-full',
      `Not enough disk space in ${plan.targetDir}: this needs about ${formatBytes(plan.downloadBytes)} but only ${formatBytes(plan.freeBytes)} is free. Free up ${formatBytes(plan.downloadBytes + DISK_MARGIN - plan.freeBytes)} or choose another folder.`,
    );
  }
  return out;
}
