import { lstat, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { LocalCopyState } from '@shared/models';
import { LifeboatError } from '../errors';
import { readSmallFile } from '../fs-util';
import { foldName, namesFold } from '../paths/path-rules';

/**
 * Reading the registry's files and the copies' folders: what is not a copy is skipped or marked, but a file that
 * could not be read at this moment (no descriptors left, no permission) fails the whole list with the reason,
 * so a list either has every copy with its true state or is an error (never a silent part of one).
 */

/** Files read at once, by a list (registry files, then each copy's lifeboat.json): far below any fd limit. */
export const READ_LANES = 16;

/** Errors that say nothing about what a file is, only that it cannot be read now; with what they mean. */
const CANNOT_READ: Readonly<Record<string, string>> = {
  EMFILE: 'too many files open in Lifeboat',
  ENFILE: 'too many files open on this computer',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'a read error of the disk',
  ENOMEM: 'out of memory',
};

/** The clear error for `e` when it is one of those (else null: the caller's tolerant reading applies). */
export function cannotRead(e: unknown, path: string): LifeboatError | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const why = code === undefined ? undefined : CANNOT_READ[code];
  if (why === undefined) return null;
  const hint =
    code === 'EMFILE' || code === 'ENFILE'
      ? 'Close some programs (or raise the limit of open files) and try again.'
      : code === 'EACCES' || code === 'EPERM'
        ? 'Check who may read it.'
        : 'Try again.';
  return new LifeboatError(
    'io',
    `Lifeboat could not read ${path} (${why}), so it cannot tell what every local copy is; nothing was changed. ${hint}`,
  );
}

/** null (not a file this code reads) unless `e` says it cannot be read now, which is thrown. */
function orThrow(e: unknown, path: string): null {
  const fatal = cannotRead(e, path);
  if (fatal) throw fatal;
  return null;
}

/**
 * A small regular file's text; null when it is not one (missing, a link, which is not followed, a FIFO, a
 * folder, bigger than `limit`, growing while read). Throws {@link cannotRead}'s error when it cannot be read now.
 */
export function readSmallText(path: string, limit: number): Promise<string | null> {
  return readSmallFile(path, limit, (e) => orThrow(e, path));
}

/** `fn` over `items`, at most `lanes` at a time, results in order; the first failure stops the rest. */
export async function mapLimit<T, R>(
  items: readonly T[],
  lanes: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return out;
}

/**
 * The one spelling of the folder `path` names: its parent's real path (no links) and its own name (the folder
 * itself, if a link, is not followed: a link is never a copy), as the disk spells it. A restore through
 * `~/link/s` and an update through `~/real/s` are then the same copy, and so are `C:\Sites\Acme` and
 * `c:\sites\acme` on Windows, or a name typed with composed and decomposed accents on macOS. The path as given
 * when the parent cannot be resolved.
 */
export async function canonicalPath(
  path: string,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  const abs = resolve(path);
  const parent = dirname(abs);
  if (parent === abs) return abs;
  let real: string;
  try {
    real = await realpath(parent);
  } catch {
    return abs;
  }
  const name = basename(abs);
  return join(real, namesFold(platform) ? await spelledOnDisk(real, name) : name);
}

/**
 * How the folder `dir` spells the entry `name` reaches, on a file system that takes names differing in case or
 * accents for one: the listed name that is the very same file (device and inode), so two spellings can never
 * make two copies. `name` itself when it is listed as typed, missing, or the folder cannot be read.
 */
async function spelledOnDisk(dir: string, name: string): Promise<string> {
  const typed = await lstat(join(dir, name), { bigint: true }).catch(() => null);
  if (!typed) return name;
  const names = await readdir(dir).catch(() => [name]);
  if (names.includes(name)) return name;
  const folded = foldName(name);
  for (const n of names) {
    if (foldName(n) !== folded) continue;
    const st = await lstat(join(dir, n), { bigint: true }).catch(() => null);
    if (st && st.dev === typed.dev && st.ino === typed.ino) return n;
  }
  return name;
}

/** A `lifeboat.json` is a few KiB; anything much bigger is not one and is never read (1 MiB). */
const MAX_RECORD_BYTES = 1024 * 1024;

/** The restore record in `dir`, parsed; null when there is none or it is not JSON. Not followed if a link. */
export async function readRecordIn(dir: string): Promise<unknown> {
  const text = await readSmallText(join(dir, 'lifeboat.json'), MAX_RECORD_BYTES);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Whether the folder `dir` has a `lifeboat.json` naming the copy's site id and environment. */
export async function namesCopy(
  dir: string,
  copy: { readonly site: { readonly id: string }; readonly env: string },
): Promise<boolean> {
  const rec = (await readRecordIn(dir)) as { site?: { id?: unknown }; env?: unknown } | null;
  return rec?.site?.id === copy.site.id && rec.env === copy.env;
}

/**
 * Where a copy stands now: present when its folder (a real folder, not a link) has a `lifeboat.json` naming the
 * same site id and environment; missing when the path is gone; replaced otherwise. Throws when that cannot be
 * told now (see {@link cannotRead}).
 */
export async function stateOf(copy: {
  readonly path: string;
  readonly site: { readonly id: string };
  readonly env: string;
}): Promise<LocalCopyState> {
  let st;
  try {
    st = await lstat(copy.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return orThrow(e, copy.path) ?? 'replaced';
  }
  if (!st.isDirectory()) return 'replaced';
  return (await namesCopy(copy.path, copy)) ? 'present' : 'replaced';
}
