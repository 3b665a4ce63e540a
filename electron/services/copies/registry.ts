import { createHash, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, parse, resolve } from 'node:path';
import { z } from 'zod';
import { ELEMENTS, type Element, type LocalCopy } from '@shared/models';
import { LifeboatError } from '../errors';
import { mayBeAtOrInside } from '../paths/path-rules';
import type { RestoreRecord } from '../restore/assemble';
import {
  canonicalPath,
  cannotRead,
  mapLimit,
  READ_LANES,
  readRecordIn,
  readSmallText,
  stateOf,
} from './files';
import { osTrash, trashCopyFolder, type Trash } from './remove';
import { SIZE_LIMITS, sizeOnDisk, type SizeLimits } from './size';

export { stateOf } from './files';

/**
 * The local copies registry: `<dataDir>/copies/<id>.json`, one file per copy, each replaced whole by rename so a
 * reader never sees half of one, shared by every Lifeboat process on the data folder (the app, the browser host,
 * each `lifeboat` command). A copy's id is derived from its folder's path (its parent's real path and its name,
 * see canonicalPath, so a folder reached through a link is the same copy), so there is one copy per folder by
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
  readonly trash?: Trash;
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
const count = z.number().int().nonnegative();
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
    // Absent in files written before updates existed.
    lastUpdate: z
      .object({
        unchanged: count,
        added: count,
        replaced: count,
        removed: count,
        keptAside: z.object({ path: str.min(1).refine((p) => isAbsolute(p)), count }).nullable(),
      })
      .nullable()
      .default(null),
  }),
});

/** The copy a successful restore made, as the registry keeps it (`result.path` already canonical). */
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
    database: r.database?.importedInto ?? r.database?.kept ?? null,
    sizeBytes,
    restoredAt: r.restoredAt,
    lastUpdate: r.files?.refreshed
      ? {
          ...r.files.refreshed,
          keptAside: r.files.keptAside
            ? { path: join(path, r.files.keptAside.path), count: r.files.keptAside.count }
            : null,
        }
      : null,
  };
}

/**
 * Whether `child` may be `parent` or inside it (by name, folding what this system's file systems may ignore: see
 * paths/path-rules). Only ever used to refuse, so a doubt refuses.
 */
const isInside = (child: string, parent: string): boolean => mayBeAtOrInside(parent, child);

/** `path`'s real path too, when it has one (a home folder reached through a link). */
const spellings = (path: string): string[] => {
  try {
    return [path, realpathSync(path)];
  } catch {
    return [path];
  }
};

/**
 * Folders that are never a copy, whatever a registry file says: the root, the home folder and its parents, the
 * data folder and what is in it or holds it (each also by its real path).
 */
function assertRemovable(path: string, dataDir: string): void {
  const refuse = (why: string): never => {
    throw new LifeboatError('conflict', `${path} ${why}; Lifeboat does not move it to the trash.`);
  };
  if (!isAbsolute(path) || resolve(path) !== path) refuse('is not an absolute, normal path');
  if (parse(path).root === path) refuse('is the root of a disk');
  if (spellings(homedir()).some((home) => isInside(home, path))) refuse('is your home folder or holds it');
  for (const data of spellings(resolve(dataDir)))
    if (isInside(data, path) || isInside(path, data)) refuse('is or is inside Lifeboat’s data folder');
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
    const path = await canonicalPath(result.path);
    const size = await sizeOnDisk(path, this.options.sizeLimits ?? SIZE_LIMITS);
    // The time the folder's own lifeboat.json says (written a moment after the result's record was made).
    const rec = (await readRecordIn(path).catch(() => null)) as Partial<RestoreRecord> | null;
    const restoredAt =
      rec?.site?.id === result.record.site.id && typeof rec.restoredAt === 'string'
        ? rec.restoredAt
        : result.record.restoredAt;
    const copy = storedCopyOf({ path, record: { ...result.record, restoredAt } }, accountId, size);
    await this.write(copy);
    return { ...copy, state: await stateOf(copy), newerBackup: null };
  }

  /**
   * Every copy, newest first, with its state on disk now. With `checkNewer`, present copies ask Pantheon (once
   * per account, site and environment every `cacheMs`) for a newer backup; without it, only an answer already
   * remembered is used. One failing lookup leaves that copy's `newerBackup` null; it never fails the list.
   * A file that cannot be read now (no descriptors left, no permission) fails it: never a part of the list.
   */
  async list(options: { readonly checkNewer?: boolean } = {}): Promise<LocalCopy[]> {
    const withState = await this.readAllWithState();
    const copies = await Promise.all(
      withState.map(async (c): Promise<LocalCopy> => ({
        ...c,
        newerBackup: await this.newerOf(c, options.checkNewer ?? false),
      })),
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
   * The copy, if `remove` would move it now; else the error it would refuse with: `not-found` when the folder
   * is missing, `conflict` when it is not that copy any more, when it is a folder that is never a copy (the
   * root, the home folder, the data folder) whatever the registry says, or when it holds another present copy
   * (which would go to the trash with it, unannounced: that one is to be removed or forgotten first). For a
   * confirmation asked before `remove`: what it names is then only ever this copy's folder.
   */
  async removable(copyId: string): Promise<LocalCopy> {
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
    const inside = (await this.readAllWithState()).filter(
      (c) => c.id !== copy.id && c.state === 'present' && isInside(c.path, copy.path),
    );
    if (inside.length > 0) {
      const names = inside.map((c) => `${c.path} (${c.site.name}.${c.env})`).join(', ');
      throw new LifeboatError(
        'conflict',
        inside.length === 1
          ? `${copy.path} holds another local copy, ${names}, which would go to the trash with it. Remove or forget that copy first; nothing was moved.`
          : `${copy.path} holds other local copies, ${names}, which would go to the trash with it. Remove or forget those copies first; nothing was moved.`,
      );
    }
    return copy;
  }

  /**
   * Moves a present copy's folder to the OS trash, then forgets it; refused as {@link removable} says. The
   * folder that moves is checked to be the copy's own, by its device and inode and its `lifeboat.json`, after it
   * was set aside and before the trash takes it (see trashCopyFolder). The database it was imported into is
   * left alone.
   */
  async remove(copyId: string): Promise<void> {
    // Loaded first: nothing is left to load between the checks and the move.
    const trash = this.options.trash ?? (await osTrash());
    const copy = await this.removable(copyId);
    await trashCopyFolder(copy, trash, (real) => assertRemovable(real, this.options.dataDir));
    await this.forget(copyId);
  }

  /**
   * Forgets what is remembered of an environment's newest backup (after a backup of it was made here), so the
   * next list that checks asks Pantheon again instead of answering from a cache that predates the new backup.
   */
  forgetNewest(siteId: string, env: string): void {
    for (const key of this.cache.keys()) {
      const [, site, e] = JSON.parse(key) as [string, string, string];
      if (site === siteId && e === env) this.cache.delete(key);
    }
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

  /** A registry file's copy; null when it is not one this registry wrote (throws when it cannot be read now). */
  private async read(id: string): Promise<StoredCopy | null> {
    const text = await readSmallText(join(this.dir, `${id}.json`), MAX_COPY_FILE_BYTES);
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

  /** Every copy with its state, reading READ_LANES files at a time (a list of thousands opens no more). */
  private async readAllWithState(): Promise<(StoredCopy & Pick<LocalCopy, 'state'>)[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw cannotRead(e, this.dir) ?? e;
    }
    const ids = names.map((n) => FILE.exec(n)?.[1]).filter((id): id is string => id !== undefined);
    const read = await mapLimit(ids, READ_LANES, async (id) => {
      const c = await this.read(id);
      return c && { ...c, state: await stateOf(c) };
    });
    return read.filter((c) => c !== null);
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
