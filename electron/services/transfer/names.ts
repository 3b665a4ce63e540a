import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * The longest file name (in bytes) of the usual file systems: ext4, btrfs, XFS, APFS. NTFS counts 255 UTF-16 units,
 * which a name's UTF-8 bytes never undercount, so the byte limit holds there too.
 */
export const NAME_MAX_BYTES = 255;

/**
 * Room kept in a side file's name for what is appended to it later: a `.part` gets `.json`, and that is
 * written through `.json.<pid>-<n>.tmp`.
 */
const LATER_SUFFIX_BYTES = 40;

/**
 * The name of a file that goes beside `name` (its `.lock`, `.part`, staging folder): `name` + `suffix` when that
 * fits the file system's 255-byte limit with room to spare, else the start of `name`, a hash of the whole name
 * and `suffix`. A catalog file name may itself be 255 bytes long, and every side file must still be creatable;
 * the hash keeps the name the same from run to run, so a download resumes.
 */
export function sideName(name: string, suffix: string): string {
  const budget = NAME_MAX_BYTES - LATER_SUFFIX_BYTES;
  if (Buffer.byteLength(name + suffix) <= budget) return name + suffix;
  const tag = `~${createHash('sha256').update(name).digest('hex').slice(0, 16)}${suffix}`;
  let head = name.slice(0, Math.max(0, budget - Buffer.byteLength(tag)));
  while (head && Buffer.byteLength(head + tag) > budget) head = head.slice(0, -1);
  return head + tag;
}

/** The path of a side file beside `path` (see {@link sideName}). */
export const sidePath = (path: string, suffix: string): string =>
  join(dirname(path), sideName(basename(path), suffix));

/** Where the download of `finalPath` grows until it is complete. */
export const partPathOf = (finalPath: string): string => sidePath(finalPath, '.part');
