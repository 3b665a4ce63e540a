import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { LifeboatError } from '../errors';
import { exists, isDir } from '../fs-util';

/**
 * The one simple-git factory: v4 strips GIT_* variables from the environment of every git it runs (so a
 * user's GIT_DIR cannot redirect Lifeboat) and refuses config writes; git never prompts.
 */
export function gitAt(dir: string, signal?: AbortSignal): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 2,
    trimmed: true,
    ...(signal ? { abort: signal } : {}),
    config: ['advice.detachedHead=false'],
  });
}

/** Maps a git failure to a LifeboatError worded for a person. */
function gitError(e: unknown, what: string): LifeboatError {
  if (e instanceof LifeboatError) return e;
  const message = e instanceof Error ? e.message.trim().split('\n').slice(0, 3).join(' ') : String(e);
  if (/abort/i.test((e as Error)?.name ?? ''))
    return new LifeboatError('cancelled', `Cancelled while ${what}.`);
  return new LifeboatError('io', `git failed while ${what}: ${message}`);
}

/** Where a repository is inside an extracted code archive, and whether it is bare. */
export interface FoundRepository {
  readonly path: string;
  readonly bare: boolean;
}

/**
 * Finds the git repository inside an extracted code archive without assuming the top folder's name:
 * breadth-first, a few levels deep, a working tree (`.git` inside) or a bare repository.
 */
export async function findRepository(root: string, maxDepth = 3): Promise<FoundRepository> {
  let level = [root];
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (await exists(join(dir, '.git'))) return { path: dir, bare: false };
      if (
        (await exists(join(dir, 'HEAD'))) &&
        (await isDir(join(dir, 'objects'))) &&
        (await isDir(join(dir, 'refs')))
      )
        return { path: dir, bare: true };
      for (const d of await readdir(dir, { withFileTypes: true }))
        if (d.isDirectory() && d.name !== '.git') next.push(join(dir, d.name));
    }
    level = next.sort();
  }
  throw new LifeboatError('integrity', 'The code archive does not contain a git repository.');
}

/** The ref to restore for an environment, and why it was chosen. */
export interface ChosenRef {
  /** What git checks out: a tag name or a branch (local or remote-tracking). */
  readonly ref: string;
  readonly tag: string | null;
  readonly commit: string;
}

/** The newest `pantheon_<env>_N` tag by numeric N (so 12 beats 9), or null. */
export function newestDeployTag(tags: readonly string[], env: string): string | null {
  const re = new RegExp(`^pantheon_${env}_(\\d+)$`);
  let best: { tag: string; n: number } | null = null;
  for (const t of tags) {
    const m = re.exec(t);
    if (m && (!best || Number(m[1]) > best.n)) best = { tag: t, n: Number(m[1]) };
  }
  return best?.tag ?? null;
}

/**
 * Chooses what to check out: test and live use the environment's deploy tag (its `target_ref` when the
 * repository has it, else the newest `pantheon_<env>_N`); dev uses its branch (master); a multidev its branch.
 */
export async function chooseRef(
  repo: string,
  env: string,
  targetRef: string | null,
  signal?: AbortSignal,
): Promise<ChosenRef> {
  const git = gitAt(repo, signal);
  try {
    const tags = (await git.raw(['tag', '--list'])).split('\n').filter(Boolean);
    const branches = (await git.raw(['for-each-ref', '--format=%(refname)', 'refs/heads', 'refs/remotes']))
      .split('\n')
      .filter(Boolean);
    const commitOf = async (ref: string): Promise<string> =>
      (await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    if (env === 'test' || env === 'live') {
      const fromTarget = targetRef?.startsWith('refs/tags/') ? targetRef.slice('refs/tags/'.length) : null;
      const tag = fromTarget && tags.includes(fromTarget) ? fromTarget : newestDeployTag(tags, env);
      if (!tag) {
        throw new LifeboatError(
          'not-found',
          `The code archive has no pantheon_${env}_N tag: ${env} has never been deployed, so there is nothing to check out.`,
        );
      }
      return { ref: tag, tag, commit: await commitOf(`refs/tags/${tag}`) };
    }
    const wanted = targetRef?.startsWith('refs/heads/')
      ? targetRef.slice('refs/heads/'.length)
      : env === 'dev'
        ? 'master'
        : env;
    for (const candidate of [`refs/heads/${wanted}`, `refs/remotes/origin/${wanted}`]) {
      if (branches.includes(candidate))
        return { ref: candidate.replace(/^refs\/heads\//, ''), tag: null, commit: await commitOf(candidate) };
    }
    throw new LifeboatError(
      'not-found',
      `The code archive has no branch "${wanted}" for the ${env} environment.`,
    );
  } catch (e) {
    throw gitError(e, 'choosing what to check out');
  }
}

/** The default branch name for a restore: `lifeboat/<env>-<YYYY-MM-DD>`. */
export const defaultBranchName = (env: string, date = new Date()): string =>
  `lifeboat/${env}-${date.toISOString().slice(0, 10)}`;

/** Checks a branch name as git would (`git check-ref-format --branch`); an `invalid-request` error says why not. */
export async function validateBranchName(name: string): Promise<void> {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed !== name || trimmed.startsWith('-')) {
    throw new LifeboatError(
      'invalid-request',
      `"${name}" is not a valid branch name: no leading dash, spaces at either end, or empty names.`,
    );
  }
  try {
    await simpleGit().raw(['check-ref-format', '--branch', name]);
  } catch {
    throw new LifeboatError(
      'invalid-request',
      `"${name}" is not a valid branch name (git refuses names with spaces, "..", "~", "^", ":", "?", "*", "[", a trailing "/" or ".lock").`,
    );
  }
}

/** True if `branch` exists in the repository. */
export async function branchExists(repo: string, branch: string): Promise<boolean> {
  // for-each-ref prints nothing for a missing ref (show-ref's exit code alone does not reach simple-git).
  const out = await gitAt(repo).raw(['for-each-ref', '--format=%(refname)', `refs/heads/${branch}`]);
  return out.split('\n').includes(`refs/heads/${branch}`);
}

/**
 * Creates `branch` at `ref` and, when asked, checks it out. An existing branch of that name is a `conflict`
 * that names it; nothing is overwritten.
 */
export async function createBranch(
  repo: string,
  branch: string,
  ref: string,
  options: { checkout: boolean; signal?: AbortSignal },
): Promise<void> {
  await validateBranchName(branch);
  if (await branchExists(repo, branch)) {
    throw new LifeboatError(
      'conflict',
      `The branch "${branch}" already exists in ${repo}. Choose another branch name.`,
    );
  }
  const git = gitAt(repo, options.signal);
  try {
    if (options.checkout) await git.raw(['checkout', '-b', branch, ref]);
    else await git.raw(['branch', branch, ref]);
  } catch (e) {
    throw gitError(e, `creating the branch ${branch}`);
  }
}

/** Uncommitted changes of a working tree (porcelain lines), empty when clean. */
export async function uncommittedChanges(repo: string): Promise<string[]> {
  return (await gitAt(repo).raw(['status', '--porcelain'])).split('\n').filter(Boolean);
}

/**
 * "Into my existing clone": fetches the restored repository's branches (as `refs/remotes/<remote>/*`) and
 * tags into the user's repository and creates `branch` there at the environment's ref. The user's working
 * tree and current branch stay as they were unless `checkout` is asked, which is refused on a dirty tree.
 * A tag that exists with different content is a `conflict`, never overwritten.
 */
export async function importIntoClone(options: {
  readonly restoredRepo: string;
  readonly clone: string;
  readonly chosen: ChosenRef;
  readonly branch: string;
  readonly checkout: boolean;
  readonly remoteName?: string;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const { clone, branch, chosen } = options;
  const remote = options.remoteName ?? 'lifeboat';
  const git = gitAt(clone, options.signal);
  try {
    const top = (await git.raw(['rev-parse', '--show-toplevel'])).trim();
    if (!top) throw new Error('not a work tree');
  } catch {
    throw new LifeboatError(
      'invalid-request',
      `${clone} is not a git working tree. Point at the folder of your existing clone.`,
    );
  }
  await validateBranchName(branch);
  if (await branchExists(clone, branch))
    throw new LifeboatError(
      'conflict',
      `The branch "${branch}" already exists in ${clone}. Choose another branch name.`,
    );
  if (options.checkout) {
    const dirty = await uncommittedChanges(clone);
    if (dirty.length > 0) {
      throw new LifeboatError(
        'conflict',
        `${clone} has ${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'}; commit or stash them first, or restore without checking out.`,
      );
    }
  }
  try {
    await git.raw([
      'fetch',
      '--no-tags',
      options.restoredRepo,
      `+refs/heads/*:refs/remotes/${remote}/*`,
      'refs/tags/*:refs/tags/*',
    ]);
  } catch (e) {
    const msg = (e as Error).message;
    if (/would clobber existing tag|rejected/.test(msg)) {
      const tag = /\[rejected\]\s+(\S+)/.exec(msg)?.[1];
      throw new LifeboatError(
        'conflict',
        `Your clone already has the tag ${tag ?? '(a deploy tag)'} pointing elsewhere; Lifeboat will not move it. Rename or delete that tag and try again.`,
      );
    }
    throw gitError(e, 'fetching the restored repository into your clone');
  }
  const ref = chosen.tag
    ? `refs/tags/${chosen.tag}`
    : `refs/remotes/${remote}/${chosen.ref.replace(/^refs\/remotes\/origin\//, '')}`;
  try {
    if (options.checkout) await git.raw(['checkout', '-b', branch, ref]);
    else await git.raw(['branch', branch, ref]);
  } catch (e) {
    throw gitError(e, `creating the branch ${branch} in your clone`);
  }
}

/** Clones a bare repository into a working tree (a code archive may hold a bare repository). */
export async function cloneBare(bare: string, into: string, signal?: AbortSignal): Promise<void> {
  try {
    await simpleGit({ ...(signal ? { abort: signal } : {}) }).raw([
      'clone',
      '--quiet',
      '--no-checkout',
      bare,
      into,
    ]);
  } catch (e) {
    throw gitError(e, 'unpacking the repository');
  }
}
