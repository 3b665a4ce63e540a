import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathSelection } from '../archive/globs';
import type { BackupArchive, Element } from '@shared/models';
import { filesPathFor, filesTopFolder, moveContents } from '../archive/placement';
import { assertNoEscapingLinks, safePathInside } from '../archive/safe-path';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';
import {
  chooseRef,
  cloneBare,
  createBranch,
  findRepository,
  gitAt,
  importIntoClone,
  type ChosenRef,
} from '../git/git';
import { VERSION } from '../version';
import { isNonEmptyDir, ownPaths, readCopyRecord } from './checks';
import { manifestText, MANIFEST_REL, OWN_DIR, writeManifest } from './manifest';
import type { RestorePlan } from './plan';
import {
  applyUpdate,
  assertSameFolder,
  commitUpdate,
  excludeFromGit,
  prepareUpdate,
  refuseEscapingCommitLinks,
  rewriteOwnFile,
  rollbackUpdate,
  type FilesRefresh,
  type PreparedUpdate,
} from './update-apply';

/** What `lifeboat.json` records about a restore. */
export interface RestoreRecord {
  readonly lifeboat: string;
  readonly site: { readonly id: string; readonly name: string; readonly framework: string };
  readonly env: string;
  readonly backup: { readonly folder: string; readonly initiator: string; readonly scheduledFor: string };
  readonly archives: Readonly<
    Partial<
      Record<
        Element,
        { readonly filename: string; readonly size: number; readonly finishedAt: string | null }
      >
    >
  >;
  readonly code?: {
    readonly path: string;
    readonly branch: string;
    readonly ref: string;
    readonly tag: string | null;
    readonly commit: string;
    readonly intoRepo?: string;
  };
  readonly files?: {
    readonly path: string;
    readonly entries: number;
    readonly include: readonly string[];
    readonly exclude: readonly string[];
    /** An update: how many files it left, added, replaced and removed. */
    readonly refreshed?: {
      readonly unchanged: number;
      readonly added: number;
      readonly replaced: number;
      readonly removed: number;
    };
    /** An update: where the files it replaced or removed were kept (relative to the copy), and how many. */
    readonly keptAside?: { readonly path: string; readonly count: number };
  };
  readonly database?: {
    readonly archive: string;
    readonly importedInto?: string;
    /**
     * An update that imported nothing: the database the copy had from its earlier restore, left as it was (it holds
     * that backup's data, not this one's).
     */
    readonly kept?: string;
    readonly replaced?: boolean;
    readonly collationsRewritten?: boolean;
    /** The locked account that owns the dump's views, triggers and routines, when it had any. */
    readonly owner?: string;
    /** How the import was confined: a user that reached only its database, or the dump guard alone. */
    readonly confinement?: 'user' | 'guard';
  };
  readonly restoredAt: string;
}

/** What the fetch step left in the staging folder. */
export interface Staged {
  /** The plan's backup set, resolved (a new backup is known only once it is made). */
  readonly archives: readonly BackupArchive[];
  readonly folder: string;
  readonly initiator: string;
  readonly scheduledFor: number;
  readonly extracted: Partial<Record<Element, { readonly dir: string; readonly entries: number }>>;
  /** The downloaded database archive. */
  readonly databaseArchive: string | null;
  /** The code, made ready by {@link prepareCode} while the other archives still arrived. */
  readonly code?: CodeReady;
}

/**
 * What {@link prepareCode} did with the code archive: the repository and the ref to restore (`found`), and for a
 * new restore the branch checked out in `<work>/final` (`placed`); or where it failed, so that the assembly
 * reports it in the order it always has (a missing repository before the files archive's own problems, a
 * branch the archive already has after them).
 */
export type CodeReady =
  | {
      readonly ok: true;
      readonly repo: string;
      readonly chosen: ChosenRef;
      readonly placed: boolean;
    }
  | { readonly ok: false; readonly stage: 'found' | 'placed'; readonly error: unknown };

/**
 * Makes the code ready as soon as its archive is extracted, while the other archives still download: finds the
 * repository (cloning a bare one into a worktree), chooses the ref, and for a new restore checks the new branch
 * out in `<work>/final`, where the assembly then adds the files and the database. All of it happens in the
 * staging folder, exactly as the assembly does it; nothing reaches a person's folder. Never rejects: a failure is
 * returned for the assembly to report.
 */
export async function prepareCode(
  plan: RestorePlan,
  code: { readonly dir: string },
  signal?: AbortSignal,
): Promise<CodeReady> {
  let repo: string;
  let chosen: ChosenRef;
  try {
    ({ repo, chosen } = await findCode(plan, code.dir, signal));
  } catch (error) {
    return { ok: false, stage: 'found', error };
  }
  try {
    // Nothing staged may point outside its folder (see the assembly); the code is checked before it moves.
    await assertNoEscapingLinks(code.dir);
    if (plan.update || !plan.branch) return { ok: true, repo, chosen, placed: false };
    const final = join(plan.work, 'final');
    await placeCheckout(plan, repo, final, chosen, plan.branch, signal);
    return { ok: true, repo: final, chosen, placed: true };
  } catch (error) {
    return { ok: false, stage: 'placed', error };
  }
}

/** The repository in the extracted code archive (a bare one cloned into a worktree), and the ref to restore. */
async function findCode(
  plan: RestorePlan,
  dir: string,
  signal?: AbortSignal,
): Promise<{ repo: string; chosen: ChosenRef }> {
  const found = await findRepository(dir);
  let repo = found.path;
  if (found.bare) {
    repo = join(plan.work, 'extract-code-worktree');
    await rm(repo, { recursive: true, force: true });
    await cloneBare(found.path, repo, signal);
  }
  return { repo, chosen: await chooseRef(repo, plan.env, plan.environment?.targetRef ?? null, signal) };
}

/** A new restore: the code tree becomes the staged folder `final`, on the new branch. */
async function placeCheckout(
  plan: RestorePlan,
  repo: string,
  final: string,
  chosen: ChosenRef,
  branch: string,
  signal?: AbortSignal,
): Promise<void> {
  await rm(final, { recursive: true, force: true });
  await rename(repo, final);
  await createBranch(final, branch, chosen.ref, { checkout: true, ...(signal ? { signal } : {}) }).catch(
    (e: unknown) => {
      // Only the archive can have it (the plan checked master and the multidevs): say so, not the staging path.
      if (e instanceof LifeboatError && e.code === 'conflict')
        throw new LifeboatError(
          'conflict',
          `The code archive already has a branch "${branch}"; choose another branch name. Nothing was put in place, and the downloads are kept.`,
        );
      throw e;
    },
  );
}

/** Steps already applied to a person's folders, undone in reverse if a later one fails. */
class Undo {
  private readonly steps: (() => Promise<unknown>)[] = [];
  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
  }
  /** Forgets the steps: what was done stays. */
  clear(): void {
    this.steps.length = 0;
  }
}

/** The planned folder must still be free: something that appeared in it while the restore ran is never overwritten. */
async function refuseIfTaken(path: string): Promise<void> {
  if (await isNonEmptyDir(path))
    throw new LifeboatError(
      'conflict',
      `${path} appeared while the restore ran; Lifeboat will not overwrite it (nothing was changed, the downloads are kept).`,
    );
}

/** Undoes the remote-tracking refs and tags a fetch adds to a repository (those it had stay). */
async function refsUndo(repo: string): Promise<() => Promise<void>> {
  const list = async (): Promise<string[]> =>
    (await gitAt(repo).raw(['for-each-ref', '--format=%(refname)', 'refs/remotes', 'refs/tags']))
      .split('\n')
      .filter(Boolean);
  const had = new Set(await list());
  return async () => {
    for (const ref of await list()) if (!had.has(ref)) await gitAt(repo).raw(['update-ref', '-d', ref]);
  };
}

/**
 * An update applies to the copy it was planned for: still at its path (not moved away while the update
 * downloaded), the same folder, holding the record of the same site and environment. Nothing is written.
 */
async function assertSameCopy(plan: RestorePlan): Promise<void> {
  await assertSameFolder(plan.path, plan.folder ?? null);
  const record = await readCopyRecord(plan.path);
  if (
    !record ||
    record.site.name !== plan.site.name ||
    (record.site.id !== '' && record.site.id !== plan.site.id) ||
    record.env !== plan.env
  )
    throw new LifeboatError(
      'conflict',
      `${plan.path} no longer holds the copy of ${plan.site.name}.${plan.env} it held when the update began (its lifeboat.json is gone or names another site), so Lifeboat updated nothing (the downloads are kept).`,
    );
}

/** Moves a file or folder to a path verified to stay inside `root` without crossing a link. */
async function placeInside(root: string, rel: string, from: string): Promise<string> {
  const to = await safePathInside(root, rel);
  if (await exists(to))
    throw new LifeboatError('conflict', `${to} already exists; Lifeboat will not overwrite it.`);
  await mkdir(dirname(to), { recursive: true });
  // The parents were just made by us: check again that nothing swapped a link in meanwhile.
  await safePathInside(root, rel);
  await rename(from, to);
  return to;
}

/** What the assembly put in place: the record it wrote, and for an update what the files refresh did. */
export interface AssembledRestore {
  readonly record: RestoreRecord;
  readonly refresh: FilesRefresh | null;
}

/**
 * Puts the staged archives together: the code checked out on the new branch, the files where the site
 * expects them, the database archive, the files' manifest and `lifeboat.json`. A new restore is built in
 * `<work>/final` and then renamed into place in one step; an update prepares everything first (see
 * update-apply.ts) and applies its changes to the copy only once the database import is loaded, journaled, so
 * that a failure undoes them at once and a killed process's are undone by the next plan. Every path Lifeboat
 * writes is checked not to cross a link from an archive, and the finished tree holds no link that points
 * outside it.
 */
export async function assembleRestore(
  plan: RestorePlan,
  staged: Staged,
  options: {
    readonly signal?: AbortSignal;
    /**
     * Imports the archive into a scratch database, calls `place` once that worked, then swaps it in. `place`
     * puts the restore in place; if it fails, the scratch database goes and any old database stays.
     */
    readonly importDatabase?: (
      archive: string,
      place: () => Promise<void>,
    ) => Promise<RestoreRecord['database']>;
  },
): Promise<AssembledRestore> {
  const { signal } = options;
  const sig = signal ? { signal } : {};
  const final = join(plan.work, 'final');
  const root = plan.update ? plan.path : final;
  const undo = new Undo();
  // An update's undo that did not finish (its journal stays for the next run to finish it).
  let undoFailed: unknown = null;
  const hasCode = plan.elements.includes('code');
  try {
    // An update's copy moved away while it downloaded is never looked at (nor made again) at its old path.
    if (plan.update) await assertSameCopy(plan);
    // 1. Everything that can fail without touching a person's folder.
    let chosen: ChosenRef | null = null;
    let repo: string | null = null;
    // The code made ready while the rest downloaded, or made ready now.
    const ready = staged.code;
    if (ready && !ready.ok && ready.stage === 'found') throw ready.error;
    if (ready?.ok) ({ repo, chosen } = ready);
    else if (!ready && hasCode && plan.branch) {
      const code = staged.extracted.code;
      if (!code) throw new LifeboatError('internal', 'The code archive was not extracted.');
      ({ repo, chosen } = await findCode(plan, code.dir, signal));
    }
    let filesTop: string | null = null;
    if (plan.elements.includes('files')) {
      const files = staged.extracted.files;
      if (!files) throw new LifeboatError('internal', 'The files archive was not extracted.');
      // Include patterns that matched nothing were refused by the extraction, as the archive ended.
      filesTop = await filesTopFolder(files.dir);
    }
    // Nothing staged may point outside its folder, however the archive built its links (checked before any
    // of it reaches a person's folder; the extractor refuses such links already, this is the second guard).
    // Code made ready was checked before it moved.
    for (const [element, ex] of Object.entries(staged.extracted))
      if (ex && !(element === 'code' && ready)) await assertNoEscapingLinks(ex.dir);
    if (ready && !ready.ok) throw ready.error;

    // 2. A new restore: the code tree becomes the staged folder; the branch is made there (unless it was).
    if (!plan.update && !ready?.placed) {
      if (repo && chosen && plan.branch) await placeCheckout(plan, repo, final, chosen, plan.branch, signal);
      else {
        await rm(final, { recursive: true, force: true });
        await mkdir(final, { recursive: true });
      }
    }

    // 3. Where the files go: the first of the plan's places that the code tree agrees with.
    let filesRel: string | null = null;
    if (filesTop) {
      const [first] = plan.filesPaths;
      const actual = hasCode || plan.update ? await filesPathFor(root, plan.site.framework) : 'files';
      filesRel = plan.filesPaths.includes(actual) ? actual : (first ?? 'files');
    }

    const dbArchive = staged.archives.find((a) => a.element === 'database');
    const recordRel = 'lifeboat.json';
    if (!plan.update && (await exists(await safePathInside(root, recordRel))))
      throw new LifeboatError(
        'conflict',
        `The code archive has a file of its own at ${recordRel}; Lifeboat will not overwrite it with its record.`,
      );
    if (signal?.aborted) throw new LifeboatError('cancelled', 'The restore was cancelled.');

    // 5. An update: everything it will do, found now; nothing of the copy changes before `place` below.
    let prepared: PreparedUpdate | null = null;
    let dbPlaced: string | null = null;
    if (plan.update) {
      const code =
        repo && chosen && plan.branch
          ? {
              repo,
              chosen,
              branch: plan.branch,
              exclude: ownPaths(filesRel).map((p) => `/${p}`),
            }
          : null;
      // A link of the new code pointing outside the copy is refused before the checkout, as a new restore refuses it.
      if (code) await refuseEscapingCommitLinks(code.repo, code.chosen, plan.path, signal);
      const selection = pathSelection(plan.request.include ?? [], plan.request.exclude ?? []);
      prepared = await prepareUpdate({
        path: plan.path,
        work: plan.work,
        folder: plan.folder ?? null,
        files:
          filesTop && filesRel
            ? {
                staged: filesTop,
                rel: filesRel,
                scope: (rel) => selection.keeps(`files_${plan.env}/${rel}`),
              }
            : null,
        database:
          dbArchive && staged.databaseArchive
            ? { from: staged.databaseArchive, rel: join('database', dbArchive.filename) }
            : null,
        code,
        record: await safePathInside(plan.path, recordRel),
        manifest: filesRel ? await safePathInside(plan.path, MANIFEST_REL) : null,
      });
      // The import reads the archive where it was downloaded; it moves into the copy with the rest.
      dbPlaced = staged.databaseArchive;
      const { work, path } = plan;
      undo.push(() =>
        rollbackUpdate(work, path).catch((e: unknown) => {
          undoFailed = e;
        }),
      );
    } else {
      if (filesTop && filesRel) {
        const target = await safePathInside(root, filesRel);
        await mkdir(dirname(target), { recursive: true });
        await safePathInside(root, filesRel);
        await moveContents(filesTop, target);
        if (hasCode) await excludeFromGit(final, [`/${filesRel}/`]);
        // What the files are as restored: an update tells the person's own changes from them.
        await writeManifest(final, filesRel);
      }
      if (dbArchive && staged.databaseArchive) {
        const placed = await placeInside(root, join('database', dbArchive.filename), staged.databaseArchive);
        const from = staged.databaseArchive;
        undo.push(() => rename(placed, from));
        dbPlaced = placed;
      }
      if (hasCode) await excludeFromGit(final, ['/lifeboat.json', '/database/', `/${OWN_DIR}/`]);
      // 6. Nothing in the tree may point outside it, however the archive built its links.
      await assertNoEscapingLinks(final);
    }

    // 7. Your own clone, after every check of the restored tree: the branch (and the checkout, which git is
    // told not to do over your ignored files) is undone if the import that follows fails.
    if (plan.request.intoRepo && repo !== null && chosen && plan.branch) {
      const clone = plan.request.intoRepo;
      const branch = plan.branch;
      const before =
        (
          await gitAt(clone)
            .raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])
            .catch(() => '')
        ).trim() || (await gitAt(clone).raw(['rev-parse', 'HEAD'])).trim();
      undo.push(await refsUndo(clone));
      await importIntoClone({
        restoredRepo: plan.update ? repo : final,
        clone,
        chosen,
        branch,
        checkout: plan.request.checkoutIntoRepo ?? false,
        remoteName: `pantheon-${plan.site.name}`.replace(/[^A-Za-z0-9_-]/g, '-'),
        ...sig,
      });
      undo.push(async () => {
        if (plan.request.checkoutIntoRepo) await gitAt(clone).raw(['checkout', '--quiet', before]);
        await gitAt(clone).raw(['branch', '-D', branch]);
      });
    }
    if (!plan.update) await refuseIfTaken(plan.path);

    // 8. Record and place, then let the database in. The import fills a scratch database first (the last
    // fallible step before the folder is placed: a failure leaves no restore that looks complete, an update's
    // moves are undone, the downloads stay); only once the folder is in place (one rename) does a replace swap
    // the new database in. So a rename that fails can never cost the old database; a swap that fails leaves the
    // old database as it was and the restore in place, saying so.
    const refresh = prepared?.refresh ?? null;
    const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());
    const recordOf = (database: RestoreRecord['database']): RestoreRecord => ({
      lifeboat: VERSION,
      site: { id: plan.site.id, name: plan.site.name, framework: plan.site.framework },
      env: plan.env,
      backup: {
        folder: staged.folder,
        initiator: staged.initiator,
        scheduledFor: new Date(staged.scheduledFor * 1000).toISOString(),
      },
      archives: Object.fromEntries(
        staged.archives.map((a) => [
          a.element,
          { filename: a.filename, size: a.size, finishedAt: iso(a.date) },
        ]),
      ),
      ...(chosen && plan.branch
        ? {
            code: {
              path: '.',
              branch: plan.branch,
              ref: chosen.ref,
              tag: chosen.tag,
              commit: chosen.commit,
              ...(plan.request.intoRepo ? { intoRepo: plan.request.intoRepo } : {}),
            },
          }
        : {}),
      ...(filesRel && staged.extracted.files
        ? {
            files: {
              path: filesRel,
              entries: staged.extracted.files.entries,
              include: plan.request.include ?? [],
              exclude: plan.request.exclude ?? [],
              ...(refresh
                ? {
                    refreshed: {
                      unchanged: refresh.unchanged,
                      added: refresh.added,
                      replaced: refresh.replaced,
                      removed: refresh.removed,
                    },
                    ...(refresh.keptAside
                      ? {
                          keptAside: {
                            path: relative(plan.path, refresh.keptAside.folder),
                            count: refresh.keptAside.count,
                          },
                        }
                      : {}),
                  }
                : {}),
            },
          }
        : {}),
      ...(database ? { database } : {}),
      restoredAt: new Date().toISOString(),
    });
    let recordPath = await safePathInside(root, recordRel);
    let previous: unknown[] = [];
    let keptDatabase: string | null = null;
    if (plan.update) {
      // Keep the history of an updated restore: earlier records move to `previous`.
      const oldText = await readFile(recordPath, 'utf8').catch(() => null);
      try {
        const old = JSON.parse(oldText ?? 'null') as {
          previous?: unknown[];
          database?: { importedInto?: unknown; kept?: unknown };
        } | null;
        if (old) previous = [...(old.previous ?? []), { ...old, previous: undefined }];
        const had = old?.database?.importedInto ?? old?.database?.kept;
        if (typeof had === 'string') keptDatabase = had;
      } catch {
        previous = [];
      }
    }
    let placed = false;
    const writeRecord = async (record: RestoreRecord): Promise<void> => {
      const text = `${JSON.stringify(plan.update ? { ...record, previous } : record, null, 2)}\n`;
      // An update's, before it stands: the earlier record is kept for its undo.
      if (prepared && !placed) return rewriteOwnFile(recordPath, text);
      const tmp = `${recordPath}.lifeboat-new`;
      // One left by a process that was killed while writing it.
      if (plan.update) await rm(tmp, { force: true });
      try {
        await writeFile(tmp, text, { flag: 'wx' });
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw e;
      }
      await rename(tmp, recordPath);
    };
    const place = async (database: RestoreRecord['database']): Promise<void> => {
      if (prepared) {
        // The update's changes to the copy, journaled (the undo pushed above reads the journal).
        await assertSameCopy(plan);
        await applyUpdate(prepared, signal);
        if (filesRel) {
          const own = await safePathInside(plan.path, OWN_DIR);
          await mkdir(own).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'EEXIST') throw e;
          });
          await rewriteOwnFile(
            await safePathInside(plan.path, MANIFEST_REL),
            await manifestText(plan.path, filesRel),
          );
        }
      }
      await writeRecord(recordOf(database));
      if (prepared) await commitUpdate(plan.work, plan.path);
      if (!plan.update) {
        await refuseIfTaken(plan.path);
        if (await exists(plan.path)) await rmdir(plan.path);
        await rename(final, plan.path);
        recordPath = join(plan.path, recordRel);
      }
      // The commit point: from here on the restore stands, whatever happens to the database.
      undo.clear();
      placed = true;
    };
    let database: RestoreRecord['database'];
    if (dbArchive && dbPlaced) database = { archive: `database/${dbArchive.filename}` };
    // An update that leaves the database alone: the copy keeps the one it had.
    if (database && !options.importDatabase && keptDatabase) database = { ...database, kept: keptDatabase };
    if (database && options.importDatabase) {
      const archive = database.archive;
      try {
        database = await options.importDatabase(dbPlaced!, () => place({ archive }));
      } catch (e) {
        if (!placed) throw e;
        throw new LifeboatError(
          e instanceof LifeboatError ? e.code : 'database',
          `The restore is in place at ${plan.path}, but the database could not be swapped in, so it was left as it was: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      if (!placed) await place(database);
      // The import's details, once it is done; the record without them already stands.
      else await writeRecord(recordOf(database)).catch(() => undefined);
    } else await place(database);
    return { record: recordOf(database), refresh };
  } catch (e) {
    await undo.run();
    let error = e;
    // A full disk, said as such, and what it left: the undo needs no free space (renames and git only).
    if (!(e instanceof LifeboatError) && (e as NodeJS.ErrnoException | null)?.code === 'ENOSPC') {
      const where = (e as NodeJS.ErrnoException).path;
      error = new LifeboatError(
        'disk-full',
        `The disk ran full${where ? ` while Lifeboat wrote ${where}` : ''}, so the ${plan.update ? 'update' : 'restore'} stopped. ${plan.update ? (undoFailed === null ? `What it had changed was undone: ${plan.path} is as it was before the update.` : '') : `Nothing was put in ${plan.path}.`} Free some space and try again (the downloads are kept).`,
        undefined,
        { cause: e },
      );
    }
    if (undoFailed !== null) {
      const why = undoFailed instanceof Error ? undoFailed.message : String(undoFailed);
      throw new LifeboatError(
        error instanceof LifeboatError ? error.code : 'io',
        `${error instanceof Error ? error.message : String(error)} Lifeboat could not undo all of the update yet (${why}); it finishes undoing it first when you next update ${plan.path}, and nothing of yours is removed meanwhile.`,
      );
    }
    throw error;
  }
}
