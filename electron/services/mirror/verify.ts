import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MirrorVerifyReport, MirrorVerifySet } from '@shared/models';
import { LifeboatError } from '../errors';
import { digestArchive } from './digest';
import {
  MIRROR_MANIFEST,
  MIRROR_PARTIAL,
  MirrorManifestSchema,
  SET_FOLDER_PATTERN,
  type MirroredArchive,
} from './layout';
import { readManifestFile, requireMirrorRoot } from './local';

type ArchiveCheck = MirrorVerifySet['archives'][number];

/** Options of a verification. */
export interface VerifyOptions {
  readonly signal?: AbortSignal;
  /** Each set as soon as it is checked, for progress. */
  readonly onSet?: (set: MirrorVerifySet) => void;
}

/**
 * Re-checks a whole mirror: every set folder (`<root>/<site>/<env>/<set>/`, real folders only, links never
 * followed) against its manifest: each archive there as a plain file, of its size, of its sha256, and its gzip
 * stream whole to the end. A set without a complete manifest is `incomplete` (a download under way or stopped);
 * one whose manifest does not read as Lifeboat's, or with any archive wrong, is `damaged`. Archives are read one
 * at a time as streams, so memory stays flat whatever their size. A root that is not a mirror (no mark) is
 * refused: `not-found` when there is no such folder, `invalid-request` when it has no mark.
 */
export async function verifyMirror(root: string, opts: VerifyOptions = {}): Promise<MirrorVerifyReport> {
  const top = resolve(root);
  await requireMirrorRoot(top);
  const sets: MirrorVerifySet[] = [];
  for (const site of await realDirs(top))
    for (const env of await realDirs(join(top, site)))
      for (const name of await realDirs(join(top, site, env))) {
        if (!SET_FOLDER_PATTERN.test(name)) continue;
        if (opts.signal?.aborted) throw new LifeboatError('cancelled', 'The verification was cancelled.');
        const checked = await verifySet(join(top, site, env, name), opts.signal);
        sets.push(checked);
        opts.onSet?.(checked);
      }
  const count = (s: MirrorVerifySet['status']): number => sets.filter((x) => x.status === s).length;
  return {
    root: top,
    sets,
    totals: { ok: count('ok'), damaged: count('damaged'), incomplete: count('incomplete') },
  };
}

/** The real folders (not links to folders) in a folder, by name, hidden ones left out (the lock, the mark). */
async function realDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Checks one set folder (see {@link verifyMirror}). */
export async function verifySet(path: string, signal?: AbortSignal): Promise<MirrorVerifySet> {
  const read = await readManifestFile(join(path, MIRROR_MANIFEST), MirrorManifestSchema);
  const base = { path, site: null, env: null, backupFolder: null, archives: [] };
  if (read.state === 'missing') {
    const partial = await readManifestFile(join(path, MIRROR_PARTIAL), MirrorManifestSchema);
    return {
      ...base,
      ...(partial.state === 'ok'
        ? {
            site: partial.manifest.site.name,
            env: partial.manifest.env,
            backupFolder: partial.manifest.backup.folder,
          }
        : {}),
      status: 'incomplete',
      message:
        partial.state === 'ok'
          ? 'Its download has not finished: the next mirror run completes it.'
          : 'It has no manifest: it is not a set the mirror finished.',
    };
  }
  // A manifest that does not read (edited, hostile, damaged on disk) names nothing to check: no path is built from it.
  if (read.state === 'invalid') return { ...base, status: 'damaged', message: read.message };
  const m = read.manifest;
  const named = { path, site: m.site.name, env: m.env, backupFolder: m.backup.folder };
  if (!m.complete)
    return { ...named, status: 'incomplete', archives: [], message: 'Its manifest says it is not complete.' };
  const archives: ArchiveCheck[] = [];
  for (const a of m.archives) archives.push(await verifyArchive(path, a, signal));
  const bad = archives.filter((a) => a.status !== 'ok');
  return {
    ...named,
    status: bad.length > 0 ? 'damaged' : 'ok',
    archives,
    ...(bad.length > 0
      ? { message: bad.map((b) => `${b.filename}: ${b.message ?? b.status}`).join('; ') }
      : {}),
  };
}

/**
 * One archive against its record: there (a plain file, no link followed), its size, its sha256, its gzip stream,
 * in that order. Also what a mirror run with `verify` checks each kept archive with.
 */
export async function verifyArchive(
  dir: string,
  a: MirroredArchive,
  signal?: AbortSignal,
): Promise<ArchiveCheck> {
  const path = join(dir, a.filename);
  let fh;
  try {
    // O_NOFOLLOW: a link in an archive's place is not read through; O_NONBLOCK: a FIFO does not hang the check.
    fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      filename: a.filename,
      status: 'missing',
      message: code === 'ENOENT' ? 'it is not there' : `it cannot be read as a file (${code ?? 'error'})`,
    };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { filename: a.filename, status: 'missing', message: 'it is not a plain file' };
    if (st.size !== a.size)
      return {
        filename: a.filename,
        status: 'size',
        message: `it is ${st.size} bytes, the manifest says ${a.size} (${st.size < a.size ? 'cut short' : 'grown'})`,
      };
    const stream = fh.createReadStream({
      highWaterMark: 1 << 20,
      autoClose: false,
      ...(signal ? { signal } : {}),
    });
    let d;
    try {
      d = await digestArchive(stream);
    } catch (e) {
      if (signal?.aborted) throw new LifeboatError('cancelled', 'The verification was cancelled.');
      return {
        filename: a.filename,
        status: 'missing',
        message: `it could not be read (${(e as Error).message})`,
      };
    }
    if (d.size !== a.size)
      return { filename: a.filename, status: 'size', message: `${d.size} bytes were read, not ${a.size}` };
    if (d.sha256 !== a.sha256)
      return {
        filename: a.filename,
        status: 'sha256',
        message: `its sha256 is not the one recorded when it was downloaded (bit rot or a change)${d.gzipError ? `, and its gzip stream is damaged (${d.gzipError.message})` : ''}`,
      };
    if (d.gzipError)
      return {
        filename: a.filename,
        status: 'gzip',
        message: `its gzip stream is damaged (${d.gzipError.message})`,
      };
    return { filename: a.filename, status: 'ok' };
  } finally {
    await fh.close().catch(() => undefined);
  }
}
