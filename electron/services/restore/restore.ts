import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackupArchive, BackupSet, Element, Environment, JobPhase, Site } from '@shared/models';
import { ELEMENTS } from '@shared/models';
import { extractTarGz } from '../archive/extract';
import { filesPathFor, filesTopFolder, moveContents } from '../archive/placement';
import { databaseExists, defaultDatabaseName, importDatabase } from '../database/mysql';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';
import {
  chooseRef,
  cloneBare,
  createBranch,
  defaultBranchName,
  findRepository,
  importIntoClone,
  uncommittedChanges,
  validateBranchName,
  branchExists,
} from '../git/git';
import type { PantheonClient } from '../pantheon/client';
import { findBackupSet } from '../pantheon/catalog';
import { ensureFreeSpace, statfsFreeSpace, type FreeSpaceProbe } from '../transfer/disk';
import { discardPart, downloadToPart, partProgress, type TransferPolicy } from '../transfer/download';
import { GrowingFile } from '../transfer/growing-file';
import { settleDownload } from '../transfer/settle';
import { verifyGzip } from '../transfer/verify';
import { VERSION } from '../version';
import type { RestorePlan, RestoreRecord } from './plan';

/** How a running restore reports back. */
export interface RestoreContext {
  readonly signal?: AbortSignal;
  phase(phase: JobPhase, message?: string): void;
  /** Bytes of one part (an archive download, the database import). */
  part(key: string, label: string, done: number, total: number | null): void;
}

/** What the restore produced. */
export interface RestoreResult {
  readonly path: string;
  readonly record: RestoreRecord;
  /** Bytes that were already on disk from an earlier attempt and not downloaded again. */
  readonly resumedBytes: number;
}

/** Engine settings for restores. */
export interface RestoreOptions {
  /** Archives downloaded at once. */
  readonly parallel?: number;
  readonly transfer?: TransferPolicy;
  readonly freeSpace?: FreeSpaceProbe;
  /** Workflow polling interval while creating a backup. */
  readonly pollMs?: number;
}

/** Expected size on disk once an archive is extracted, per compressed byte: code compresses well, media not. */
export const EXPANSION: Record<Element, number> = { code: 3, files: 1.05, database: 0 };

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
 * Keeps Lifeboat's own additions out of `git status` through the repository's local exclude file, which is
 * never committed or pushed (the site's .gitignore usually covers uploads already).
 */
async function excludeFromGit(repo: string, patterns: readonly string[]): Promise<void> {
  const file = join(repo, '.git', 'info', 'exclude');
  let current = '';
  try {
    current = await readFile(file, 'utf8');
  } catch {
    await mkdir(dirname(file), { recursive: true });
  }
  const lines = current.split('\n');
  const missing = patterns.filter((p) => !lines.includes(p));
  if (missing.length === 0) return;
  const prefix = current === '' || current.endsWith('\n') ? '' : '\n';
  await writeFile(file, `${current}${prefix}# Added by Lifeboat\n${missing.join('\n')}\n`);
}

/** The label of an archive in messages and progress: "the files archive". */
export const archiveLabel = (el: Element): string => `the ${el} archive`;

/** The backup set a plan asks for, or an error saying what is missing. */
export function pickBackupSet(
  sets: readonly BackupSet[],
  choice: RestorePlan['backup'],
  elements: readonly Element[],
): BackupSet {
  const complete = (s: BackupSet): boolean => elements.every((el) => s.archives[el]?.finished);
  if (choice === 'latest' || choice === 'new') {
    const set = sets.find(complete);
    if (!set) {
      throw new LifeboatError(
        'not-found',
        `No finished backup has ${elements.join(', ')}. Create a backup first (--backup new).`,
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
  const missing = elements.filter((el) => !set.archives[el]?.finished);
  if (missing.length)
    throw new LifeboatError(
      'not-found',
      `The backup ${set.folder} has no finished ${missing.join(' or ')} archive.`,
    );
  return set;
}

/**
 * Runs a restore: backup set (creating one if asked), parallel resumable downloads with extraction while they
 * run, checkout of the deploy ref on a new branch, files in place, optional database import, `lifeboat.json`.
 * Everything is assembled in a staging folder beside the target and renamed into place at the end, so a
 * failed or cancelled restore never leaves a half-made folder that looks complete. Downloads stay in the
 * staging folder, so running the same restore again resumes them.
 */
export async function runRestore(
  deps: { readonly client: PantheonClient; readonly site: Site; readonly options?: RestoreOptions },
  plan: RestorePlan,
  ctx: RestoreContext,
): Promise<RestoreResult> {
  const { client, site } = deps;
  const options = deps.options ?? {};
  const signal = ctx.signal;
  const elements = ELEMENTS.filter((e) => plan.elements.includes(e));
  if (elements.length === 0)
    throw new LifeboatError('invalid-request', 'Choose at least one of code, database and files to restore.');
  const targetDir = resolve(plan.targetDir);
  const dest = join(targetDir, plan.folderName ?? `${site.name}-${plan.env}`);
  const work = join(targetDir, `.${basename(dest)}.lifeboat`);
  const branch = plan.branch ?? defaultBranchName(plan.env);
  const checkCancel = (): void => {
    if (signal?.aborted)
      throw new LifeboatError(
        'cancelled',
        'The restore was cancelled; downloads will resume from where they stopped.',
      );
  };

  // 1. Everything that can be refused is refused before a byte is written.
  ctx.phase('queued', 'Checking the plan');
  if (elements.includes('code')) await validateBranchName(branch);
  const destHasContent = await isNonEmptyDir(dest);
  if (destHasContent && !plan.updateInPlace) {
    throw new LifeboatError(
      'conflict',
      `${dest} already exists and is not empty. Choose another folder name, or update that restore in place.`,
    );
  }
  if (plan.updateInPlace && destHasContent && !(await exists(join(dest, 'lifeboat.json')))) {
    throw new LifeboatError(
      'conflict',
      `${dest} is not a Lifeboat restore (no lifeboat.json), so it will not be updated in place.`,
    );
  }
  if (
    plan.updateInPlace &&
    destHasContent &&
    elements.includes('code') &&
    (await branchExists(dest, branch))
  ) {
    throw new LifeboatError(
      'conflict',
      `The branch "${branch}" already exists in ${dest}. Choose another branch name.`,
    );
  }
  if (plan.intoRepo && elements.includes('code')) {
    if (await branchExists(plan.intoRepo, branch))
      throw new LifeboatError(
        'conflict',
        `The branch "${branch}" already exists in ${plan.intoRepo}. Choose another branch name.`,
      );
    if (plan.checkoutIntoRepo && (await uncommittedChanges(plan.intoRepo).catch(() => [])).length > 0) {
      throw new LifeboatError(
        'conflict',
        `${plan.intoRepo} has uncommitted changes; commit or stash them first, or restore without checking out.`,
      );
    }
  }
  const dbName = plan.database ? (plan.database.name ?? defaultDatabaseName(site.name, plan.env)) : null;
  if (plan.database && dbName) {
    if (!elements.includes('database'))
      throw new LifeboatError('invalid-request', 'A database import needs the database element.');
    if (!plan.database.replace && (await databaseExists(plan.database.connection, dbName))) {
      throw new LifeboatError(
        'conflict',
        `The database "${dbName}" already exists. Choose another name, or choose to replace it.`,
      );
    }
  }

  // 2. The backup set.
  let sets: BackupSet[];
  if (plan.backup === 'new') {
    if (site.frozen)
      throw new LifeboatError(
        'frozen',
        `Site '${site.name}' is frozen; unfreeze it before creating a backup.`,
      );
    ctx.phase('creating-backup', `Creating a backup of ${plan.env}`);
    const wf = await client.createBackup(site, plan.env, elements, plan.keepForDays ?? 30);
    await client.waitForWorkflow(site.id, wf, {
      intervalMs: options.pollMs ?? client.defaultPollMs,
      ...(signal ? { signal } : {}),
      onUpdate: (w) =>
        ctx.part('workflow', w.activeDescription || 'Creating backup', w.step, w.numberOfTasks),
    });
    sets = await client.listBackupSets(site, plan.env);
    sets = sets.filter((s) => s.initiator === 'manual');
  } else {
    sets = await client.listBackupSets(site, plan.env);
  }
  const set = pickBackupSet(sets, plan.backup, elements);
  const archives = elements.map((el) => set.archives[el]!) as BackupArchive[];
  const environment: Environment | undefined = elements.includes('code')
    ? (await client.listEnvironments(site)).find((e) => e.id === plan.env)
    : undefined;

  // 3. Disk space for what is left to download plus what extraction writes.
  await mkdir(targetDir, { recursive: true });
  const downloads = join(work, 'downloads');
  let needed = 0;
  for (const a of archives) {
    const have = await partProgress(
      join(downloads, `${a.filename}.part`),
      {
        identity: `${set.folder}/${a.filename}`,
        size: a.size,
      },
      { discard: false },
    ).catch(() => 0);
    const complete = await exists(join(downloads, a.filename));
    needed += (complete ? 0 : a.size - have) + a.size * EXPANSION[a.element];
  }
  await ensureFreeSpace(targetDir, needed, options.freeSpace ?? statfsFreeSpace);

  // 4. Downloads, with extraction following each growing file.
  await mkdir(downloads, { recursive: true });
  await writeFile(
    join(work, 'restore.json'),
    JSON.stringify(
      { site: site.name, env: plan.env, folder: set.folder, startedAt: new Date().toISOString() },
      null,
      2,
    ),
  );
  for (const name of await readdir(work))
    if (name.startsWith('extract-') || name === 'final')
      await rm(join(work, name), { recursive: true, force: true });
  ctx.phase('downloading', `Downloading ${elements.join(', ')} from ${set.folder}`);
  let resumedBytes = 0;
  const extracted: Partial<Record<Element, { dir: string; entries: number }>> = {};
  const queue = [...archives];
  const runOne = async (a: BackupArchive): Promise<void> => {
    const finalPath = join(downloads, a.filename);
    const partPath = `${finalPath}.part`;
    const label = archiveLabel(a.element);
    const inner = new AbortController();
    const onOuterAbort = (): void => inner.abort();
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    const already = await exists(finalPath);
    const file = new GrowingFile(already ? finalPath : partPath);
    if (already) file.finish();
    const dl = already
      ? Promise.resolve()
      : downloadToPart({
          source: {
            label,
            identity: `${set.folder}/${a.filename}`,
            size: a.size,
            url: (s) => client.archiveUrl(site, plan.env, set.folder, a.element, s),
          },
          partPath,
          file,
          signal: inner.signal,
          ...(options.transfer ? { policy: options.transfer } : {}),
          onProgress: (done) => ctx.part(a.element, label, done, a.size),
        }).then(
          (r) => {
            resumedBytes += r.resumedFrom;
            file.finish();
          },
          (e: Error) => {
            file.fail(e);
            throw e;
          },
        );
    if (already) ctx.part(a.element, label, a.size, a.size);
    const consume = (async () => {
      const reader = file.reader({ signal: inner.signal });
      if (a.element === 'database') {
        // Kept as downloaded; read through gunzip only to verify it to the end (CRC and length).
        await verifyGzip(reader, label, inner.signal);
        return;
      }
      const dir = join(work, `extract-${a.element}`);
      await mkdir(dir, { recursive: true });
      const r = await extractTarGz(reader, dir, {
        label,
        ...(a.element === 'files' ? { include: plan.include ?? [], exclude: plan.exclude ?? [] } : {}),
        signal: inner.signal,
      });
      extracted[a.element] = { dir, entries: r.entries };
    })();
    try {
      await settleDownload(
        dl,
        consume.catch((e: unknown) => (inner.abort(), Promise.reject(e))),
        // A finished download that fails its check is discarded too, or every later run would reuse it.
        () => Promise.all([discardPart(partPath), already ? rm(finalPath, { force: true }) : undefined]),
      );
      if (!already) {
        await rename(partPath, finalPath);
        await rm(`${partPath}.json`, { force: true });
      }
    } finally {
      signal?.removeEventListener('abort', onOuterAbort);
    }
  };
  const parallel = Math.max(1, options.parallel ?? 3);
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let a = queue.shift(); a; a = queue.shift()) {
        try {
          await runOne(a);
        } catch (e) {
          failures.push(e);
        }
      }
    }),
  );
  checkCancel();
  if (failures.length > 0) throw failures[0];

  // 5. Assemble the restore in the staging folder.
  const final = join(work, 'final');
  const update = plan.updateInPlace && destHasContent;
  const assembleRoot = update ? dest : final;
  if (!update) await mkdir(final, { recursive: true });
  let codeRecord: RestoreRecord['code'];
  if (elements.includes('code')) {
    ctx.phase('checking-out', `Checking out ${plan.env}`);
    const found = await findRepository(extracted.code!.dir);
    let repo = found.path;
    if (found.bare) {
      repo = join(work, 'extract-code-worktree');
      await cloneBare(found.path, repo, signal);
    }
    const chosen = await chooseRef(repo, plan.env, environment?.targetRef ?? null, signal);
    if (update) {
      await importIntoClone({
        restoredRepo: repo,
        clone: dest,
        chosen,
        branch,
        checkout: false,
        remoteName: 'lifeboat-restore',
        ...(signal ? { signal } : {}),
      });
    } else {
      await rm(final, { recursive: true, force: true });
      await rename(repo, final);
      await createBranch(final, branch, chosen.ref, { checkout: true, ...(signal ? { signal } : {}) });
      await excludeFromGit(final, ['/lifeboat.json', '/database/']);
    }
    if (plan.intoRepo) {
      await importIntoClone({
        restoredRepo: update ? repo : final,
        clone: plan.intoRepo,
        chosen,
        branch,
        checkout: plan.checkoutIntoRepo ?? false,
        remoteName: `pantheon-${site.name}`.replace(/[^A-Za-z0-9_-]/g, '-'),
        ...(signal ? { signal } : {}),
      });
    }
    codeRecord = {
      path: '.',
      branch,
      ref: chosen.ref,
      tag: chosen.tag,
      commit: chosen.commit,
      ...(plan.intoRepo ? { intoRepo: resolve(plan.intoRepo) } : {}),
    };
  }
  let filesRecord: RestoreRecord['files'];
  if (elements.includes('files')) {
    const top = await filesTopFolder(extracted.files!.dir);
    const hasCode = elements.includes('code') || (update && (await exists(join(dest, '.git'))));
    const rel = hasCode ? await filesPathFor(assembleRoot, site.framework) : 'files';
    const target = join(assembleRoot, rel);
    if (update && (await exists(target))) {
      // Refreshing files never deletes: the previous folder is kept beside the new one.
      await rename(target, `${target}.before-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    }
    await mkdir(dirname(target), { recursive: true });
    await moveContents(top, target);
    if (hasCode && !update) await excludeFromGit(final, [`/${rel}/`]);
    filesRecord = {
      path: rel,
      entries: extracted.files!.entries,
      include: plan.include ?? [],
      exclude: plan.exclude ?? [],
    };
  }
  let dbRecord: RestoreRecord['database'];
  const dbArchive = set.archives.database;
  if (elements.includes('database') && dbArchive) {
    await mkdir(join(assembleRoot, 'database'), { recursive: true });
    const to = join(assembleRoot, 'database', dbArchive.filename);
    if (await exists(to))
      throw new LifeboatError('conflict', `${to} already exists; Lifeboat will not overwrite it.`);
    await rename(join(downloads, dbArchive.filename), to);
    dbRecord = { archive: `database/${dbArchive.filename}` };
  }
  const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());
  let record: RestoreRecord = {
    lifeboat: VERSION,
    site: { id: site.id, name: site.name, framework: site.framework },
    env: plan.env,
    backup: {
      folder: set.folder,
      initiator: set.initiator,
      scheduledFor: new Date(set.scheduledFor * 1000).toISOString(),
    },
    archives: Object.fromEntries(
      archives.map((a) => [a.element, { filename: a.filename, size: a.size, finishedAt: iso(a.date) }]),
    ),
    ...(codeRecord ? { code: codeRecord } : {}),
    ...(filesRecord ? { files: filesRecord } : {}),
    ...(dbRecord ? { database: dbRecord } : {}),
    restoredAt: new Date().toISOString(),
  };
  const recordPath = join(assembleRoot, 'lifeboat.json');
  if (update) {
    // Keep the history of an updated restore: earlier records move to `previous`.
    let previous: unknown[];
    try {
      const old = JSON.parse(await readFile(recordPath, 'utf8')) as { previous?: unknown[] };
      previous = [...(old.previous ?? []), { ...old, previous: undefined }];
    } catch {
      previous = [];
    }
    await writeFile(recordPath, `${JSON.stringify({ ...record, previous }, null, 2)}\n`);
  } else {
    await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  }
  checkCancel();

  // 6. Into place: one rename, so the folder appears complete or not at all.
  if (!update) {
    ctx.phase('finishing', `Moving the restore to ${dest}`);
    if (await exists(dest)) await rmdir(dest);
    await rename(final, dest);
  }
  await rm(work, { recursive: true, force: true });

  // 7. The database import works from the kept archive; a failure leaves the restore (and any database) intact.
  if (plan.database && dbRecord && dbName) {
    ctx.phase('importing', `Importing the database into ${dbName}`);
    const result = await importDatabase({
      archive: join(dest, dbRecord.archive),
      connection: plan.database.connection,
      database: dbName,
      replace: plan.database.replace ?? false,
      ...(signal ? { signal } : {}),
      onProgress: (done, total) => ctx.part('import', `Importing into ${dbName}`, done, total),
    });
    record = {
      ...record,
      database: {
        ...dbRecord,
        importedInto: result.database,
        replaced: result.replaced,
        collationsRewritten: result.collationsRewritten,
      },
    };
    const current = JSON.parse(await readFile(join(dest, 'lifeboat.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(
      join(dest, 'lifeboat.json'),
      `${JSON.stringify({ ...current, database: record.database }, null, 2)}\n`,
    );
  }
  return { path: dest, record, resumedBytes };
}
