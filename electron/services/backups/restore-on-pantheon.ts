import type { BackupArchive, Element, Site, Workflow } from '@shared/models';
import { LifeboatError } from '../errors';
import { assertNotFrozen, type PantheonClient } from '../pantheon/client';
import { selectArchive } from './select-archive';

/** Terminus's order for `backup:restore --element=all`: code, then files, then the database. */
const RESTORE_ORDER: readonly Element[] = ['code', 'files', 'database'];

/**
 * Restores an environment on Pantheon from its own backups (the Dashboard's Restore, Terminus's
 * `backup:restore`): one `restore_{element}` workflow per archive, in Terminus's order, each waited on.
 *
 * Every archive is chosen before the first workflow starts, so a missing or unfinished archive stops the
 * restore before anything changed. With `file`, the element is the file's own and only that archive is
 * restored (Terminus sends the same file three times with the default `--element=all`; Lifeboat does not).
 * With `folder`, that backup's archive of each element; otherwise the latest finished archive of each.
 */
export async function restoreOnPantheon(
  deps: { client: PantheonClient; site: Site },
  req: {
    env: string;
    elements: readonly Element[];
    file?: string;
    folder?: string;
    signal?: AbortSignal;
    pollMs?: number;
    onUpdate?: (w: Workflow, element: Element) => void;
  },
): Promise<{ archives: BackupArchive[]; workflows: Workflow[] }> {
  const { client, site } = deps;
  assertNotFrozen(site);
  if (req.elements.length === 0)
    throw new LifeboatError('invalid-request', 'Choose at least one of code, files and database to restore.');
  const catalog = await client.listArchives(site, req.env);
  let archives: BackupArchive[];
  if (req.file) {
    const archive = selectArchive(catalog, { element: req.elements[0]!, file: req.file });
    // All three elements is the default ("all"); a narrower choice that leaves out the file's element is a contradiction.
    if (req.elements.length < 3 && !req.elements.includes(archive.element)) {
      throw new LifeboatError(
        'invalid-request',
        `${archive.filename} is a ${archive.element} archive, not ${req.elements.join(' or ')}.`,
      );
    }
    archives = [archive];
  } else {
    archives = RESTORE_ORDER.filter((el) => req.elements.includes(el)).map((element) =>
      selectArchive(catalog, { element, ...(req.folder ? { folder: req.folder } : {}) }),
    );
  }

  const workflows: Workflow[] = [];
  for (const archive of archives) {
    if (req.signal?.aborted) throw new LifeboatError('cancelled', 'Cancelled.');
    try {
      const started = await client.restoreBackup(site, req.env, archive, req.signal);
      req.onUpdate?.(started, archive.element);
      workflows.push(
        await client.waitForWorkflow(site.id, started, {
          ...(req.pollMs !== undefined ? { intervalMs: req.pollMs } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
          onUpdate: (w) => req.onUpdate?.(w, archive.element),
        }),
      );
    } catch (e) {
      // Say what has already changed on Pantheon, since a restore is not undone by a later failure.
      if (!(e instanceof LifeboatError) || workflows.length === 0) throw e;
      const done = archives.slice(0, workflows.length).map((a) => a.element);
      throw new LifeboatError(
        e.code,
        `${e.message} The ${done.join(' and ')} of ${site.name}.${req.env} ${done.length > 1 ? 'were' : 'was'} already restored.`,
        e.detail,
        { cause: e, retryable: e.retryable },
      );
    }
  }
  return { archives, workflows };
}
