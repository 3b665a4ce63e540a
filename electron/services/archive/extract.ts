import { isAbsolute, posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { LifeboatError } from '../errors';
import { pathFilter } from './globs';

/** Options for extracting one tar.gz. */
export interface ExtractOptions {
  /** A person's name for the archive, for messages. */
  readonly label: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly signal?: AbortSignal;
  /** Called for each entry written, with its size. */
  readonly onEntry?: (path: string, size: number) => void;
}

/** What an extraction wrote. */
export interface ExtractResult {
  readonly entries: number;
  readonly bytes: number;
}

const UNSAFE_TYPES = new Set(['CharacterDevice', 'BlockDevice', 'FIFO']);

/**
 * Why an entry may not be extracted into a folder, or null when it is safe. node-tar already strips absolute
 * paths and skips `..` with a warning; Lifeboat refuses the whole archive instead, so a hostile archive fails
 * loudly rather than half-extracting.
 */
export function unsafeEntryReason(path: string, type: string, linkpath: string | undefined): string | null {
  const p = path.replace(/\\/g, '/');
  if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || p.startsWith('/')) return `absolute path "${path}"`;
  if (p.split('/').includes('..')) return `path "${path}" climbs out with ".."`;
  if (UNSAFE_TYPES.has(type)) return `device or pipe "${path}" (${type})`;
  if (type === 'SymbolicLink' || type === 'Link') {
    const target = (linkpath ?? '').replace(/\\/g, '/');
    if (target === '') return `link "${path}" without a target`;
    if (target.startsWith('/') || /^[a-zA-Z]:/.test(target))
      return `link "${path}" points to the absolute path "${linkpath}"`;
    // Symlinks resolve from their own folder; hard links from the archive root.
    const base = type === 'SymbolicLink' ? posix.dirname(p) : '.';
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === '..' || resolved.startsWith('../'))
      return `link "${path}" points outside the archive ("${linkpath}")`;
  }
  return null;
}

/**
 * Extracts a gzip'd tar stream into `dest` (a staging folder the caller owns), checking every entry first.
 * The gzip CRC and length are verified to the end; a truncated or corrupt stream is an `integrity` error.
 */
export async function extractTarGz(
  source: Readable,
  dest: string,
  options: ExtractOptions,
): Promise<ExtractResult> {
  const keep = pathFilter(options.include, options.exclude);
  let hostile: string | null = null;
  let entries = 0;
  let bytes = 0;
  const destRoot = resolve(dest);
  const unpack = new tar.Unpack({
    cwd: destRoot,
    // Owners from a server mean nothing here; never chown, even as root.
    preserveOwner: false,
    filter: (path, entry) => {
      const e = entry as tar.ReadEntry;
      const reason = unsafeEntryReason(path, e.type, e.linkpath);
      if (reason) {
        hostile ??= reason;
        unpack.abort(new Error(reason));
        return false;
      }
      if (!keep(path)) return false;
      entries++;
      bytes += e.size ?? 0;
      options.onEntry?.(path, e.size ?? 0);
      return true;
    },
    onwarn: (code, message) => {
      // node-tar's own guards (path escaped the target, symlink in the way): treat as hostile too.
      if (code === 'TAR_ENTRY_ERROR' && /escape|symlink|\.\./i.test(String(message))) {
        hostile ??= String(message);
        unpack.abort(new Error(String(message)));
      }
    },
  });
  try {
    await pipeline(source, createGunzip({ chunkSize: 1 << 20 }), unpack, { signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted)
      throw new LifeboatError('cancelled', `Extracting ${options.label} was cancelled.`);
    if (hostile) {
      throw new LifeboatError(
        'hostile-archive',
        `${options.label} contains an unsafe entry (${hostile}). Nothing from it was put in place.`,
      );
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC')
      throw new LifeboatError(
        'disk-full',
        `The disk filled up while extracting ${options.label}. Free some space and try again.`,
      );
    if (
      err.code === 'Z_DATA_ERROR' ||
      err.code === 'Z_BUF_ERROR' ||
      err.code === 'TAR_BAD_ARCHIVE' ||
      /unexpected end|incorrect header|invalid|checksum|truncated/i.test(err.message)
    ) {
      throw new LifeboatError(
        'integrity',
        `${options.label} is damaged (${err.message}). The download did not match what Pantheon stored; try again or pick another backup.`,
      );
    }
    throw e;
  }
  if (hostile) {
    throw new LifeboatError(
      'hostile-archive',
      `${options.label} contains an unsafe entry (${hostile}). Nothing from it was put in place.`,
    );
  }
  return { entries, bytes };
}

/** One entry of an archive listing. */
export interface ArchiveEntry {
  readonly path: string;
  readonly type: 'file' | 'directory' | 'link' | 'other';
  readonly size: number;
}

/** Lists a tar.gz without extracting it (for the folder picker). */
export async function listTarGz(source: Readable, signal?: AbortSignal): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  const parser = new tar.Parser({
    onReadEntry: (e) => {
      const type =
        e.type === 'Directory'
          ? 'directory'
          : e.type === 'File' || e.type === 'OldFile'
            ? 'file'
            : e.type.endsWith('Link')
              ? 'link'
              : 'other';
      out.push({ path: e.path.replace(/\/+$/, ''), type, size: e.size ?? 0 });
      e.resume();
    },
  });
  try {
    await pipeline(source, createGunzip({ chunkSize: 1 << 20 }), parser, { signal });
  } catch (e) {
    if (signal?.aborted) throw new LifeboatError('cancelled', 'Listing cancelled.');
    throw new LifeboatError('integrity', `The archive could not be read (${(e as Error).message}).`);
  }
  return out;
}
