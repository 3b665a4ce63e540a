import { posix, win32, type PlatformPath } from 'node:path';

/**
 * The rules the engine decides paths by, for the platform it runs on or (in tests) any other: which path module
 * compares and joins, what is inside a folder, which names a file system cannot hold. Pure string rules, no I/O:
 * every one takes the platform (default: this one), so `path.win32`'s rules are tested on any system.
 *
 * What the engine relies on about Windows:
 *  - Node's `fs` calls pass every absolute path through `path.toNamespacedPath` (`C:\x` becomes `\\?\C:\x`), so
 *    paths longer than MAX_PATH (260) work in Lifeboat's own reads and writes whatever the LongPathsEnabled
 *    setting, and Windows applies none of its name rewriting to them: a `con` or `name.` is created as given,
 *    and Explorer, git and PHP (which do not use the prefix) then cannot open or delete it. Hence the name rules
 *    below are refused up front, not left to the file system. Child processes (git, the database client) and
 *    their working folder are not covered by the prefix: a copy deeper than 260 characters needs git's
 *    `core.longpaths` and Windows' LongPathsEnabled.
 *  - Windows compares names without case; `path.win32.relative` does too (it lowercases both sides).
 *  - `\\?\C:\x`, `\\.\C:\x` and `C:\x` are one file, as are `\\?\UNC\srv\share\x` and `\\srv\share\x`.
 */

/** The path module whose rules `platform` follows. */
export const pathModule = (platform: NodeJS.Platform = process.platform): PlatformPath =>
  platform === 'win32' ? win32 : posix;

/**
 * Whether the usual file systems of `platform` take names differing in case (and on macOS in Unicode
 * normalization, NFC or NFD) for one name: NTFS, and APFS and HFS+ as macOS formats them.
 */
export const namesFold = (platform: NodeJS.Platform = process.platform): boolean =>
  platform === 'win32' || platform === 'darwin';

/**
 * A name folded past every difference those file systems may ignore: Unicode normalization and case, broadly
 * (`ß` and `SS` fold together). Broader than any one file system, so it is only fit to find names that *may* be
 * the same one (and then refuse, or confirm on disk), never to decide that two are different.
 */
export const foldName = (name: string): string => name.normalize('NFD').toLowerCase().toUpperCase();

/**
 * `path` without a Windows namespace prefix: `\\?\C:\x` and `\\.\C:\x` as `C:\x`, `\\?\UNC\srv\share\x` as
 * `\\srv\share\x`, with either separator. Other device paths (`\\.\pipe\x`) and other platforms' paths as given.
 */
export function withoutNamespace(path: string, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'win32') return path;
  const unc = /^[\\/]{2}[?.][\\/]UNC[\\/]/i.exec(path);
  if (unc) return `\\\\${path.slice(unc[0].length)}`;
  const drive = /^[\\/]{2}[?.][\\/](?=[a-zA-Z]:(?:[\\/]|$))/.exec(path);
  return drive ? path.slice(drive[0].length) : path;
}

/**
 * Where `child` is under `parent`: `''` when it is `parent` itself, the relative path when inside it, null when
 * outside (another folder, another drive or share, a `..` climbing out). Compared as `platform` compares paths:
 * on Windows without case, with either separator, and a `\\?\` prefix on one side only still the same path. By
 * name only: links are not followed (callers that need where a path really leads compare real paths). Exact
 * otherwise (macOS case and normalization, Windows' trailing dots are differences here), as a check that ALLOWS a
 * path (it is inside the target) must be; a check that refuses uses {@link mayBeAtOrInside}.
 */
export function pathWithin(
  parent: string,
  child: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const p = pathModule(platform);
  const rel = p.relative(
    p.resolve(withoutNamespace(parent, platform)),
    p.resolve(withoutNamespace(child, platform)),
  );
  if (rel === '') return '';
  // `..x` is a name inside; only `..` itself, or `..` followed by a separator, climbs out.
  if (p.isAbsolute(rel) || rel === '..' || rel.startsWith(`..${p.sep}`)) return null;
  return rel;
}

/**
 * A path's parts folded past every difference `platform`'s usual file systems may ignore, for {@link mayBeAtOrInside}:
 * on macOS case and Unicode normalization (the default APFS, and HFS+, take `/Users/dana`, `/users/dana` and an
 * NFD `é` for one folder); on Windows case, and a part's trailing dots and spaces, which Windows' own path handling
 * drops (`C:\Sites.` is `C:\Sites` to Explorer, git and PHP, though Node's `\\?\` paths keep them). A part made
 * only of dots or spaces is kept whole (`...` is a name). Elsewhere (ext4, btrfs, XFS) the parts as they are.
 */
function foldedParts(path: string, platform: NodeJS.Platform): string[] {
  const p = pathModule(platform);
  const abs = p.resolve(withoutNamespace(path, platform));
  // A share (`\\srv\share`) must not meet a drive or a rooted path part for part: it is marked.
  const share = platform === 'win32' && /^[\\/]{2}/.test(abs);
  const parts = abs.split(platform === 'win32' ? /[\\/]+/ : '/').filter((x) => x !== '');
  const fold = (part: string): string =>
    platform === 'win32' ? foldName(part.replace(/[. ]+$/, '') || part) : foldName(part);
  return [share ? '\\\\' : '', ...(namesFold(platform) ? parts.map(fold) : parts)];
}

/**
 * Whether `child` may be `parent` or inside it, as loosely as `platform`'s file systems may compare names (see
 * foldedParts): for the checks that REFUSE (never trash the home folder or a folder holding it, no mirror inside
 * the data folder), where a false "inside" only refuses, and a false "outside" would let a protected folder go.
 * On a case-sensitive volume of macOS this errs toward refusing. Never for a check that allows something (is this
 * path safely inside the target?): that is {@link isAtOrInside}, by exact name.
 */
export function mayBeAtOrInside(
  parent: string,
  child: string,
  platform: NodeJS.Platform = process.platform,
): boolean {
  const a = foldedParts(parent, platform);
  const b = foldedParts(child, platform);
  return a.length <= b.length && a.every((part, i) => part === b[i]);
}

/** Whether `child` is strictly inside `parent` (see {@link pathWithin}). */
export const isInside = (parent: string, child: string, platform?: NodeJS.Platform): boolean =>
  (pathWithin(parent, child, platform) ?? '') !== '';

/** Whether `child` is `parent` or inside it (see {@link pathWithin}). */
export const isAtOrInside = (parent: string, child: string, platform?: NodeJS.Platform): boolean =>
  pathWithin(parent, child, platform) !== null;

/** Whether two paths name the same place by name, as `platform` compares them (see {@link pathWithin}). */
export const samePath = (a: string, b: string, platform?: NodeJS.Platform): boolean =>
  pathWithin(a, b, platform) === '';

/** Windows' device names, which a name may not be, even with an extension (`CON`, `nul.txt`, `com1.tar.gz`). */
const WINDOWS_DEVICE = /^(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$/i;

/** What no Windows name may hold: `<>:"/\|?*` and the control characters. */
// eslint-disable-next-line no-control-regex
const WINDOWS_FORBIDDEN = /[<>:"/\\|?*\u0000-\u001f]/u;

const showChar = (c: string): string =>
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f]/.test(c)
    ? `the control character U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    : c === '"'
      ? `'"'`
      : `"${c}"`;

/**
 * Why Windows cannot hold `name` as one file or folder name, or null: a character it forbids (except those in
 * `allowed`), a trailing dot or space (which Windows drops, so the name would become another), or a device name
 * (`CON`, `aux.txt`). `.` and `..` are the callers' to refuse. The answer completes "…, because …".
 */
export function windowsNameProblem(name: string, allowed = ''): string | null {
  if (name === '') return 'it is empty';
  for (const c of name)
    if (WINDOWS_FORBIDDEN.test(c) && !allowed.includes(c))
      return `Windows does not allow ${showChar(c)} in a name`;
  if (name !== '.' && name !== '..' && /[. ]$/.test(name))
    return `Windows drops a name's trailing ${name.endsWith(' ') ? 'space' : 'dot'}, which would make it another name`;
  const stem = (name.split('.')[0] ?? '').trimEnd();
  if (WINDOWS_DEVICE.test(stem)) return `"${stem}" is a device name on Windows`;
  return null;
}

/** The longest name the usual file systems hold: 255 bytes (ext4, btrfs, XFS, APFS) or UTF-16 units (NTFS, HFS+). */
export const NAME_MAX = 255;

/**
 * How long `name` is as `platform`'s file systems count, against {@link NAME_MAX}: UTF-16 units on Windows (NTFS);
 * UTF-8 bytes on Linux; on macOS the longer of its UTF-8 bytes (APFS keeps the name as given) and its UTF-16 units
 * once decomposed (HFS+, still on external disks, stores it as NFD), so a name that fits fits both.
 */
export function nameLength(name: string, platform: NodeJS.Platform = process.platform): number {
  if (platform === 'win32') return name.length;
  const bytes = Buffer.byteLength(name, 'utf8');
  return platform === 'darwin' ? Math.max(bytes, name.normalize('NFD').length) : bytes;
}

/**
 * Why `name` is too long for `platform`'s file systems, or null. `made`, when given, is the longest name Lifeboat
 * makes from it (a restore's folder has its staging folder `.NAME.lifeboat` beside it), which must fit too. The
 * answer completes "…, because …" and says how long the name may be.
 */
export function nameLengthProblem(
  name: string,
  platform: NodeJS.Platform = process.platform,
  made?: (name: string) => string,
): string | null {
  const room = made ? nameLength(made(''), platform) : 0;
  const length = nameLength(name, platform);
  const max = NAME_MAX - room;
  if (length <= max) return null;
  // macOS counts the longer of the two (see nameLength): said in the unit that made it too long.
  const decomposed = platform === 'darwin' && length > Buffer.byteLength(name, 'utf8');
  const long =
    platform === 'win32'
      ? `${length} characters long`
      : decomposed
        ? `${length} characters long once decomposed (as HFS+ keeps names)`
        : `${length} bytes long`;
  const why = made ? ` (the system allows ${NAME_MAX}, and Lifeboat also makes ${made('NAME')} from it)` : '';
  const counted =
    platform === 'win32'
      ? 'an emoji counts as 2'
      : 'in UTF-8 an accented letter takes 2 bytes, most other scripts 3 or 4';
  return `it is ${long} and may be at most ${max} here${why}; ${counted}`;
}

/**
 * Why `name` cannot be a folder or file name Lifeboat makes on `platform` (beyond "one plain name", which the
 * caller checks), or null: on Windows one it cannot hold (see {@link windowsNameProblem}), and anywhere one too
 * long for the file system, with what Lifeboat makes from it (`made`, see {@link nameLengthProblem}).
 */
export const nameProblem = (
  name: string,
  platform: NodeJS.Platform = process.platform,
  made?: (name: string) => string,
): string | null =>
  (platform === 'win32' ? windowsNameProblem(name) : null) ?? nameLengthProblem(name, platform, made);

/**
 * node-tar's own answer to those characters on Windows: it writes `<>:|?` as the private-use characters
 * U+F03C… (as Cygwin and WSL do), so an entry holding them is extracted under that spelling. `"` and `*` it
 * leaves, and Windows refuses them.
 */
const TAR_ENCODES_ON_WINDOWS = '<>:|?';

/**
 * Why an archive entry at `path` (slash-separated, relative, already checked not to leave the target) cannot be
 * extracted on `platform`, or null: on Windows, a part of it that Windows cannot hold as a name (see
 * {@link windowsNameProblem}), apart from the characters node-tar re-encodes itself.
 */
export function entryNameProblem(path: string, platform: NodeJS.Platform = process.platform): string | null {
  if (platform !== 'win32') return null;
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    const why = windowsNameProblem(part, TAR_ENCODES_ON_WINDOWS);
    if (why) return why;
  }
  return null;
}
