import { link, lstat, mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { resolveLink, safePathInside } from '../archive/safe-path';
import { LifeboatError } from '../errors';
import { readSmallFile } from '../fs-util';
import { isInside } from '../paths/path-rules';
import {
  branchExists,
  fetchedRefs,
  headOf,
  importIntoClone,
  linksOfCommit,
  undoCheckout,
  type ChosenRef,
} from '../git/git';
import { acquireLock } from './lock';
import { sameLeaf, walkLeaves } from './manifest';

/*
 * Applying an update to a copy, so that it never stops half way. Everything that can fail without touching the
 * copy is done first (downloads, extraction, the checks, the database import into a scratch database); then the
 * few changes to the copy are made in an order written down beforehand in a journal in the staging folder
 * (`apply.json`): the code checked out on the new branch, the files the backup replaces or no longer has moved
 * aside, the new ones moved in, the database archive, the manifest and the record. Each change is one rename (or
 * one git command) whose effect can be seen on disk afterwards, so the journal is written once, before the first
 * change, and undoing reads the disk, not a log of what was done: a rename is undone when its source is gone and
 * its destination is there, and (for what moved in) is still the very file that moved. The manifest and record
 * are replaced by renames too (the earlier one kept as `<file>.lifeboat-old` first), so an undo needs no free
 * space. A failure in the process undoes the update at once; a process that was killed leaves the journal, and the
 * next run of that copy undoes it (or, once it was committed, finishes it) under the copy's lock before anything
 * else. A plan (a preview, a dry run) only reads the journal and says what the run will do first.
 */

/** What a file was when it moved in: a rename keeps all three, an edit (or a file put in its place) changes one. */
export interface FileIdentity {
  readonly ino: number;
  readonly size: number;
  /** Whole milliseconds. */
  readonly mtimeMs: number;
}

/** One rename the update makes; `was`: what moved (recorded for what moves in). */
export interface Move {
  readonly from: string;
  readonly to: string;
  readonly was?: FileIdentity;
}

/** What a files refresh did, for the result and the record. */
export interface FilesRefresh {
  /** Files whose size and time were the new archive's: left as they were, not rewritten. */
  readonly unchanged: number;
  readonly added: number;
  readonly replaced: number;
  /** Files the new backup no longer has (within the copy's include/exclude). */
  readonly removed: number;
  /** Where what was replaced or removed went, and how many: null when nothing was. */
  readonly keptAside: {
    readonly folder: string;
    readonly count: number;
    /** The first few, relative to the files folder. */
    readonly paths: readonly string[];
  } | null;
}

/** The copy's folder as the plan saw it: an update applies to that folder only, not one put at its path since. */
export interface FolderIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The journal of an update, in `<staging>/apply.json`. */
interface ApplyJournal {
  readonly version: 2;
  readonly state: 'applying' | 'committed';
  readonly path: string;
  readonly work: string;
  readonly folder: FolderIdentity | null;
  /** Files moved aside, in order: done before anything moves in. */
  readonly asides: readonly Move[];
  /** Files (and the database archive) moved in from the staging folder, in order, each with what it was. */
  readonly ins: readonly Move[];
  /** Folders that do not exist in the copy yet and are made for what moves in, shallow first. */
  readonly made: readonly string[];
  readonly asideRoot: string | null;
  /** The copy's files folder, when files are refreshed: folders emptied there go, never it or above it. */
  readonly filesRoot: string | null;
  readonly code: {
    readonly before: { readonly branch: string | null; readonly commit: string };
    readonly branch: string;
    readonly commit: string;
    readonly refsBefore: readonly string[];
    /** A branch of that name was there before (the checkout then refuses, and the undo leaves it). */
    readonly branchWasThere: boolean;
  } | null;
  /**
   * Lifeboat's own files the update replaces (record, manifest), and whether each was there: the earlier one is
   * kept as `<file>.lifeboat-old` just before the new one is renamed in, and renamed back by an undo.
   */
  readonly rewrites: readonly { readonly file: string; readonly had: boolean }[];
}

/** An update, prepared: what it will do, found without changing anything. */
export interface PreparedUpdate {
  readonly journal: Omit<ApplyJournal, 'state' | 'code' | 'rewrites'>;
  readonly code: {
    readonly repo: string;
    readonly chosen: ChosenRef;
    readonly branch: string;
    readonly exclude: readonly string[];
  } | null;
  /** Files replaced once everything moved (the record, the manifest): see {@link rewriteOwnFile}. */
  readonly rewrites: readonly string[];
  readonly refresh: FilesRefresh | null;
}

const JOURNAL = 'apply.json';
/** Where the first journals kept copies of the record and manifest (still removed with a journal). */
const SAVED = 'apply-saved';
/** What an update keeps in its staging folder until it is done or undone (never cleared with the rest). */
export const APPLY_NAMES: readonly string[] = [JOURNAL, `${JOURNAL}.new`, SAVED];
/** Beside a file the update replaces: the new text being written, and the earlier file until the update stands. */
const NEW = '.lifeboat-new';
const OLD = '.lifeboat-old';

const lexists = (p: string): Promise<boolean> =>
  lstat(p).then(
    () => true,
    () => false,
  );

const inside = (child: string, parent: string): boolean => isInside(parent, child);

/** `2026-03-04T10-11-12-123Z`: a folder name's part from a time, in every file system. */
const stampOf = (d: Date): string => d.toISOString().replace(/[:.]/g, '-');

const identityOf = (st: { ino: number; size: number; mtimeMs: number }): FileIdentity => ({
  ino: st.ino,
  size: st.size,
  mtimeMs: Math.trunc(st.mtimeMs),
});

/** Whether the entry at `p` is still the file that moved there (same inode, size and time). */
async function stillThere(p: string, was: FileIdentity | undefined): Promise<boolean> {
  const st = await lstat(p).catch(() => null);
  if (!st || !was) return false;
  const now = identityOf(st);
  return now.ino === was.ino && now.size === was.size && now.mtimeMs === was.mtimeMs;
}

/** The device and inode of the folder at `path`, or null when there is no folder there. */
export async function folderIdentity(path: string): Promise<FolderIdentity | null> {
  const st = await lstat(path).catch(() => null);
  return st?.isDirectory() ? { dev: st.dev, ino: st.ino } : null;
}

/**
 * Refuses to go on with the copy at `path` unless it is still the folder the update was planned for: moved or
 * deleted (nothing there any more), or another folder put at its path meanwhile. Nothing is written either way.
 */
export async function assertSameFolder(path: string, planned: FolderIdentity | null): Promise<void> {
  const st = await lstat(path).catch(() => null);
  if (!st)
    throw new LifeboatError(
      'conflict',
      `${path} is not there any more: it was moved or deleted while the update ran, so Lifeboat updated nothing and made nothing there (the downloads are kept). If you moved the copy, move it back and update it again, or forget it in Local copies and restore it where you want it.`,
    );
  if (!st.isDirectory() || (planned && (st.dev !== planned.dev || st.ino !== planned.ino)))
    throw new LifeboatError(
      'conflict',
      `${path} was moved away and something else put at its path while the update ran, so Lifeboat did not touch it and updated nothing (the downloads are kept). Check what is there now, then update the copy again.`,
    );
}

/**
 * Refuses code whose commit holds a symbolic link leading outside the copy (resolved as the kernel would, through
 * the commit's other links): a new restore refuses such a tree before it is placed; an update must refuse it
 * before checking it out into the person's folder.
 */
export async function refuseEscapingCommitLinks(
  repo: string,
  chosen: ChosenRef,
  copy: string,
  signal?: AbortSignal,
): Promise<void> {
  const links = await linksOfCommit(repo, chosen.commit, signal);
  const byPath = new Map(links.map((l) => [l.path, l.target]));
  for (const { path, target } of links) {
    const t = target.replace(/\\/g, '/');
    if (
      isAbsolute(target) ||
      /^[a-zA-Z]:/.test(t) ||
      resolveLink(path, t, (p) => byPath.get(p)).kind === 'outside'
    )
      throw new LifeboatError(
        'hostile-archive',
        `The code at ${chosen.tag ?? chosen.ref} has a symbolic link ${path} pointing outside ${copy} ("${target}"); Lifeboat will not check it out there. Nothing was changed.`,
      );
  }
}

/**
 * Finds what refreshing the copy's files folder from the extracted archive does, file by file: a file whose size
 * and time are the new entry's is left alone; one that differs, and one the new backup no longer has (within
 * `scope`, the copy's include/exclude), moves to `<files>.before-<time>/` under its relative path; new ones move in.
 * Nothing is changed.
 */
export async function prepareUpdate(options: {
  readonly path: string;
  readonly work: string;
  /** The copy's folder as planned (see {@link assertSameFolder}). */
  readonly folder: FolderIdentity | null;
  readonly files: {
    readonly staged: string;
    readonly rel: string;
    readonly scope: (rel: string) => boolean;
  } | null;
  readonly database: { readonly from: string; readonly rel: string } | null;
  readonly code: PreparedUpdate['code'];
  readonly record: string;
  readonly manifest: string | null;
  readonly now?: Date;
}): Promise<PreparedUpdate> {
  const { path, work } = options;
  const asides: Move[] = [];
  const ins: Move[] = [];
  const made = new Set<string>();
  const real = new Set<string>();
  let asideRoot: string | null = null;
  let filesRoot: string | null = null;
  let refresh: FilesRefresh | null = null;

  /** The folders from `dir` up to the copy that are not real folders now: made when something moves in. */
  const needs = async (dir: string): Promise<void> => {
    for (let d = dir; inside(d, path) && !made.has(d) && !real.has(d); d = dirname(d)) {
      const st = await lstat(d).catch(() => null);
      if (st?.isDirectory()) {
        real.add(d);
        break;
      }
      made.add(d);
    }
  };

  if (options.files) {
    const { staged, rel, scope } = options.files;
    const target = await safePathInside(path, rel);
    filesRoot = target;
    const fresh = await walkLeaves(staged);
    const now = await walkLeaves(target, scope);
    let name = `${rel}.before-${stampOf(options.now ?? new Date())}`;
    for (let n = 2; await lexists(join(path, name)); n++)
      name = `${rel}.before-${stampOf(options.now ?? new Date())}-${n}`;
    asideRoot = await safePathInside(path, name);
    let unchanged = 0;
    let added = 0;
    let replaced = 0;
    const keptPaths: string[] = [];
    const aside = (p: string): void => {
      asides.push({ from: join(target, p), to: join(asideRoot!, p) });
      if (keptPaths.length < 20) keptPaths.push(p);
    };
    for (const [p, leaf] of fresh.leaves) {
      const have = now.leaves.get(p);
      // Only a regular file can be "the same": a link is cheap to replace and its time says little.
      if (have && leaf.kind === 'file' && sameLeaf(have, leaf)) {
        unchanged++;
        continue;
      }
      if (have) {
        aside(p);
        replaced++;
      } else added++;
      ins.push({
        from: join(staged, p),
        to: join(target, p),
        ...(leaf.ino !== undefined ? { was: { ino: leaf.ino, size: leaf.size, mtimeMs: leaf.mtimeMs } } : {}),
      });
      await needs(dirname(join(target, p)));
    }
    let removed = 0;
    for (const p of now.leaves.keys())
      if (!fresh.leaves.has(p)) {
        aside(p);
        removed++;
      }
    for (const d of fresh.emptyDirs) await needs(join(target, d));
    await needs(target);
    refresh = {
      unchanged,
      added,
      replaced,
      removed,
      keptAside: asides.length > 0 ? { folder: asideRoot, count: asides.length, paths: keptPaths } : null,
    };
  }
  if (options.database) {
    const to = await safePathInside(path, options.database.rel);
    if (await lexists(to))
      throw new LifeboatError('conflict', `${to} is already there; Lifeboat will not overwrite it.`);
    ins.push({ from: options.database.from, to, was: identityOf(await lstat(options.database.from)) });
    await needs(dirname(to));
  }
  return {
    journal: {
      version: 2,
      path,
      work,
      folder: options.folder,
      asides,
      ins,
      made: [...made].sort((a, b) => a.length - b.length),
      asideRoot,
      filesRoot,
    },
    code: options.code,
    rewrites: [options.record, ...(options.manifest ? [options.manifest] : [])],
    refresh,
  };
}

/** Writes a journal in one rename, so a reader sees the old one or the new one. */
async function writeJournal(journal: ApplyJournal): Promise<void> {
  const file = join(journal.work, JOURNAL);
  const tmp = `${file}.new`;
  try {
    await rm(tmp, { force: true });
    await writeFile(tmp, JSON.stringify(journal), { flag: 'wx' });
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await rename(tmp, file);
}

/**
 * Makes `dir` (a folder of the copy at `root`) where needed, one level at a time from the copy down, and checks
 * that it and every folder above it up to the copy are real folders, not links swapped in meanwhile; once per
 * folder and apply. The copy's own folder is never made: one that went away fails this.
 */
async function realFolder(dir: string, checked: Set<string>, root: string): Promise<void> {
  if (checked.has(dir)) return;
  const rel = relative(root, dir);
  let at = root;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    at = join(at, part);
    if (checked.has(at)) continue;
    const st = await lstat(at).catch(() => null);
    if (!st) await mkdir(at);
    else if (st.isSymbolicLink())
      throw new LifeboatError('conflict', `${at} is a link now; Lifeboat will not put files through it.`);
    else if (!st.isDirectory())
      throw new LifeboatError('conflict', `${at} is not a folder; Lifeboat will not put files through it.`);
  }
  const st = await lstat(dir);
  if (!st.isDirectory())
    throw new LifeboatError('conflict', `${dir} is not a folder; Lifeboat will not put files through it.`);
  checked.add(dir);
}

/**
 * Applies a prepared update: writes the journal, then checks the code out on the new branch, moves aside, moves
 * in. The caller then replaces the record and manifest ({@link rewriteOwnFile}) and calls {@link commitUpdate};
 * on any failure it calls {@link rollbackUpdate}, which undoes whatever of this was done.
 */
export async function applyUpdate(prepared: PreparedUpdate, signal?: AbortSignal): Promise<void> {
  const { journal: j, code } = prepared;
  await assertSameFolder(j.path, j.folder);
  await mkdir(j.work, { recursive: true });
  await rm(join(j.work, SAVED), { recursive: true, force: true });
  const rewrites: { file: string; had: boolean }[] = [];
  for (const file of prepared.rewrites) {
    // Left by an update that finished but could not clean up: never taken for this one's earlier file.
    await rm(`${file}${NEW}`, { force: true });
    await rm(`${file}${OLD}`, { force: true });
    rewrites.push({ file, had: await lexists(file) });
  }
  const codeJournal = code
    ? {
        before: await headOf(j.path),
        branch: code.branch,
        commit: code.chosen.commit,
        refsBefore: await fetchedRefs(j.path),
        branchWasThere: await branchExists(j.path, code.branch),
      }
    : null;
  await writeJournal({ ...j, state: 'applying', code: codeJournal, rewrites });

  if (code) {
    await excludeFromGit(j.path, code.exclude);
    await importIntoClone({
      restoredRepo: code.repo,
      clone: j.path,
      chosen: code.chosen,
      branch: code.branch,
      checkout: true,
      remoteName: 'lifeboat-restore',
      ...(signal ? { signal } : {}),
    });
  }
  const checked = new Set<string>();
  for (const m of j.asides) {
    await realFolder(dirname(m.to), checked, j.path);
    await rename(m.from, m.to);
  }
  // Folders the asides emptied go too (an undo makes them again), so the copy looks as the backup has it.
  const emptied = new Set(j.asides.map((m) => dirname(m.from)));
  const filesRoot = j.filesRoot;
  if (filesRoot)
    for (const d of [...emptied].sort((a, b) => b.length - a.length))
      for (let at = d; inside(at, filesRoot); at = dirname(at)) {
        const gone = await rmdir(at).then(
          () => true,
          () => false,
        );
        if (!gone) break;
        checked.delete(at);
      }
  for (const d of j.made) await realFolder(d, checked, j.path);
  for (const m of j.ins) {
    await realFolder(dirname(m.to), checked, j.path);
    const there = await lstat(m.to).catch(() => null);
    // A folder where the backup has a file: its files went aside above; an empty one makes way.
    if (there?.isDirectory()) await rmdir(m.to);
    else if (there)
      throw new LifeboatError(
        'conflict',
        `${m.to} appeared while the update ran; Lifeboat will not overwrite it.`,
      );
    await rename(m.from, m.to);
  }
}

/**
 * Replaces one of Lifeboat's own files in a copy (its record, its manifest) during an update: the new text is
 * written beside it first (the one step that needs free space; what it wrote goes if it fails), then the earlier
 * file is kept as `<file>.lifeboat-old` (a hard link, or a rename) and the new one renamed in. An undo renames the earlier one back, which
 * needs no space.
 */
export async function rewriteOwnFile(file: string, text: string): Promise<void> {
  const tmp = `${file}${NEW}`;
  try {
    await rm(tmp, { force: true });
    await writeFile(tmp, text, { flag: 'wx' });
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  // Written twice in one update: the earlier file is kept already. Kept as a second name of the same file where
  // the file system has them, so the file is never missing (a copy is known by its record); else renamed.
  if (!(await lexists(`${file}${OLD}`)) && (await lexists(file)))
    await link(file, `${file}${OLD}`).catch(() => rename(file, `${file}${OLD}`));
  await rename(tmp, file);
}

/** Marks an applied update as done: from here on it stands, and an interrupted finish only cleans up. */
export async function commitUpdate(work: string, path: string): Promise<void> {
  const j = await readJournal(work, path);
  if (!j) return;
  await writeJournal({ ...j, state: 'committed' });
  await cleanUpCommitted(j);
}

/** What a committed update leaves beside the files it replaced: their earlier versions, no longer needed. */
async function cleanUpCommitted(j: ApplyJournal): Promise<void> {
  for (const r of j.rewrites) {
    await rm(`${r.file}${NEW}`, { force: true }).catch(() => undefined);
    await rm(`${r.file}${OLD}`, { force: true }).catch(() => undefined);
  }
}

/** Removes the journal and what it kept (the update is done or undone). */
async function forgetJournal(work: string): Promise<void> {
  await rm(join(work, JOURNAL), { force: true });
  await rm(join(work, `${JOURNAL}.new`), { force: true });
  await rm(join(work, SAVED), { recursive: true, force: true });
}

/**
 * The journal in `work`, checked to be the journal of an update of the copy at `path` (the folder this staging
 * folder belongs to) and to name nothing but that copy and this staging folder; null when there is none. A
 * journal that is not one Lifeboat can act on (unreadable, or planted to name another folder) is a `conflict`,
 * and nothing is done with it.
 */
async function readJournal(work: string, path: string): Promise<ApplyJournal | null> {
  const file = join(work, JOURNAL);
  if (!(await lexists(file))) return null;
  const text = await readSmallFile(file, 512 * 1024 * 1024);
  const unusable = (why: string): LifeboatError =>
    new LifeboatError(
      'conflict',
      `${work} holds the journal of an update of ${path} that stopped half way (${file}), but it ${why}, so Lifeboat will not act on it: it changed nothing. Look at ${path} (compare it with any .before- folder in it); once it is as you want it, remove ${work}.`,
    );
  if (text === null) throw unusable('is not a file Lifeboat can read');
  let j: ApplyJournal;
  try {
    j = JSON.parse(text) as ApplyJournal;
  } catch {
    throw unusable('is not valid');
  }
  if (typeof j !== 'object' || j === null || j.version !== 2 || j.work !== work)
    throw unusable('is not one Lifeboat wrote for this folder');
  if (typeof j.path !== 'string' || resolve(j.path) !== resolve(path))
    throw unusable(`names another folder (${String(j.path)})`);
  // Every path it names is the copy's or the staging folder's: a journal cannot send a rename anywhere else.
  const ok = (p: unknown, ...roots: string[]): boolean =>
    typeof p === 'string' && roots.some((r) => inside(p, r));
  const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : [{}]);
  const move = (m: unknown): boolean =>
    typeof m === 'object' && m !== null && ok((m as Move).from, path, work) && ok((m as Move).to, path, work);
  const valid =
    (j.state === 'applying' || j.state === 'committed') &&
    list(j.asides).every(move) &&
    list(j.ins).every(move) &&
    list(j.made).every((d) => ok(d, path)) &&
    (j.asideRoot === null || ok(j.asideRoot, path)) &&
    (j.filesRoot === null || ok(j.filesRoot, path)) &&
    list(j.rewrites).every(
      (r) => typeof r === 'object' && r !== null && ok((r as { file: unknown }).file, path),
    ) &&
    (j.code === null || (typeof j.code === 'object' && typeof j.code.branch === 'string'));
  if (!valid) throw unusable('names paths outside the copy and its staging folder');
  // The folder the update was applied to, not another one put at its path since.
  const st = await lstat(path).catch(() => null);
  if (!st?.isDirectory() || (j.folder && (st.dev !== j.folder.dev || st.ino !== j.folder.ino)))
    throw unusable(`was written for the folder that was at ${path} then, and that folder is not there now`);
  return j;
}

/** Removes the empty folders under `root` and `root` itself if it ends up empty; never a file. */
async function removeEmptyFolders(root: string): Promise<void> {
  const st = await lstat(root).catch(() => null);
  if (!st?.isDirectory()) return;
  for (const d of await readdir(root, { withFileTypes: true }))
    if (d.isDirectory()) await removeEmptyFolders(join(root, d.name));
  await rmdir(root).catch(() => undefined);
}

/** What undoing an interrupted update found, for the plan, the result and the person. */
export interface UpdateUndo {
  readonly state: 'applying' | 'committed';
  /**
   * The branch the update made, which the undo deletes (so the next update may take its name again); null when it
   * made none or the branch was there before.
   */
  readonly branch: string | null;
  /**
   * Files the update brought in that were changed since (by the person, in the copy): they stay as they are,
   * never moved or deleted; relative to the copy.
   */
  readonly changed: readonly string[];
  /** The update's `.before-` folder, which then keeps the earlier versions of those files (else it goes). */
  readonly aside: string | null;
}

/** What an undo of `j` would find (and leave): nothing is changed. */
async function undoFindings(j: ApplyJournal): Promise<UpdateUndo> {
  const changed: string[] = [];
  if (j.state === 'applying')
    for (const m of j.ins)
      if (!(await lexists(m.from)) && (await lexists(m.to)) && !(await stillThere(m.to, m.was)))
        changed.push(relative(j.path, m.to));
  return {
    state: j.state,
    branch: j.code && !j.code.branchWasThere ? j.code.branch : null,
    changed,
    aside: changed.length > 0 ? j.asideRoot : null,
  };
}

/**
 * Checks that `p` (a path a journal names, inside the copy or the staging folder) is reached through real
 * folders only, so an undo never renames through a link put there since.
 */
async function checkedPath(p: string, j: ApplyJournal): Promise<string> {
  const root = inside(p, j.path) ? j.path : j.work;
  try {
    return await safePathInside(root, relative(root, p));
  } catch {
    throw new LifeboatError(
      'conflict',
      `${p} is reached through a link or a file now, so Lifeboat will not move anything there to undo the update.`,
    );
  }
}

/**
 * Undoes an update as far as it got, from its journal and what the disk shows, in reverse: what moved in back to
 * the staging folder (only a file that is still the one that moved: one changed since stays where it is), the
 * folders made for it, what moved aside back (where nothing took its place), the code back on the branch it was
 * on, and last the record and manifest (renames, so no free space is needed). Every step is tried; a failed one
 * leaves the journal for the next undo, which finishes it. No journal: nothing to do (null). `crashed`: the
 * process that applied it was killed (its git may have left a lock behind).
 */
export async function rollbackUpdate(
  work: string,
  path: string,
  options: { readonly crashed?: boolean } = {},
): Promise<UpdateUndo | null> {
  const j = await readJournal(work, path);
  if (!j) return null;
  const findings = await undoFindings(j);
  const failures: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (e) {
      failures.push(e);
    }
  };
  const changed = new Set(findings.changed.map((rel) => join(j.path, rel)));
  for (const m of [...j.ins].reverse())
    await attempt(async () => {
      if (changed.has(m.to) || (await lexists(m.from)) || !(await lexists(m.to))) return;
      if (!(await stillThere(await checkedPath(m.to, j), m.was))) return;
      await checkedPath(m.from, j);
      await mkdir(dirname(m.from), { recursive: true });
      await rename(m.to, m.from);
    });
  for (const d of [...j.made].reverse())
    await attempt(async () => rmdir(await checkedPath(d, j)).catch(() => undefined));
  const real = new Set<string>();
  for (const m of [...j.asides].reverse())
    await attempt(async () => {
      // Something at the file's place (a changed file left there, or the person's new one): the earlier one stays aside.
      if ((await lexists(m.from)) || !(await lexists(m.to))) return;
      await checkedPath(m.to, j);
      await realFolder(dirname(m.from), real, j.path);
      await rename(m.to, m.from);
    });
  if (j.asideRoot) {
    const asideRoot = j.asideRoot;
    await attempt(async () => removeEmptyFolders(await checkedPath(asideRoot, j)));
  }
  const code = j.code;
  if (code)
    await attempt(() =>
      undoCheckout(
        j.path,
        code.before,
        {
          branch: code.branch,
          commit: code.commit,
          refsBefore: code.refsBefore,
          branchWasThere: code.branchWasThere !== false,
        },
        { staleIndexLock: options.crashed ?? false },
      ),
    );
  for (const r of j.rewrites)
    await attempt(async () => {
      const file = await checkedPath(r.file, j);
      await rm(`${file}${NEW}`, { force: true });
      if (await lexists(`${file}${OLD}`)) {
        await rename(`${file}${OLD}`, file);
        // Two names of one file (killed before the new one was renamed in): a rename between them does nothing.
        await rm(`${file}${OLD}`, { force: true });
      } else if (!r.had) {
        await rm(file, { force: true });
        // Lifeboat's own folder, made for it (never the copy itself).
        if (dirname(file) !== resolve(j.path)) await rmdir(dirname(file)).catch(() => undefined);
      }
    });
  if (failures.length > 0) throw failures[0];
  await forgetJournal(work);
  return findings;
}

/**
 * What the run will do first about an update of the copy at `path` that stopped half way (its journal in `work`):
 * undo it ('applying') or only clean up after it ('committed'); null when there is none. Only reads: a plan, a
 * preview and a dry run change nothing. A journal Lifeboat cannot act on is a `conflict`.
 */
export async function interruptedUpdate(work: string, path: string): Promise<UpdateUndo | null> {
  const j = await readJournal(work, path);
  return j ? undoFindings(j) : null;
}

/**
 * Before anything else is run in a copy: an update of it that a killed process left half way is undone (or,
 * once committed, finished), acting only on the copy at `path`. Only with the copy's lock (taken here unless
 * `holdingLock`): while a live process holds it, that process is still applying the update, and nothing is
 * touched. What it found, or null when there was nothing to do.
 */
export async function recoverInterruptedUpdate(
  work: string,
  path: string,
  lockPath: string,
  options: { readonly holdingLock?: boolean } = {},
): Promise<UpdateUndo | null> {
  if (!(await lexists(join(work, JOURNAL)))) return null;
  let lock: Awaited<ReturnType<typeof acquireLock>> | null = null;
  if (!options.holdingLock) {
    try {
      lock = await acquireLock(lockPath, 'Undoing an interrupted update');
    } catch (e) {
      // Held by a live process: it is the one applying the update.
      if (e instanceof LifeboatError && e.code === 'conflict') return null;
      throw e;
    }
  }
  try {
    const j = await readJournal(work, path);
    if (!j) return null;
    if (j.state === 'committed') {
      await cleanUpCommitted(j);
      await forgetJournal(work);
      return undoFindings(j);
    }
    return await rollbackUpdate(work, path, { crashed: true });
  } finally {
    await lock?.release();
  }
}

/** Whether an update's journal is waiting in `work` (its staging folder is then kept whatever happens). */
export const hasJournal = (work: string): Promise<boolean> => lexists(join(work, JOURNAL));

/**
 * Keeps Lifeboat's own additions out of `git status` through the repository's local exclude file, which is
 * never committed or pushed. The path is checked not to pass through a link the archive planted in `.git`.
 */
export async function excludeFromGit(repo: string, patterns: readonly string[]): Promise<void> {
  const file = await safePathInside(repo, '.git/info/exclude');
  let current = '';
  const text = await readSmallFile(file, 16 * 1024 * 1024);
  if (text === null) await mkdir(dirname(file), { recursive: true });
  else current = text;
  const lines = current.split('\n');
  const missing = patterns.filter((p) => !lines.includes(p));
  if (missing.length === 0) return;
  const prefix = current === '' || current.endsWith('\n') ? '' : '\n';
  await writeFile(file, `${current}${prefix}# Added by Lifeboat\n${missing.join('\n')}\n`);
}
