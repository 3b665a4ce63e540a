import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../errors';
import { MIRROR_MANIFEST, MIRROR_PARTIAL } from './layout';
import { isLifeboatName, listLocalSets, namedArchives, partNameOf, type LocalSet } from './local';
import type { Retention } from './types';

/** A set folder retention would have removed but left, and why. */
export interface KeptSet {
  readonly path: string;
  readonly reason: string;
}

/** What a pruning did. */
export interface PruneResult {
  /** Set folders removed (absolute paths), newest first. */
  readonly pruned: string[];
  /** Set folders that were to go but stay, because they hold something Lifeboat did not write. */
  readonly kept: KeptSet[];
}

const DAY_MS = 86_400_000;

/**
 * Applies retention to one environment's folder (the caller holds its lock). Only sets whose manifest reads as
 * Lifeboat's are considered:
 * - the newest complete set is always kept, and so are the newest `keep` complete sets and those scheduled within
 *   `keepDays` of `now` (either keeps a set; with neither given, every complete set is kept);
 * - the other complete sets go, and so do partial sets older than the newest complete one (abandoned downloads);
 *   a partial set newer than it is a download still to finish, and stays.
 * A set is pruned only when a newer one is complete, so the mirror never has fewer complete sets than before a
 * failed run. Inside a set only the files its manifests name (the archives, their `.part` and `.part.json`) and
 * the manifests go, manifests last, and an archive only at the size recorded (a `.part` no bigger): a folder
 * holding anything else is left whole and reported in `kept`. Links
 * are never followed: a link where an archive should be is something else, so its folder stays. `protect` names
 * set folders (absolute paths) that stay whatever their age: the set a run has just mirrored, which may be older
 * than one the mirror kept from before (Pantheon expired that one first).
 */
export async function pruneSets(
  envDir: string,
  retention: Retention,
  now: number,
  protect: readonly string[] = [],
): Promise<PruneResult> {
  if (retention.keep !== undefined && (!Number.isInteger(retention.keep) || retention.keep < 1))
    throw new LifeboatError(
      'invalid-request',
      'Retention keeps at least the newest set: --keep is 1 or more.',
    );
  if (retention.keepDays !== undefined && !(retention.keepDays >= 0))
    throw new LifeboatError('invalid-request', 'Retention in days is a number of days, 0 or more.');
  const result: PruneResult = { pruned: [], kept: [] };
  if (retention.keep === undefined && retention.keepDays === undefined) return result;
  // Folders whose manifest does not read are not Lifeboat's to judge: they are neither kept nor pruned.
  const sets = (await listLocalSets(envDir)).filter((s) => s.invalid === null);
  const complete = sets.filter((s) => s.complete);
  const newest = complete[0];
  if (!newest) return result;
  const keepN = retention.keep ?? 1;
  const since = retention.keepDays !== undefined ? now - retention.keepDays * DAY_MS : Infinity;
  const kept = new Set<LocalSet>(complete.slice(0, keepN));
  for (const s of complete) if (s.complete!.backup.scheduledFor * 1000 >= since) kept.add(s);
  for (const s of sets) if (protect.includes(s.path)) kept.add(s);
  const newestAt = sets.indexOf(newest);
  const doomed = sets.filter(
    (s, i) => !kept.has(s) && (s.complete !== null || (s.partial !== null && i > newestAt)),
  );
  for (const set of doomed) {
    const why = await removeSet(set);
    if (why === null) result.pruned.push(set.path);
    else result.kept.push({ path: set.path, reason: why });
  }
  return result;
}

/**
 * Removes one set folder if it holds only Lifeboat's files: returns null when it is gone, else why it stays.
 * Archives and `.part` files go first and the manifests last, so a removal cut short leaves a manifest naming
 * what is left, for the next run to finish.
 */
async function removeSet(set: LocalSet): Promise<string | null> {
  const archives = namedArchives(set);
  const names = await readdir(set.path);
  const foreign = names.filter((n) => !isLifeboatName(n, archives));
  if (foreign.length > 0) return `it holds files Lifeboat did not write: ${listed(foreign)}`;
  const notFiles: string[] = [];
  const notArchives: string[] = [];
  const sizes = recordedSizes(set);
  for (const n of names) {
    const st = await lstat(join(set.path, n));
    if (!st.isFile()) notFiles.push(n);
    else if (!sizeFits(n, st.size, sizes)) notArchives.push(n);
  }
  if (notFiles.length > 0) return `it holds links or folders where Lifeboat's files go: ${listed(notFiles)}`;
  // A manifest can be edited by anyone: a file it names is Lifeboat's only if it is of the size recorded.
  if (notArchives.length > 0)
    return `it holds files that are not the archives its manifest records (not of their size): ${listed(notArchives)}`;
  const last = new Set([MIRROR_MANIFEST, MIRROR_PARTIAL]);
  for (const n of [...names.filter((x) => !last.has(x)), ...names.filter((x) => last.has(x))]) {
    try {
      await unlink(join(set.path, n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  try {
    await rmdir(set.path);
  } catch (e) {
    // Something appeared meanwhile: it is not Lifeboat's, so it stays, with its folder.
    if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST')
      return 'something was added to it while it was being removed';
    throw e;
  }
  return null;
}

/** The sizes a set's manifests record for each archive name (a name may be in both, at two sizes). */
function recordedSizes(set: LocalSet): Map<string, number[]> {
  const sizes = new Map<string, number[]>();
  const add = (name: string, size: number): void => {
    sizes.set(name, [...(sizes.get(name) ?? []), size]);
  };
  for (const a of set.complete?.archives ?? []) add(a.filename, a.size);
  for (const a of set.partial?.archives ?? []) add(a.filename, a.size);
  for (const a of set.partial?.pending ?? []) add(a.filename, a.size);
  return sizes;
}

/**
 * Whether a file's size fits what it is by its name: an archive is of its recorded size, its `.part` no bigger
 * (the download never writes past it); the rest (manifests, `.part.json`, their temporary files) were already
 * told apart by name.
 */
function sizeFits(name: string, size: number, sizes: ReadonlyMap<string, number[]>): boolean {
  const exact = sizes.get(name);
  if (exact) return exact.includes(size);
  for (const [archive, recorded] of sizes)
    if (name === partNameOf(archive)) return recorded.some((r) => size <= r);
  return true;
}

const listed = (names: readonly string[]): string =>
  names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
