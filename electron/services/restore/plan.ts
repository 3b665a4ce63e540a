import { lstat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type {
  BackupArchive,
  BackupSet,
  Element,
  Environment,
  PlannedWrite,
  RestoreConflict,
  RestorePreview,
  Site,
} from '@shared/models';
import { ELEMENTS } from '@shared/models';
import { checkPatterns } from '../archive/globs';
import { filesPathCandidates } from '../archive/placement';
import { databaseExists, defaultDatabaseName, type DbConnection } from '../database/mysql';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';
import { branchExists, defaultBranchName } from '../git/git';
import { findBackupSet, stillBeingWritten } from '../pantheon/catalog';
import type { PantheonClient } from '../pantheon/client';
import { statfsFreeSpace, type FreeSpaceProbe } from '../transfer/disk';
import { partProgress, type TransferPolicy } from '../transfer/download';
import { partPathOf } from '../transfer/names';
import { findConflicts, isNonEmptyDir, readCopyRecord } from './checks';
import type { LocalArchive } from './fetch';
import { nameProblem } from '../paths/path-rules';
import { MANIFEST_REL } from './manifest';
import { folderIdentity, interruptedUpdate, type FolderIdentity, type UpdateUndo } from './update-apply';

/** Which backup set a restore uses. */
export type BackupChoice = 'latest' | 'new' | { readonly folder: string };

/** Everything a restore needs to know, as a person chose it (the CLI's flags, the app's dialog). */
export interface RestoreRequest {
  readonly site: string;
  readonly env: string;
  readonly backup: BackupChoice;
  readonly elements: readonly Element[];
  /** The folder the restore goes into; the site lands in `<targetDir>/<folderName>`. */
  readonly targetDir: string;
  /** Default: the first of `<site>-<env>`, `<site>-<env>-2`, ... that does not exist yet (an update: `<site>-<env>`). */
  readonly folderName?: string;
  /** Default: the first of `lifeboat/<env>-<YYYY-MM-DD>`, `...-2`, ... that the repositories do not have yet. */
  readonly branch?: string;
  /** Also create the branch in this existing clone (its working tree is left alone unless `checkoutIntoRepo`). */
  readonly intoRepo?: string;
  readonly checkoutIntoRepo?: boolean;
  /** Import the database archive into a local server. */
  readonly database?: {
    readonly connection: DbConnection;
    /** Default: the first of `<site>_<env>_<YYYYMMDD>`, `..._2`, ... that the server does not have (replace: the first). */
    readonly name?: string;
    readonly replace?: boolean;
  };
  /** Which paths of the files archive to restore (all when empty), and which to leave out: see `archive/globs`. */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /**
   * Update an existing restore of this site in its folder (a local copy): the new branch checked out, the files
   * refreshed file by file with what they replace kept aside, nothing removed.
   */
  readonly updateInPlace?: boolean;
  /** An update replaces files changed in the copy since its last restore too (kept aside); else they refuse it. */
  readonly replaceLocalEdits?: boolean;
  /** Retention for a new backup. */
  readonly keepForDays?: number;
}

/**
 * What the engine needs to plan and run restores: the site, and where its catalog and archives come from, Pantheon
 * (through the account's client) or a backup set of a local mirror (`pull --from-mirror`: no network, no account).
 * Either way it is the same plan, checks and run; only the catalog's reading and the archives' fetching differ.
 */
export type RestoreDeps = PantheonRestoreDeps | LocalRestoreDeps;

/** A restore from Pantheon: the catalog is listed and the archives downloaded through the client. */
export interface PantheonRestoreDeps {
  readonly client: PantheonClient;
  readonly local?: undefined;
  readonly site: Site;
  readonly options?: RestoreOptions;
}

/** A restore from a mirrored backup set on this disk: nothing is asked of Pantheon, so there is no client. */
export interface LocalRestoreDeps {
  readonly client?: undefined;
  readonly local: LocalSource;
  readonly site: Site;
  readonly options?: RestoreOptions;
}

/**
 * A backup set whose archives are already on this disk (a mirror's, see mirror/offline.ts), with what a restore
 * would otherwise ask Pantheon: the catalog entry, the environment (its deploy ref) and the multidevs.
 */
export interface LocalSource {
  /** The set's folder, for messages. */
  readonly dir: string;
  readonly env: string;
  readonly set: BackupSet;
  readonly environment: Environment;
  readonly multidevs: readonly string[];
  /** Per element of the set: its file here and the sha256 its bytes must have. */
  readonly archives: Partial<Record<Element, LocalArchive>>;
}

/** Why a restore from a mirror cannot make a backup first. */
export const NO_NEW_BACKUP_OFFLINE =
  'A restore from a mirror cannot make a new backup first: that needs Pantheon. Restore the mirrored backup, or run lifeboat pull without --from-mirror.';

/** Engine settings for restores. */
export interface RestoreOptions {
  /** Archives downloaded at once. */
  readonly parallel?: number;
  readonly transfer?: TransferPolicy;
  readonly freeSpace?: FreeSpaceProbe;
  /** Workflow polling interval while creating a backup. */
  readonly pollMs?: number;
  /** Archives from this size on are extracted in a worker thread (default 16 MiB; Infinity: never). */
  readonly extractThreadFrom?: number;
}

/**
 * A restore with every decision made and every check done, before a byte is downloaded. The preview shows
 * it, the dry run prints it, and the run carries out exactly this (it re-checks the conflicts under the
 * target's lock, with the same function).
 */
export interface RestorePlan {
  readonly request: RestoreRequest;
  readonly site: Site;
  readonly env: string;
  readonly elements: readonly Element[];
  readonly targetDir: string;
  /** The restored site's folder. */
  readonly path: string;
  /** The staging folder beside it (downloads, extraction, assembly); removed when the restore is in place. */
  readonly work: string;
  /** The lock file that keeps two restores out of the same folder. */
  readonly lockPath: string;
  /** Refresh an earlier restore in that folder instead of making a new one. */
  readonly update: boolean;
  readonly branch: string | null;
  readonly databaseName: string | null;
  /** The backup set; null for a backup that is created first. */
  readonly set: BackupSet | null;
  /** The environment (its deploy ref decides what is checked out); null when no code is restored. */
  readonly environment: Environment | null;
  /** The site's multidev environments: each is a branch of the same name in the restored repository. */
  readonly multidevs: readonly string[];
  /** Where the files go inside the restore, first choice first (see PlannedWrite.alternatives). */
  readonly filesPaths: readonly string[];
  readonly writes: readonly PlannedWrite[];
  readonly downloadBytes: number;
  readonly freeBytes: number;
  readonly conflicts: readonly RestoreConflict[];
  /** An update: the copy's folder as planned; the run applies the update to that folder only. */
  readonly folder?: FolderIdentity | null;
  /**
   * An update of this folder that stopped half way (a killed process): the run undoes it first, under the lock;
   * until then the checks of the copy's own state wait for that (see findConflicts).
   */
  readonly interrupted?: UpdateUndo | null;
}

/** Expected size on disk once an archive is extracted, per compressed byte: code compresses well, media not. */
export const EXPANSION: Record<Element, number> = { code: 3, files: 1.05, database: 0 };

/** The include/exclude patterns of a restore as the plan lists them: `, only "2024/**", without "*.log"`. */
function patternsNote(include: readonly string[], exclude: readonly string[]): string {
  const quote = (list: readonly string[]): string => list.map((p) => `"${p}"`).join(', ');
  return (
    (include.length ? `, only ${quote(include)}` : '') + (exclude.length ? `, without ${quote(exclude)}` : '')
  );
}

/** The label of an archive in messages and progress: "the files archive". */
export const archiveLabel = (el: Element): string => `the ${el} archive`;

/** `<site>-<env>`: a restore's folder before it is made free (see freeFolderName). */
const defaultFolderName = (siteName: string, env: string): string => `${siteName}-${env}`;

/** `name`, `name-2`, `name-3`, ...: the first that `taken` says is free (the last one tried after 99). */
async function firstFree(
  name: string,
  next: (n: number) => string,
  taken: (candidate: string) => Promise<boolean>,
): Promise<string> {
  if (!(await taken(name))) return name;
  for (let n = 2; n < 100; n++) if (!(await taken(next(n)))) return next(n);
  return next(100);
}

/** The first folder name in `targetDir` that does not exist yet: `<site>-<env>`, `<site>-<env>-2`, ... */
export function freeFolderName(targetDir: string, siteName: string, env: string): Promise<string> {
  const base = defaultFolderName(siteName, env);
  return firstFree(
    base,
    (n) => `${base}-${n}`,
    (name) =>
      lstat(join(resolve(targetDir), name)).then(
        () => true,
        () => false,
      ),
  );
}

/** `name_2` within MySQL's 64 characters (the name is cut, the number kept). */
const numbered = (name: string, n: number): string => `${name.slice(0, 64 - String(n).length - 1)}_${n}`;

/** A restore's staging folder beside its folder `name`: the longest name Lifeboat makes from that name. */
const stagingName = (name: string): string => `.${name}.lifeboat`;

/**
 * Why the folder `name` cannot be made on `platform`, or null (the whole message). On Windows `C:x` or `x:y` would
 * not be a folder of the target (a drive, or a hidden stream), and `con` or `x.` would be made as given (Node's
 * `\\?\` paths) yet be out of reach of Explorer, git and PHP. Anywhere, the name and its staging folder's must fit
 * the file system's 255 bytes (UTF-16 units on Windows), or the run would stop at its first mkdir.
 */
export function folderNameProblem(name: string, platform: NodeJS.Platform = process.platform): string | null {
  const why = nameProblem(name, platform, stagingName);
  return why ? `"${name}" cannot be a folder name here: ${why}. Give the folder another name.` : null;
}

/**
 * The folder a restore writes, its staging folder and its lock, from the request alone (no network). A name that
 * is no folder name at all (a path, `.`) is an error; one this system cannot make is `nameProblem`, which the
 * plan reports as a conflict (so the preview and a dry run show it, and the run refuses with it).
 */
export function restorePaths(
  request: Pick<RestoreRequest, 'targetDir' | 'folderName' | 'env'>,
  siteName: string,
  platform: NodeJS.Platform = process.platform,
): { targetDir: string; path: string; work: string; lockPath: string; nameProblem: string | null } {
  const targetDir = resolve(request.targetDir);
  const name = request.folderName ?? defaultFolderName(siteName, request.env);
  if (name === '.' || name === '..' || name === '' || /[/\\\0]/.test(name)) {
    throw new LifeboatError(
      'invalid-request',
      `"${name}" is not a folder name Lifeboat can restore into: give a new folder's name, not "." or ".." or a path.`,
    );
  }
  const path = join(targetDir, name);
  const work = join(targetDir, stagingName(basename(path)));
  return {
    targetDir,
    path,
    work,
    lockPath: join(work, 'lock'),
    nameProblem: folderNameProblem(name, platform),
  };
}

/**
 * The backup set a request asks for, or an error saying what is missing: `not-found` for an archive that is not
 * there, the retryable "still being written" `conflict` for one that is listed but not finished.
 */
export function pickBackupSet(
  sets: readonly BackupSet[],
  choice: BackupChoice,
  elements: readonly Element[],
): BackupSet {
  const complete = (s: BackupSet): boolean => elements.every((el) => s.archives[el]?.finished);
  const unfinished = (s: BackupSet): BackupArchive | undefined =>
    elements.map((el) => s.archives[el]).find((a) => a !== undefined && !a.finished);
  if (choice === 'latest' || choice === 'new') {
    const set = sets.find(complete);
    if (!set) {
      // The only backup with every element is one still being written: wait for it, rather than make another.
      const writing = sets.find((s) => elements.every((el) => s.archives[el]));
      const archive = writing && unfinished(writing);
      if (archive) throw stillBeingWritten(archive);
      throw new LifeboatError(
        'not-found',
        // Named for both places a restore starts: the app's Backup choice and the command line's flag.
        `No finished backup has ${elements.join(', ')}. Create one first: choose "Create a new backup first" (on the command line, --backup new).`,
      );
    }
    return set;
  }
  const set = findBackupSet(sets, choice.folder);
  if (!set)
    throw new LifeboatError(
      'not-found',
      `There is no backup "${choice.folder}" in this environment's catalog.`,
    );
  const missing = elements.filter((el) => !set.archives[el]);
  if (missing.length)
    throw new LifeboatError('not-found', `The backup ${set.folder} has no ${missing.join(' or ')} archive.`);
  const archive = unfinished(set);
  if (archive) throw stillBeingWritten(archive);
  return set;
}

/**
 * The set of a restore from a mirror: the mirrored set is the whole catalog, so "latest" is that set and a folder
 * must name it (another mirrored set is another folder to restore from).
 */
function pickLocalSet(local: LocalSource, choice: BackupChoice, elements: readonly Element[]): BackupSet {
  if (typeof choice === 'object' && !findBackupSet([local.set], choice.folder))
    throw new LifeboatError(
      'not-found',
      `The mirrored set in ${local.dir} is the backup ${local.set.folder}, not "${choice.folder}".`,
    );
  return pickBackupSet([local.set], { folder: local.set.folder }, elements);
}

/** Bytes a set's archives still need on disk: what is left to download plus what extraction writes. */
export async function bytesNeeded(
  work: string,
  set: BackupSet,
  elements: readonly Element[],
): Promise<number> {
  let needed = 0;
  for (const el of elements) {
    const a = set.archives[el];
    if (!a) continue;
    const part = partPathOf(join(work, 'downloads', a.filename));
    const done = await exists(join(work, 'downloads', a.filename));
    const have = done
      ? a.size
      : await partProgress(
          part,
          { identity: `${set.folder}/${a.filename}`, size: a.size },
          { discard: false },
        ).catch(() => 0);
    needed += a.size - have + a.size * EXPANSION[el];
  }
  return needed;
}

/**
 * Bytes a mirrored set's archives need on disk: what extraction writes, and the database archive, which is copied
 * into the restore (the code and files archives are read where they are, never copied).
 */
export function localBytesNeeded(set: BackupSet, elements: readonly Element[]): number {
  return archivesOf(set, elements).reduce(
    (n, a) => n + (a.element === 'database' ? a.size : 0) + a.size * EXPANSION[a.element],
    0,
  );
}

/**
 * Plans a restore: resolves every default (folder, branch, database name, backup set, where the files go),
 * lists every write, and finds every conflict, without writing a byte. Failures to reach Pantheon or the
 * database server are conflicts too, so a preview always answers.
 */
export async function planRestore(deps: RestoreDeps, request: RestoreRequest): Promise<RestorePlan> {
  const { site, local } = deps;
  const elements: Element[] = ELEMENTS.filter((e) => request.elements.includes(e));
  if (elements.length === 0)
    throw new LifeboatError('invalid-request', 'Choose at least one of code, database and files to restore.');
  if (local && request.backup === 'new') throw new LifeboatError('invalid-request', NO_NEW_BACKUP_OFFLINE);
  if (local && request.env !== local.env)
    throw new LifeboatError(
      'invalid-request',
      `The mirrored backup in ${local.dir} is of ${site.name}.${local.env}, not of ${site.name}.${request.env}.`,
    );
  // A new restore's folder defaults to a name that is free; an update's is the copy's.
  const folderName =
    request.folderName ??
    (request.updateInPlace
      ? defaultFolderName(site.name, request.env)
      : await freeFolderName(request.targetDir, site.name, request.env));
  const { targetDir, path, work, lockPath, nameProblem } = restorePaths(
    { ...request, folderName },
    site.name,
  );
  // A folder this system cannot make is the plan's first conflict (the run refuses with it, invalid-request);
  // nothing is read under that name, which no copy can have.
  const badName: RestoreConflict | null = nameProblem
    ? { kind: 'folder', code: 'invalid-request', message: nameProblem }
    : null;
  // An update of this folder that a killed process left half way: the run undoes it first, under the lock; a
  // plan only reads its journal (a preview or a dry run changes nothing), and one it cannot act on is a conflict.
  let recoveryFailed: RestoreConflict | null = null;
  let interrupted: UpdateUndo | null = null;
  try {
    interrupted = badName ? null : await interruptedUpdate(work, path);
  } catch (e) {
    const code = e instanceof LifeboatError ? e.code : 'io';
    recoveryFailed = {
      kind: 'folder',
      code,
      message:
        code === 'conflict'
          ? (e as Error).message
          : `An earlier update of ${path} stopped half way, and Lifeboat could not read what it did: ${(e as Error).message}. Lifeboat changed nothing; fix that and try again.`,
    };
  }
  const undoing = interrupted?.state === 'applying' ? interrupted : null;
  // Patterns apply to the files archive only (the app's dialog keeps them while files is unticked).
  const include = elements.includes('files') ? (request.include ?? []) : [];
  const exclude = elements.includes('files') ? (request.exclude ?? []) : [];
  // A pattern that can never match is refused before anything is asked of Pantheon.
  checkPatterns({ include, exclude }, `files_${request.env}`);
  const hasCode = elements.includes('code');
  const update = !badName && Boolean(request.updateInPlace) && (await isNonEmptyDir(path).catch(() => true));
  const databaseName = request.database
    ? (request.database.name ??
      (request.database.replace
        ? defaultDatabaseName(site.name, request.env)
        : await freeDatabaseName(request.database.connection, defaultDatabaseName(site.name, request.env))))
    : null;

  const early: RestoreConflict[] = [badName, recoveryFailed].filter((c) => c !== null);
  let set: BackupSet | null = null;
  if (request.backup !== 'new') {
    try {
      set = deps.local
        ? pickLocalSet(deps.local, request.backup, elements)
        : pickBackupSet(await deps.client.listBackupSets(site, request.env), request.backup, elements);
    } catch (e) {
      if (!(e instanceof LifeboatError)) throw e;
      early.push({ kind: 'backup', code: e.code, message: e.message });
    }
  }
  let environment: Environment | null = null;
  let multidevs: string[] = [];
  if (hasCode && local) {
    // As the mirror recorded them when it downloaded the set.
    environment = local.environment;
    multidevs = [...local.multidevs];
  } else if (hasCode && deps.client) {
    try {
      const all = await deps.client.listEnvironments(site);
      environment = all.find((e) => e.id === request.env) ?? null;
      multidevs = all.filter((e) => e.multidev).map((e) => e.id);
    } catch (e) {
      if (!(e instanceof LifeboatError)) throw e;
      // The deploy ref is then taken from the newest pantheon_<env>_N tag; the listing is only a hint.
      environment = null;
    }
  }
  // A branch name that is free where it is made: not master or a multidev's, and not in the copy (an update)
  // or the clone it also goes into.
  const branch = !hasCode
    ? null
    : (request.branch ??
      (await firstFree(
        defaultBranchName(request.env),
        (n) => `${defaultBranchName(request.env)}-${n}`,
        async (name) =>
          name === 'master' ||
          multidevs.includes(name) ||
          // The branch of the update that stopped half way is deleted by its undo, before this one makes its own.
          (update && name !== undoing?.branch && (await branchExists(path, name).catch(() => false))) ||
          (request.intoRepo !== undefined && (await branchExists(request.intoRepo, name).catch(() => false))),
      )));

  // Where the files go: decided now from the framework and, for an update, from where the copy has them.
  const record = update ? await readCopyRecord(path) : null;
  const codeTree = hasCode || (update && (await exists(join(path, '.git'))));
  const filesPaths = !elements.includes('files')
    ? []
    : record?.files
      ? [record.files.path]
      : codeTree
        ? await filesPathCandidates(update ? path : null, site.framework)
        : ['files'];

  const writes: PlannedWrite[] = [];
  const at = (rel: string): string => join(path, rel);
  if (undoing) {
    const n = undoing.changed.length;
    writes.push({
      kind: 'folder',
      target: path,
      description: `${path}/: first, the update that stopped half way there is rolled back (what it moved put back, the code back on the branch it was on)${n > 0 ? `; the ${n} file${n === 1 ? '' : 's'} it brought in that ${n === 1 ? 'was' : 'were'} changed since stay${n === 1 ? 's' : ''} as you left ${n === 1 ? 'it' : 'them'} (${undoing.changed.slice(0, 3).join(', ')}${n > 3 ? ` and ${n - 3} more` : ''}), the earlier version${n === 1 ? '' : 's'} kept in ${undoing.aside ?? 'its .before- folder'}/` : ''}`,
    });
  }
  if (!update) writes.push({ kind: 'folder', target: path, description: `${path}/ (new folder)` });
  if (hasCode && branch) {
    writes.push({
      kind: 'branch',
      target: branch,
      repository: path,
      description: update
        ? `branch ${branch} in ${path} at the ${request.env} deploy, checked out (its working tree must be clean)`
        : `${path}/ the ${request.env} code, checked out on the new branch ${branch}`,
    });
  }
  if (filesPaths.length > 0) {
    const [first, ...rest] = filesPaths as [string, ...string[]];
    writes.push({
      kind: 'folder',
      target: at(first),
      ...(rest.length ? { alternatives: rest.map(at) } : {}),
      description:
        (update
          ? `${at(first)}/ refreshed file by file from the files archive${patternsNote(include, exclude)}: files that did not change stay as they are; those it replaces or no longer has${request.replaceLocalEdits ? ', your own changes among them,' : ''} move to ${at(first)}.before-<time>/`
          : `${at(first)}/ (the files archive${patternsNote(include, exclude)})`) +
        (rest.length
          ? `, or ${rest.map((r) => `${at(r)}/`).join(' or ')} when the code's docroot says so`
          : ''),
    });
  }
  if (elements.includes('database')) {
    const file = set?.archives.database?.filename;
    writes.push({
      kind: 'file',
      target: at(join('database', file ?? '<the new backup>.sql.gz')),
      description: `${at('database')}/${file ?? '<the new backup>.sql.gz'} (the database archive as downloaded)`,
    });
  }
  if (filesPaths.length > 0)
    writes.push({
      kind: 'file',
      target: at(MANIFEST_REL),
      description: `${at(MANIFEST_REL)} (the files as restored, to tell your own changes from the backup's)`,
    });
  writes.push({
    kind: 'file',
    target: at('lifeboat.json'),
    description: `${at('lifeboat.json')} (what came from where${update ? '; the earlier records kept in it' : ''})`,
  });
  if (databaseName)
    writes.push({
      kind: 'database',
      target: databaseName,
      description: `database ${databaseName}${request.database?.replace ? ' (replaced: the old one is swapped out only once the import succeeded)' : ' (new)'}`,
    });
  if (request.intoRepo && branch)
    writes.push({
      kind: 'branch',
      target: branch,
      repository: resolve(request.intoRepo),
      description: `${resolve(request.intoRepo)}: branch ${branch}${request.checkoutIntoRepo ? ', checked out' : ''}`,
    });
  writes.push({
    kind: 'staging',
    target: work,
    // From a mirror there is nothing to resume: its staging goes when the restore stops too.
    description: local
      ? `${work}/ (staging; removed when the restore is in place or stops)`
      : `${work}/ (downloads and staging; removed when the restore is in place, kept to resume if it stops)`,
  });

  const downloadBytes = !set
    ? 0
    : local
      ? localBytesNeeded(set, elements)
      : await bytesNeeded(work, set, elements);
  const freeBytes = await (deps.options?.freeSpace ?? statfsFreeSpace)(targetDir);
  const draft = {
    request,
    site,
    env: request.env,
    elements,
    targetDir,
    path,
    work,
    lockPath,
    update,
    branch,
    databaseName,
    set,
    environment,
    multidevs,
    filesPaths,
    writes,
    downloadBytes,
    freeBytes,
    conflicts: early,
    folder: update ? await folderIdentity(path) : null,
    interrupted,
  } satisfies RestorePlan;
  return { ...draft, conflicts: [...early, ...(await findConflicts(draft))] };
}

/** The preview the app and `pull --dry-run --json` show: the plan itself, without its internals. */
export async function previewRestore(deps: RestoreDeps, request: RestoreRequest): Promise<RestorePreview> {
  return previewOf(await planRestore(deps, request));
}

/** A plan as the contract's preview model. */
export function previewOf(plan: RestorePlan): RestorePreview {
  return {
    path: plan.path,
    backupFolder: plan.set?.folder ?? null,
    elements: plan.elements,
    branch: plan.branch,
    databaseName: plan.databaseName,
    update: plan.update,
    downloadBytes: plan.downloadBytes,
    freeBytes: plan.freeBytes,
    writes: plan.writes,
    conflicts: plan.conflicts,
  };
}

/** The archives of a planned set, in element order. */
export const archivesOf = (set: BackupSet, elements: readonly Element[]): BackupArchive[] =>
  elements.map((el) => set.archives[el]).filter((a): a is BackupArchive => a !== undefined);

/**
 * The error a conflict becomes when a run meets it: one mapping for the app, the CLI and the jobs. A backup
 * conflict is an archive still being written, which passes by itself: retryable, as where it was found.
 */
export const conflictError = (c: RestoreConflict): LifeboatError =>
  new LifeboatError(c.code, c.message, undefined, {
    ...(c.kind === 'backup' && c.code === 'conflict' && STILL_WRITTEN.test(c.message)
      ? { retryable: true }
      : {}),
  });

/** The message of {@link stillBeingWritten}; a copy already at the backup is a backup conflict that does not pass. */
const STILL_WRITTEN = /is still being written; try again when the backup finishes\.$/;

/**
 * The first database name the server does not have: `name`, `name_2`, ... Where the server cannot be asked, the
 * name itself (the plan then has that conflict).
 */
async function freeDatabaseName(connection: DbConnection, name: string): Promise<string> {
  try {
    return await firstFree(
      name,
      (n) => numbered(name, n),
      (candidate) => databaseExists(connection, candidate),
    );
  } catch {
    return name;
  }
}
