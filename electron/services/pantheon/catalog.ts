import type { BackupArchive, BackupSet, Element } from '@shared/models';
import { ELEMENTS } from '@shared/models';
import { LifeboatError } from '../errors';
import { windowsNameProblem } from '../paths/path-rules';
import { numeric as num, saneTime, saneTtl } from './sane';

const KEY = /^(\d+)_(backup|automated)_(code|files|database|manifest)$/;

/** A time: in the sane range (so 0, which PHP's `!= null` in Terminus also takes for "no time", is none). */
const time = saneTime;

/** A name that is safe as one file name: no separators, no `..`, not hidden, no control characters. */
const SAFE_FILENAME = /^(?!\.)[A-Za-z0-9._+=@,-]{1,255}$/;

/**
 * Parses a backup catalog by Terminus's rules: entries without a filename (manifests) are dropped, the element
 * comes from the key, finished means size > 0 and a finish time or timestamp. Real catalogs are untidy, so
 * this takes what it can: numbers sent as strings or floats, extra or missing keys, entries in any order,
 * archives still being written (size 0, no times: kept, unfinished), a folder with a code archive and no
 * manifest (manifests are not needed). Keys Lifeboat does not understand are skipped rather than failing
 * the whole catalog. Times outside 2000–2200 and ttls that are negative or over a hundred years count as absent.
 */
export function parseCatalog(raw: unknown): BackupArchive[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const out: BackupArchive[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const m = KEY.exec(key);
    if (!m || m[3] === 'manifest' || !value || typeof value !== 'object' || Array.isArray(value)) continue;
    const e = value as Record<string, unknown>;
    if (typeof e.filename !== 'string' || e.filename === '') continue;
    // The file name becomes a path on the user's disk: one plain name, never a path or a hidden file, and one
    // every system can hold (not `CON.tar.gz` or `x.`, which Windows cannot). An entry with anything else (a
    // hostile or broken API) is skipped like an entry Lifeboat does not understand.
    if (!SAFE_FILENAME.test(e.filename) || windowsNameProblem(e.filename) !== null) continue;
    // The folder is the key without its element, as Terminus derives it for a restore's storage key: a `folder`
    // field that says otherwise (or is missing, or is not a plain name) cannot split one backup into two sets.
    const folder = `${m[1]}_${m[2]}`;
    const size = Math.max(0, Math.round(num(e.size) ?? 0));
    // Times and ttls out of any sane range (1e20, negative, NaN) are not said at all, rather than dates no one
    // can format: the archive is then unfinished (no time) or has no known expiry (no ttl).
    const date = time(e.finish_time) ?? time(e.timestamp);
    const ttl = saneTtl(e.ttl);
    out.push({
      id: key,
      element: m[3] as Element,
      filename: e.filename,
      folder,
      size,
      finished: size !== 0 && date !== null,
      date,
      ttl: ttl ?? 0,
      // Without a ttl the expiry is unknown, not "the moment it was made".
      expiresAt: date !== null && ttl !== null ? Math.floor(date + ttl) : null,
    });
  }
  return out;
}

/**
 * The one error for an archive that is listed but still being written, wherever it is met (picking, downloading,
 * restoring here or on Pantheon): a `conflict` that passes by itself, so it is retryable.
 */
export function stillBeingWritten(a: Pick<BackupArchive, 'filename'>): LifeboatError {
  return new LifeboatError(
    'conflict',
    `${a.filename} is still being written; try again when the backup finishes.`,
    undefined,
    { retryable: true },
  );
}

/** Groups archives into backup sets by folder, newest first. */
export function groupBackupSets(archives: readonly BackupArchive[]): BackupSet[] {
  const byFolder = new Map<string, BackupArchive[]>();
  for (const a of archives) {
    const list = byFolder.get(a.folder) ?? [];
    list.push(a);
    byFolder.set(a.folder, list);
  }
  const sets: BackupSet[] = [];
  for (const [folder, list] of byFolder) {
    const archivesByElement: Partial<Record<Element, BackupArchive>> = {};
    for (const el of ELEMENTS) {
      const a = list.find((x) => x.element === el);
      if (a) archivesByElement[el] = a;
    }
    const epoch = Number.parseInt(folder, 10);
    sets.push({
      folder,
      scheduledFor: Number.isFinite(epoch) ? epoch : 0,
      initiator: folder.endsWith('_automated') ? 'automated' : 'manual',
      archives: archivesByElement,
      finished: list.every((a) => a.finished),
      totalSize: list.reduce((n, a) => n + a.size, 0),
    });
  }
  return sets.sort((a, b) => b.scheduledFor - a.scheduledFor || (a.folder < b.folder ? 1 : -1));
}

/**
 * The newest finished archive of an element, as Terminus picks it: finished entries of that element,
 * keys sorted descending as strings (epochs are ten digits), first one.
 */
export function latestFinished(archives: readonly BackupArchive[], element: Element): BackupArchive | null {
  return newestFirst(archives.filter((a) => a.element === element && a.finished))[0] ?? null;
}

/**
 * Archives newest first: by the key's epoch, then by key as Terminus sorts them (the same order for the
 * ten-digit epochs Pantheon uses; the number first so a shorter epoch can never sort above a longer one).
 */
export function newestFirst(archives: readonly BackupArchive[]): BackupArchive[] {
  const epoch = (a: BackupArchive): number => Number.parseInt(a.id, 10) || 0;
  return [...archives].sort((a, b) => epoch(b) - epoch(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Finds a backup set by folder, by an archive's key, or by an archive's file name (`--file` in Terminus). */
export function findBackupSet(sets: readonly BackupSet[], ref: string): BackupSet | null {
  return (
    sets.find(
      (s) =>
        s.folder === ref || Object.values(s.archives).some((a) => a && (a.id === ref || a.filename === ref)),
    ) ?? null
  );
}
