import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Element } from '@shared/models';
import { MIRROR_MANIFEST, type MirrorManifest } from '../../electron/services/mirror/layout';
import { mirrorOnce, mirrorSandbox, readManifest } from './mirror';

/**
 * Mirrors for offline-restore tests: one real mirror of acme-blog's live environment, made once with the real
 * engine against the sandbox (which is then closed, so whatever restores from it has no Pantheon to reach), and
 * copies of it that a test may change.
 */

/** A mirror made by `mirrorEnvironment`, with the sandbox that served it already closed. */
export interface MadeMirror {
  /** The mirror's root. */
  readonly root: string;
  /** `root/acme-blog/live`. */
  readonly envDir: string;
  /** The set folder, `envDir/<set>`. */
  readonly setDir: string;
  readonly manifest: MirrorManifest;
  remove(): Promise<void>;
}

/** Mirrors acme-blog.live (all three elements) from a sandbox of its own, closed before this returns. */
export async function mirrorAcmeLive(): Promise<MadeMirror> {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-offline-mirror-'));
  const { sandbox, client } = await mirrorSandbox();
  try {
    const r = await mirrorOnce(client, 'acme-blog', 'live', root);
    if (!r.path) throw new Error(`The mirror made no set: ${JSON.stringify(r)}`);
    return {
      root,
      envDir: dirname(r.path),
      setDir: r.path,
      manifest: await readManifest(r.path),
      remove: () => rm(root, { recursive: true, force: true }),
    };
  } finally {
    await sandbox.close();
  }
}

/** A copy of a made mirror under `parent` (the same layout), for a test that changes it. */
export async function copyMirror(made: MadeMirror, parent: string): Promise<MadeMirror> {
  const root = join(parent, 'mirror');
  await cp(made.root, root, { recursive: true, verbatimSymlinks: true });
  const moved = (p: string): string => join(root, p.slice(made.root.length));
  return {
    root,
    envDir: moved(made.envDir),
    setDir: moved(made.setDir),
    manifest: made.manifest,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** The path of an element's archive in a set folder, as its manifest names it. */
export async function archivePath(setDir: string, element: Element): Promise<string> {
  const m = await readManifest(setDir);
  const a = m.archives.find((x) => x.element === element);
  if (!a) throw new Error(`${setDir} has no ${element} archive.`);
  return join(setDir, a.filename);
}

/**
 * Puts `bytes` in a set as an element's archive, with the manifest saying their size and sha256: what the mirror
 * writes when Pantheon serves those bytes (a hostile archive passes the mirror's checks: it verifies transfers and
 * gzip streams, not what a tar holds). Returns the archive's path.
 */
export async function replaceArchive(setDir: string, element: Element, bytes: Buffer): Promise<string> {
  const m = await readManifest(setDir);
  const a = m.archives.find((x) => x.element === element);
  if (!a) throw new Error(`${setDir} has no ${element} archive.`);
  const path = join(setDir, a.filename);
  await writeFile(path, bytes);
  const next: MirrorManifest = {
    ...m,
    archives: m.archives.map((x) =>
      x === a
        ? { ...x, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), md5: null }
        : x,
    ),
  };
  await writeFile(join(setDir, MIRROR_MANIFEST), JSON.stringify(next, null, 2));
  return path;
}

/** Rewrites a set's manifest as JSON, changed by `change` (no validation: for hostile manifests). */
export async function editManifest(
  setDir: string,
  change: (m: Record<string, unknown>) => unknown,
): Promise<void> {
  const path = join(setDir, MIRROR_MANIFEST);
  const m = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeFile(path, JSON.stringify(change(m) ?? m, null, 2));
}
