import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, rename, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LifeboatError } from '../errors';
import { namesCopy } from './files';

/** Moves `path` to the OS trash; `originalPath` is where the person had it (what "Restore" should put back). */
export type Trash = (path: string, originalPath: string) => Promise<void>;

/** The `trash` package, loaded before a remove starts so that nothing is left to load between its checks. */
export async function osTrash(): Promise<Trash> {
  const { default: trash } = await import('trash');
  return async (path, originalPath) => {
    // glob: false, or a folder named with * or [ would be read as a pattern and could match others.
    const done: unknown = await trash([path], { glob: false });
    await pointTrashInfoAt(done, originalPath);
  };
}

/**
 * On Linux the package returns the `.trashinfo` it wrote, which records the path it was given: the aside (see
 * {@link trashCopyFolder}). It is pointed at the folder's own path, so that the trash shows and restores it
 * where the person had it. Best effort: the folder is in the trash either way. (macOS and Windows keep the
 * aside's folder as the original location: the trash still shows the folder's own name.)
 */
async function pointTrashInfoAt(done: unknown, originalPath: string): Promise<void> {
  if (!Array.isArray(done)) return;
  for (const d of done as unknown[]) {
    const info = (d as { info?: unknown } | null)?.info;
    if (typeof info !== 'string' || !info.endsWith('.trashinfo')) continue;
    try {
      const text = await readFile(info, 'utf8');
      await writeFile(
        info,
        text.replace(/^Path=.*$/m, () => `Path=${encodeURI(originalPath)}`),
      );
    } catch {
      // Left as the package wrote it.
    }
  }
}

const sameNode = (a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean =>
  a.dev === b.dev && a.ino === b.ino;
const gone = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => false,
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
  );

/**
 * Moves a copy's folder to the trash, sure that what goes is that folder and nothing else. The trash moves a
 * folder by its path, later, so a check of `<path>/lifeboat.json` alone is not enough: a parent swapped for a
 * link in between (by anyone who can write there, or a tool renaming folders at that moment) would make it
 * move another folder of the same name. So:
 * 1. The parent's real path (no links) is resolved, and the folder in it is checked: a real folder (lstat, not a
 *    link) whose lifeboat.json names the copy. Its device and inode are what "the copy" is from here on.
 * 2. The folder is renamed into a new folder with a random name beside it, `<parent>/.lifeboat-removing-<random>/
 *    <name>`: one rename in one folder of one disk, atomic, never a copy. Nobody knew that name before, so
 *    whatever is found there afterwards is what this rename moved.
 * 3. What arrived is checked again: a real folder with the device and inode of step 1 and a lifeboat.json still
 *    naming the copy. If it is anything else (the parent changed between 1 and 2), it is renamed back and the
 *    remove refused; nothing went to the trash.
 * 4. Only then is it handed to the trash, by a path that names nothing but the copy. Afterwards the aside folder
 *    must be the one made in step 2 and empty: then the copy is in the trash. If the trash failed or left it,
 *    it is renamed back to its path; if the folders around it changed, the error says where it is. Success is
 *    never reported for a folder that did not go.
 * `guard` refuses (throws) a real path that is never a copy, whatever its lifeboat.json says.
 */
export async function trashCopyFolder(
  copy: { readonly path: string; readonly site: { readonly id: string }; readonly env: string },
  trash: Trash,
  guard: (realPath: string) => void,
): Promise<void> {
  const changed = (what: string): LifeboatError =>
    new LifeboatError(
      'conflict',
      `${copy.path} changed while it was being removed (${what}); nothing went to the trash. Look at it and try again.`,
    );
  const name = basename(copy.path);
  const parent = await realpath(dirname(copy.path)).catch(() => null);
  if (parent === null) throw changed('its parent folder is gone');
  const at = join(parent, name);
  guard(at);
  const before = await lstat(at).catch(() => null);
  if (!before?.isDirectory()) throw changed('it is not a folder there any more');
  if (!(await namesCopy(at, copy))) throw changed('its lifeboat.json no longer names this copy');

  const aside = join(parent, `.lifeboat-removing-${randomBytes(6).toString('hex')}`);
  const moved = join(aside, name);
  try {
    await mkdir(aside, { mode: 0o700 });
  } catch (e) {
    throw new LifeboatError(
      'io',
      `${copy.path} could not be moved to the trash: ${(e as Error).message}. Nothing was moved.`,
    );
  }
  const box = await lstat(aside).catch(() => null);
  if (!box?.isDirectory()) {
    await rmdir(aside).catch(() => undefined);
    throw changed('its folder changed');
  }
  try {
    await rename(at, moved);
  } catch (e) {
    await rmdir(aside).catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw changed('it is not there any more');
    throw new LifeboatError(
      'io',
      `${copy.path} could not be moved to the trash: ${(e as Error).message}. Nothing was moved.`,
    );
  }
  /** Renames what step 2 moved back to where it was; says where it is when that fails. */
  const putBack = async (): Promise<string> => {
    try {
      if (!(await gone(at))) throw new Error('something else is there now');
      await rename(moved, at);
      await rmdir(aside).catch(() => undefined);
      return '';
    } catch {
      return ` It could not be put back and is now in ${moved}.`;
    }
  };

  let verified: boolean;
  try {
    const arrived = await lstat(moved);
    verified = arrived.isDirectory() && sameNode(arrived, before) && (await namesCopy(moved, copy));
  } catch {
    verified = false;
  }
  if (!verified) {
    const where = await putBack();
    throw new LifeboatError(
      'conflict',
      `${copy.path} changed while it was being removed (another folder took its place); nothing went to the trash.${where} Look at it and try again.`,
    );
  }

  try {
    await trash(moved, at);
  } catch (e) {
    const where = await putBack();
    throw new LifeboatError(
      'io',
      `${copy.path} could not be moved to the trash: ${(e as Error).message}. Nothing was deleted.${where}`,
    );
  }
  const boxNow = await lstat(aside).catch(() => null);
  if (boxNow && sameNode(boxNow, box)) {
    if (await gone(moved)) {
      await rmdir(aside).catch(() => undefined);
      return;
    }
    const where = await putBack();
    throw new LifeboatError(
      'io',
      `${copy.path} could not be moved to the trash (the system has no trash for that disk); it was left as it was.${where}`,
    );
  }
  throw new LifeboatError(
    'io',
    `Lifeboat cannot tell whether ${copy.path} went to the trash: the folders around it changed while it was being moved. Look for it in the trash and in ${aside}; it is still in the list.`,
  );
}
