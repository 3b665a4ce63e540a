import { createHash } from 'node:crypto';
import { cp, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Element } from '@shared/models';
import type { Sandbox, SandboxOptions } from '../../electron/sandbox';
import { MIRROR_MANIFEST, MIRROR_PARTIAL, type MirrorManifest } from '../../electron/services/mirror/layout';
import { mirrorEnvironment } from '../../electron/services/mirror/mirror-env';
import type { MirrorEnvRequest, MirrorEnvResult } from '../../electron/services/mirror/types';
import type { PantheonClient } from '../../electron/services/pantheon/client';
import { LifeboatError } from '../../electron/services/errors';
import { clientFor, DANA, testSandbox } from './sandbox';
import { fastTransfer } from './transfer';

/** Every element, in the order the manifest lists them. */
export const ALL_ELEMENTS: readonly Element[] = ['code', 'database', 'files'];

/** A sandbox and a client for Dana (who sees acme-blog), for mirror tests. */
export async function mirrorSandbox(
  options: SandboxOptions = {},
): Promise<{ sandbox: Sandbox; client: PantheonClient }> {
  const sandbox = await testSandbox(options);
  return { sandbox, client: clientFor(sandbox, DANA) };
}

/** A fresh, empty folder for a mirror's root (under the system's temp folder), and its removal. */
export async function tempMirrorRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-mirror-'));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/**
 * Mirrors one environment of a site (by name) through `mirrorEnvironment`, with quick transfers and polls; the
 * request's other fields can be overridden (elements default to all three).
 */
export async function mirrorOnce(
  client: PantheonClient,
  siteName: string,
  env: string,
  root: string,
  overrides: Partial<Omit<MirrorEnvRequest, 'client' | 'site' | 'env' | 'root'>> = {},
): Promise<MirrorEnvResult> {
  const site = await client.getSite(siteName);
  return mirrorEnvironment({
    client,
    site,
    env,
    root,
    account: DANA,
    elements: ALL_ELEMENTS,
    transfer: fastTransfer(),
    pollMs: 10,
    ...overrides,
  });
}

/** The sandbox's archive downloads (store requests) so far. */
export const storeRequests = (sandbox: Sandbox) =>
  sandbox.requests.filter((r) => r.path.startsWith('/store/'));

/** The sandbox's signed-URL requests so far. */
export const urlRequests = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.path.endsWith('/s3token'));

/** A file's sha256, hex. */
export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** A set folder's complete manifest as written (JSON, not validated: tests check what is there). */
export async function readManifest(setDir: string): Promise<MirrorManifest> {
  return JSON.parse(await readFile(join(setDir, MIRROR_MANIFEST), 'utf8')) as MirrorManifest;
}

/** A set folder's partial manifest as written, with the archives still to come. */
export async function readPartial(
  setDir: string,
): Promise<MirrorManifest & { pending: { element: Element; filename: string }[] }> {
  return JSON.parse(await readFile(join(setDir, MIRROR_PARTIAL), 'utf8')) as MirrorManifest & {
    pending: { element: Element; filename: string }[];
  };
}

/** Flips one byte of a file in place (the middle by default): bit rot. */
export async function flipByte(path: string, at?: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    const pos = at ?? Math.floor(size / 2);
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, pos);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, pos);
  } finally {
    await fh.close();
  }
}

/**
 * Makes another set folder in `envDir` from a real mirrored one: the same archives (copied), its manifest saying
 * another catalog folder scheduled at `scheduledFor` (epoch seconds), complete or partial. For retention and
 * offline-restore tests that need several sets without several downloads.
 */
export async function copySet(
  template: string,
  envDir: string,
  name: string,
  change: { scheduledFor: number; folder?: string; complete?: boolean },
): Promise<string> {
  const dir = join(envDir, name);
  await cp(template, dir, { recursive: true, verbatimSymlinks: true });
  const m = await readManifest(dir);
  const next: MirrorManifest = {
    ...m,
    complete: change.complete ?? true,
    backup: {
      ...m.backup,
      folder: change.folder ?? `${change.scheduledFor}_automated`,
      scheduledFor: change.scheduledFor,
      date: new Date(change.scheduledFor * 1000).toISOString(),
    },
    completedAt: change.complete === false ? null : m.completedAt,
  };
  if (change.complete === false) {
    await rm(join(dir, MIRROR_MANIFEST));
    await writeFile(join(dir, MIRROR_PARTIAL), JSON.stringify({ ...next, pending: [] }));
  } else await writeFile(join(dir, MIRROR_MANIFEST), JSON.stringify(next));
  return dir;
}

/** The LifeboatError a promise rejects with; fails the test when it resolves, or rejects with anything else. */
export const failure = (p: Promise<unknown>): Promise<LifeboatError> =>
  p.then(
    (r) => {
      throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
    },
    (e: unknown) => {
      if (!(e instanceof LifeboatError)) throw e;
      return e;
    },
  );
