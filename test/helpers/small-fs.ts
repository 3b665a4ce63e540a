import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real, tiny file system (tmpfs) to fill up: writes past its size fail with ENOSPC, as on a full disk. */
export interface SmallFs {
  readonly dir: string;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `mib` MiB on a fresh temporary folder (needs root, or CAP_SYS_ADMIN). */
export async function mountSmallFs(mib: number): Promise<SmallFs> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-smallfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${mib}M,mode=0755`, 'tmpfs', dir]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    async unmount() {
      // Lazy, so a file a failed test left open cannot keep the mount (and the folder) around.
      await run('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let probed: Promise<string | null> | undefined;

/** Why a small file system cannot be mounted here, or null when it can (tried once per process). */
export function smallFsUnavailable(): Promise<string | null> {
  probed ??= (async () => {
    if (process.platform !== 'linux') return `mounting a tmpfs needs Linux (this is ${process.platform})`;
    try {
      await (await mountSmallFs(1)).unmount();
      return null;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      const why = (err.stderr || err.message).trim();
      return `mounting a tmpfs is not permitted here (it needs root or CAP_SYS_ADMIN: ${why})`;
    }
  })();
  return probed;
}
