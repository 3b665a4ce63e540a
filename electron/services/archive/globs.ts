import picomatch from 'picomatch';
import { LifeboatError } from '../errors';

/** Include and exclude patterns as a person gave them (the CLI's `--include`/`--exclude`, the app's picker). */
export interface PathPatterns {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

type Matcher = (path: string) => boolean;

/**
 * A pattern without the spaces around it and its leading `./`. On Windows a backslash is a separator there as in
 * any path a person types (`files_live\2024\`), and picomatch reads it so too; archive paths use `/`, so the
 * pattern is written with `/` before anything else reads it. Elsewhere a backslash escapes, as in the shell.
 */
const normalized = (p: string, platform: NodeJS.Platform): string =>
  (platform === 'win32' ? p.replace(/\\/g, '/') : p).trim().replace(/^(?:\.\/)+/, '');

/**
 * `[!…]` is "none of" in the shell, gitignore and tar; picomatch reads it as a class that contains `!` (so
 * `--exclude 'files_live/[!2]*'` would leave out exactly the 2023 folder it meant to keep): written as `[^…]`,
 * which picomatch reads as the shell does.
 */
const shellClasses = (p: string): string => p.replace(/(^|[^\\])\[!/g, '$1[^');

/** "dir/" or "dir" also means everything below it. */
const expand = (pattern: string): string[] => {
  const p = shellClasses(pattern);
  return p.endsWith('/') ? [p.slice(0, -1), `${p}**`] : [p, `${p}/**`];
};

function compile(patterns: readonly string[], platform: NodeJS.Platform): Matcher | null {
  const cleaned = patterns.map((p) => normalized(p, platform)).filter(Boolean);
  if (cleaned.length === 0) return null;
  return picomatch(cleaned.flatMap(expand), { dot: true });
}

/** Why a pattern cannot name anything inside an archive, or null. */
function malformed(pattern: string, platform: NodeJS.Platform): string | null {
  const p = normalized(pattern, platform);
  if (pattern.trim() === '') return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (/^[\\/]/.test(p) || /^[a-zA-Z]:/.test(p)) return 'is an absolute path';
  if (p.split(/[\\/]/).includes('..')) return 'climbs out of the archive with ".."';
  if (p === '' || p === '.') return 'names the whole archive';
  // picomatch reads a leading `!` as "everything but", which turns an exclude into "leave out everything else"
  // and an include into "keep everything": refused rather than given a meaning nobody asked for.
  if (p.startsWith('!')) return 'starts with "!", which Lifeboat does not read as "not"';
  return null;
}

/** What to use instead of a pattern starting with `!`: the other list does what `!` was meant to. */
const NEGATION_HINT = {
  include: 'to leave something out, use --exclude PATTERN',
  exclude: 'to keep only something, use --include PATTERN',
} as const;

/** Example patterns for messages: relative to inside the top folder, or with it. */
const examples = (top: string | null, folder = '2024'): string =>
  top ? `"${folder}/**" or "${top}/${folder}/**"` : `"${folder}/**"`;

/**
 * Refuses a pattern that can never name a path inside an archive (empty, absolute, climbing out with `..`, the
 * whole archive) or that starts with `!` (a negation: use the other list), with the pattern and an example or
 * the flag to use in the message. Called by the restore and the download before
 * anything is asked of Pantheon. `top` is the archive's top folder when it is known (`files_<env>`).
 */
export function checkPatterns(
  patterns: PathPatterns,
  top: string | null,
  platform: NodeJS.Platform = process.platform,
): void {
  const lists = [
    ['include', patterns.include ?? []],
    ['exclude', patterns.exclude ?? []],
  ] as const;
  for (const [kind, list] of lists)
    for (const p of list) {
      const why = malformed(p, platform);
      if (why && normalized(p, platform).startsWith('!'))
        throw new LifeboatError(
          'invalid-request',
          `The ${kind} pattern "${p}" ${why}: ${NEGATION_HINT[kind]}.`,
        );
      if (why)
        throw new LifeboatError(
          'invalid-request',
          `The ${kind} pattern "${p}" ${why}: patterns name paths inside the archive, such as ${examples(top)}` +
            `${why === 'names the whole archive' && kind === 'include' ? '; leave it out to get everything' : ''}.`,
        );
    }
}

/** One include pattern, matched on its own to learn whether it matched anything. */
interface Rule {
  readonly pattern: string;
  readonly test: Matcher;
}

/** How many names of the archive's top level a message lists. */
const HINT_NAMES = 8;

/**
 * Which entries of an archive an include/exclude choice keeps, and afterwards which include patterns kept
 * nothing. A pattern may name the path with its top folder (`files_live/2024/`) or without it (`styles/`);
 * `dir/` and `dir` both cover everything below. Exclude wins over include; no include means everything.
 *
 * A tar.gz has no index: the entries are known only as the stream is read, so an include that matches nothing
 * is known at the end of the archive (when the download ends, since extraction follows it), never before.
 */
export interface PathSelection {
  /** Whether an entry is extracted (the folders that lead to an included path are, so they can be made). */
  keeps(path: string): boolean;
  /**
   * Notes an entry that was written: the include patterns it matches have matched something. `directory` (by
   * default: the path ends in `/`) tells a folder from content: folders alone are not something restored.
   */
  wrote(path: string, directory?: boolean): void;
  /**
   * The error naming the include patterns that matched nothing written, or saying that the exclude patterns
   * left out everything (only folders, or nothing, written); null when the choice kept something.
   */
  unmatched(label: string): LifeboatError | null;
}

/** The one matching rule for archive paths (restore, download, extraction). */
export function pathSelection(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
  platform: NodeJS.Platform = process.platform,
): PathSelection {
  const inc = compile(include, platform);
  const exc = compile(exclude, platform);
  const prefixes = include.map((p) => normalized(p, platform).replace(/\/+$/, ''));
  const pending = new Set<Rule>(
    [...new Set(include)]
      .filter((p) => normalized(p, platform) !== '')
      .map((pattern) => ({
        pattern,
        test: picomatch(expand(normalized(pattern, platform)), { dot: true }),
      })),
  );
  // Include patterns whose every match was excluded, for a message that says so.
  const onlyExcluded = new Set<Rule>();
  // Whether the excludes left anything out, and whether anything but folders was written: an exclude that
  // leaves out all content is the same mistake as an include that matches nothing.
  let excludedAny = false;
  let wroteContent = false;
  // The archive's top level and what its single top folder holds, for the message's hint.
  const tops = new Set<string>();
  const second = new Set<string>();
  let folder: string | undefined;

  const split = (raw: string): { path: string; withoutTop: string } => {
    const path = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    return { path, withoutTop: path.includes('/') ? path.slice(path.indexOf('/') + 1) : '' };
  };
  const hitBy = (m: Matcher, path: string, withoutTop: string): boolean =>
    m(path) || (withoutTop !== '' && m(withoutTop));

  return {
    keeps(raw) {
      const { path, withoutTop } = split(raw);
      if (path === '' || path === '.') return true;
      const [top, next, below] = path.split('/');
      if (top && tops.size <= HINT_NAMES) tops.add(top);
      if (next && second.size <= HINT_NAMES) second.add(next);
      if (below !== undefined) folder ??= next;
      if (exc && hitBy(exc, path, withoutTop)) {
        excludedAny = true;
        for (const r of pending) if (hitBy(r.test, path, withoutTop)) onlyExcluded.add(r);
        return false;
      }
      if (!inc) return true;
      if (hitBy(inc, path, withoutTop)) return true;
      // Keep the folders that lead to an included path, so node-tar can create them.
      return prefixes.some(
        (prefix) =>
          prefix.startsWith(`${path}/`) || (withoutTop !== '' && prefix.startsWith(`${withoutTop}/`)),
      );
    },
    wrote(raw, directory = raw.endsWith('/')) {
      if (!directory) wroteContent = true;
      if (pending.size === 0) return;
      const { path, withoutTop } = split(raw);
      for (const r of pending) if (hitBy(r.test, path, withoutTop)) pending.delete(r);
    },
    unmatched(label) {
      const quote = (patterns: readonly string[]): string => patterns.map((p) => `"${p}"`).join(', ');
      const s = (n: number): string => (n === 1 ? '' : 's');
      const what: string[] = [];
      if (pending.size > 0) {
        const none = [...pending].filter((r) => !onlyExcluded.has(r)).map((r) => r.pattern);
        const excluded = [...pending].filter((r) => onlyExcluded.has(r)).map((r) => r.pattern);
        if (none.length)
          what.push(`Nothing in ${label} matches the include pattern${s(none.length)} ${quote(none)}.`);
        if (excluded.length)
          what.push(
            `Everything the include pattern${s(excluded.length)} ${quote(excluded)} match${excluded.length === 1 ? 'es' : ''} in ${label} is left out by the exclude patterns.`,
          );
      } else if (excludedAny && !wroteContent) {
        const given = [...new Set(exclude)];
        what.push(
          `The exclude pattern${s(given.length)} ${quote(given)} leave${given.length === 1 ? 's' : ''} out everything in ${label}.`,
        );
      }
      if (what.length === 0) return null;
      const list = (names: Set<string>): string =>
        [...names].slice(0, HINT_NAMES).join(', ') + (names.size > HINT_NAMES ? ', …' : '');
      const [top] = tops;
      const hint =
        tops.size === 1 && top && second.size > 0
          ? ` Patterns name paths inside the top folder ${top}/, such as ${examples(top, folder)}; ${top}/ holds ${list(second)}.`
          : tops.size > 0
            ? ` Patterns name paths inside the archive, whose top level holds ${list(tops)}.`
            : ` ${label[0]?.toUpperCase()}${label.slice(1)} is empty.`;
      return new LifeboatError(
        'invalid-request',
        `${what.join(' ')}${hint} Nothing from it was put in place.`,
      );
    },
  };
}
