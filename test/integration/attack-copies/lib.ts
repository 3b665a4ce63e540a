// Shared set-up of the attack-copies tests: a throwaway HOME, trash and data folder per test, real `lifeboat pull
// --demo` restores, and registry files written the way an attacker (or a stale tool) would write them.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { copyIdOf, type StoredCopy } from '../../../electron/services/copies/registry';
import type { LocalCopy } from '../../../shared/models';
import { lifeboat, type CliResult } from '../../helpers/cli';
import { noXdgTrash } from '../../helpers/platform';

export interface Scratch {
  readonly dir: string;
  readonly home: string;
  readonly data: string;
  readonly trash: string;
  readonly env: NodeJS.ProcessEnv;
  run(args: readonly string[]): Promise<CliResult>;
  /** A real restore of the demo site (files only: quick) into `to`; returns the copy's folder. */
  pull(site: string, to: string, ...more: string[]): Promise<string>;
  list(): Promise<LocalCopy[]>;
  /**
   * Expects `count` folders in the trash. Checked on Linux only, where the trash follows XDG_DATA_HOME (this
   * test's own); on macOS and Windows it is the system's, and the caller's own checks that the folder left (or
   * stayed in) its place stand alone.
   */
  expectTrashed(count: number): Promise<void>;
  /** Writes a registry file for `path` as Lifeboat would, from `like`'s fields. */
  forge(path: string, like: StoredCopy): Promise<void>;
  cleanup(): Promise<void>;
}

export async function scratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-attack-copies-'));
  const home = join(dir, 'home');
  await mkdir(home);
  const data = join(dir, 'data');
  const trash = join(home, '.local', 'share', 'Trash', 'files');
  // USERPROFILE: Windows's home folder (os.homedir() reads it there, not HOME).
  const env = {
    LIFEBOAT_DATA_DIR: data,
    HOME: home,
    USERPROFILE: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
  };
  const run = (args: readonly string[]) => lifeboat(args, env);
  return {
    dir,
    home,
    data,
    trash,
    env,
    run,
    async pull(site, to, ...more) {
      const r = await run(['--demo', 'pull', site, '--to', to, '--element', 'files', ...more]);
      expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
      return join(to, site.replace('.', '-'));
    },
    async list() {
      const r = await run(['copies', '--json']);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as LocalCopy[];
    },
    async expectTrashed(count) {
      if (noXdgTrash === null) expect(await readdir(trash).catch(() => [])).toHaveLength(count);
    },
    async forge(path, like) {
      const id = copyIdOf(path);
      await mkdir(join(data, 'copies'), { recursive: true });
      await writeFile(
        join(data, 'copies', `${id}.json`),
        JSON.stringify({ version: 1, copy: { ...like, id, path } }),
      );
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The stored fields of a listed copy (what a registry file holds). */
export function stored(c: LocalCopy): StoredCopy {
  const { state: _state, newerBackup: _newer, ...rest } = c;
  return rest;
}

export const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
