import type { LocalCopy } from '@shared/models';
import { toAppError } from '../errors';
import {
  runRestore,
  type RestoreContext,
  type RestoreDeps,
  type RestoreRequest,
  type RestoreResult,
} from '../restore/restore';
import type { CopyRegistry } from './registry';

/** A local restore that succeeded, and the copy it registered (null, with `warning`, when that failed). */
export interface RegisteredRestore {
  readonly result: RestoreResult;
  readonly copy: LocalCopy | null;
  /** Why the copy is not in Local copies although the restore is done; for the job's history line. */
  readonly warning?: string;
}

/**
 * Every local restore, from the app's jobs and `lifeboat pull` alike: runs it, and once it has succeeded
 * registers the copy it made with the account it used. A failed or cancelled restore throws before anything is
 * registered. Registering never fails a restore that is done on disk: a failure there becomes a warning.
 */
export async function restoreAndRegister(
  deps: RestoreDeps,
  request: RestoreRequest,
  ctx: RestoreContext,
  copies: { readonly registry: CopyRegistry; readonly accountId: string | null },
): Promise<RegisteredRestore> {
  const result = await runRestore(deps, request, ctx);
  try {
    // Still in the restore's last phase ("finishing"): measuring the size is part of it.
    const copy = await copies.registry.register(result, copies.accountId);
    return { result, copy };
  } catch (e) {
    return {
      result,
      copy: null,
      warning: `The restore is done, but it could not be added to Local copies: ${toAppError(e).message}`,
    };
  }
}
