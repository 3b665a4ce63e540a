import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, parse, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ELEMENTS, type Element, type LocalCopy, type LocalCopyState } from '@shared/models';
import { LifeboatError } from '../errors';
import { readSmallFile } from '../jobs/journal';
import type { RestoreRecord } from '../restore/assemble';
import { SIZE_LIMITS, sizeOnDisk, type SizeLimits } from './size';

/**
 * The local copies registry: `<dataDir>/copies/<id>.json`, one file per copy, each replaced whole by rename so a
 * reader never sees half of one, shared by every Lifeboat process on the data folder (the app, the browser host,
 * each `lifeboat` command). A copy's id is derived from its folder's path, so there is one copy per folder by
 * construction: restoring into the same folder again (an update in place), from any process, replaces that
 * copy's file instead of adding one, with no lock to take.
 */

/** What the registry keeps of a copy; its state and any newer backup are found when it is listed. */
export type StoredCopy = Omit<LocalCopy, 'state' | 'newerBackup'>;

/** The newest finished backup of an environment, or null when it has none. */
export type NewestBackup = (
  accountId: string,
  siteId: string,
  env: string,
) => Promise<{ readonly folder: string; readonly scheduledFor: string } | null>;

export interface CopyRegistryOptions {
  readonly dataDir: string;
  /** How `list({ checkNewer })` asks Pantheon; without it nothing is checked. */
  readonly newestBackup?: NewestBackup;
  /** How long an environment's newest backup is remembered (default 10 minutes). */
  readonly cacheMs?: number;
  /** Moves a folder to the OS trash (default: the `trash` package). */
  readonly trash?: (path: string) => Promise<void>;
  readonly sizeLimits?: SizeLimits;
  /**
   * After a copy was removed or forgotten here. Not after `register`: a registering restore is a job, and the
   * engine announces copies when a restore job succeeds, in whichever process it ran.
   */
  readonly onChange?: () => void;
}

export const copiesDir = (dataDir: string): string => join(dataDir, 'copies');

/** A registry file is a few hundred bytes; anything much bigger is not one and is never read (64 KiB). */
const MAX_COPY_FILE_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

/** The id of the copy in `path` (absolute): a UUID (version 8, name-based) of the path, the same in every process. */
export function copyIdOf(path: string): string {
  const h = createHash('sha256').update(`lifeboat-copy\0${path}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const str = z.string().max(4096);
/** A registry file as written by this version; anything else is skipped, never a failure of the list. */
const fileSchema = z.object({
  version: z.literal(1),
  copy: z.object({
    id: z.string().regex(UUID),
    // Only an absolute, normal path: a relative one would mean a different folder in each process.
    path: str.min(1).refine((p) => isAbsolute(p) && resolve(p) === p),
    site: z.object({ id: str.min(1), name: str, framework: str }),
    env: str.min(1),
    accountId: str.nullable(),
    backup: z.object({ folder: str, scheduledFor: str }),
    // A newer version may restore more kinds of elements: the ones this version knows are kept.
    elements: z
      .array(z.string())
      .transform((a) => ELEMENTS.filter((e) => a.includes(e)) as readonly Element[]),
    deployTag: str.nullable(),
    branch: str.nullable(),
    database: str.nullable(),
    sizeBytes: z.number().finite().nonnegative().nullable(),
    restoredAt: str,
  }),
});

/** The copy a successful restore made, as the registry keeps it. */
export function storedCopyOf(
  result: { readonly path: string; readonly record: RestoreRecord },
  accountId: string | null,
  sizeBytes: number | null,
): StoredCopy {
  const path = resolve(result.path);
  const r = result.record;
  return {
    id: copyIdOf(path),
    path,
    site: { id: r.site.id, name: r.site.name, framework: r.site.framework },
    env: r.env,
    accountId,
    backup: { folder: r.backup.folder, scheduledFor: r.backup.scheduledFor },
    elements: ELEMENTS.filter((e) => r.archives[e] !== undefined),
    deployTag: r.code?.tag ?? null,
    branch: r.code?.branch ?? null,
    database: r.database?.importedInto ?? null,
    sizeBytes,
    restoredAt: r.restoredAt,
  };
}

/**
 * Where a copy stands now: present when its folder (a real folder, not a link) has a `lifeboat.json` naming the
 * same site id and environment; missing when the path is gone; replaced otherwise.
 */
export async function stateOf(copy: Pick<StoredCopy, 'path' | 'site' | 'env'>): Promise<LocalCopyState> {
  let st;
  try {
    st = await lstat(copy.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'replaced';
  }
  if (!st.isDirectory()) return 'replaced';
  // Not followed if it is a link, not read if it is huge or a FIFO (see readSmallFile).
  const text = await readSmallFile(join(copy.path, 'lifeboat.json'), MAX_COPY_FILE_BYTES * 16);
  if (text === null) return 'replaced';
  try {
    const rec = JSON.parse(text) as { site?: { id?: unknown }; env?: unknown } | null;
    return rec?.site?.id === copy.site.id && rec.env === copy.env ? 'present' : 'replaced';
  } catch {
    return 'replaced';
  }
}

/** Folders that are never a copy, whatever a registry file says: the root, the home folder and its parents, the data folder. */
function assertRemovable(path: string, dataDir: string): void {
  const inside = (child: string, parent: string): boolean => {
    const rel = relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  const refuse = (why: string): never => {
    throw new LifeboatError('conflict', `${path} ${why}; Lifeboat does not move it to the trash.`);
  };
  if (!isAbsolute(path) || resolve(path) !== path) refuse('is not an absolute, normal path');
  if (parse(path).root === path) refuse('is the root of a disk');
  if (inside(homedir(), path)) refuse('is your home folder or holds it');
  const data = resolve(dataDir);
  if (inside(data, path) || inside(path, data)) refuse('is or is inside Lifeboat’s data folder');
}

async function moveToTrash(path: string): Promise<void> {
  const { default: trash } = await import('trash');
  // glob: false, or a folder named with * or [ would be read as a pattern and could match others.
  await trash([path], { glob: false });
}

/** The registry of local copies (see the top of this file). */
export class CopyRegistry {
  private readonly dir: string;
  private readonly cache = new Map<
    string,
    { readonly at: number; readonly value: Promise<LocalCopy['newerBackup'] | undefined> }
  >();

  constructor(private readonly options: CopyRegistryOptions) {
    this.dir = copiesDir(options.dataDir);
  }

  /**
   * Records the copy a restore just made (or updates the one already in that folder), with its size on disk
   * measured now. Returns it as `list` would show it.
   */
  async register(
    result: { readonly path: string; readonly record: RestoreRecord },
    accountId: string | null,
  ): Promise<LocalCopy> {
    const path = resolve(result.path);
    const size = await sizeOnDisk(path, this.options.sizeLimits ?? SIZE_LIMITS);
    // The time the folder's own lifeboat.json says (written a moment after the result's record was made).
    const onDisk = await readSmallFile(join(path, 'lifeboat.json'), MAX_COPY_FILE_BYTES * 16);
    let restoredAt = result.record.restoredAt;
    try {
      const rec = JSON.parse(onDisk ?? 'null') as Partial<RestoreRecord> | null;
      if (rec?.site?.id === result.record.site.id && typeof rec.restoredAt === 'string')
        restoredAt = rec.restoredAt;
    } catch {
      // The result's own record stands.
    }
    const copy = storedCopyOf({ path, record: { ...result.record, restoredAt } }, accountId, size);
    await this.write(copy);
    return { ...copy, state: await stateOf(copy), newerBackup: null };
  }

  /**
   * Every copy, newest first, with its state on disk now. With `checkNewer`, present copies ask Pantheon (once
   * per account, site and environment every `cacheMs`) for a newer backup; without it, only an answer already
   * remembered is used. One failing lookup leaves that copy's `newerBackup` null; it never fails the list.
   */
  async list(options: { readonly checkNewer?: boolean } = {}): Promise<LocalCopy[]> {
    const stored = await this.readAll();
    const copies = await Promise.all(
      stored.map(async (c): Promise<LocalCopy> => {
        const state = await stateOf(c);
        return { ...c, state, newerBackup: await this.newerOf({ ...c, state }, options.checkNewer ?? false) };
      }),
    );
    return copies.sort((a, b) => (Date.parse(b.restoredAt) || 0) - (Date.parse(a.restoredAt) || 0));
  }

  /** One copy with its state now; `not-found` when the registry has none with that id. */
  async get(copyId: string): Promise<LocalCopy> {
    const c = UUID.test(copyId) ? await this.read(copyId) : null;
    if (!c)
      throw new LifeboatError('not-found', 'That local copy is not in the list any more (it was forgotten).');
    return { ...c, state: await stateOf(c), newerBackup: await this.newerOf(c, false) };
  }

  /** Drops a copy from the registry; the disk is not touched. Forgetting a copy already gone is not an error. */
  async forget(copyId: string): Promise<void> {
    if (!UUID.test(copyId)) throw new LifeboatError('not-found', 'That is not a local copy’s id.');
    await rm(join(this.dir, `${copyId}.json`), { force: true });
    this.options.onChange?.();
  }

  /**
   * Moves a present copy's folder to the OS trash, then forgets it. Refused when the folder is missing or is
   * not that copy any more, and for folders that are never a copy (the root, the home folder, the data folder)
   * whatever the registry says. The folder's own `lifeboat.json` is checked again right before it moves. The
   * database it was imported into is left alone.
   */
  async remove(copyId: string): Promise<void> {
    const copy = await this.get(copyId);
    if (copy.state === 'missing')
      throw new LifeboatError(
        'not-found',
        `${copy.path} is not there any more (moved or deleted), so there is nothing to move to the trash. Forget the copy instead.`,
      );
    if (copy.state === 'replaced')
      throw new LifeboatError(
        'conflict',
        `${copy.path} no longer holds this restore of ${copy.site.name}.${copy.env} (its lifeboat.json is gone or names another site or environment), so Lifeboat will not move it to the trash. Forget the copy instead.`,
      );
    assertRemovable(copy.path, this.options.dataDir);
    // Right before the move: the folder may have changed since it was listed, or since the lines above.
    if ((await stateOf(copy)) !== 'present')
      throw new LifeboatError(
        'conflict',
        `${copy.path} changed while it was being removed; nothing was moved. Look at it and try again.`,
      );
    try {
      await (this.options.trash ?? moveToTrash)(copy.path);
    } catch (e) {
      throw new LifeboatError(
        'io',
        `${copy.path} could not be moved to the trash: ${(e as Error).message}. Nothing was deleted.`,
      );
    }
    const left = await lstat(copy.path).then(
      () => true,
      () => false,
    );
    if (left)
      throw new LifeboatError(
        'io',
        `${copy.path} could not be moved to the trash (the system has no trash for that disk); it was left as it was.`,
      );
    await this.forget(copyId);
  }

  private async newerOf(copy: LocalCopy | StoredCopy, ask: boolean): Promise<LocalCopy['newerBackup']> {
    const lookup = this.options.newestBackup;
    if (!lookup || !copy.accountId || ('state' in copy && copy.state !== 'present')) return null;
    const key = JSON.stringify([copy.accountId, copy.site.id, copy.env]);
    const ttl = this.options.cacheMs ?? 10 * 60_000;
    let hit = this.cache.get(key);
    if (!hit || Date.now() - hit.at > ttl) {
      if (!ask) return null;
      // undefined: the lookup failed; it is asked again next time rather than remembered.
      const value = lookup(copy.accountId, copy.site.id, copy.env).then(
        (v) => v,
        () => {
          this.cache.delete(key);
          return undefined;
        },
      );
      hit = { at: Date.now(), value };
      this.cache.set(key, hit);
    }
    const newest = await hit.value;
    if (!newest || newest.folder === copy.backup.folder) return null;
    const newer = Date.parse(newest.scheduledFor) > Date.parse(copy.backup.scheduledFor);
    return newer ? { folder: newest.folder, scheduledFor: newest.scheduledFor } : null;
  }

  private async read(id: string): Promise<StoredCopy | null> {
    const text = await readSmallFile(join(this.dir, `${id}.json`), MAX_COPY_FILE_BYTES);
    if (text === null) return null;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      // A file whose copy has another id than its name is not one this registry wrote: forget would miss it.
      // Nor one whose id is not its path's: there would be two copies of one folder.
      if (!parsed.success || parsed.data.copy.id !== id || copyIdOf(parsed.data.copy.path) !== id)
        return null;
      return parsed.data.copy;
    } catch {
      return null;
    }
  }

  private async readAll(): Promise<StoredCopy[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const ids = names.map((n) => FILE.exec(n)?.[1]).filter((id): id is string => id !== undefined);
    const read = await Promise.all(ids.map((id) => this.read(id)));
    return read.filter((c): c is StoredCopy => c !== null);
  }

  private async write(copy: StoredCopy): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${copy.id}.json`);
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify({ version: 1, copy }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
