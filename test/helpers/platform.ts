// What a test needs from the system it runs on, for the CI runners this machine cannot be (macOS, Windows): a test
// that needs something the system lacks skips, with the reason at the end of its name, where `npm test`'s closing
// summary (test/run-all.mjs) reads it. On a system that has everything the name is unchanged.
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it, type TestFunction } from 'vitest';

export const onWindows = process.platform === 'win32';
export const onMac = process.platform === 'darwin';
const onLinux = process.platform === 'linux';

/** Why a test cannot run here (a reason for its name), or null when it can. */
export type Missing = string | null;

/** Scripts with a `#!` line started by name (a stand-in git, editor or terminal): Windows runs no such file. */
export const noShellScripts: Missing = onWindows ? 'Windows cannot start a #! script as a program' : null;
/** A POSIX shell at /bin/sh (`sh -c ...`). */
export const noSh: Missing = onWindows ? 'Windows has no POSIX shell at /bin/sh' : null;
/** A named pipe as a file in a folder (mkfifo). */
export const noFifos: Missing = onWindows
  ? 'Windows has no mkfifo: its named pipes are not files in a folder'
  : null;
/** POSIX permission bits (0o600, setuid) as `stat().mode` reports them. */
export const noPermissionBits: Missing = onWindows
  ? 'Windows has no POSIX permission bits: stat().mode is made up from the read-only flag'
  : null;
/** Linux's /proc (a process's parent, descriptors, threads). */
export const noProc: Missing = existsSync('/proc/self/stat')
  ? null
  : `needs Linux's /proc, which ${process.platform} has not`;
/** XDG_DATA_HOME as where the trash goes (the `trash` package follows it on Linux only). */
export const noXdgTrash: Missing = onLinux
  ? null
  : `the trash on ${process.platform} is the system's own, not under XDG_DATA_HOME`;

let symlinks: Missing | undefined;
/**
 * Symbolic links: Windows lets only an administrator (or Developer Mode) make one, and fs.symlink fails with
 * EPERM otherwise. Tried once, in a temporary folder, so a privileged Windows runner still runs these tests.
 */
export function noSymlinks(): Missing {
  if (symlinks !== undefined) return symlinks;
  if (!onWindows) return (symlinks = null);
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-symlink-probe-'));
  try {
    writeFileSync(join(dir, 'target'), '');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    symlinks = null;
  } catch (e) {
    symlinks = `Windows lets only an administrator or Developer Mode make symbolic links: ${(e as NodeJS.ErrnoException).code}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return symlinks;
}

/** The first reason among `reasons`, or null when none is missing. */
export const firstMissing = (...reasons: Missing[]): Missing => reasons.find((r) => r !== null) ?? null;

/** `name`, with `why` at its end when the test skips for it (where run-all.mjs's summary finds the reason). */
const named = (name: string, why: Missing): string => (why === null ? name : `${name} (${why})`);

/** `it` when nothing is missing; otherwise the test skips, with `why` at the end of its name. */
export function itUnless(why: Missing) {
  return <C extends object>(name: string, fn: TestFunction<C>, timeout?: number): void =>
    it.skipIf(why !== null)<C>(named(name, why), fn, timeout);
}

/** `describe` when nothing is missing; otherwise every test in it skips, `why` in its full name (after the describe's). */
export function describeUnless(why: Missing) {
  return (name: string, fn: () => void): void => void describe.skipIf(why !== null)(named(name, why), fn);
}

/**
 * The first `name` on PATH, as a shell would find it (with PATHEXT's extensions on Windows), or null: a portable
 * `command -v` for tests that point Lifeboat at this machine's own git or database client.
 */
export function onPath(name: string): string | null {
  const exts = onWindows ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? process.env.Path ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext.toLowerCase());
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  return null;
}
