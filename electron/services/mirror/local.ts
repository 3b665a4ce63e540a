import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { LifeboatError } from '../errors';
import { readSmallFile } from '../fs-util';
import { sideName } from '../transfer/names';
import {
  MIRROR_MANIFEST,
  MIRROR_PARTIAL,
  MIRROR_ROOT_MARK,
  MirrorManifestSchema,
  MirroredArchiveSchema,
  SET_FOLDER_PATTERN,
  type MirrorManifest,
} from './layout';

/**
 * The mirror's files on disk as the engine, retention and verification read and write them: the root's mark, the
 * manifests (read as untrusted input, written atomically) and the set folders of an environment. Nothing here
 * follows a symlink below the root.
 */

/** A manifest is a few KiB; anything bigger is not one Lifeboat wrote. */
const MANIFEST_LIMIT = 1 << 20;

/**
 * The partial manifest also names the archives still to come, so retention can remove an abandoned set's `.part`
 * files (which it may only do for names a manifest gives). Readers of the complete manifest never see the field:
 * zod drops keys a schema does not name.
 */
export const PendingArchiveSchema = MirroredArchiveSchema.pick({
  element: true,
  filename: true,
  size: true,
  id: true,
});
export type PendingArchive = z.infer<typeof PendingArchiveSchema>;
export const PartialManifestSchema = MirrorManifestSchema.extend({
  pending: z.array(PendingArchiveSchema).default([]),
});
export type PartialManifest = z.infer<typeof PartialManifestSchema>;

/** What reading a manifest found: none, one that is not Lifeboat's (said why), or a valid one. */
export type ManifestRead<T> =
  | { readonly state: 'missing' }
  | { readonly state: 'invalid'; readonly message: string }
  | { readonly state: 'ok'; readonly manifest: T };

/**
 * Reads a manifest as untrusted input: a regular file (a symlink is not followed, a FIFO not waited on) of at most
 * 1 MiB, JSON, of the schema (archive names that could leave the folder are refused there).
 */
export async function readManifestFile<S extends z.ZodType<MirrorManifest>>(
  path: string,
  schema: S,
): Promise<ManifestRead<z.output<S>>> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
    throw e;
  });
  if (!st) return { state: 'missing' };
  if (!st.isFile()) return { state: 'invalid', message: `${path} is not a regular file.` };
  const text = await readSmallFile(path, MANIFEST_LIMIT);
  if (text === null) return { state: 'invalid', message: `${path} cannot be read as a manifest.` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { state: 'invalid', message: `${path} is not JSON.` };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      state: 'invalid',
      message: `${path} is not a Lifeboat manifest (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'}).`,
    };
  }
  return { state: 'ok', manifest: parsed.data };
}

let writes = 0;

/** The temporary name a manifest is written through (retention recognises a leftover one as Lifeboat's). */
const tempName = (name: string): string => `${name}.${process.pid}-${++writes}.tmp`;
const TEMP_OF_MANIFEST = /^lifeboat-mirror(\.partial)?\.json\.\d+-\d+\.tmp$/;

/**
 * Writes a manifest whole: to a temporary file, synced to the disk, then renamed over the old one (and the folder
 * synced, so the rename survives a power cut). A crash leaves the old manifest or the new one, never half of one.
 */
export async function writeManifestFile(dir: string, name: string, manifest: MirrorManifest): Promise<void> {
  const tmp = join(dir, tempName(name));
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

/** Syncs a folder's entries; not every platform can open a folder for that (Windows), which is tolerated. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort: the rename itself is atomic either way
  }
}

/** The `.part` of an archive as the transfer code names it (see partPathOf), as a name in the same folder. */
export const partNameOf = (filename: string): string => sideName(filename, '.part');

/**
 * Whether a name in a set folder is one of Lifeboat's, given the archive names its manifests give: an archive,
 * its `.part`, the `.part`'s metadata (and that metadata's temporary file), a manifest or a manifest's temporary file.
 */
export function isLifeboatName(name: string, archives: ReadonlySet<string>): boolean {
  if (name === MIRROR_MANIFEST || name === MIRROR_PARTIAL || TEMP_OF_MANIFEST.test(name)) return true;
  for (const a of archives) {
    const part = partNameOf(a);
    if (name === a || name === part || name === `${part}.json`) return true;
    if (name.startsWith(`${part}.json.`) && /\.\d+-\d+\.tmp$/.test(name)) return true;
  }
  return false;
}

/** Whether a folder (by its stat) is one to walk into: a real folder, never a link to one. */
export const isRealDir = (st: { isDirectory(): boolean; isSymbolicLink(): boolean }): boolean =>
  st.isDirectory() && !st.isSymbolicLink();

/**
 * Makes `root` a mirror's root, or checks that it is one: a folder with the mark, or an empty (or new) folder that
 * then gets the mark. A non-empty folder without the mark is refused: the mirror never writes (and retention
 * never deletes) in a folder of somebody else's. The root is the folder the person named, so a link to a folder
 * is accepted there (and only there). The mark is created exclusively, so runs starting at once agree.
 */
export async function ensureMirrorRoot(root: string): Promise<void> {
  try {
    await ensureRoot(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EROFS')
      throw new LifeboatError(
        'io',
        `${root} is on a read-only file system: the mirror cannot be written there. Choose another folder, or make it writable.`,
        undefined,
        { cause: e },
      );
    throw e;
  }
}

/**
 * The rule of {@link ensureMirrorRoot}, checked without writing anything (so a run can refuse a wrong folder once,
 * before it connects): `root` is a folder with the mark, an empty folder, or not there yet with no file in the
 * way of making it. Refused as `conflict`, naming the path to move or choose instead, or as `not-found` when
 * the root or a folder above it is a link to nothing (a disk not mounted), naming the link and where it leads.
 */
export async function checkMirrorRoot(root: string): Promise<void> {
  const found = await whatIsAt(root);
  if (found.kind !== 'folder') {
    if (found.kind !== 'missing') throw notAFolderError(root, found);
    return;
  }
  const names = await readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (names !== null) refuseForeignFolder(root, names);
}

/** What is at a mirror's root (see {@link whatIsAt}). */
type PathState =
  | { readonly kind: 'folder' }
  /** The root is not there; `missing` are the folders to make, outermost first, in an existing folder. */
  | { readonly kind: 'missing'; readonly missing: readonly string[] }
  | { readonly kind: 'file'; readonly path: string }
  /** A link (the root or a folder above it) to nothing: an unmounted disk, typically. */
  | { readonly kind: 'dangling'; readonly path: string; readonly target: string; readonly loop: boolean };

/**
 * What is at a mirror's root, or at the deepest path above it that is there: a folder (the root, or one the root
 * is to be made in), a file in the way, or a link to nothing. Walked one level at a time with lstat, up to the
 * file system's root: bounded by the path's depth, whatever the file system answers (Node's recursive mkdir loops
 * for ever below /proc, where mkdir says ENOENT of a folder that is there).
 */
async function whatIsAt(root: string): Promise<PathState> {
  const missing: string[] = [];
  for (let p = root; ; p = dirname(p)) {
    const st = await lstat(p).catch(() => null);
    // Not there (or not reachable: a file above it, no permission): the folder above is looked at.
    if (!st) {
      if (dirname(p) === p) return { kind: 'missing', missing };
      missing.unshift(p);
      continue;
    }
    let target = st;
    if (st.isSymbolicLink()) {
      // The root, or a folder above it, may be a link to a folder (a person's choice): followed here only to see
      // what it leads to. A link to nothing is never made real (the mirror would fill the disk under the mount).
      const followed = await stat(p).catch((e: NodeJS.ErrnoException) => e);
      if (followed instanceof Error) {
        if (followed.code !== 'ENOENT' && followed.code !== 'ELOOP' && followed.code !== 'ENOTDIR')
          throw followed;
        return { kind: 'dangling', path: p, target: await linkEnd(p), loop: followed.code === 'ELOOP' };
      }
      target = followed;
    }
    if (!target.isDirectory()) return { kind: 'file', path: p };
    return p === root ? { kind: 'folder' } : { kind: 'missing', missing };
  }
}

/** Where a link leads, through links to links (as many as the kernel follows): the path that is not there. */
async function linkEnd(link: string): Promise<string> {
  let p = link;
  for (let hops = 0; hops < 40; hops++) {
    const next = await readlink(p).catch(() => null);
    if (next === null) break;
    p = resolve(dirname(p), next);
  }
  return p;
}

/**
 * Why the root cannot be a folder to mirror into. A link to nothing is `not-found` (not `io`): nothing failed
 * to read or write, the place the person named is not there (a disk not mounted); its exit code (4) lets a
 * scheduled run tell it from a failing one, and the fix is the person's (mount it, or change the link).
 */
function notAFolderError(
  root: string,
  found: Extract<PathState, { kind: 'file' } | { kind: 'dangling' }>,
): LifeboatError {
  if (found.kind === 'file') return fileInTheWayError(root, found.path);
  const where = found.path === root ? '' : ` (the mirror's folder ${root} is inside it)`;
  return new LifeboatError(
    'not-found',
    found.loop
      ? `${found.path} is a link that leads round in a loop (to ${found.target})${where}: fix the link, or choose another folder.`
      : `${found.path} is a link to ${found.target}, which does not exist${where}: is the disk mounted? Mount it, or choose another folder.`,
  );
}

/** The file in the way of the root may be the root or a folder above it: the message names the one to move. */
const fileInTheWayError = (root: string, file: string): LifeboatError =>
  new LifeboatError(
    'conflict',
    file === root
      ? `${root} is a file, not a folder to mirror into.`
      : `${file} is a file, not a folder: the mirror's folder ${root} cannot be made inside it.`,
  );

/** A root holding anything but without the mark is somebody else's folder: never written in. */
function refuseForeignFolder(root: string, names: readonly string[]): void {
  if (names.length > 0 && !names.includes(MIRROR_ROOT_MARK))
    throw new LifeboatError(
      'conflict',
      `${root} is not empty and is not a Lifeboat mirror (it has no ${MIRROR_ROOT_MARK} file). Choose an empty or new folder, or an existing mirror.`,
    );
}

async function ensureRoot(root: string): Promise<void> {
  const found = await whatIsAt(root);
  if (found.kind === 'file' || found.kind === 'dangling') throw notAFolderError(root, found);
  if (found.kind === 'missing') await makeFolders(root, found.missing);
  const names = await readdir(root).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOTDIR' && e.code !== 'ENOENT') throw e;
    // Changed since it was looked at (a run at once, a disk unmounted): said as what it is now.
    const now = await whatIsAt(root);
    throw now.kind === 'file' || now.kind === 'dangling' ? notAFolderError(root, now) : e;
  });
  // Empty, or marked: anything of Lifeboat's in a root is written after its mark, so this holds for runs at once.
  refuseForeignFolder(root, names);
  if (!names.includes(MIRROR_ROOT_MARK)) {
    try {
      const fh = await open(join(root, MIRROR_ROOT_MARK), 'wx', 0o644);
      try {
        await fh.writeFile(`${JSON.stringify({ version: 1, createdAt: new Date().toISOString() })}\n`);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  await requireMirrorRoot(root);
}

/**
 * `mkdir -p` of the folders {@link whatIsAt} found missing, one level at a time (never Node's recursive mkdir,
 * which loops for ever where mkdir says ENOENT of a folder that is there, as below /proc). One made by a run at
 * once is taken; a folder that refuses new folders is said.
 */
async function makeFolders(root: string, missing: readonly string[]): Promise<void> {
  for (const p of missing)
    await mkdir(p).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return;
      if (e.code === 'ENOENT')
        throw new LifeboatError(
          'io',
          `The mirror's folder ${root} cannot be made: ${dirname(p)} takes no new folders (a system folder, or it just went away). Choose another folder.`,
          undefined,
          { cause: e },
        );
      throw e;
    });
}

/**
 * Checks that `root` is a mirror's root without writing: `not-found` when there is no such folder,
 * `invalid-request` when it has no mark (or the mark is not a plain file).
 */
export async function requireMirrorRoot(root: string): Promise<void> {
  const st = await lstat(root).catch(() => null);
  // The root is the folder the person named: a link to a folder is taken there (and only there).
  const dir =
    st && (st.isDirectory() || (st.isSymbolicLink() && (await stat(root).catch(() => null))?.isDirectory()));
  if (!dir) {
    // A link to nothing (an unmounted disk) is said as such, not as a folder that was never made.
    const found = await whatIsAt(root);
    if (found.kind === 'dangling') throw notAFolderError(root, found);
    throw new LifeboatError('not-found', `There is no folder ${root}.`);
  }
  const mark = await lstat(join(root, MIRROR_ROOT_MARK)).catch(() => null);
  if (!mark?.isFile())
    throw new LifeboatError(
      'invalid-request',
      `${root} is not a Lifeboat mirror: it has no ${MIRROR_ROOT_MARK} file. Give the folder a mirror was made in.`,
    );
}

/**
 * Makes `dir` (one level below an existing real folder) a real folder, or checks that it is one: a link or a
 * file in its place is refused, so nothing the mirror writes lands outside it.
 */
export async function ensureRealDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (!isRealDir(await lstat(dir)))
    throw new LifeboatError(
      'conflict',
      `${dir} is in the way of the mirror: it is not a folder (a link or a file). Move it away.`,
    );
}

/** One set folder of an environment, with what its manifests say. */
export interface LocalSet {
  readonly name: string;
  readonly path: string;
  /** The complete manifest, when it reads and says complete. */
  readonly complete: MirrorManifest | null;
  /** The partial manifest, when it reads. */
  readonly partial: PartialManifest | null;
  /** A manifest is there but does not read as Lifeboat's: the folder is left alone. */
  readonly invalid: string | null;
}

/** A set folder's sort key: its time, then its `-N` suffix (so `-10` comes after `-9`). */
function setKey(name: string): [string, number] {
  const m = /^(.*Z)(?:-(\d+))?$/.exec(name);
  return [m?.[1] ?? name, m?.[2] ? Number(m[2]) : 1];
}

/** Newest first, by folder name (the backup's scheduled time) and suffix. */
export function compareSetsNewestFirst(a: string, b: string): number {
  const [ta, na] = setKey(a);
  const [tb, nb] = setKey(b);
  return ta < tb ? 1 : ta > tb ? -1 : nb - na;
}

/**
 * The set folders of an environment's folder, newest first: real folders (not links) named as sets are, with
 * their manifests read. An environment folder that does not exist has none.
 */
export async function listLocalSets(envDir: string): Promise<LocalSet[]> {
  let entries;
  try {
    entries = await readdir(envDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const sets: LocalSet[] = [];
  for (const entry of entries) {
    // Dirent types come from the directory itself: a link to a folder is a link, never followed.
    if (!entry.isDirectory() || !SET_FOLDER_PATTERN.test(entry.name)) continue;
    const path = join(envDir, entry.name);
    const complete = await readManifestFile(join(path, MIRROR_MANIFEST), MirrorManifestSchema);
    const partial = await readManifestFile(join(path, MIRROR_PARTIAL), PartialManifestSchema);
    const invalid =
      complete.state === 'invalid'
        ? complete.message
        : partial.state === 'invalid'
          ? partial.message
          : complete.state === 'ok' && !complete.manifest.complete
            ? `${join(path, MIRROR_MANIFEST)} does not say the set is complete.`
            : null;
    sets.push({
      name: entry.name,
      path,
      complete: complete.state === 'ok' && complete.manifest.complete ? complete.manifest : null,
      partial: partial.state === 'ok' ? partial.manifest : null,
      invalid,
    });
  }
  return sets.sort((a, b) => compareSetsNewestFirst(a.name, b.name));
}

/** The archive names a set's manifests give (complete and partial, pending archives too). */
export function namedArchives(set: Pick<LocalSet, 'complete' | 'partial'>): Set<string> {
  const names = new Set<string>();
  for (const a of set.complete?.archives ?? []) names.add(a.filename);
  for (const a of set.partial?.archives ?? []) names.add(a.filename);
  for (const a of set.partial?.pending ?? []) names.add(a.filename);
  return names;
}
