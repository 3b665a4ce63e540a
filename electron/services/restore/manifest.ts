import { lstat, mkdir, opendir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safePathInside } from '../archive/safe-path';
import { readSmallFile } from '../fs-util';

/**
 * What a restore wrote into a copy's files folder, kept in the copy (`.lifeboat/files.json`, excluded from git) so
 * that an update can tell the person's own changes (local edits) from the backup's: every file with its size and
 * modification time as the restore left it.
 */

/** Lifeboat's own folder inside a copy. */
export const OWN_DIR = '.lifeboat';
/** The manifest, relative to the copy. */
export const MANIFEST_REL = `${OWN_DIR}/files.json`;

/** One entry of a files folder that is not a folder: a file, a link (never followed), or anything else. */
export interface Leaf {
  readonly kind: 'file' | 'link' | 'other';
  readonly size: number;
  /** Whole milliseconds: what a tar entry's time becomes on disk, and what survives a JSON round trip. */
  readonly mtimeMs: number;
  /** The inode, when walked (not kept in a manifest): what an update records of a file it moves in. */
  readonly ino?: number;
}

/** What a walk of a files folder found. */
export interface Walked {
  /** Every leaf by its slash-separated path relative to the folder. */
  readonly leaves: Map<string, Leaf>;
  /** Folders with nothing in them (an archive's empty folders are restored as such). */
  readonly emptyDirs: readonly string[];
}

const leafOf = (st: {
  isFile(): boolean;
  isSymbolicLink(): boolean;
  size: number;
  mtimeMs: number;
  ino: number;
}): Leaf => ({
  kind: st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : 'other',
  size: st.size,
  mtimeMs: Math.trunc(st.mtimeMs),
  ino: st.ino,
});

/** Entries looked at at once: enough to keep a disk busy, few enough to leave the event loop to others. */
const LANES = 32;

/**
 * Every leaf under `root`, walked without following links (a link is a leaf, whatever it points at). A missing
 * root is an empty folder. `keep` leaves out leaves by path (the copy's include/exclude).
 */
export async function walkLeaves(root: string, keep: (rel: string) => boolean = () => true): Promise<Walked> {
  const leaves = new Map<string, Leaf>();
  const emptyDirs: string[] = [];
  const top = await lstat(root).catch(() => null);
  if (!top?.isDirectory()) return { leaves, emptyDirs };
  const dirs = [''];
  for (let rel = dirs.pop(); rel !== undefined; rel = dirs.pop()) {
    const names: string[] = [];
    for await (const d of await opendir(rel ? join(root, rel) : root)) names.push(d.name);
    if (names.length === 0 && rel !== '') emptyDirs.push(rel);
    for (let i = 0; i < names.length; i += LANES) {
      const batch = names.slice(i, i + LANES).map((n) => (rel ? `${rel}/${n}` : n));
      const stats = await Promise.all(batch.map((p) => lstat(join(root, p)).catch(() => null)));
      stats.forEach((st, k) => {
        const p = batch[k]!;
        if (!st) return;
        if (st.isDirectory()) dirs.push(p);
        else if (keep(p)) leaves.set(p, leafOf(st));
      });
    }
  }
  return { leaves, emptyDirs };
}

/**
 * Whether two leaves are the same as far as a restore can tell: kind, size and modification time, to the second
 * (what a tar entry records; finer parts depend on the file system and the archiver).
 */
export const sameLeaf = (a: Leaf, b: Leaf): boolean =>
  a.kind === b.kind && a.size === b.size && Math.floor(a.mtimeMs / 1000) === Math.floor(b.mtimeMs / 1000);

/** A manifest as written. */
interface ManifestFile {
  readonly version: 1;
  /** The files folder it describes, relative to the copy. */
  readonly filesPath: string;
  readonly writtenAt: string;
  /** [path, kind, size, mtimeMs] per leaf. */
  readonly files: readonly (readonly [string, Leaf['kind'], number, number])[];
}

/** A manifest is a line per file: a few hundred thousand files fit (256 MiB); anything bigger is not one. */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/**
 * Writes the manifest of the files folder `filesRel` of the tree at `root` (a new restore's staged folder, or the
 * copy after an update), replacing any earlier one in one rename. The paths are checked not to cross a link.
 */
export async function writeManifest(root: string, filesRel: string): Promise<void> {
  const text = await manifestText(root, filesRel);
  const file = await safePathInside(root, MANIFEST_REL);
  await mkdir(await safePathInside(root, OWN_DIR), { recursive: true });
  const tmp = `${file}.lifeboat-new`;
  await rm(tmp, { force: true });
  try {
    await writeFile(tmp, text, { flag: 'wx' });
  } catch (e) {
    // A full disk leaves a part of it: Lifeboat's own, so it goes.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await rename(tmp, file);
}

/** The text of the manifest of the files folder `filesRel` of the tree at `root`, as it is now. */
export async function manifestText(root: string, filesRel: string): Promise<string> {
  const filesDir = await safePathInside(root, filesRel);
  const { leaves } = await walkLeaves(filesDir);
  const body: ManifestFile = {
    version: 1,
    filesPath: filesRel,
    writtenAt: new Date().toISOString(),
    files: [...leaves].map(([p, l]) => [p, l.kind, l.size, l.mtimeMs] as const),
  };
  return JSON.stringify(body);
}

/** The manifest of a copy, when it has one for `filesRel` (null: none, or not one Lifeboat wrote). */
export async function readManifest(root: string, filesRel: string): Promise<Map<string, Leaf> | null> {
  const file = await safePathInside(root, MANIFEST_REL).catch(() => null);
  if (!file) return null;
  const text = await readSmallFile(file, MAX_MANIFEST_BYTES);
  if (text === null) return null;
  try {
    const m = JSON.parse(text) as Partial<ManifestFile>;
    if (m.version !== 1 || m.filesPath !== filesRel || !Array.isArray(m.files)) return null;
    const out = new Map<string, Leaf>();
    for (const row of m.files) {
      if (!Array.isArray(row) || row.length !== 4) return null;
      const [p, kind, size, mtimeMs] = row as unknown[];
      if (typeof p !== 'string' || typeof size !== 'number' || typeof mtimeMs !== 'number') return null;
      if (kind !== 'file' && kind !== 'link' && kind !== 'other') return null;
      out.set(p, { kind, size, mtimeMs });
    }
    return out;
  } catch {
    return null;
  }
}

/** The person's own changes in a copy's files folder since the last restore. */
export interface LocalEdits {
  /** Changed or added paths, relative to the files folder, sorted. */
  readonly paths: readonly string[];
  /** How they were told: from the manifest, or (a copy restored before manifests) by time. */
  readonly basis: 'manifest' | 'time';
}

/**
 * The files of a copy's files folder (within its include/exclude) that are not as the last restore left them:
 * changed (size, time or kind) or added; a file that was deleted loses nothing when the update brings it back,
 * so it is not one. A copy restored before manifests were written has none: then a file modified after the
 * record's `restoredAt` is one (restored files keep their archive's times, so they are older than that).
 */
export async function localEdits(
  root: string,
  filesRel: string,
  keep: (rel: string) => boolean,
  restoredAt: string | null,
): Promise<LocalEdits> {
  const filesDir = await safePathInside(root, filesRel);
  const { leaves } = await walkLeaves(filesDir, keep);
  const manifest = await readManifest(root, filesRel);
  const paths: string[] = [];
  if (manifest) {
    for (const [p, leaf] of leaves) {
      const was = manifest.get(p);
      if (!was || !sameLeaf(was, leaf)) paths.push(p);
    }
  } else {
    const since = restoredAt ? Date.parse(restoredAt) : NaN;
    for (const [p, leaf] of leaves) if (!(leaf.mtimeMs <= since)) paths.push(p);
  }
  return { paths: paths.sort(), basis: manifest ? 'manifest' : 'time' };
}
