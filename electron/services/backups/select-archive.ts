import type { BackupArchive, BackupInitiator, Element } from '@shared/models';
import { LifeboatError } from '../errors';
import { latestFinished, newestFirst, stillBeingWritten } from '../pantheon/catalog';
import { saneExpiry, saneTime } from '../pantheon/sane';

/** How a command names an archive: Terminus's `--file` (a file name or catalog key), a folder, or neither (latest). */
export interface ArchiveChoice {
  readonly element: Element;
  /** A file name as `backups list` shows it, or a catalog key (`1700000000_backup_database`). */
  readonly file?: string;
  /** A backup folder (`1700000000_backup`); a catalog key is taken as its folder. */
  readonly folder?: string;
}

const KEY_SUFFIX = /_(code|files|database|manifest)$/;

/** A backup folder as the catalog names it (`1795845600_automated`), which `--file` does not take. */
const FOLDER = /^\d+_(backup|automated)$/;

/** The element a name implies: `…_code.tar.gz`, `…_files.tar.gz`, `…_database.sql.gz`, or without the extension. */
const NAMED_ELEMENT = /_(code|files|database)(?:\.tar\.gz|\.sql\.gz)?$/;

/** The newest few finished file names of an element, to say what exists when a name is not found. */
function newestNames(archives: readonly BackupArchive[], element: Element, count = 3): string {
  const names = newestFirst(archives.filter((a) => a.element === element && a.finished)).map(
    (a) => a.filename,
  );
  if (names.length === 0) return `There are no finished ${element} backups.`;
  return `The newest ${element} backups: ${names.slice(0, count).join(', ')}.`;
}

/** What to say about a `--file` that names nothing: a folder points to `--backup`, else what exists. */
function fileNotFound(archives: readonly BackupArchive[], file: string, element: Element): LifeboatError {
  const folder = file.replace(/\/+$/, '');
  if (FOLDER.test(folder))
    return new LifeboatError(
      'not-found',
      `There is no backup file '${file}'; that is a backup folder: use --backup ${folder}.`,
    );
  // The name says which element it was meant to be; the hint lists that element's archives.
  const implied = (NAMED_ELEMENT.exec(file)?.[1] as Element | undefined) ?? element;
  return new LifeboatError(
    'not-found',
    `There is no backup file '${file}'. ${newestNames(archives, implied)}`,
  );
}

/**
 * Picks one archive of a catalog, as Terminus's backup commands do: by file name or key (`--file`; the archive's
 * own element then wins, as in Terminus), by folder (that folder's archive of `element`), or else the latest
 * finished archive of `element` (finished entries, keys newest first). A name that matches nothing is
 * `not-found` and says what exists; an archive still being written is a retryable `conflict`.
 */
export function selectArchive(
  archives: readonly BackupArchive[],
  choice: { element: Element; file?: string; folder?: string },
): BackupArchive {
  const { element } = choice;
  const file = choice.file?.trim();
  if (file) {
    const found = archives.find((a) => a.filename === file || a.id === file);
    if (!found) throw fileNotFound(archives, file, element);
    if (!found.finished) throw stillBeingWritten(found);
    return found;
  }
  const folder = choice.folder?.trim().replace(KEY_SUFFIX, '');
  if (folder) {
    const inFolder = archives.filter((a) => a.folder === folder);
    if (inFolder.length === 0) {
      const folders = [...new Set(newestFirst(archives).map((a) => a.folder))].slice(0, 3);
      throw new LifeboatError(
        'not-found',
        `There is no backup '${folder}'. ${folders.length ? `The newest: ${folders.join(', ')}.` : 'There are no backups.'}`,
      );
    }
    const found = inFolder.find((a) => a.element === element);
    if (!found) {
      const has = inFolder.map((a) => a.element).join(', ');
      throw new LifeboatError('not-found', `Backup ${folder} has no ${element} archive; it has: ${has}.`);
    }
    if (!found.finished) throw stillBeingWritten(found);
    return found;
  }
  const latest = latestFinished(archives, element);
  if (latest) return latest;
  const pending = newestFirst(archives.filter((a) => a.element === element))[0];
  if (pending) throw stillBeingWritten(pending);
  throw new LifeboatError('not-found', `There is no finished ${element} backup.`);
}

/** What `backups info` shows about one archive (Terminus's `backup:info`, with the folder and element added). */
export interface ArchiveInfo {
  readonly filename: string;
  /** Bytes. */
  readonly size: number;
  /** Seconds since epoch the archive was finished; null while it is being written. */
  readonly date: number | null;
  /** Seconds since epoch Pantheon deletes it; null when unknown. */
  readonly expiry: number | null;
  readonly initiator: BackupInitiator;
  readonly folder: string;
  readonly element: Element;
  /** The catalog key, which `--file` also accepts. */
  readonly key: string;
  readonly finished: boolean;
}

/** The facts of an archive for `backups info`: Terminus's date (finish time, else timestamp) and expiry (date + ttl). */
export function archiveInfo(a: BackupArchive): ArchiveInfo {
  return {
    filename: a.filename,
    size: a.size,
    // Only dates that can be shown: an archive from a broken catalog has none rather than "NaN-NaN-NaN".
    date: saneTime(a.date),
    expiry: saneExpiry(a.expiresAt),
    initiator: a.folder.endsWith('_automated') ? 'automated' : 'manual',
    folder: a.folder,
    element: a.element,
    key: a.id,
    finished: a.finished,
  };
}
