import type { Site } from '@shared/models';
import { LifeboatError } from '../errors';
import type { PantheonClient } from '../pantheon/client';

/**
 * The files changed and not committed on an SFTP-mode environment: Pantheon keeps such changes out of every
 * backup, so a backup made now would not have them. `{ files: 0 }` when the environment is clean.
 *
 * null means "nothing to warn about, or not known": the environment is in git mode (no such changes can
 * exist), or its mode or diffstat could not be read. Unknown is not reported as clean or as changed; the
 * caller then does not warn, since a backup must not be blocked by a detail Pantheon did not give.
 * An environment that does not exist is still `not-found`.
 */
export async function uncommittedChanges(
  deps: { client: PantheonClient; site: Site },
  env: string,
): Promise<{ files: number; paths: string[] } | null> {
  const { client, site } = deps;
  let mode: 'sftp' | 'git';
  try {
    mode = (await client.requireEnvironment(site, env)).connectionMode;
  } catch (e) {
    if (
      e instanceof LifeboatError &&
      (e.code === 'not-found' || e.code === 'frozen' || e.code === 'cancelled')
    )
      throw e;
    return null;
  }
  if (mode !== 'sftp') return null;
  try {
    const entries = await client.getDiffstat(site, env);
    return { files: entries.length, paths: entries.map((e) => e.path) };
  } catch (e) {
    if (e instanceof LifeboatError && e.code === 'cancelled') throw e;
    return null;
  }
}
