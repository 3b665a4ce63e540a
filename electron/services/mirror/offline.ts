import { lstat, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ELEMENTS, type Element, type Site } from '@shared/models';
import { LifeboatError } from '../errors';
import { findBackupSet } from '../pantheon/catalog';
import type { LocalArchive } from '../restore/fetch';
import type { LocalSource } from '../restore/plan';
import {
  backupSetOf,
  environmentOf,
  MIRROR_MANIFEST,
  MIRROR_PARTIAL,
  MIRROR_ROOT_MARK,
  MirrorManifestSchema,
  siteOf,
  type MirrorManifest,
} from './layout';
import { isRealDir, listLocalSets, readManifestFile, type LocalSet } from './local';

/**
 * `lifeboat pull --from-mirror`: a backup set of a mirror opened as the source of a restore, so the one restore
 * pipeline (plan, checks, job) runs from it with nothing asked of Pantheon. Everything read here is untrusted: the
 * manifest through its schema (names that could leave the folder refused), and the archives by lstat, never
 * through a link. The bytes are checked against the manifest's sha256 as the restore reads them (restore/fetch.ts).
 */

/** A mirrored backup set, ready to restore from: what the restore's plan needs instead of Pantheon's catalog. */
export interface MirrorSet extends LocalSource {
  readonly manifest: MirrorManifest;
  readonly site: Site;
  /** The mirror's root when the set is in one (`DIR` of `DIR/<site>/<env>/<set>`), else null (a set moved away). */
  readonly root: string | null;
}

/** What to open. */
export interface OpenMirrorOptions {
  /** The elements to restore: an environment's folder gives its newest complete set that has them all. */
  readonly elements?: readonly Element[];
  /** A backup folder (or archive file name) to pick instead of the newest. */
  readonly backup?: string;
}

/**
 * Site names as Pantheon makes them (letters, digits, dashes): the manifest's name becomes a folder's and a
 * database's name, and is printed; one with anything else was not written by the mirror.
 */
const SITE_NAME = /^(?!\.)[A-Za-z0-9._-]{1,128}$/;

/**
 * Opens `path`, a set's folder (`DIR/<site>/<env>/<set>`) or an environment's (`DIR/<site>/<env>`: its newest
 * complete set, by when Pantheon scheduled the backup), and checks that every archive to restore is there as a
 * regular file of the manifest's size. Errors say what the folder is instead: not a mirror's, a mirror's root or
 * site folder, a set still being downloaded (`not-found`), a manifest or archive that is not what the mirror wrote
 * (`integrity`).
 */
export async function openMirrorSet(path: string, options: OpenMirrorOptions = {}): Promise<MirrorSet> {
  const given = resolve(path);
  // The folder the person named may be reached through a link (a mounted disk); below it none is followed.
  const st = await lstat(given).catch(() => null);
  const dir = st?.isDirectory() || st?.isSymbolicLink() ? await realpath(given).catch(() => null) : null;
  if (!dir || !(await lstat(dir)).isDirectory())
    throw new LifeboatError('not-found', `There is no folder ${given} to restore from.`);
  const elements = options.elements ?? ELEMENTS;
  const names = await readdir(dir);
  let setDir: string;
  let manifest: MirrorManifest;
  if (names.includes(MIRROR_MANIFEST) || names.includes(MIRROR_PARTIAL)) {
    setDir = dir;
    manifest = await completeManifest(dir);
    if (options.backup !== undefined && !findBackupSet([backupSetOf(manifest)], options.backup))
      throw new LifeboatError(
        'not-found',
        `The mirrored set ${dir} is the backup ${manifest.backup.folder}, not "${options.backup}". Give the environment's folder (${dirname(dir)}) to choose among its sets.`,
      );
  } else {
    const sets = await listLocalSets(dir);
    if (sets.length === 0) throw await notASet(dir, names);
    ({ path: setDir, manifest } = pickSet(dir, sets, elements, options.backup));
  }
  checkManifest(setDir, manifest);
  const root = await rootOf(setDir);
  const advice = root
    ? `check the mirror with lifeboat mirror verify ${root}, or restore another of its sets.`
    : 'restore another mirrored set.';
  const archives: Partial<Record<Element, LocalArchive>> = {};
  for (const a of manifest.archives) {
    if (!elements.includes(a.element)) continue;
    const file = join(setDir, a.filename);
    const damaged = (what: string): LifeboatError =>
      new LifeboatError(
        'integrity',
        `The mirrored ${a.element} archive ${file} ${what}, so the set cannot be restored: ${advice}`,
      );
    const f = await lstat(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (!f) throw damaged('is missing');
    if (f.isSymbolicLink()) throw damaged('is a symbolic link, not the file the mirror wrote');
    if (!f.isFile()) throw damaged('is not a regular file');
    if (f.size !== a.size) throw damaged(`is ${f.size} bytes, not the ${a.size} its manifest records`);
    archives[a.element] = { path: file, sha256: a.sha256, advice };
  }
  return {
    dir: setDir,
    root,
    manifest,
    site: siteOf(manifest),
    env: manifest.env,
    set: backupSetOf(manifest),
    environment: environmentOf(manifest),
    multidevs: manifest.multidevs,
    archives,
  };
}

/** A set folder's manifest when the set is complete; else why it cannot be restored. */
async function completeManifest(dir: string): Promise<MirrorManifest> {
  const read = await readManifestFile(join(dir, MIRROR_MANIFEST), MirrorManifestSchema);
  if (read.state === 'invalid')
    throw new LifeboatError('integrity', `${read.message} The set cannot be restored from.`);
  if (read.state === 'ok' && read.manifest.complete) return read.manifest;
  throw incomplete(dir);
}

/** A set that is not complete yet: its archives are not all there and verified. */
const incomplete = (dir: string): LifeboatError =>
  new LifeboatError(
    'not-found',
    `The mirrored set ${dir} is incomplete: the mirror is still downloading it, or stopped before it was verified. A rerun of lifeboat mirror completes it; or restore an older, complete set.`,
  );

/**
 * The set of an environment's folder to restore: the one asked for, else the newest complete one (by when Pantheon
 * scheduled it) that has every element asked for. A newer set still being downloaded is passed over.
 */
function pickSet(
  dir: string,
  sets: readonly LocalSet[],
  elements: readonly Element[],
  backup: string | undefined,
): { path: string; manifest: MirrorManifest } {
  const complete = sets
    .filter((s): s is LocalSet & { complete: MirrorManifest } => s.complete !== null)
    .sort((a, b) => b.complete.backup.scheduledFor - a.complete.backup.scheduledFor);
  if (backup !== undefined) {
    const chosen = complete.find((s) => findBackupSet([backupSetOf(s.complete)], backup));
    if (chosen) return { path: chosen.path, manifest: chosen.complete };
    const inFolder = sets.find((s) => s.partial && findBackupSet([backupSetOf(s.partial)], backup));
    if (inFolder) throw incomplete(inFolder.path);
    throw new LifeboatError(
      'not-found',
      `${dir} has no complete mirrored set of the backup "${backup}"${complete.length ? `; its complete sets are the backups ${complete.map((s) => s.complete.backup.folder).join(', ')}` : ''}.`,
    );
  }
  const has = (m: MirrorManifest): boolean =>
    elements.every((el) => m.archives.some((a) => a.element === el));
  const chosen = complete.find((s) => has(s.complete));
  if (chosen) return { path: chosen.path, manifest: chosen.complete };
  if (complete[0]) {
    const newest = complete[0].complete;
    throw new LifeboatError(
      'not-found',
      `No complete mirrored set in ${dir} has ${elements.join(', ')}: the newest, ${complete[0].path}, has ${newest.archives.map((a) => a.element).join(', ') || 'no archives'}. Restore the elements it has (--element), or mirror the others.`,
    );
  }
  const invalid = sets.find((s) => s.invalid !== null);
  if (sets.some((s) => s.partial !== null) || !invalid) throw incomplete(sets[0]!.path);
  throw new LifeboatError('integrity', `${invalid.invalid} No set in ${dir} can be restored from.`);
}

/** What the schema cannot say: a name that is safe as a folder's, one archive per element. */
function checkManifest(dir: string, m: MirrorManifest): void {
  const where = join(dir, MIRROR_MANIFEST);
  if (!SITE_NAME.test(m.site.name))
    throw new LifeboatError(
      'integrity',
      `${where} names the site "${m.site.name}", which no Pantheon site is called.`,
    );
  const seen = new Set<string>();
  for (const a of m.archives) {
    if (seen.has(a.element) || seen.has(a.filename))
      throw new LifeboatError('integrity', `${where} lists two ${a.element} archives, or one file twice.`);
    seen.add(a.element);
    seen.add(a.filename);
  }
}

/** The mirror's root of a set folder (three levels up, with the mirror's mark), or null. */
async function rootOf(setDir: string): Promise<string | null> {
  const root = resolve(setDir, '..', '..', '..');
  const mark = await lstat(join(root, MIRROR_ROOT_MARK)).catch(() => null);
  return mark?.isFile() ? root : null;
}

/** Why a folder with no set folders cannot be restored from, saying which folder to give instead. */
async function notASet(dir: string, names: readonly string[]): Promise<LifeboatError> {
  const subfolders = async (d: string): Promise<string[]> =>
    (await readdir(d, { withFileTypes: true }).catch(() => []))
      .filter((e) => isRealDir(e) && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  if (names.includes(MIRROR_ROOT_MARK)) {
    const site = (await subfolders(dir))[0];
    const env = site ? (await subfolders(join(dir, site)))[0] : undefined;
    return new LifeboatError(
      'invalid-request',
      `${dir} is a mirror's root folder: give one environment's folder in it, ${join(dir, site ?? '<site>', env ?? '<env>')}, or one of its backup sets.`,
    );
  }
  const parentMark = await lstat(join(dirname(dir), MIRROR_ROOT_MARK)).catch(() => null);
  if (parentMark?.isFile()) {
    const env = (await subfolders(dir))[0];
    return new LifeboatError(
      'invalid-request',
      `${dir} is the mirror's folder of the site ${basename(dir)}: give one of its environments' folders, ${join(dir, env ?? '<env>')}.`,
    );
  }
  return new LifeboatError(
    'invalid-request',
    `${dir} is not a folder of a Lifeboat mirror: give an environment's folder (DIR/SITE/ENV) or a backup set's (DIR/SITE/ENV/SET) of a folder lifeboat mirror made.`,
  );
}
