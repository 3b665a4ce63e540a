import picomatch from 'picomatch';

/** A compiled set of include/exclude globs for archive paths. */
export interface PathFilter {
  (path: string): boolean;
}

function compile(patterns: readonly string[]): ((path: string) => boolean) | null {
  const cleaned = patterns.map((p) => p.trim().replace(/^\.\//, '')).filter(Boolean);
  if (cleaned.length === 0) return null;
  // "dir/" or "dir" also means everything below it.
  const expanded = cleaned.flatMap((p) => (p.endsWith('/') ? [p.slice(0, -1), `${p}**`] : [p, `${p}/**`]));
  return picomatch(expanded, { dot: true });
}

/**
 * Include/exclude matching for archive entries. A pattern may name the path with its top folder
 * (`files_live/2024/`) or without it (`styles/`); `dir/` and `dir` both cover everything below.
 * Exclude wins over include; no include means everything.
 */
export function pathFilter(include: readonly string[] = [], exclude: readonly string[] = []): PathFilter {
  const inc = compile(include);
  const exc = compile(exclude);
  return (raw: string) => {
    const path = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    if (path === '' || path === '.') return true;
    const withoutTop = path.includes('/') ? path.slice(path.indexOf('/') + 1) : '';
    const hit = (m: (p: string) => boolean): boolean => m(path) || (withoutTop !== '' && m(withoutTop));
    if (exc && hit(exc)) return false;
    if (!inc) return true;
    // Keep the folders that lead to an included path, so node-tar can create them.
    if (hit(inc)) return true;
    return include.some((p) => {
      const prefix = p.trim().replace(/^\.\//, '').replace(/\/+$/, '');
      return prefix.startsWith(`${path}/`) || (withoutTop !== '' && prefix.startsWith(`${withoutTop}/`));
    });
  };
}
