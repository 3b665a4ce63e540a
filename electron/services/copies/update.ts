import { basename, dirname } from 'node:path';
import type { RequestOf } from '@shared/api/schemas';
import type { Element, LocalCopy, RestoreConflict } from '@shared/models';
import type { DbConnection } from '../database/mysql';
import { LifeboatError } from '../errors';
import { readCopyRecord } from '../restore/checks';
import {
  planRestore,
  type BackupChoice,
  type RestoreDeps,
  type RestorePlan,
  type RestoreRequest,
} from '../restore/plan';
import { stateOf } from './files';

/**
 * "Update from a newer backup": a restore of the same copy, in its own folder, through the same plan, checks and
 * job as every restore (see restore/update-apply.ts for how it is applied). The app's Update, `lifeboat copies
 * update PATH` and `lifeboat pull --update` all build their request here.
 */

/** What a person can choose about an update; everything else comes from the copy. */
export interface UpdateOptions {
  /** The newest backup (default) or a backup folder (`pull --update --backup new`: one made first). */
  readonly backup?: BackupChoice;
  /** The new branch; default: the first free `lifeboat/<env>-<date>[-N]`. */
  readonly branch?: string;
  /**
   * The database: undefined, as the copy had it (into a new database when its dump was imported, else only the
   * archive kept); an object, imported (into a new database, the first free `<site>_<env>_<date>[_N]` unless
   * named; with `replace`, into the named one or the copy's own, swapped atomically); null, the archive only.
   */
  readonly database?: { readonly name?: string; readonly replace?: boolean } | null;
  /** Files changed in the copy since its last restore are replaced too (kept aside); else they refuse the update. */
  readonly replaceLocalEdits?: boolean;
  /** `pull --update` only: the elements and patterns its command line gave, instead of the copy's. */
  readonly elements?: readonly Element[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** Where the update's database import goes. */
export interface UpdateSettings {
  /** The database server (Settings', or a command line's); rejects with why when none is set up. */
  readonly connection: () => Promise<DbConnection>;
}

/** What an update needs of a copy (the registry's LocalCopy, or one read from a folder's lifeboat.json). */
export type UpdatableCopy = Pick<LocalCopy, 'path' | 'site' | 'env' | 'elements' | 'database' | 'accountId'>;

/** The update options of a contract request (`copies.previewUpdate` / `copies.update`). */
export function updateOptionsOf(req: RequestOf<'copyUpdate'>): UpdateOptions {
  return {
    ...(req.backup && req.backup !== 'latest' ? { backup: { folder: req.backup } } : {}),
    ...(req.branch ? { branch: req.branch } : {}),
    ...(req.database !== undefined ? { database: req.database } : {}),
    ...(req.replaceLocalEdits ? { replaceLocalEdits: true } : {}),
  };
}

/** An account an update could go through, for a copy that names none: asked whether it sees the copy's site. */
export interface CandidateAccount {
  /** How messages name it (its email). */
  readonly label: string;
  /**
   * The account's id when it sees the site (this asks Pantheon), else rejects: `not-found` when it does not see
   * it, any other error when it could not be asked (its token refused, the network down).
   */
  readonly idIfSees: (siteId: string) => Promise<string>;
}

/**
 * The account an update of the copy uses: the one that restored it; for a copy that names none (restored from a
 * mirror with no saved account to match, or before accounts were recorded), the first of `candidates` that sees
 * its site, asking Pantheon (an update goes to Pantheon anyway). The update then registers the copy with it.
 * Refuses, saying what to do, when none does.
 */
export async function accountForUpdate(
  copy: UpdatableCopy,
  candidates: readonly CandidateAccount[],
): Promise<string> {
  if (copy.accountId) return copy.accountId;
  let failed: unknown = null;
  for (const c of candidates) {
    try {
      return await c.idIfSees(copy.site.id);
    } catch (e) {
      // Pantheon answers a site an account cannot see with 404, or 403 [V-doc: tolerant of either].
      if (e instanceof LifeboatError && (e.code === 'not-found' || e.code === 'forbidden')) continue;
      // One account that cannot be asked does not stop the others; its failure is told when none sees the site.
      failed ??= e;
    }
  }
  if (failed) throw failed;
  throw new LifeboatError(
    'not-found',
    `Lifeboat does not know which account restored ${copy.path}, and ${candidates.length === 0 ? 'no account is logged in' : `no account here (${candidates.map((c) => c.label).join(', ')}) sees ${copy.site.name}`}, so it cannot update it. Log in with an account that sees ${copy.site.name} (lifeboat auth login, or its token in TERMINUS_MACHINE_TOKEN), then update again.`,
  );
}

/** Refuses a copy whose folder is gone or holds something else now, saying what to do instead. */
export async function assertUpdatable(copy: UpdatableCopy): Promise<void> {
  const state = await stateOf(copy);
  if (state === 'missing')
    throw new LifeboatError(
      'not-found',
      `${copy.path} is not there any more (moved or deleted), so there is nothing to update. Forget the copy, or restore ${copy.site.name}.${copy.env} again.`,
    );
  if (state === 'replaced')
    throw new LifeboatError(
      'conflict',
      `${copy.path} no longer holds this restore of ${copy.site.name}.${copy.env} (its lifeboat.json is gone or names another site or environment), so Lifeboat will not update it. Forget the copy.`,
    );
}

/**
 * The one request an update of `copy` makes: its site, environment and elements, its folder, the include and
 * exclude it was restored with (from its lifeboat.json), the newest backup unless one is chosen, its database as
 * it had it unless chosen otherwise. Refuses a copy that is missing or replaced. Rejects with the reason when a
 * database import is asked for and no server is set up.
 */
export async function updateRequestOf(
  copy: UpdatableCopy,
  options: UpdateOptions,
  settings: UpdateSettings,
): Promise<RestoreRequest> {
  await assertUpdatable(copy);
  const record = await readCopyRecord(copy.path);
  const elements = options.elements ?? copy.elements;
  let database: RestoreRequest['database'];
  const wantsImport =
    elements.includes('database') &&
    options.database !== null &&
    (options.database !== undefined || copy.database !== null);
  if (wantsImport) {
    const replace = options.database?.replace ?? false;
    // Replacing with no name given replaces the copy's own database.
    const name = options.database?.name ?? (replace ? (copy.database ?? undefined) : undefined);
    database = { connection: await settings.connection(), ...(name ? { name } : {}), replace };
  }
  return {
    site: copy.site.name,
    env: copy.env,
    backup: options.backup ?? 'latest',
    elements,
    targetDir: dirname(copy.path),
    folderName: basename(copy.path),
    ...(options.branch ? { branch: options.branch } : {}),
    ...(database ? { database } : {}),
    include: options.include ?? record?.files?.include ?? [],
    exclude: options.exclude ?? record?.files?.exclude ?? [],
    updateInPlace: true,
    ...(options.replaceLocalEdits ? { replaceLocalEdits: true } : {}),
  };
}

/**
 * The plan of an update (the preview shows it, the run carries it out): always a plan, a database server that is
 * not set up being one of its conflicts, like every other reason the update cannot run.
 */
export async function planUpdate(
  deps: RestoreDeps,
  copy: UpdatableCopy,
  options: UpdateOptions,
  settings: UpdateSettings,
): Promise<RestorePlan> {
  let noServer: RestoreConflict | null = null;
  const request = await updateRequestOf(copy, options, {
    connection: async () => {
      try {
        return await settings.connection();
      } catch (e) {
        if (!(e instanceof LifeboatError)) throw e;
        noServer = { kind: 'database', code: e.code, message: e.message };
        throw e;
      }
    },
  }).catch(async (e: unknown) => {
    if (noServer === null) throw e;
    // Planned without the import, so every other conflict shows too.
    return updateRequestOf(copy, { ...options, database: null }, settings);
  });
  const plan = await planRestore(deps, request);
  return noServer ? { ...plan, conflicts: [...plan.conflicts, noServer] } : plan;
}
