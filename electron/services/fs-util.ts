import { rm, stat } from 'node:fs/promises';

/** True if something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True if `path` is a directory. */
export async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Removes a folder Lifeboat staged, retrying while a stopped extractor's last writes land (ENOTEMPTY), and
 * never failing the caller: cleanup must not hide the error that made it necessary.
 */
export async function removeStaged(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
}
