import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RestoreConflict } from '@shared/models';
import { formatBytes } from '@shared/format';
import { connectionError, databaseExists, replaceBlockers } from '../database/mysql';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';
import { assertNotFrozen } from '../pantheon/client';
import { backupNameOfFolder } from '@shared/dates';
import { pathSelection } from '../archive/globs';
import { branchExists, changedPaths, uncommittedChanges, validateBranchName } from '../git/git';
import { locateTool } from '../tools/tools';
import { MIRROR_ROOT_MARK } from '../mirror/layout';
import { DISK_MARGIN } from '../transfer/disk';
import { lockHolder, busy } from './lock';
import { localEdits, OWN_DIR } from './manifest';
import type { RestorePlan } from './plan';
import { APPLY_NAMES } from './update-apply';

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

/**
 * What a stopped restore keeps in its staging folder: its downloads (to resume), its record and its lock, and an
 * interrupted update's journal until that update is undone.
 */
export const KEPT_STAGING: ReadonlySet<string> = new Set([
  'downloads',
  'restore.json',
  'lock',
  ...APPLY_NAMES,
]);

/** What Lifeboat itself keeps in a staging folder. */
const STAGING_NAMES = new Set([
  ...KEPT_STAGING,
  'final',
  'extract-code',
  'extract-files',
  'extract-database',
  'extract-code-worktree',
  ...APPLY_NAMES,
]);

/** What an earlier restore's `lifeboat.json` says about the copy, as far as an update needs it. */
export interface CopyRecord {
  readonly site: { readonly id: string; readonly name: string };
  readonly env: string;
  readonly backupFolder: string;
  readonly restoredAt: string | null;
  /** Where its files are, and the include/exclude they were restored with; null when it has no files. */
  readonly files: {
    readonly path: string;
    readonly include: readonly string[];
    readonly exclude: readonly string[];
  } | null;
}

/** The record of the restore in `dir` (its `lifeboat.json`), or null when it has none Lifeboat can read. */
export async function readCopyRecord(dir: string): Promise<CopyRecord | null> {
  try {
    const r = JSON.parse(await readFile(join(dir, 'lifeboat.json'), 'utf8')) as {
      site?: { id?: unknown; name?: unknown };
      env?: unknown;
      backup?: { folder?: unknown };
      restoredAt?: unknown;
      files?: { path?: unknown; include?: unknown; exclude?: unknown };
    };
    const strings = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    return {
      site: { id: String(r.site?.id ?? ''), name: String(r.site?.name ?? '') },
      env: String(r.env ?? ''),
      backupFolder: String(r.backup?.folder ?? ''),
      restoredAt: typeof r.restoredAt === 'string' ? r.restoredAt : null,
      files:
        typeof r.files?.path === 'string'
          ? { path: r.files.path, include: strings(r.files.include), exclude: strings(r.files.exclude) }
          : null,
    };
  } catch {
    return null;
  }
}

/**
 * The paths Lifeboat itself adds to a copy's working tree, which never make it "dirty", as the patterns of the
 * repository's exclude file: a name, or a folder (ending in `/`; `*` in the last part is any text).
 */
export const ownPaths = (filesRel: string | null): string[] => [
  'lifeboat.json',
  'database/',
  `${OWN_DIR}/`,
  ...(filesRel ? [`${filesRel}/`, `${filesRel}.before-*/`] : []),
];

/** The database archives a copy's record (and the earlier records kept in it) say Lifeboat put in `database/`. */
async function recordedArchives(repo: string): Promise<Set<string>> {
  const names = new Set<string>();
  try {
    const r = JSON.parse(await readFile(join(repo, 'lifeboat.json'), 'utf8')) as {
      archives?: { database?: { filename?: unknown } };
      previous?: { archives?: { database?: { filename?: unknown } } }[];
    };
    for (const one of [r, ...(Array.isArray(r.previous) ? r.previous : [])]) {
      const name = one?.archives?.database?.filename;
      if (typeof name === 'string') names.add(name);
    }
  } catch {
    // No record: nothing in database/ is known to be Lifeboat's.
  }
  return names;
}

/**
 * The changes in a copy's code tree that an update's checkout would have to carry over or could lose: what
 * `git status` shows, without Lifeboat's own additions (its record, its folder, the database archives it put
 * there, the files folder and the files kept aside by earlier updates), each matched whole: a
 * `lifeboat.json.bak` or a `database/notes.sql` of the person's is a change. Null when it is not a git working
 * tree.
 */
export async function codeChanges(repo: string, filesRel: string | null): Promise<string[] | null> {
  if (!(await exists(join(repo, '.git')))) return null;
  let changes;
  try {
    changes = await changedPaths(repo);
  } catch {
    return null;
  }
  const archives = await recordedArchives(repo);
  const under = (p: string, folder: string): boolean => p === `${folder}/` || p.startsWith(`${folder}/`);
  // `<files>.before-<time>/...`: a folder an update kept files aside in (a file of that name is not one).
  const keptAside = (p: string): boolean => {
    const rest = filesRel && p.startsWith(`${filesRel}.before-`) ? p.slice(filesRel.length + 8) : '';
    return rest.indexOf('/') > 0;
  };
  const out: string[] = [];
  for (const c of changes) {
    const p = c.path;
    if (!c.untracked) out.push(p);
    else if (p === 'lifeboat.json' || under(p, OWN_DIR)) continue;
    else if ((filesRel && under(p, filesRel)) || keptAside(p)) continue;
    else if (p === 'database/') {
      // The folder, untracked as a whole: what in it is not an archive Lifeboat put there is the person's.
      const names = await readdir(join(repo, 'database'), { withFileTypes: true }).catch(() => []);
      for (const d of names)
        if (!(d.isFile() && archives.has(d.name)))
          out.push(`database/${d.name}${d.isDirectory() ? '/' : ''}`);
    } else if (!(p.startsWith('database/') && archives.has(p.slice('database/'.length)))) out.push(p);
  }
  return out;
}

/**
 * Why an update cannot refresh the files folder `filesRel` of the copy at `path` in place: it, or a folder on the
 * way to it, is a link (big uploads kept on another disk) or a file. An update puts files only in real folders
 * inside the copy, never through a link. Null when nothing stands in the way (a folder that is not there yet is
 * made).
 */
async function filesFolderProblem(path: string, filesRel: string): Promise<string | null> {
  const where = join(path, filesRel);
  let at = path;
  for (const part of filesRel.split('/').filter(Boolean)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => null);
    if (!st) return null;
    if (st.isSymbolicLink()) {
      const target = await readlink(at).catch(() => '?');
      return `${at === where ? where : `${at}, on the way to ${where},`} is a link (to ${target}), so the update cannot refresh the files there: Lifeboat puts files only in real folders inside the copy, never through a link. Move the files back into a real folder at ${at} (in place of the link), then update.`;
    }
    if (!st.isDirectory())
      return `${at} is a file where the copy's files folder ${where} should be, so the update cannot refresh the files. Move it away, then update.`;
  }
  return null;
}

/**
 * The root of the Lifeboat mirror that `path` is in (or is), or null: the nearest folder at or above it with the
 * mirror's mark (a plain file, lstat). Walked up from the path as given and from where it really is (the nearest
 * existing folder on the way, links followed), so a link into a mirror is found too. A restore there would put a
 * working copy (a git tree, a database, a staging folder) among the mirror's site folders.
 */
export async function mirrorRootAround(path: string): Promise<string | null> {
  const marked = async (dir: string): Promise<boolean> =>
    (await lstat(join(dir, MIRROR_ROOT_MARK)).catch(() => null))?.isFile() ?? false;
  const walk = async (start: string): Promise<string | null> => {
    for (let dir = start; ; dir = dirname(dir)) {
      if (await marked(dir)) return dir;
      if (dirname(dir) === dir) return null;
    }
  };
  const given = resolve(path);
  const found = await walk(given);
  if (found) return found;
  let existing = given;
  while (!(await lstat(existing).catch(() => null)) && dirname(existing) !== existing)
    existing = dirname(existing);
  const real = await realpath(existing).catch(() => null);
  return real && real !== existing ? walk(real) : null;
}

/** The first few of a list, for a message: `a, b, c and 4 more`. */
const fewOf = (list: readonly string[], n = 3): string =>
  list.slice(0, n).join(', ') + (list.length > n ? ` and ${list.length - n} more` : '');

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

/** True for the error of a tool that is not there (said once, as a `tool` conflict). */
const isMissingTool = (e: unknown): e is LifeboatError =>
  e instanceof LifeboatError && e.code === 'missing-tool';

/** Why git cannot be used here (a `missing-tool` error: not found, or the path set for it does not run), or null. */
export async function gitMissing(): Promise<LifeboatError | null> {
  try {
    await locateTool('git');
    return null;
  } catch (e) {
    if (isMissingTool(e)) return e;
    throw e;
  }
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

  // One rule for the preview and the run: never a restore inside a mirror (`pull --from-mirror DIR/... --to DIR`
  // is the easy slip), whatever the backup's source.
  const mirror = await mirrorRootAround(path);
  if (mirror)
    add(
      'folder',
      'conflict',
      `${mirror === plan.targetDir || mirror === path ? `${mirror} is a Lifeboat mirror` : `${plan.targetDir} is inside the Lifeboat mirror at ${mirror}`}: a restore there would mix a working copy with the mirror's backups. Restore somewhere else (a folder outside ${mirror}).`,
    );

  // Only a restore of code needs git: files and database archives are downloaded and unpacked without it.
  const missingGit = hasCode || request.intoRepo ? await gitMissing() : null;
  if (missingGit) add('tool', 'missing-tool', missingGit.message);
  if (branch) {
    try {
      await validateBranchName(branch);
    } catch (e) {
      // Without git the name cannot be checked: that is the tool conflict above, not a bad name.
      if (isMissingTool(e)) {
        if (!missingGit) add('tool', 'missing-tool', e.message);
      } else add('branch', 'invalid-request', (e as Error).message);
    }
  }

  const nonEmpty = dest?.isDirectory() ? await isNonEmptyDir(path).catch(() => true) : false;
  if (nonEmpty && !request.updateInPlace) {
    // Update is offered only for a copy of this very site and environment (never another's).
    const there = await readCopyRecord(path);
    const same = there?.site.name === plan.site.name && there.env === plan.env;
    add(
      'folder',
      'conflict',
      `${path} already exists and is not empty. Choose another folder name${same ? `, or update that copy from a newer backup (Local copies > Update, or lifeboat copies update ${path})` : ''}.`,
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
    // An update that stopped half way changed the copy (its code, its files, its record): what the copy's own
    // state says is checked once the run has undone that, under the lock; the plan says it will be done first.
    const settled = plan.interrupted?.state !== 'applying';
    const record = await readCopyRecord(path);
    if (!record) {
      // An update killed while it renamed the record in leaves none until its undo puts it back.
      if (settled)
        add(
          'folder',
          'conflict',
          `${path} is not a Lifeboat restore (no lifeboat.json), so it will not be updated in place.`,
        );
    } else if (record.site.name !== plan.site.name || record.env !== plan.env) {
      add(
        'folder',
        'conflict',
        `${path} is a restore of ${record.site.name}.${record.env}, not of ${plan.site.name}.${plan.env}; it will not be updated with another site's backup.`,
      );
    } else if (settled && plan.set && record.backupFolder === plan.set.folder) {
      add(
        'backup',
        'conflict',
        `${path} is already at the ${backupNameOfFolder(plan.set.folder)}: there is nothing newer to update it from. Create a backup of ${plan.env} first, or pick another backup.`,
      );
    }
    const filesRel = plan.filesPaths[0] ?? null;
    // Without git the copy's tree cannot be read: the tool conflict says so, not "not a working tree".
    if (settled && hasCode && branch && !missingGit) {
      const changes = await codeChanges(path, filesRel);
      if (changes === null)
        add(
          'clone',
          'conflict',
          `${path} is not a git working tree, so the ${plan.env} code cannot be checked out in it.`,
        );
      else {
        if (changes.length > 0)
          add(
            'clone',
            'conflict',
            `${path} has ${changes.length} uncommitted change${changes.length === 1 ? '' : 's'} in its code (${fewOf(changes)}); commit or stash them first, then update.`,
          );
        if (await branchExists(path, branch).catch(() => false))
          add(
            'branch',
            'conflict',
            `The branch "${branch}" already exists in ${path}. Choose another branch name.`,
          );
      }
    }
    const db = plan.set?.archives.database;
    if (
      settled &&
      plan.elements.includes('database') &&
      db &&
      (await exists(join(path, 'database', db.filename)))
    ) {
      add(
        'folder',
        'conflict',
        `${join(path, 'database', db.filename)} is already there (this backup was restored before); Lifeboat will not overwrite it. Pick another backup.`,
      );
    }
    const linked =
      plan.elements.includes('files') && filesRel ? await filesFolderProblem(path, filesRel) : null;
    // Found here, whatever else is asked: the run would only meet it once everything is downloaded.
    if (linked) add('files', 'conflict', linked);
    else if (settled && plan.elements.includes('files') && filesRel && record && !request.replaceLocalEdits) {
      const selection = pathSelection(request.include ?? [], request.exclude ?? []);
      const top = `files_${plan.env}`;
      try {
        const edits = await localEdits(
          path,
          filesRel,
          (rel) => selection.keeps(`${top}/${rel}`),
          record.restoredAt,
        );
        const n = edits.paths.length;
        if (n > 0)
          add(
            'files',
            'conflict',
            `${n} file${n === 1 ? '' : 's'} in ${join(path, filesRel)} changed since the last restore (${fewOf(edits.paths)}). Choose Replace local edits (--replace-local-edits) to have the backup's files put in their place, yours kept in ${filesRel}.before-<time>/; or move them out of the folder first.`,
          );
      } catch (e) {
        add(
          'files',
          e instanceof LifeboatError ? e.code : 'io',
          `Lifeboat could not tell which files in ${join(path, filesRel)} changed since the last restore: ${(e as Error).message}`,
        );
      }
    }
  }

  if (request.intoRepo && branch && !missingGit) {
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
        // The server's own words, said once ("No database server answers on ..."), not wrapped in another message.
        const why = connectionError(request.database.connection, e, 'no password');
        // No client to reach it with is the tool's conflict, in its own words (what to install, where to set it).
        if (isMissingTool(why)) add('tool', 'missing-tool', why.message);
        else
          add(
            'database',
            why instanceof LifeboatError && why.code !== 'database' ? why.code : 'database',
            why !== e && why instanceof Error
              ? why.message
              : `Could not reach the database server: ${(e as Error).message}`,
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
