import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, truncate, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ELEMENTS, type BackupArchive, type BackupSet, type Element, type Environment } from '@shared/models';
import { createBackupAndWait } from '../backups/create-backup';
import { LifeboatError } from '../errors';
import { fetchArchive } from '../restore/fetch';
import type { PantheonClient } from '../pantheon/client';
import { DEFAULT_TRANSFER, discardPart, urlExpiry, type TransferPolicy } from '../transfer/download';
import { acquireLock } from '../restore/lock';
import { archiveLabel, pickBackupSet } from '../restore/plan';
import { VERSION } from '../version';
import { digestArchive, type ArchiveDigest } from './digest';
import {
  MIRROR_ENV_LOCK,
  MIRROR_MANIFEST,
  MIRROR_PARTIAL,
  MirrorManifestSchema,
  MirroredArchiveSchema,
  mirrorFoldersProblem,
  setFolderName,
  type MirrorManifest,
  type MirroredArchive,
} from './layout';
import {
  ensureMirrorRoot,
  ensureRealDir,
  isRealDir,
  listLocalSets,
  partNameOf,
  writeManifestFile,
  type LocalSet,
  type PartialManifest,
  type PendingArchive,
} from './local';
import { pruneSets } from './retention';
import { verifyArchive } from './verify';
import type { MirrorEnvRequest, MirrorEnvResult } from './types';

/**
 * Mirrors one environment of one site into `<root>/<site>/<env>/<set>/` (see layout.ts): the newest finished
 * backup set that has every element asked for, downloaded and verified, then retention. Idempotent: a set already
 * complete on disk costs no download and no signed URL; a set begun earlier is finished from where it stopped
 * (verified archives kept, `.part` files resumed). Everything runs under the environment's lock, so two runs
 * never write one environment at once. A failure is thrown as a LifeboatError (a damaged archive: `integrity`,
 * its bytes discarded so the next run downloads it again); the set then stays partial and nothing is pruned.
 */
export async function mirrorEnvironment(req: MirrorEnvRequest): Promise<MirrorEnvResult> {
  try {
    return await mirrorEnv(req);
  } catch (e) {
    // Whatever a cancellation stopped (a download, a reader, an API call) says so as this promises; an error of
    // its own (damage, a full disk) that came with it is kept.
    if (req.signal?.aborted && !(e instanceof LifeboatError && e.code !== 'cancelled'))
      throw cancelledError(req, e);
    throw e;
  }
}

const cancelledError = (req: MirrorEnvRequest, cause?: unknown): LifeboatError =>
  new LifeboatError(
    'cancelled',
    `Mirroring ${req.site.name}.${req.env} was cancelled; it resumes where it stopped.`,
    undefined,
    cause === undefined ? undefined : { cause },
  );

async function mirrorEnv(req: MirrorEnvRequest): Promise<MirrorEnvResult> {
  const { client, site, env } = req;
  const elements: Element[] = ELEMENTS.filter((e) => req.elements.includes(e));
  if (elements.length === 0)
    throw new LifeboatError('invalid-request', 'Choose at least one of code, database and files to mirror.');
  const folders = mirrorFoldersProblem(site.name, env);
  if (folders) throw new LifeboatError('invalid-request', folders);
  const root = resolve(req.root);
  const envDir = join(root, site.name, env);
  const now = req.now ?? Date.now;

  // Refused before anything is asked of Pantheon: a root that is a file, or a folder of somebody else's.
  await ensureMirrorRoot(root);
  // One environments listing (the run hands over the site's, read once): the deploy tag and the multidevs go in
  // the manifest. As a restore's plan does, a failed listing is tolerated: the manifest then says unknown.
  let environment: Environment | null = null;
  let multidevs: string[] = [];
  try {
    const all = await client.listEnvironments(site);
    environment = all.find((e) => e.id === env) ?? null;
    multidevs = all.filter((e) => e.multidev).map((e) => e.id);
    if (!environment)
      return await skipped(
        `${site.name} has no environment '${env}' (it has ${all.map((e) => e.id).join(', ') || 'none'}).`,
      );
    if (environment.initialized === false)
      return await skipped(`${site.name}.${env} is not initialized: it has no backups.`);
  } catch (e) {
    if (!(e instanceof LifeboatError) || e.code === 'cancelled' || req.signal?.aborted) throw e;
  }

  await ensureRealDir(join(root, site.name));
  await ensureRealDir(envDir);
  const lock = await acquireLock(join(envDir, MIRROR_ENV_LOCK), `Mirroring ${site.name}.${env}`);
  try {
    return await mirrorLocked(req, { root, envDir, elements, environment, multidevs, now });
  } finally {
    await lock.release();
  }

  /** A row for an environment there is nothing to mirror of, naming the newest set the mirror has of it. */
  async function skipped(note: string): Promise<MirrorEnvResult> {
    const newest = (await listLocalSets(envDir).catch(() => [])).find((s) => s.complete && !s.invalid);
    return {
      env,
      status: 'skipped',
      path: newest?.path ?? null,
      backupFolder: newest?.complete?.backup.folder ?? null,
      bytes: 0,
      resumedBytes: 0,
      createdBackup: false,
      pruned: [],
      note,
    };
  }
}

interface Context {
  readonly root: string;
  readonly envDir: string;
  readonly elements: readonly Element[];
  readonly environment: Environment | null;
  readonly multidevs: readonly string[];
  readonly now: () => number;
}

async function mirrorLocked(req: MirrorEnvRequest, ctx: Context): Promise<MirrorEnvResult> {
  const { client, site, env, signal } = req;
  const { envDir, elements } = ctx;
  const cancelled = (): LifeboatError => cancelledError(req);

  // 1. The set: the newest finished one with every element asked for, by the restore's own rule. A newer set
  // lacking an element (Pantheon keeps database-only manual backups) is not mirrored: it could not restore the
  // whole site, and retention would count it as the newest complete set and prune a full one.
  const sets = await client.listBackupSets(site, env);
  let set: BackupSet | null = null;
  let unpicked: LifeboatError | null = null;
  try {
    set = pickBackupSet(sets, 'latest', elements);
  } catch (e) {
    if (!(e instanceof LifeboatError)) throw e;
    unpicked = e;
  }
  let createdBackup = false;
  const notes: string[] = [];
  const fresh = req.freshWithinSeconds;
  if (fresh !== undefined && (set === null || ctx.now() / 1000 - set.scheduledFor > fresh)) {
    if (site.frozen) {
      notes.push(`${site.name} is frozen, so no new backup could be made; the newest there is was mirrored.`);
    } else {
      const made = await createBackupAndWait(
        { client, site },
        {
          env,
          elements,
          keepForDays: req.keepForDays ?? 30,
          pollMs: req.pollMs ?? client.defaultPollMs,
          ...(signal ? { signal } : {}),
        },
      );
      if (!made.backup)
        throw new LifeboatError('not-found', made.warning ?? 'The new backup is not in the catalog.');
      set = pickBackupSet([made.backup], { folder: made.backup.folder }, elements);
      createdBackup = true;
    }
  }
  if (!set) {
    // No backup at all is nothing to mirror, not a failure (a new site, or test never deployed); one still
    // being written is a retryable failure, so the next run takes it.
    if (unpicked?.code !== 'not-found')
      throw unpicked ?? new LifeboatError('internal', 'No backup set picked.');
    const newest = (await listLocalSets(envDir)).find((s) => s.complete && !s.invalid);
    return {
      env,
      status: 'skipped',
      path: newest?.path ?? null,
      backupFolder: newest?.complete?.backup.folder ?? null,
      bytes: 0,
      resumedBytes: 0,
      createdBackup,
      pruned: [],
      note: `No finished backup of ${site.name}.${env} has ${elements.join(', ')}: nothing to mirror yet.`,
    };
  }
  const archives = elements.map((el) => set.archives[el]!);
  for (const a of archives)
    if (!MirroredArchiveSchema.shape.filename.safeParse(a.filename).success)
      throw new LifeboatError(
        'server',
        `Pantheon names the ${a.element} archive "${a.filename}", which is not an archive name Lifeboat keeps.`,
      );
  // Two archives of one name would be one file: the second would count as downloaded without a byte of it.
  for (const [i, a] of archives.entries()) {
    const other = archives.slice(0, i).find((b) => b.filename === a.filename);
    if (other)
      throw new LifeboatError(
        'integrity',
        `Pantheon's catalog names both the ${other.element} and the ${a.element} archive of ${site.name}.${env}'s backup ${set.folder} "${a.filename}": one file cannot hold both, so this set is not mirrored.`,
      );
  }

  // 2. Its folder: the one already holding this catalog folder, else the first free of `<time>`, `<time>-2`...
  const local = await listLocalSets(envDir);
  const { name, mine } = await setFolder(envDir, local, set);
  const dir = join(envDir, name);

  const finish = async (
    status: MirrorEnvResult['status'],
    counted: { bytes: number; resumedBytes: number },
  ): Promise<MirrorEnvResult> => {
    let pruned: string[] = [];
    if (req.retention) {
      const r = await pruneSets(envDir, req.retention, ctx.now(), [dir]);
      pruned = r.pruned;
      for (const k of r.kept) notes.push(`Kept ${k.path}: ${k.reason}.`);
    }
    return {
      env,
      status,
      path: dir,
      backupFolder: set.folder,
      ...counted,
      createdBackup,
      pruned,
      ...(notes.length ? { note: notes.join(' ') } : {}),
    };
  };

  // 3. With `verify`, the archives kept from before are re-read first (a size that matches says nothing of a
  // flipped bit): those that do not match their manifest are fetched again below.
  const earlier = [...(mine?.complete?.archives ?? []), ...(mine?.partial?.archives ?? [])];
  const damaged = req.verify ? await damagedArchives(dir, earlier, signal) : new Map<string, string>();

  // 4. Already complete: sizes checked (cheap), nothing downloaded and no link asked for. `mirror verify` rehashes.
  if (mine?.complete && damaged.size === 0 && (await upToDate(dir, mine.complete, archives)))
    return finish('up-to-date', { bytes: 0, resumedBytes: 0 });

  await mkdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  if (!isRealDir(await lstat(dir))) throw inTheWay(dir);
  // Archives verified earlier (in either manifest) and still there at their size are kept without a download.
  const verified: MirroredArchive[] = [];
  const todo: BackupArchive[] = [];
  /**
   * A damaged archive (found by `verify`: a recorded name, a regular file, both checked by lstat) is deleted with
   * any `.part` of it, so it is downloaded again whole, never resumed from its bad bytes.
   */
  const discardDamaged = async (filename: string, element: Element, why: string): Promise<void> => {
    await unlink(join(dir, filename)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await discardPart(join(dir, partNameOf(filename)));
    notes.push(`The ${element} archive was damaged (${why}) and was downloaded again.`);
  };
  for (const a of archives) {
    const path = join(dir, a.filename);
    const st = await lstat(path).catch(() => null);
    if (st && !st.isFile()) throw inTheWay(path);
    const part = await lstat(join(dir, partNameOf(a.filename))).catch(() => null);
    if (part && !part.isFile()) throw inTheWay(join(dir, partNameOf(a.filename)));
    const record = earlier.find((r) => sameArchive(r, a));
    const bad = st ? damaged.get(a.filename) : undefined;
    if (st && st.size === a.size && record && bad === undefined) verified.push(record);
    else {
      // A file of the archive's name at another size is one of this set's own, cut short or replaced: fetched again.
      if (bad !== undefined) await discardDamaged(a.filename, a.element, bad);
      else if (st && st.size !== a.size) await unlink(path);
      todo.push(a);
    }
  }
  // Archives of elements not asked for this time stay recorded while they are there; a damaged one is fetched
  // again while the catalog still lists it finished, else kept as it is (`mirror verify` goes on reporting it).
  for (const r of earlier) {
    if (elements.includes(r.element) || verified.some((v) => v.element === r.element)) continue;
    if (todo.some((t) => t.element === r.element)) continue;
    const st = await lstat(join(dir, r.filename)).catch(() => null);
    if (!st?.isFile() || st.size !== r.size) continue;
    const bad = damaged.get(r.filename);
    const listed = set.archives[r.element];
    if (bad !== undefined && listed?.finished && sameArchive(r, listed)) {
      await discardDamaged(r.filename, r.element, bad);
      todo.push(listed);
    } else {
      if (bad !== undefined)
        notes.push(
          `The ${r.element} archive is damaged (${bad}) and was not downloaded again: the catalog no longer lists it.`,
        );
      verified.push(r);
    }
  }

  const startedAt = mine?.partial?.startedAt ?? new Date().toISOString();
  const manifestOf = (complete: boolean): MirrorManifest => ({
    version: 1,
    complete,
    site: { id: site.id, name: site.name, label: site.label, framework: site.framework },
    env,
    account: req.account,
    backup: {
      folder: set.folder,
      scheduledFor: set.scheduledFor,
      date: new Date(set.scheduledFor * 1000).toISOString(),
      initiator: set.initiator,
    },
    deployTag: ctx.environment?.deployTag ?? null,
    targetRef: ctx.environment?.targetRef ?? null,
    targetCommit: ctx.environment?.targetCommit ?? null,
    multidevs: [...ctx.multidevs],
    archives: ELEMENTS.flatMap((el) => verified.filter((v) => v.element === el)),
    startedAt,
    completedAt: complete ? new Date().toISOString() : null,
    writtenBy: `Lifeboat ${VERSION}`,
  });
  const writePartial = (pending: readonly BackupArchive[]): Promise<void> => {
    const partial: PartialManifest = {
      ...manifestOf(false),
      pending: pending.map((a): PendingArchive => ({
        element: a.element,
        filename: a.filename,
        size: a.size,
        id: a.id,
      })),
    };
    return writeManifestFile(dir, MIRROR_PARTIAL, partial);
  };

  // 5. The partial manifest first (retention may remove the `.part` files only of archives a manifest names);
  // a complete set being changed is partial until it is complete again.
  await writePartial(todo);
  if (mine?.complete) await rm(join(dir, MIRROR_MANIFEST), { force: true });
  const counted = [...archives, ...todo.filter((t) => !elements.includes(t.element))];
  const total = counted.reduce((n, a) => n + a.size, 0);
  let doneBytes = verified.filter((v) => elements.includes(v.element)).reduce((n, v) => n + v.size, 0);
  req.onProgress?.(doneBytes, total);
  let bytes = 0;
  let resumedBytes = 0;
  for (const [i, a] of todo.entries()) {
    if (signal?.aborted) throw cancelled();
    const path = join(dir, a.filename);
    await unrecordedToPart(path, join(dir, partNameOf(a.filename)));
    const label = `${archiveLabel(a.element)} of ${site.name}.${env}`;
    // A turn among the run's downloads, held for this fetch only (the fsync and manifest below do not need one).
    // The signed URL is asked for before the wait, so that API call too overlaps the others' downloads.
    const early = req.slot ? await client.archiveUrl(site, env, a.folder, a.element, signal) : null;
    const release = req.slot ? await req.slot() : null;
    let fetched;
    try {
      if (signal?.aborted) throw cancelled();
      fetched = await fetchArchive<ArchiveDigest>({
        client: early ? withSignedUrl(client, a, early, req.transfer ?? DEFAULT_TRANSFER) : client,
        site,
        env,
        archive: a,
        finalPath: path,
        ...(req.transfer ? { transfer: req.transfer } : {}),
        ...(signal ? { signal } : {}),
        onProgress: (done) => req.onProgress?.(doneBytes + done, total),
        consume: async (reader) => {
          const d = await digestArchive(reader);
          if (d.gzipError)
            throw new LifeboatError(
              'integrity',
              `${label} is damaged (${d.gzipError.message}); it was discarded and is downloaded again next time.`,
            );
          if (d.size !== a.size)
            throw new LifeboatError(
              'integrity',
              `${label} is ${d.size} bytes, not the ${a.size} the catalog lists; it was discarded and is downloaded again next time.`,
            );
          return d;
        },
      });
    } finally {
      release?.();
    }
    const digest = fetched.result;
    // The storage's MD5 as it named it: the download checked every byte on disk against the storage's hashes of
    // this object (its CRC32C, else this MD5) or failed, so the MD5 is that of these bytes without hashing them a
    // second time (MD5 was the costliest pass over a large archive).
    const md5 = fetched.storageHashes?.md5 ?? null;
    // On the disk before the manifest records it: a power cut must not leave a record of bytes never written.
    await syncData(path);
    bytes += a.size - fetched.resumedFrom;
    resumedBytes += fetched.resumedFrom;
    verified.push({
      element: a.element,
      filename: a.filename,
      size: a.size,
      sha256: digest.sha256,
      md5,
      date: a.date,
      id: a.id,
    });
    doneBytes += a.size;
    await writePartial(todo.slice(i + 1));
  }

  // 6. Complete: the manifest written whole, then the partial one removed.
  await writeManifestFile(dir, MIRROR_MANIFEST, MirrorManifestSchema.parse(manifestOf(true)));
  await rm(join(dir, MIRROR_PARTIAL), { force: true });
  return finish(todo.length > 0 || !mine?.complete ? 'downloaded' : 'up-to-date', { bytes, resumedBytes });
}

/**
 * A finished archive file no manifest records (a run stopped between its rename and its record, or a power cut
 * before its bytes reached the disk) is not trusted as it is: it becomes its `.part` again, less its last byte,
 * so the download fetches that byte and with it the storage's hash, checked over every byte on disk, and the MD5
 * is recorded as an uninterrupted run records it. Cut first, renamed second: a stop in between leaves a file of
 * the wrong size, which is fetched again whole. An empty one is fetched again.
 */
async function unrecordedToPart(path: string, partPath: string): Promise<void> {
  const st = await lstat(path).catch(() => null);
  if (!st?.isFile()) return;
  if (st.size === 0) return unlink(path);
  await truncate(path, st.size - 1);
  await rename(path, partPath);
}

/**
 * The client with one archive's signed URL already asked for: its first request for that archive's link gets it,
 * unless it expires too soon to use (a long wait for a turn), as the download would replace it; any later request
 * (a link that expired during the download) asks Pantheon. A child object, so it is the client in all else.
 */
function withSignedUrl(
  client: PantheonClient,
  archive: BackupArchive,
  url: string,
  policy: TransferPolicy,
): PantheonClient {
  let early: string | null = url;
  const child = Object.create(client) as PantheonClient;
  child.archiveUrl = (site, env, folder, element, signal) => {
    const given = early;
    early = null;
    const expiry = given === null ? null : urlExpiry(given);
    const fresh = expiry === null || expiry - Date.now() >= policy.refreshBeforeExpiryMs;
    if (given !== null && fresh && folder === archive.folder && element === archive.element)
      return Promise.resolve(given);
    return client.archiveUrl(site, env, folder, element, signal);
  };
  return child;
}

/** Flushes a file's bytes to the disk (O_NOFOLLOW: only the archive just renamed there is opened). */
async function syncData(path: string): Promise<void> {
  const fh = await open(path, constants.O_RDWR | (constants.O_NOFOLLOW ?? 0));
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * The recorded archives (first record of a name wins, as the set's keep rule takes them) that are there as plain
 * files of their size but do not read as recorded (sha256, gzip stream), by name, with what was wrong. Missing or
 * cut ones are left out: those are fetched again anyway.
 */
async function damagedArchives(
  dir: string,
  records: readonly MirroredArchive[],
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const damaged = new Map<string, string>();
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.filename)) continue;
    seen.add(r.filename);
    const st = await lstat(join(dir, r.filename)).catch(() => null);
    if (!st?.isFile() || st.size !== r.size) continue;
    const check = await verifyArchive(dir, r, signal);
    if (check.status !== 'ok') damaged.set(r.filename, check.status);
  }
  return damaged;
}

/** A manifest's record is of this catalog archive: same key, name and size. */
const sameArchive = (r: MirroredArchive, a: BackupArchive): boolean =>
  r.element === a.element && r.filename === a.filename && r.size === a.size && r.id === a.id;

/** A complete set holds every archive asked for, as the catalog lists it, and every file it names at its size. */
async function upToDate(
  dir: string,
  manifest: MirrorManifest,
  archives: readonly BackupArchive[],
): Promise<boolean> {
  if (!archives.every((a) => manifest.archives.some((r) => sameArchive(r, a)))) return false;
  for (const r of manifest.archives) {
    const st = await lstat(join(dir, r.filename)).catch(() => null);
    if (!st?.isFile() || st.size !== r.size) return false;
  }
  return true;
}

/**
 * The set folder of a catalog set: the one whose manifest names that catalog folder, else the first of `<time>`,
 * `<time>-2`, ... that is free (an empty folder counts as free: a run stopped before writing into it). Another
 * catalog folder scheduled the same second, or anything of somebody else's, keeps its name.
 */
async function setFolder(
  envDir: string,
  local: readonly LocalSet[],
  set: BackupSet,
): Promise<{ name: string; mine: LocalSet | null }> {
  const base = setFolderName(set.scheduledFor);
  const candidates = [base, ...Array.from({ length: 998 }, (_, i) => `${base}-${i + 2}`)];
  const mine = local.find(
    (s) =>
      candidates.includes(s.name) &&
      s.invalid === null &&
      (s.complete ?? s.partial)?.backup.folder === set.folder,
  );
  if (mine) return { name: mine.name, mine };
  for (const name of candidates) {
    const st = await lstat(join(envDir, name)).catch(() => null);
    if (!st) return { name, mine: null };
    if (isRealDir(st) && (await readdir(join(envDir, name))).length === 0) return { name, mine: null };
  }
  throw new LifeboatError('conflict', `${envDir} has no free folder name for the backup of ${base}.`);
}

const inTheWay = (path: string): LifeboatError =>
  new LifeboatError(
    'conflict',
    `${path} is in the way of the mirror and is not a file Lifeboat wrote (a link or a folder). Move it away.`,
  );
