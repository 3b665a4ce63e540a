import type { BackupSet, Element, Site, Workflow } from '@shared/models';
import { LifeboatError } from '../errors';
import type { PantheonClient } from '../pantheon/client';

/** What creating a backup and waiting for it produced. */
export interface CreatedBackup {
  readonly workflow: Workflow;
  /** The new set as the catalog lists it, or null when the catalog could not be read afterwards. */
  readonly backup: BackupSet | null;
  /** Why `backup` is null: the backup itself succeeded, only the read that follows failed. */
  readonly warning: string | null;
}

/**
 * The one "create a backup and wait" of the engine (the app's job, the CLI and a restore from a new backup):
 * starts Pantheon's `do_export` workflow, follows it to the end, then finds the set it made. A catalog read
 * that fails after the workflow succeeded is a warning, never a failure: the backup exists.
 */
export async function createBackupAndWait(
  deps: { readonly client: PantheonClient; readonly site: Site },
  request: {
    readonly env: string;
    readonly elements: readonly Element[];
    readonly keepForDays: number;
    readonly pollMs?: number;
    readonly signal?: AbortSignal;
    readonly onUpdate?: (w: Workflow) => void;
  },
): Promise<CreatedBackup> {
  const { client, site } = deps;
  const startedAt = Math.floor(Date.now() / 1000);
  const started = await client.createBackup(site, request.env, request.elements, request.keepForDays);
  request.onUpdate?.(started);
  const workflow = await client.waitForWorkflow(site.id, started, {
    ...(request.pollMs !== undefined ? { intervalMs: request.pollMs } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onUpdate ? { onUpdate: request.onUpdate } : {}),
  });
  let sets: BackupSet[];
  try {
    sets = await client.listBackupSets(site, request.env);
  } catch (e) {
    if (request.signal?.aborted) throw e;
    const why = e instanceof LifeboatError ? e.message : String(e);
    return {
      workflow,
      backup: null,
      warning: `The backup was made, but the catalog could not be read: ${why}`,
    };
  }
  // The newest manual set with every element asked for; allow for clock skew between Pantheon and us.
  const complete = (s: BackupSet): boolean => request.elements.every((el) => s.archives[el]?.finished);
  const backup =
    sets.find((s) => s.initiator === 'manual' && complete(s) && s.scheduledFor >= startedAt - 600) ??
    sets.find((s) => s.initiator === 'manual' && complete(s)) ??
    null;
  return {
    workflow,
    backup,
    warning: backup
      ? null
      : 'The backup was made, but it is not in the catalog yet; list the backups again in a minute.',
  };
}
