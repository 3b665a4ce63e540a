import { lstat, opendir, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { LifeboatError } from '../errors';
import { isAtOrInside, nameProblem } from '../paths/path-rules';

/** How many symbolic links one lookup may follow before the kernel gives up with ELOOP (Linux's limit). */
const MAX_LINK_HOPS = 40;

/** Where a symbolic link leads once resolved as the kernel would, relative to the tree it lives in. */
export type LinkResolution =
  | { readonly kind: 'inside'; readonly path: string }
  | { readonly kind: 'outside' }
  | { readonly kind: 'loop' };

/** The parts of a slash-separated relative path, without empty and `.` parts (`..` is kept). */
export function pathParts(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/**
 * Resolves the symbolic link at `linkPath` (relative to a tree's root, its folders free of links) pointing to
 * `target`, component by component as the kernel does: a component that is itself a link is replaced by that
 * link's target, read from its own folder, and `..` goes up from where the walk really is, not from the text.
 * `a/..` through a link `a -> ..` is therefore the root's parent, which a textual `normalize` calls the root.
 * `links` answers the target of a link at a root-relative path, or undefined for anything else (a folder, a
 * file, or nothing yet: a name that does not exist is treated as a plain folder, which is what it would be if it
 * appeared, and only a later link there could change that). `visit` sees every path looked up.
 */
export function resolveLink(
  linkPath: string,
  target: string,
  links: (path: string) => string | undefined,
  visit?: (path: string) => void,
): LinkResolution {
  const at = pathParts(linkPath);
  at.pop();
  // Components still to walk, last first so pop() takes the next one.
  const todo: string[] = [];
  const push = (t: string): boolean => {
    if (t.startsWith('/')) return false;
    const parts = pathParts(t);
    for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i] as string);
    return true;
  };
  if (!push(target)) return { kind: 'outside' };
  let hops = 0;
  for (let c = todo.pop(); c !== undefined; c = todo.pop()) {
    if (c === '..') {
      if (at.length === 0) return { kind: 'outside' };
      at.pop();
      continue;
    }
    const here = at.length ? `${at.join('/')}/${c}` : c;
    visit?.(here);
    const next = links(here);
    if (next === undefined) {
      at.push(c);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return { kind: 'loop' };
    // The link's target is read from the link's own folder, which is where `at` already is.
    if (!push(next)) return { kind: 'outside' };
  }
  return { kind: 'inside', path: at.join('/') };
}

/** One folder level of {@link TreeLinks}' index of link paths. */
interface LinkNode {
  link: boolean;
  /** Links at this node and below. */
  below: number;
  readonly children: Map<string, LinkNode>;
}

const newNode = (): LinkNode => ({ link: false, below: 0, children: new Map() });

/** Bounds the total work of resolving links (characters looked up), so a crafted archive cannot stall us. */
const MAX_LOOKUP_WORK = 256 * 1024 * 1024;

class TooComplex extends Error {}

/** A path looked up that is not a link as spelled, but folds onto one (see {@link TreeLinks}). */
class OtherSpelling extends Error {
  constructor(
    readonly path: string,
    readonly link: string,
  ) {
    super(path);
  }
}

/**
 * The links of a tree being extracted, kept in memory so every entry can be checked against what the tree
 * will really be (component by component, as the kernel resolves it) without a system call per entry. Each
 * link's resolution remembers the paths it looked up; when one of those paths later becomes (or stops being) a
 * link, only the links that depend on it are resolved again. Paths are root-relative, slash-separated and
 * normalized (no empty, `.` or `..` parts).
 *
 * Where the file system takes names that differ in case or accents for one (Windows, macOS: give `fold`, see
 * paths/path-rules.ts), the model stays exact and refuses whatever only a fold would make a link's: an entry
 * written through `X/` when the link is `x`, a link target walking through such a spelling, a second name for a
 * link. The disk may or may not take them for the link, so the model could not tell where they lead.
 */
export class TreeLinks {
  readonly #links = new Map<string, string>();
  /** The link paths as a tree of components, so a path is checked in one walk over its parts. */
  readonly #root = newNode();
  /** Path looked up (folded, with `fold`) -> the links whose resolution looked it up. */
  readonly #dependents = new Map<string, Set<string>>();
  /** Link -> the paths its last resolution looked up. */
  readonly #lookups = new Map<string, string[]>();
  /** With `fold`: a link's folded path -> its path. */
  readonly #folded = new Map<string, string>();
  readonly #fold: ((name: string) => string) | null;
  #work = 0;

  constructor(fold?: (name: string) => string) {
    this.#fold = fold ?? null;
  }

  /** How many symbolic links the tree holds. */
  get size(): number {
    return this.#links.size;
  }

  /** Whether `path` is a symbolic link (with `fold`: or may be one, spelled another way). */
  isLink(path: string): boolean {
    return this.#links.has(path) || (this.#fold !== null && this.#folded.has(this.#fold(path)));
  }

  /** The first folder of `path` that is a symbolic link, or null: an entry there would be written through it. */
  linkOnPath(path: string): string | null {
    if (this.#links.size === 0) return null;
    const parts = path.split('/');
    let node = this.#root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node.children.get(parts[i] as string);
      if (!next || next.below === 0) return this.#foldedLinkOnPath(path);
      if (next.link) return parts.slice(0, i + 1).join('/');
      node = next;
    }
    return this.#foldedLinkOnPath(path);
  }

  /** A link that a folder of `path` may be on a file system that folds names (see the class), or null. */
  #foldedLinkOnPath(path: string): string | null {
    if (!this.#fold) return null;
    // Folding never adds or removes a `/`, so the folded parts line up with the path's.
    const parts = this.#fold(path).split('/');
    let prefix = '';
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = i === 0 ? (parts[0] as string) : `${prefix}/${parts[i]}`;
      const link = this.#folded.get(prefix);
      if (link !== undefined) return link;
    }
    return null;
  }

  /** Why `path` cannot be recorded as spelled: a link's other spelling (with `fold`), or null. */
  #otherSpelling(path: string): string | null {
    const other = this.#fold ? this.#folded.get(this.#fold(path)) : undefined;
    return other !== undefined && other !== path
      ? `"${path}" and the link "${other}" are one name on this system (names differing in case or accents only)`
      : null;
  }

  /** Records a symbolic link at `path`; returns why the tree would then hold a link leading outside, or null. */
  addSymlink(path: string, target: string): string | null {
    const node = this.#node(path);
    if (node && node.below > (node.link ? 1 : 0)) {
      // Only possible over an empty folder (node-tar cannot remove a full one); refuse rather than model it.
      return `link "${path}" replaces a folder that holds links`;
    }
    const other = this.#otherSpelling(path);
    if (other) return other;
    if (!this.#links.has(path)) this.#mark(path, true);
    this.#links.set(path, target);
    if (this.#fold) this.#folded.set(this.#fold(path), path);
    return this.#changed(path);
  }

  /** Records that `path` is now a file or folder (replacing a link there, if any); as {@link addSymlink}. */
  setPlain(path: string): string | null {
    const other = this.#otherSpelling(path);
    if (other) return other;
    if (!this.#links.delete(path)) return null;
    if (this.#fold) this.#folded.delete(this.#fold(path));
    this.#mark(path, false);
    this.#forget(path);
    return this.#changed(path);
  }

  #node(path: string): LinkNode | undefined {
    let node: LinkNode | undefined = this.#root;
    for (const part of path.split('/')) node = node?.children.get(part);
    return node;
  }

  #mark(path: string, link: boolean): void {
    const delta = link ? 1 : -1;
    let node = this.#root;
    node.below += delta;
    for (const part of path.split('/')) {
      let next = node.children.get(part);
      if (!next) node.children.set(part, (next = newNode()));
      next.below += delta;
      node = next;
    }
    node.link = link;
  }

  /** The key a looked-up path is remembered under: folded when names fold, so any spelling of it finds it. */
  #key(path: string): string {
    return this.#fold ? this.#fold(path) : path;
  }

  /** Re-resolves the link at `path` (if any) and every link whose resolution looked `path` up. */
  #changed(path: string): string | null {
    const affected = new Set(this.#dependents.get(this.#key(path)));
    if (this.#links.has(path)) affected.add(path);
    for (const link of affected) {
      const target = this.#links.get(link);
      if (target === undefined) continue;
      this.#forget(link);
      const seen: string[] = [];
      let r: LinkResolution;
      try {
        r = resolveLink(
          link,
          target,
          (p) => {
            const exact = this.#links.get(p);
            if (exact === undefined && this.#fold && this.#folded.has(this.#fold(p)))
              throw new OtherSpelling(p, this.#folded.get(this.#fold(p)) as string);
            return exact;
          },
          (p) => {
            this.#work += p.length + 1;
            if (this.#work > MAX_LOOKUP_WORK) throw new TooComplex();
            seen.push(p);
          },
        );
      } catch (e) {
        if (e instanceof TooComplex) return `too many links depending on each other (at "${link}")`;
        if (e instanceof OtherSpelling)
          return `link "${link}" ("${target}") goes through "${e.path}", which this system may take for the link "${e.link}" (names differing in case or accents only)`;
        throw e;
      }
      this.#lookups.set(link, seen);
      for (const p of seen) {
        const key = this.#key(p);
        let set = this.#dependents.get(key);
        if (!set) this.#dependents.set(key, (set = new Set()));
        set.add(link);
      }
      if (r.kind === 'outside') {
        return link === path
          ? `link "${link}" points outside the archive ("${target}")`
          : `link "${link}" would point outside the archive ("${target}") once "${path}" is in place`;
      }
    }
    return null;
  }

  #forget(link: string): void {
    for (const p of this.#lookups.get(link) ?? []) this.#dependents.get(this.#key(p))?.delete(link);
    this.#lookups.delete(link);
  }
}

const hostile = (message: string): LifeboatError => new LifeboatError('hostile-archive', message);

/**
 * The absolute path for Lifeboat's own file or folder at `relative` (e.g. `database/x.sql.gz`) under a
 * restored tree, once every component that exists from `root` down has been checked (lstat) not to be a
 * symbolic link: a tree from an archive may hold one where Lifeboat is about to write, to send the write
 * elsewhere. Throws `hostile-archive` for a link or a path leaving `root`.
 */
export async function safePathInside(
  root: string,
  relative_: string,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  const raw = relative_.replace(/\\/g, '/');
  const parts = pathParts(raw);
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw) || parts.includes('..') || parts.length === 0)
    throw hostile(`"${relative_}" is not a path inside ${root}.`);
  // A name Windows cannot hold (`x:stream`, `con`, `name.`) would be made as given through Node's `\\?\` paths
  // and be out of reach for everything else, or (a `:`) write into a hidden stream of another file.
  for (const part of parts) {
    const why = nameProblem(part, platform);
    if (why) throw hostile(`"${relative_}" is not a path Lifeboat can write inside ${root}: ${why}.`);
  }
  const base = resolve(root);
  let at = base;
  for (const [i, part] of [null, ...parts].entries()) {
    if (part !== null) at = join(at, part);
    let st;
    try {
      st = await lstat(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
      throw e;
    }
    if (st.isSymbolicLink()) {
      throw hostile(
        `${at} is a symbolic link, so Lifeboat will not write ${parts.join('/')} through it. The restored files may come from a hostile archive; nothing was written there.`,
      );
    }
    if (i < parts.length && !st.isDirectory())
      throw new LifeboatError(
        'conflict',
        `${at} is a file where Lifeboat needs a folder for ${parts.join('/')}.`,
      );
  }
  return join(base, ...parts);
}

/**
 * Walks `root` (never following links) and fails with `hostile-archive` if any symbolic link in it leads
 * outside it: resolved in memory as the kernel would (dangling links included), and for links whose target
 * exists, with realpath too. The last check after extracting an archive, and before assembling a restore.
 */
export async function assertNoEscapingLinks(root: string): Promise<void> {
  const base = await realpath(root);
  const links = new Map<string, string>();
  const folders = [''];
  for (let rel = folders.pop(); rel !== undefined; rel = folders.pop()) {
    for await (const d of await opendir(rel ? join(base, rel) : base)) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isSymbolicLink()) links.set(p, await readlink(join(base, p)));
      else if (d.isDirectory()) folders.push(p);
    }
  }
  // The model is slash-separated, as tar paths are; only Windows also reads a backslash as a separator.
  const lookup = (p: string) => links.get(p);
  for (const [p, target] of links) {
    const t = process.platform === 'win32' ? target.replace(/\\/g, '/') : target;
    let outside = isAbsolute(target) || /^[a-zA-Z]:/.test(t) || resolveLink(p, t, lookup).kind === 'outside';
    if (!outside) {
      try {
        outside = !isAtOrInside(base, await realpath(join(base, p)));
      } catch {
        // Dangling or looping: nothing can be reached through it.
      }
    }
    if (outside)
      throw hostile(
        `The symbolic link ${join(root, p)} points outside ${root} ("${target}"); nothing was put in place.`,
      );
  }
}
