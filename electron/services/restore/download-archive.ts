import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Element } from '@shared/models';
import { extractArchive } from '../archive/extract-file';
import { checkPatterns } from '../archive/globs';
import { LifeboatError } from '../errors';
import { exists, removeStaged } from '../fs-util';
import { stillBeingWritten } from '../pantheon/catalog';
import { ensureFreeSpace, statfsFreeSpace, type FreeSpaceProbe } from '../transfer/disk';
import { partProgress, type TransferPolicy } from '../transfer/download';
import { partPathOf, sidePath } from '../transfer/names';
import { verifyGzip } from '../transfer/verify';
import { fetchArchive } from './fetch';
import { acquireLock } from './lock';
import { archiveLabel, type PantheonRestoreDeps } from './plan';
import type { RestoreContext } from './restore';

/** The file that marks a download's staging folder as Lifeboat's own. */
const STAGING_MARK = '.lifeboat-staging';

/** One archive to save as it is (the designer's path), optionally with only some folders unpacked. */
export interface DownloadRequest {
  readonly site: string;
  readonly env: string;
  /** The backup folder, or `latest` for the newest finished archive of the element. */
  readonly folder: string;
  readonly element: Element;
  readonly targetDir: string;
  /**
   * When either is given (files and code only), the archive is also unpacked beside it, into `<name>/`: only
   * what `include` names (everything when empty), without what `exclude` names (the restore's rules). A files
   * archive's top folder (`files_<env>/`) is not kept: `<name>/` holds what it holds (see {@link filesTop}).
   */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** What a download saved. */
export interface DownloadResult {
  readonly path: string;
  readonly extractedTo: string | null;
  readonly resumedBytes: number;
}

/**
 * The download use case: saves one archive into a folder through the same fetch step as a restore
 * (resumable `.part`, verified by the storage's hash or else through gunzip, or extracted while it downloads, renamed
 * when complete). An
 * existing file of that name is never overwritten, and two downloads of the same file never run at once.
 */
export async function downloadArchive(
  deps: DownloadDeps,
  req: DownloadRequest,
  ctx: RestoreContext,
): Promise<DownloadResult> {
  try {
    return await download(deps, req, ctx);
  } catch (e) {
    // Names are kept within 255 bytes, but some file systems (eCryptfs, some network shares) take fewer.
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'ENAMETOOLONG')
      throw new LifeboatError(
        'io',
        `The backup's file name is too long for the file system of ${resolve(req.targetDir)}; save it into a folder on another disk.`,
        (e as Error).message,
        { cause: e },
      );
    throw e;
  }
}

/** What a download needs: the client and site, and optionally its transfer policy and free-space probe. */
type DownloadDeps = Pick<PantheonRestoreDeps, 'client' | 'site'> & {
  readonly transfer?: TransferPolicy;
  readonly freeSpace?: FreeSpaceProbe;
  /** Archives from this size on are unpacked in a worker thread (see RestoreOptions.extractThreadFrom). */
  readonly extractThreadFrom?: number;
};

/**
 * The top folder of an unpacked files archive, whose contents (not the folder) are what the person asked for:
 * the folder tree the app shows starts below it. Pantheon documents a single `files_<env>/` [V-doc]; tolerant of
 * an archive made otherwise, a single real folder named `files` or `files_<anything>` counts (another
 * environment's name, say). An archive without one (its entries at the top, another folder's name, or anything
 * beside it) is unpacked as it is: a folder picked from it (`2024/`) must not lose its own name. A link is never
 * a top folder (the extractor already refused any that leads outside).
 */
async function filesTop(staging: string): Promise<string | null> {
  const names = (await readdir(staging)).filter((n) => n !== STAGING_MARK);
  const [only] = names;
  if (names.length !== 1 || !only || !/^files(_[A-Za-z0-9_-]+)?$/.test(only)) return null;
  return (await lstat(join(staging, only))).isDirectory() ? only : null;
}

async function download(
  deps: DownloadDeps,
  req: DownloadRequest,
  ctx: RestoreContext,
): Promise<DownloadResult> {
  const { client, site } = deps;
  const include = req.include ?? [];
  const exclude = req.exclude ?? [];
  const unpack = include.length + exclude.length > 0;
  if (unpack && req.element === 'database')
    throw new LifeboatError('invalid-request', 'Only code and files archives have folders to pick.');
  // A pattern that can never match is refused before anything is asked of Pantheon.
  checkPatterns({ include, exclude }, req.element === 'files' ? `files_${req.env}` : null);
  const sets = await client.listBackupSets(site, req.env);
  const set =
    req.folder === 'latest'
      ? (sets.find((s) => s.archives[req.element]?.finished) ??
        // None finished: the newest listed one, if any, is still being written (said the same way everywhere).
        sets.find((s) => s.archives[req.element]))
      : sets.find((s) => s.folder === req.folder);
  const archive = set?.archives[req.element];
  if (!set || !archive)
    throw new LifeboatError(
      'not-found',
      req.folder === 'latest'
        ? `There is no finished ${req.element} archive in the catalog.`
        : `There is no ${req.element} archive in backup ${req.folder}.`,
    );
  if (!archive.finished) throw stillBeingWritten(archive);
  const dir = resolve(req.targetDir);
  const st = await lstat(dir).catch(() => null);
  if (st && !st.isDirectory())
    throw new LifeboatError('conflict', `${dir} is a file, not a folder to save into.`);
  const path = join(dir, archive.filename);
  const unpackTo = unpack ? join(dir, archive.filename.replace(/\.tar\.gz$|\.sql\.gz$/, '')) : null;
  for (const p of [path, unpackTo])
    if (p && (await exists(p)))
      throw new LifeboatError('conflict', `${p} already exists; Lifeboat will not overwrite it.`);
  // Side files are named so they fit the file system even beside a 255-byte catalog name.
  const staging = unpackTo ? sidePath(unpackTo, '.lifeboat-staging') : null;
  const partPath = partPathOf(path);
  // Lifeboat marks its staging folder; one without the mark (or a link) is somebody else's and stays.
  const st2 = staging ? await lstat(staging).catch(() => null) : null;
  if (staging && st2 && (!st2.isDirectory() || !(await exists(join(staging, STAGING_MARK)))))
    throw new LifeboatError(
      'conflict',
      `${staging} is in the way of Lifeboat's staging folder and is not one of its own; move it away.`,
    );
  await mkdir(dir, { recursive: true });
  const lock = await acquireLock(sidePath(path, '.lock'), `A download of ${archive.filename}`);
  try {
    const have = await partProgress(
      partPath,
      { identity: `${set.folder}/${archive.filename}`, size: archive.size },
      { discard: false },
    );
    const freeSpace = deps.freeSpace ?? statfsFreeSpace;
    await ensureFreeSpace(dir, archive.size - have + (unpackTo ? archive.size : 0), freeSpace);
    ctx.phase('downloading', `Downloading ${archive.filename}`);
    const label = archiveLabel(req.element);
    const r = await fetchArchive({
      client,
      site,
      env: req.env,
      archive,
      finalPath: path,
      ...(deps.transfer ? { transfer: deps.transfer } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onProgress: (done, total) => ctx.part(req.element, label, done, total),
      ...(staging ? { discardAlso: () => removeStaged(staging) } : {}),
      consume: async (reader, signal) => {
        if (!staging) return verifyGzip(reader, label, signal);
        await removeStaged(staging);
        await mkdir(staging, { recursive: true });
        await writeFile(join(staging, STAGING_MARK), '');
        await extractArchive(reader, staging, {
          label,
          include,
          exclude,
          freeSpace,
          signal,
          size: archive.size,
          ...(deps.extractThreadFrom !== undefined ? { threadFrom: deps.extractThreadFrom } : {}),
        });
      },
    });
    if (staging && unpackTo) {
      const top = req.element === 'files' ? await filesTop(staging) : null;
      if (top) {
        // What the top folder holds is the result; the staging folder is left with only its mark.
        await rename(join(staging, top), unpackTo);
        await removeStaged(staging);
      } else {
        await rm(join(staging, STAGING_MARK), { force: true });
        await rename(staging, unpackTo);
      }
    }
    return { path, extractedTo: unpackTo, resumedBytes: r.resumedFrom };
  } catch (e) {
    if (staging) await removeStaged(staging);
    if (ctx.signal?.aborted)
      throw new LifeboatError(
        'cancelled',
        `Download of ${archive.filename} cancelled; it will resume from where it stopped.`,
      );
    // Patterns that matched nothing: the unpacked folder was never made, and the archive stays in its `.part`
    // (complete), so the corrected command unpacks it without downloading it again.
    if (e instanceof LifeboatError && e.code === 'invalid-request' && (await exists(partPath)))
      throw new LifeboatError(
        'invalid-request',
        `${e.message} The download is kept as ${partPath}: run the command again with corrected patterns and it is not downloaded again.`,
      );
    throw e;
  } finally {
    await lock.release();
  }
}
