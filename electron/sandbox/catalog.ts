import { createHash } from 'node:crypto';
import type { ArchiveElement } from './archives';
import type { SeedSite } from './seed';

/** One catalog entry as the API sends it (archives have a filename; manifests do not). */
export interface CatalogEntry {
  task_id?: string;
  start_time?: number | null;
  finish_time: number | null;
  timestamp: number | null;
  filename?: string;
  folder: string;
  size: number;
  ttl: number;
  endpoint_uuid: string;
  BUILD_URL: string;
  BUILD_TAG: string;
  total_dirs?: number;
  total_entries?: number;
  total_files?: number;
  total_size?: number;
}

/** A backup folder to put in a catalog. */
export interface PlannedSet {
  readonly epoch: number;
  readonly kind: 'backup' | 'automated';
  readonly ttl: number;
  readonly elements: readonly ArchiveElement[];
}

/** The archive file name Pantheon gives: `{site}_{env}_{YYYY-MM-DDTHH-MM-SS}_UTC_{element}.{ext}`. */
export function archiveFilename(site: string, env: string, epoch: number, element: ArchiveElement): string {
  const stamp = new Date(epoch * 1000).toISOString().slice(0, 19).replace(/:/g, '-');
  return `${site}_${env}_${stamp}_UTC_${element}.${element === 'database' ? 'sql.gz' : 'tar.gz'}`;
}

const DAY = 86400;

/** The seeded backup history of an environment, relative to `nowS`. */
export function plannedHistory(site: SeedSite, env: string, nowS: number): PlannedSet[] {
  if (site.history === 'none') return [];
  if (env === 'live' && site.liveDeploys === 0) return [];
  const all: ArchiveElement[] = ['code', 'database', 'files'];
  const base = nowS - (nowS % 3600);
  const sets: PlannedSet[] = [
    { epoch: base - 1 * DAY, kind: 'automated', ttl: 691200, elements: all },
    { epoch: base - 2 * DAY, kind: 'automated', ttl: 691200, elements: all },
    { epoch: base - 9 * DAY, kind: 'automated', ttl: 2764800, elements: all },
  ];
  if (site.history === 'full') {
    sets.push(
      { epoch: base - 20 * DAY + 1234, kind: 'backup', ttl: 2592000, elements: all },
      // A database-only manual backup: sets do not always have all three archives.
      { epoch: base - 30 * DAY + 77, kind: 'backup', ttl: 31536000, elements: ['database'] },
      { epoch: base - 45 * DAY + 4321, kind: 'backup', ttl: 31556736, elements: all },
    );
  }
  return sets;
}

/** A stable fake id for BUILD_TAG and task ids. */
const hex = (s: string, n: number): string => createHash('sha1').update(s).digest('hex').slice(0, n);

/** The catalog entries of a set; `sizes` of null means the set is still being made (size 0, no times). */
export function entriesOf(
  site: SeedSite,
  env: string,
  set: PlannedSet,
  sizes: Partial<Record<ArchiveElement, number>> | null,
): [string, CatalogEntry][] {
  const folder = `${set.epoch}_${set.kind}`;
  const build = Number.parseInt(hex(folder + site.id, 6), 16) % 900000;
  const common = {
    folder,
    ttl: set.ttl,
    endpoint_uuid: site.id,
    BUILD_URL: `https://jenkins.example/job/backup_priority/${build}/`,
    BUILD_TAG: `jenkins-backup_priority-${build}`,
  };
  const out: [string, CatalogEntry][] = [];
  for (const [i, element] of set.elements.entries()) {
    const done = sizes !== null;
    out.push([
      `${folder}_${element}`,
      {
        ...common,
        task_id: `${hex(folder + element, 8)}-${hex(site.id, 4)}-4000-8000-${hex(env + element, 12)}`,
        start_time: set.epoch + 3 + i * 0.25,
        finish_time: done ? set.epoch + 10 + i * 3.5 : null,
        timestamp: done ? set.epoch + 10 + i * 3 : null,
        filename: archiveFilename(site.name, env, set.epoch, element),
        size: done ? (sizes[element] ?? 0) : 0,
      },
    ]);
  }
  out.push([
    `${folder}_manifest`,
    {
      ...common,
      size: 0,
      timestamp: set.epoch + 4,
      finish_time: null,
      total_dirs: 0,
      total_entries: 0,
      total_files: 0,
      total_size: 0,
    },
  ]);
  return out;
}

/** Sorts catalog keys newest first, as Pantheon sends them. */
export function sortCatalog(entries: Record<string, CatalogEntry>): Record<string, CatalogEntry> {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0)));
}

/**
 * The folders only the strict sandbox lists, as recorded catalogs have them: a manual code-only backup whose folder
 * has no manifest, and a backup still being written (archives named but empty, times unset), newer than the rest.
 */
export function strictExtraSets(
  site: SeedSite,
  env: string,
  nowS: number,
  sizes: Partial<Record<ArchiveElement, number>>,
): [string, CatalogEntry][] {
  const planned = plannedHistory(site, env, nowS);
  if (planned.length === 0) return [];
  const base = nowS - (nowS % 3600);
  const codeOnly: PlannedSet = {
    epoch: base - 5 * DAY + 611,
    kind: 'backup',
    ttl: 31556736,
    elements: ['code'],
  };
  const writing: PlannedSet = {
    epoch: nowS - 300,
    kind: 'backup',
    ttl: 31536000,
    elements: ['code', 'database', 'files'],
  };
  const out: [string, CatalogEntry][] = [];
  for (const [k, v] of entriesOf(site, env, codeOnly, sizes)) if (!k.endsWith('_manifest')) out.push([k, v]);
  for (const [k, v] of entriesOf(site, env, writing, null)) {
    if (k.endsWith('_manifest')) continue;
    // The files archive has its header written (a timestamp) but no size yet; the others have neither.
    out.push([k, k.endsWith('_files') ? { ...v, timestamp: writing.epoch + 4 } : v]);
  }
  return out;
}

const ARCHIVE_ORDER = [
  'task_id',
  'finish_time',
  'endpoint_uuid',
  'BUILD_URL',
  'filename',
  'BUILD_TAG',
  'ttl',
  'folder',
  'start_time',
  'size',
  'timestamp',
] as const;
const MANIFEST_ORDER = [
  'total_dirs',
  'total_size',
  'endpoint_uuid',
  'BUILD_URL',
  'BUILD_TAG',
  'ttl',
  'total_files',
  'folder',
  'total_entries',
  'size',
  'timestamp',
] as const;

/**
 * An entry as a recorded catalog has it: keys in the recorded order, times as floats with a fraction (the API
 * sends microseconds), and a manifest with only its own fields (no finish_time, task_id or filename).
 */
export function strictEntry(key: string, entry: CatalogEntry): CatalogEntry {
  const frac = ((Number.parseInt(hex(key, 6), 16) % 999_983) + 1) / 1_000_000;
  const float = (v: number | null | undefined): number | null =>
    typeof v === 'number' ? Math.floor(v) + frac : (v ?? null);
  const shaped: Record<string, unknown> = {
    ...entry,
    start_time: float(entry.start_time),
    finish_time: float(entry.finish_time),
  };
  const order = key.endsWith('_manifest') ? MANIFEST_ORDER : ARCHIVE_ORDER;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in shaped && shaped[k] !== undefined) out[k] = shaped[k];
  return out as unknown as CatalogEntry;
}
